/**
 * One TCP connection to Redis: opening it (AUTH, SELECT, a connect timeout),
 * its state, and the reconnection loop with exponential backoff. Replies are
 * paired with commands by a {@linkcode ReplyQueue}.
 *
 * @module
 */

import { connectTcp, type TcpConnection } from "../runtime/tcp.ts";
import type { RedisClientOptions, RedisConnectionConfig } from "./config.ts";
import { ReplyQueue } from "./replies.ts";
import { encodeCommand, type RespArgument, RespDecoder, type RespReply } from "./resp.ts";

/** Thrown (as a rejection) for commands lost or refused because the connection is not usable. */
export class RedisConnectionError extends Error {
  /**
   * Creates the error.
   *
   * @param message "Cannot X: detail".
   *
   * @example
   * ```ts
   * import { RedisConnectionError } from "./client.ts";
   * console.log(new RedisConnectionError("Cannot send: closed").name); // "RedisConnectionError"
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "RedisConnectionError";
  }
}

/** State of a {@linkcode Link}. */
export type LinkState = "idle" | "connecting" | "ready" | "reconnecting" | "closed";

/** How a {@linkcode Link} reports to its owner. */
export interface LinkHooks {
  /** Sends the state-restoring commands once a reconnection is open. */
  restore?: (link: Link) => Promise<unknown>;
  /** Takes a reply that answers no command (a pub/sub message); returns true when it did. */
  intercept?: (reply: RespReply) => boolean;
  error: (error: RedisConnectionError, lost: number) => void;
  reconnecting: (attempt: number, delay: number) => void;
  reconnect: () => void;
}

/** One TCP connection to Redis with its FIFO of pending replies and its reconnection loop. */
export class Link {
  #state: LinkState = "idle";
  #connecting: Promise<void> | null = null;
  #conn: TcpConnection | null = null;
  #replies = new ReplyQueue();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #attempt = 0;
  #config: RedisConnectionConfig;
  #options: RedisClientOptions;
  #hooks: LinkHooks;

  constructor(config: RedisConnectionConfig, options: RedisClientOptions, hooks: LinkHooks) {
    this.#config = config;
    this.#options = options;
    this.#hooks = hooks;
  }

  get state(): LinkState {
    return this.#state;
  }

  #setState(next: LinkState): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#state = next;
  }

  /** First connection: failures reject, no reconnection loop; concurrent calls share it. */
  connect(): Promise<void> {
    if (this.#state === "idle") this.#connecting = this.#connect();
    return this.#connecting ?? Promise.resolve();
  }

  async #connect(): Promise<void> {
    this.#setState("connecting");
    try {
      await this.#open();
    } catch (error) {
      this.#setState("closed");
      throw error;
    }
    // close() may have run while connecting.
    if (this.state === "connecting") this.#setState("ready");
  }

  async #open(): Promise<void> {
    const decoder = new RespDecoder({ bytes: true });
    const opening = connectTcp({
      hostname: this.#config.hostname,
      port: this.#config.port,
      tls: this.#config.tls,
      onData: (bytes) => {
        let replies: RespReply[];
        try {
          replies = decoder.push(bytes);
        } catch (error) {
          // Bad bytes from the server: the stream cannot be trusted any more.
          this.#hooks.error(
            new RedisConnectionError(`Cannot decode reply: ${(error as Error).message}`),
            0,
          );
          conn.close();
          return;
        }
        for (const reply of replies) {
          if (this.#hooks.intercept?.(reply)) continue;
          this.#replies.settle(reply);
        }
      },
    });
    const ms = this.#options.connectTimeout ?? 10_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RedisConnectionError(`Cannot connect: no answer within ${ms} ms`)),
        ms,
      );
    });
    let conn: TcpConnection;
    try {
      conn = await Promise.race([opening, timeout]);
    } catch (error) {
      // A late connection must not leak.
      opening.then((late) => late.close(), () => {});
      throw error;
    } finally {
      clearTimeout(timer);
    }
    if (this.#state === "closed") {
      conn.close();
      await conn.closed;
      throw new RedisConnectionError("Cannot connect: the client was closed");
    }
    this.#conn = conn;
    conn.closed.then(() => this.#onClosed(conn));
    const { username, password, db } = this.#config;
    try {
      if (password !== undefined) {
        await this.#raw(username ? ["AUTH", username, password] : ["AUTH", password], 1, false);
      }
      if (db !== 0) await this.#raw(["SELECT", db], 1, false);
    } catch (error) {
      conn.close();
      await conn.closed;
      throw error;
    }
  }

  #onClosed(conn: TcpConnection): void {
    if (this.#conn !== conn) return;
    this.#conn = null;
    const closing = this.#state === "closed";
    const error = new RedisConnectionError(
      closing
        ? "Cannot complete command: the client was closed"
        : "Cannot complete command: the connection to Redis was lost",
    );
    const lost = this.#replies.rejectAll(error);
    if (closing) return;
    if (this.#state === "connecting") return; // #open() is still running and will fail on its own.
    this.#hooks.error(error, lost);
    if (this.#options.reconnect === false) {
      this.#setState("closed");
      return;
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    this.#setState("reconnecting");
    const min = this.#options.reconnectMinDelay ?? 50;
    const max = this.#options.reconnectMaxDelay ?? 5000;
    const delay = Math.min(max, min * 2 ** Math.min(this.#attempt, 20));
    this.#attempt++;
    this.#hooks.reconnecting(this.#attempt, delay);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#reconnect();
    }, delay);
  }

  async #reconnect(): Promise<void> {
    if (this.#state !== "reconnecting") return;
    try {
      this.#setState("connecting");
      await this.#open();
      if (this.#hooks.restore) await this.#hooks.restore(this);
    } catch (error) {
      if (this.state === "closed") return;
      this.#conn?.close();
      this.#conn = null;
      this.#hooks.error(
        new RedisConnectionError(`Cannot reconnect: ${(error as Error).message}`),
        0,
      );
      this.#scheduleReconnect();
      return;
    }
    if (this.state !== "connecting") return; // close() ran during the restore.
    this.#attempt = 0;
    this.#setState("ready");
    this.#hooks.reconnect();
  }

  /** Writes a command without checking the state (handshake and restore use it). */
  #raw(args: readonly RespArgument[], replies: number, bytes: boolean): Promise<RespReply> {
    const conn = this.#conn;
    if (!conn) {
      return Promise.reject(new RedisConnectionError("Cannot send command: not connected"));
    }
    // Encoded before its reply is awaited: an argument that cannot be encoded rejects this call
    // alone, and no reply slot is left behind to take the next command's reply.
    let command: Uint8Array;
    try {
      command = encodeCommand(args);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<RespReply>((resolve, reject) => {
      this.#replies.push({ resolve, reject, remaining: replies, bytes });
      conn.write(command);
    });
  }

  /** Sends during restore (state "connecting"), bypassing the ready check. */
  restoreSend(args: readonly RespArgument[], replies: number): Promise<RespReply> {
    return this.#raw(args, replies, false);
  }

  /** Sends a command expecting `replies` replies; rejects unless the link is ready. */
  send(args: readonly RespArgument[], replies: number, bytes: boolean): Promise<RespReply> {
    if (this.#state !== "ready") {
      return Promise.reject(
        new RedisConnectionError(`Cannot send command: the connection is ${this.#state}`),
      );
    }
    return this.#raw(args, replies, bytes);
  }

  /** Closes the connection (after QUIT when `quit` and ready) and stops reconnecting. */
  async close(quit: boolean): Promise<void> {
    if (this.#state === "closed") return;
    const conn = this.#conn;
    if (quit && conn && this.#state === "ready") {
      await this.#raw(["QUIT"], 1, false).catch(() => {});
    }
    this.#setState("closed");
    if (conn) {
      conn.close();
      await conn.closed;
    }
  }
}
