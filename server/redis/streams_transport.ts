/**
 * The Redis stream that carries a cluster's messages: `XADD` to publish
 * (trimmed with `MAXLEN ~`), and one reading loop, `XREAD BLOCK` from the
 * last id read, on a connection of its own (a blocking read holds its
 * connection). After a failure the loop waits, retries and goes on from the
 * last id it read, so a node cut from Redis for a while receives everything
 * published meanwhile, once and in order, as long as the stream still holds
 * it.
 *
 * @module
 */

import { RedisAdapterError } from "./errors.ts";
import { parseEntries, type StreamEntry } from "./streams_codec.ts";
import { replyText } from "./wire.ts";

/** Sends one raw command and resolves with its reply. */
export type RedisSend = (args: string[]) => Promise<unknown>;

/** Settings of a {@linkcode StreamsTransport}. */
export interface StreamsTransportOptions {
  /** The stream's key. */
  streamName: string;
  /** The stream's length kept (almost exactly: `MAXLEN ~`). */
  maxLen: number;
  /** Entries read per XREAD. */
  readCount: number;
  /** Milliseconds one XREAD blocks when nothing comes. */
  blockTime: number;
}

/** What the transport hands to its owner. */
export interface StreamsTransportHooks {
  /** An entry read from the stream, in stream order, each once. */
  onEntry(entry: StreamEntry): void;
  /** A failure to read (reported once per outage) or an entry the owner could not take. */
  onError(error: RedisAdapterError): void;
}

/** State of a {@linkcode StreamsTransport}. */
export type StreamsTransportState = "idle" | "reading" | "retrying" | "stopped";

const RETRY_MIN = 50;
const RETRY_MAX = 1000;

/** One stream: publishing, ranges, and the reading loop. */
export class StreamsTransport {
  #send: RedisSend;
  #read: RedisSend;
  #opts: StreamsTransportOptions;
  #hooks: StreamsTransportHooks;
  #state: StreamsTransportState = "idle";
  /** The id of the last entry read, or null until the stream's end is known. */
  #offset: string | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | null = null;
  #started: Promise<void> | null = null;
  #loop: Promise<void> = Promise.resolve();

  /**
   * @param send Sends commands (XADD, XRANGE): may be shared with other work.
   * @param read Sends the blocking XREAD: a connection of its own.
   * @param options The stream's settings.
   * @param hooks Where entries and failures go.
   */
  constructor(
    send: RedisSend,
    read: RedisSend,
    options: StreamsTransportOptions,
    hooks: StreamsTransportHooks,
  ) {
    this.#send = send;
    this.#read = read;
    this.#opts = options;
    this.#hooks = hooks;
  }

  /** The loop's state. */
  get state(): StreamsTransportState {
    return this.#state;
  }

  /** The id of the last entry read (null before the first read). */
  get offset(): string | null {
    return this.#offset;
  }

  /** Resolves when the loop has ended (after {@linkcode StreamsTransport.stop}). */
  get ended(): Promise<void> {
    return this.#loop;
  }

  /**
   * Starts the loop. Resolves once the stream's current end is known (or the
   * first attempt to learn it failed, then reported): what is published
   * after that is read.
   */
  start(): Promise<void> {
    if (this.#started) return this.#started;
    this.#setState("reading");
    this.#started = new Promise<void>((resolve) => {
      this.#loop = this.#run(resolve);
    });
    return this.#started;
  }

  /** Stops the loop and its retry timer; an XREAD in flight is dropped when it returns. */
  stop(): void {
    this.#setState("stopped");
  }

  /**
   * Appends an entry, trimming the stream to about `maxLen` entries.
   *
   * @param fields A flat name/value list.
   * @returns The id Redis gave the entry.
   */
  async publish(fields: string[]): Promise<string> {
    const { streamName, maxLen } = this.#opts;
    const id = await this.#send([
      "XADD",
      streamName,
      "MAXLEN",
      "~",
      String(maxLen),
      "*",
      ...fields,
    ]);
    return replyText(id);
  }

  /** The entries from `start` to `end` (ids, inclusive), at most `count`. */
  async range(start: string, end: string, count: number): Promise<StreamEntry[]> {
    const reply = await this.#send([
      "XRANGE",
      this.#opts.streamName,
      start,
      end,
      "COUNT",
      String(count),
    ]);
    return parseEntries(reply, false);
  }

  #setState(next: StreamsTransportState): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#wake?.();
    this.#wake = null;
    if (this.#state !== "stopped") this.#state = next;
  }

  /** A method, not a comparison, so that the state is read again after each await. */
  #stopped(): boolean {
    return this.#state === "stopped";
  }

  async #run(started: () => void): Promise<void> {
    let failures = 0;
    while (!this.#stopped()) {
      try {
        if (this.#offset === null) this.#offset = await this.#end();
        started();
        if (this.#stopped()) break;
        const { streamName, readCount, blockTime } = this.#opts;
        const reply = await this.#read([
          "XREAD",
          "COUNT",
          String(readCount),
          "BLOCK",
          String(blockTime),
          "STREAMS",
          streamName,
          this.#offset,
        ]);
        if (this.#stopped()) break;
        if (failures > 0) this.#setState("reading");
        failures = 0;
        for (const entry of parseEntries(reply, true)) {
          this.#offset = entry.id;
          this.#deliver(entry);
        }
      } catch (error) {
        started();
        if (this.#stopped()) break;
        if (failures++ === 0) {
          this.#hooks.onError(
            new RedisAdapterError("read", "Cannot read the stream: retrying", { cause: error }),
          );
        }
        await this.#retryAfter(Math.min(RETRY_MAX, RETRY_MIN * 2 ** Math.min(failures - 1, 10)));
      }
    }
  }

  /** The id of the stream's last entry ("0-0" when empty): reading starts after it. */
  async #end(): Promise<string> {
    const last = parseEntries(
      await this.#send(["XREVRANGE", this.#opts.streamName, "+", "-", "COUNT", "1"]),
      false,
    );
    return last.length > 0 ? last[0].id : "0-0";
  }

  #deliver(entry: StreamEntry): void {
    try {
      this.#hooks.onEntry(entry);
    } catch (error) {
      this.#hooks.onError(
        new RedisAdapterError("receive", `Cannot take stream entry ${entry.id}`, { cause: error }),
      );
    }
  }

  #retryAfter(delay: number): Promise<void> {
    this.#setState("retrying");
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        this.#wake = null;
        resolve();
      }, delay);
    });
  }
}
