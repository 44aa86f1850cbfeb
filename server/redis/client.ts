/**
 * A small Redis client for the scale-out adapter: pipelined commands on one
 * connection, pub/sub (plain, pattern and sharded) on a second one, automatic
 * reconnection with backoff and resubscription.
 *
 * @module
 */

import { Emitter } from "../../common/emitter.ts";
import { connectTcp, type TcpConnection } from "../runtime/tcp.ts";
import {
  encodeCommand,
  RedisReplyError,
  type RespArgument,
  RespDecoder,
  RespPush,
  type RespReply,
} from "./resp.ts";

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

/** Where and how to connect, as parsed from a URL by {@linkcode parseRedisUrl}. */
export interface RedisConnectionConfig {
  /** Host name or IP address. @default "127.0.0.1" */
  hostname: string;
  /** TCP port. @default 6379 */
  port: number;
  /** Use TLS (`rediss://`). @default false */
  tls: boolean;
  /** ACL user for AUTH. @default undefined */
  username?: string;
  /** Password for AUTH. @default undefined (no AUTH) */
  password?: string;
  /** Database index for SELECT. @default 0 (no SELECT) */
  db: number;
}

/**
 * Parses `redis://[user:pass@]host:port/db` (or `rediss://` for TLS).
 *
 * @param url The URL.
 * @returns The connection settings.
 * @throws {TypeError} When the URL is invalid or not redis:// / rediss://.
 *
 * @example
 * ```ts
 * import { parseRedisUrl } from "./client.ts";
 * const config = parseRedisUrl("redis://:secret@localhost:6380/2");
 * console.log(config.port, config.password, config.db); // 6380 "secret" 2
 * ```
 */
export function parseRedisUrl(url: string): RedisConnectionConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`Cannot parse Redis URL: ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new TypeError(
      `Cannot parse Redis URL: scheme must be redis: or rediss:, got ${parsed.protocol}`,
    );
  }
  const path = parsed.pathname.replace(/^\//, "");
  if (path !== "" && !/^\d+$/.test(path)) {
    throw new TypeError(
      `Cannot parse Redis URL: database must be a number, got ${JSON.stringify(path)}`,
    );
  }
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
  return {
    hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    tls: parsed.protocol === "rediss:",
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: path === "" ? 0 : Number(path),
  };
}

/** Options for {@linkcode RedisClient}. */
export interface RedisClientOptions extends Partial<RedisConnectionConfig> {
  /** A `redis://` URL; explicit fields above override its parts. @default "redis://127.0.0.1:6379" */
  url?: string;
  /** First reconnection delay in ms; it doubles per failed attempt. @default 50 */
  reconnectMinDelay?: number;
  /** Largest reconnection delay in ms. @default 5000 */
  reconnectMaxDelay?: number;
  /** Reconnect after the connection drops. @default true */
  reconnect?: boolean;
  /** Milliseconds to wait for the TCP connection to open. @default 10000 */
  connectTimeout?: number;
}

/** State of a {@linkcode RedisClient}. */
export type RedisClientState = "idle" | "connecting" | "ready" | "reconnecting" | "closed";

/** Which of the client's two connections an event is about. */
export type RedisLinkName = "command" | "subscriber";

/** Events of {@linkcode RedisClient}. */
export type RedisClientEvents = {
  /** A connection dropped (`lost` commands were rejected) or a reconnection attempt failed. */
  error: (error: RedisConnectionError, info: { link: RedisLinkName; lost: number }) => void;
  /** A reconnection attempt is scheduled in `delay` ms. */
  reconnecting: (info: { link: RedisLinkName; attempt: number; delay: number }) => void;
  /** A connection is back (and, for the subscriber, every subscription is restored). */
  reconnect: (info: { link: RedisLinkName }) => void;
  /** A message listener threw `error` (the other listeners still ran). */
  listenerError: (error: unknown, channel: string) => void;
};

/** Receives pub/sub messages; `pattern` is set for pattern subscriptions. */
export type RedisMessageListener<T extends string | Uint8Array = string | Uint8Array> = (
  message: T,
  channel: string,
  pattern?: string,
) => void;

/** Options for the subscribe methods of {@linkcode RedisClient}. */
export interface RedisSubscribeOptions {
  /** Deliver messages as `Uint8Array` instead of UTF-8 strings. @default false */
  bytes?: boolean;
}

/** Options for {@linkcode RedisClient.send}. */
export interface RedisSendOptions {
  /** Keep bulk strings in the reply as `Uint8Array`. @default false */
  bytes?: boolean;
}

type SubscriptionKind = "channel" | "pattern" | "shard";
interface Subscriber {
  listener: RedisMessageListener;
  bytes: boolean;
}
interface Pending {
  resolve: (reply: RespReply) => void;
  reject: (error: Error) => void;
  /** Replies still expected (SUBSCRIBE to n channels answers n times). */
  remaining: number;
  bytes: boolean;
}

type LinkState = "idle" | "connecting" | "ready" | "reconnecting" | "closed";

interface LinkHooks {
  /** Sends the state-restoring commands once a reconnection is open. */
  restore?: (link: Link) => Promise<unknown>;
  message?: (data: RespReply[]) => void;
  error: (error: RedisConnectionError, lost: number) => void;
  reconnecting: (attempt: number, delay: number) => void;
  reconnect: () => void;
}

const textDecoder = new TextDecoder();
const PUBSUB_MESSAGES = new Set(["message", "pmessage", "smessage"]);

function asText(value: RespReply): string {
  if (value instanceof Uint8Array) return textDecoder.decode(value);
  return String(value);
}

/** Turns every Uint8Array in a reply into a string (the decoder runs in bytes mode). */
function toStrings(reply: RespReply): RespReply {
  if (reply instanceof Uint8Array) return textDecoder.decode(reply);
  if (Array.isArray(reply)) return reply.map(toStrings);
  if (reply instanceof Map) {
    const map = new Map<RespReply, RespReply>();
    for (const [k, v] of reply) map.set(toStrings(k), toStrings(v));
    return map;
  }
  if (reply instanceof RespPush) return new RespPush(reply.data.map(toStrings));
  return reply;
}

/** One TCP connection to Redis with its FIFO of pending replies and its reconnection loop. */
class Link {
  #state: LinkState = "idle";
  #connecting: Promise<void> | null = null;
  #conn: TcpConnection | null = null;
  #queue: Pending[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #attempt = 0;
  #config: RedisConnectionConfig;
  #options: RedisClientOptions;
  #hooks: LinkHooks;
  #subscriber: boolean;

  constructor(
    config: RedisConnectionConfig,
    options: RedisClientOptions,
    hooks: LinkHooks,
    subscriber: boolean,
  ) {
    this.#config = config;
    this.#options = options;
    this.#hooks = hooks;
    this.#subscriber = subscriber;
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
        for (const reply of replies) this.#onReply(reply);
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

  #onReply(reply: RespReply): void {
    if (this.#subscriber) {
      const data = reply instanceof RespPush ? reply.data : Array.isArray(reply) ? reply : null;
      if (data && data.length >= 3 && PUBSUB_MESSAGES.has(asText(data[0]))) {
        this.#hooks.message?.(data);
        return;
      }
    }
    const head = this.#queue[0];
    if (!head) return; // Unsolicited (e.g. a RESP3 push we did not ask for): ignore.
    head.remaining--;
    if (reply instanceof RedisReplyError) {
      this.#queue.shift();
      // Swallow the remaining replies of a multi-reply command by keeping a stub in place.
      if (head.remaining > 0) this.#queue.unshift({ ...head, resolve: () => {}, reject: () => {} });
      head.reject(reply);
      return;
    }
    if (head.remaining > 0) return;
    this.#queue.shift();
    head.resolve(head.bytes ? reply : toStrings(reply));
  }

  #onClosed(conn: TcpConnection): void {
    if (this.#conn !== conn) return;
    this.#conn = null;
    const lost = this.#queue;
    this.#queue = [];
    const closing = this.#state === "closed";
    const error = new RedisConnectionError(
      closing
        ? "Cannot complete command: the client was closed"
        : "Cannot complete command: the connection to Redis was lost",
    );
    for (const pending of lost) pending.reject(error);
    if (closing) return;
    if (this.#state === "connecting") return; // #open() is still running and will fail on its own.
    this.#hooks.error(error, lost.length);
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
    return new Promise<RespReply>((resolve, reject) => {
      this.#queue.push({ resolve, reject, remaining: replies, bytes });
      conn.write(encodeCommand(args));
    });
  }

  /** Sends during restore (state "connecting"), bypassing the ready check. */
  restoreSend(args: readonly RespArgument[], replies: number): Promise<RespReply> {
    return this.#raw(args, replies, false);
  }

  send(args: readonly RespArgument[], replies: number, bytes: boolean): Promise<RespReply> {
    if (this.#state !== "ready") {
      return Promise.reject(
        new RedisConnectionError(`Cannot send command: the connection is ${this.#state}`),
      );
    }
    return this.#raw(args, replies, bytes);
  }

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

/**
 * A Redis client: pipelined commands, pub/sub on a separate connection, and
 * automatic reconnection. After a drop, pending commands are rejected with a
 * {@linkcode RedisConnectionError} (an `"error"` event reports how many), the
 * client reconnects with exponential backoff, restores every subscription and
 * emits `"reconnect"`. Commands sent while reconnecting are rejected at once.
 *
 * @example Publish and subscribe
 * ```ts ignore
 * import { RedisClient } from "./client.ts";
 * const redis = new RedisClient({ url: "redis://127.0.0.1:6379" });
 * await redis.connect();
 * await redis.subscribe("news", (message, channel) => console.log(channel, message));
 * await redis.publish("news", "hello");
 * console.log(await redis.send(["PING"])); // "PONG"
 * await redis.close();
 * ```
 */
export class RedisClient extends Emitter<RedisClientEvents> {
  #config: RedisConnectionConfig;
  #options: RedisClientOptions;
  #command: Link;
  #subscriber: Link | null = null;
  #subscriberReady: Promise<void> | null = null;
  #closed = false;
  #subscriptions: Record<SubscriptionKind, Map<string, Set<Subscriber>>> = {
    channel: new Map(),
    pattern: new Map(),
    shard: new Map(),
  };

  /**
   * Creates a client; nothing connects until {@linkcode RedisClient.connect} or a subscribe.
   *
   * @param options A URL and/or explicit settings; see {@linkcode RedisClientOptions}.
   */
  constructor(options: RedisClientOptions | string = {}) {
    super();
    const opts = typeof options === "string" ? { url: options } : options;
    const base = parseRedisUrl(opts.url ?? "redis://127.0.0.1:6379");
    this.#config = {
      hostname: opts.hostname ?? base.hostname,
      port: opts.port ?? base.port,
      tls: opts.tls ?? base.tls,
      username: opts.username ?? base.username,
      password: opts.password ?? base.password,
      db: opts.db ?? base.db,
    };
    this.#options = opts;
    this.#command = new Link(this.#config, opts, this.#hooks("command"), false);
  }

  #hooks(link: RedisLinkName): LinkHooks {
    return {
      error: (error, lost) => this.emit("error", error, { link, lost }),
      reconnecting: (attempt, delay) => this.emit("reconnecting", { link, attempt, delay }),
      reconnect: () => this.emit("reconnect", { link }),
    };
  }

  /** The command connection's state (`"closed"` after {@linkcode RedisClient.close}). */
  get state(): RedisClientState {
    return this.#closed ? "closed" : this.#command.state;
  }

  /**
   * Opens the command connection (AUTH and SELECT included).
   *
   * @throws {Error} When Redis cannot be reached or AUTH/SELECT fail.
   */
  async connect(): Promise<void> {
    if (this.#closed) throw new RedisConnectionError("Cannot connect: the client was closed");
    await this.#command.connect();
  }

  /**
   * Sends one command; replies come back in order, so calls may be pipelined
   * without awaiting each other.
   *
   * @param command The command name and arguments, e.g. `["SET", "k", "v"]`.
   * @param options Reply format.
   * @returns The reply (an error reply rejects with {@linkcode RedisReplyError}).
   * @throws {RedisConnectionError} When the connection is not ready or drops before the reply.
   */
  send(command: readonly RespArgument[], options: RedisSendOptions = {}): Promise<RespReply> {
    return this.#command.send(command, 1, options.bytes ?? false);
  }

  /**
   * Publishes `message` on `channel`.
   *
   * @returns How many subscribers received it (on this node).
   */
  async publish(channel: string, message: string | Uint8Array): Promise<number> {
    return Number(await this.send(["PUBLISH", channel, message]));
  }

  /**
   * Publishes on a sharded channel (`SPUBLISH`, Redis 7+).
   *
   * @returns How many subscribers received it.
   */
  async spublish(channel: string, message: string | Uint8Array): Promise<number> {
    return Number(await this.send(["SPUBLISH", channel, message]));
  }

  /** Subscribes `listener` to `channels` (opens the subscriber connection on first use). */
  subscribe(
    channels: string | string[],
    listener: RedisMessageListener,
    options: RedisSubscribeOptions = {},
  ): Promise<void> {
    return this.#subscribe("channel", channels, listener, options);
  }

  /** Subscribes `listener` to glob `patterns`; it receives the pattern as third argument. */
  psubscribe(
    patterns: string | string[],
    listener: RedisMessageListener,
    options: RedisSubscribeOptions = {},
  ): Promise<void> {
    return this.#subscribe("pattern", patterns, listener, options);
  }

  /** Subscribes `listener` to sharded `channels` (`SSUBSCRIBE`, Redis 7+). */
  ssubscribe(
    channels: string | string[],
    listener: RedisMessageListener,
    options: RedisSubscribeOptions = {},
  ): Promise<void> {
    return this.#subscribe("shard", channels, listener, options);
  }

  /** Removes `listener` (or every listener) from `channels`; unsubscribes when none is left. */
  unsubscribe(channels: string | string[], listener?: RedisMessageListener): Promise<void> {
    return this.#unsubscribe("channel", channels, listener);
  }

  /** Pattern counterpart of {@linkcode RedisClient.unsubscribe}. */
  punsubscribe(patterns: string | string[], listener?: RedisMessageListener): Promise<void> {
    return this.#unsubscribe("pattern", patterns, listener);
  }

  /** Sharded counterpart of {@linkcode RedisClient.unsubscribe}. */
  sunsubscribe(channels: string | string[], listener?: RedisMessageListener): Promise<void> {
    return this.#unsubscribe("shard", channels, listener);
  }

  /** Sends QUIT on both connections, then closes them. */
  async quit(): Promise<void> {
    await this.#shutdown(true);
  }

  /** Closes both connections at once; pending commands are rejected. Releases every timer. */
  async close(): Promise<void> {
    await this.#shutdown(false);
  }

  async #shutdown(quit: boolean): Promise<void> {
    this.#closed = true;
    await Promise.all([this.#command.close(quit), this.#subscriber?.close(quit)]);
    for (const map of Object.values(this.#subscriptions)) map.clear();
  }

  #subscriberLink(): Promise<Link> {
    if (!this.#subscriber) {
      const hooks = this.#hooks("subscriber");
      hooks.message = (data) => this.#dispatch(data);
      hooks.restore = (link) => this.#restore(link);
      this.#subscriber = new Link(this.#config, this.#options, hooks, true);
      this.#subscriberReady = this.#subscriber.connect();
      // A failed first connect is reported to the caller; allow a new try later.
      this.#subscriberReady.catch(() => {
        this.#subscriber = null;
        this.#subscriberReady = null;
      });
    }
    const link = this.#subscriber;
    return this.#subscriberReady!.then(() => link);
  }

  #dispatch(data: RespReply[]): void {
    const kind = asText(data[0]);
    let map: Map<string, Set<Subscriber>>;
    let key: string;
    let channel: string;
    let message: RespReply;
    let pattern: string | undefined;
    if (kind === "pmessage") {
      map = this.#subscriptions.pattern;
      key = pattern = asText(data[1]);
      channel = asText(data[2]);
      message = data[3];
    } else {
      map = kind === "smessage" ? this.#subscriptions.shard : this.#subscriptions.channel;
      key = channel = asText(data[1]);
      message = data[2];
    }
    const subscribers = map.get(key);
    if (!subscribers || !(message instanceof Uint8Array)) return;
    let text: string | undefined;
    for (const sub of [...subscribers]) {
      const payload = sub.bytes ? message : (text ??= textDecoder.decode(message));
      try {
        sub.listener(payload, channel, pattern);
      } catch (error) {
        // A throwing listener must not break the read loop; report it instead.
        this.emit("listenerError", error, channel);
      }
    }
  }

  async #restore(link: Link): Promise<void> {
    const { channel, pattern, shard } = this.#subscriptions;
    const jobs: Promise<RespReply>[] = [];
    if (channel.size > 0) {
      jobs.push(link.restoreSend(["SUBSCRIBE", ...channel.keys()], channel.size));
    }
    if (pattern.size > 0) {
      jobs.push(link.restoreSend(["PSUBSCRIBE", ...pattern.keys()], pattern.size));
    }
    for (const name of shard.keys()) jobs.push(link.restoreSend(["SSUBSCRIBE", name], 1));
    await Promise.all(jobs);
  }

  async #subscribe(
    kind: SubscriptionKind,
    names: string | string[],
    listener: RedisMessageListener,
    options: RedisSubscribeOptions,
  ): Promise<void> {
    if (typeof listener !== "function") {
      throw new TypeError("Cannot subscribe: listener must be a function");
    }
    if (this.#closed) throw new RedisConnectionError("Cannot subscribe: the client was closed");
    const list = typeof names === "string" ? [names] : [...new Set(names)];
    if (list.length === 0) throw new TypeError("Cannot subscribe: no channel given");
    const link = await this.#subscriberLink();
    const map = this.#subscriptions[kind];
    const fresh = list.filter((name) => !map.has(name));
    for (const name of list) {
      const set = map.get(name) ?? new Set();
      set.add({ listener, bytes: options.bytes ?? false });
      map.set(name, set);
    }
    if (fresh.length === 0 || link.state !== "ready") return; // Restored on reconnect.
    const command = kind === "channel"
      ? "SUBSCRIBE"
      : kind === "pattern"
      ? "PSUBSCRIBE"
      : "SSUBSCRIBE";
    if (kind === "shard") {
      await Promise.all(fresh.map((name) => link.send([command, name], 1, false)));
    } else {
      await link.send([command, ...fresh], fresh.length, false);
    }
  }

  async #unsubscribe(
    kind: SubscriptionKind,
    names: string | string[],
    listener?: RedisMessageListener,
  ): Promise<void> {
    const map = this.#subscriptions[kind];
    const list = typeof names === "string" ? [names] : [...new Set(names)];
    const gone: string[] = [];
    for (const name of list) {
      const set = map.get(name);
      if (!set) continue;
      if (listener) {
        for (const sub of set) if (sub.listener === listener) set.delete(sub);
      } else set.clear();
      if (set.size === 0) {
        map.delete(name);
        gone.push(name);
      }
    }
    const link = this.#subscriber;
    if (gone.length === 0 || !link || link.state !== "ready") return;
    const command = kind === "channel"
      ? "UNSUBSCRIBE"
      : kind === "pattern"
      ? "PUNSUBSCRIBE"
      : "SUNSUBSCRIBE";
    if (kind === "shard") {
      await Promise.all(gone.map((name) => link.send([command, name], 1, false)));
    } else {
      await link.send([command, ...gone], gone.length, false);
    }
  }
}
