/**
 * The subscriber side of the Redis client: a second connection, opened on
 * first use, the listeners of every channel, pattern and sharded channel
 * (`SUBSCRIBE`, `PSUBSCRIBE`, `SSUBSCRIBE`), message dispatch, and the
 * resubscription that restores them all after a reconnection.
 *
 * @module
 */

import type { RedisClientOptions, RedisConnectionConfig } from "./config.ts";
import { Link, type LinkHooks, RedisConnectionError } from "./link.ts";
import { RedisReplyError, RespPush, type RespReply } from "./resp.ts";

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

/** Which subscribe command a name was given to. */
export type SubscriptionKind = "channel" | "pattern" | "shard";

interface Subscription {
  listener: RedisMessageListener;
  bytes: boolean;
}

const SUBSCRIBE = { channel: "SUBSCRIBE", pattern: "PSUBSCRIBE", shard: "SSUBSCRIBE" } as const;
const UNSUBSCRIBE = {
  channel: "UNSUBSCRIBE",
  pattern: "PUNSUBSCRIBE",
  shard: "SUNSUBSCRIBE",
} as const;
const PUBSUB_MESSAGES = new Set(["message", "pmessage", "smessage"]);
const textDecoder = new TextDecoder();

function asText(value: RespReply): string {
  if (value instanceof Uint8Array) return textDecoder.decode(value);
  return String(value);
}

/**
 * The names a subscribe call gives, checked, without repeats.
 *
 * @throws {TypeError} When `listener` is not a function or no name is given.
 * @throws {RedisConnectionError} When the client was closed.
 */
export function subscribeNames(
  names: string | string[],
  listener: RedisMessageListener,
  closed: boolean,
): string[] {
  if (typeof listener !== "function") {
    throw new TypeError("Cannot subscribe: listener must be a function");
  }
  if (closed) throw new RedisConnectionError("Cannot subscribe: the client was closed");
  const list = typeof names === "string" ? [names] : [...new Set(names)];
  if (list.length === 0) throw new TypeError("Cannot subscribe: no channel given");
  return list;
}

/** The subscriber connection and the listeners it serves. */
export class Subscriptions {
  #config: RedisConnectionConfig;
  #options: RedisClientOptions;
  #hooks: LinkHooks;
  #onListenerError: (error: unknown, channel: string) => void;
  #onShardLost: (channel: string) => void;
  /** SUNSUBSCRIBE commands in flight per channel: their replies are not the server's own. */
  #unsubscribing = new Map<string, number>();
  #link: Link | null = null;
  #ready: Promise<void> | null = null;
  #closed = false;
  #maps: Record<SubscriptionKind, Map<string, Set<Subscription>>> = {
    channel: new Map(),
    pattern: new Map(),
    shard: new Map(),
  };

  /**
   * @param hooks How the subscriber connection reports (error, reconnecting, reconnect).
   * @param onListenerError Called when a message listener throws.
   * @param onShardLost Called when Redis ends a sharded subscription itself (its slot moved
   * to another node of a cluster) or refuses it on resubscription; its listeners are dropped.
   */
  constructor(
    config: RedisConnectionConfig,
    options: RedisClientOptions,
    hooks: LinkHooks,
    onListenerError: (error: unknown, channel: string) => void,
    onShardLost: (channel: string) => void = () => {},
  ) {
    this.#config = config;
    this.#options = options;
    this.#hooks = {
      ...hooks,
      intercept: (reply) => this.#intercept(reply),
      restore: (link) => this.#restore(link),
    };
    this.#onListenerError = onListenerError;
    this.#onShardLost = onShardLost;
  }

  /** Adds `listener` to `names`; subscribes on Redis to the names that had none. */
  async subscribe(
    kind: SubscriptionKind,
    names: string | string[],
    listener: RedisMessageListener,
    options: RedisSubscribeOptions,
  ): Promise<void> {
    const list = subscribeNames(names, listener, this.#closed);
    const link = await this.#connect();
    const map = this.#maps[kind];
    const fresh = list.filter((name) => !map.has(name));
    const added = new Map<string, Subscription>();
    for (const name of list) {
      const set = map.get(name) ?? new Set();
      const sub = { listener, bytes: options.bytes ?? false };
      set.add(sub);
      added.set(name, sub);
      map.set(name, set);
    }
    if (fresh.length === 0 || link.state !== "ready") return; // Restored on reconnect.
    const command = SUBSCRIBE[kind];
    if (kind === "shard") {
      await Promise.all(fresh.map((name) =>
        link.send([command, name], 1, false).catch((error) => {
          // Refused (a cluster node answers MOVED for a slot it does not own): not kept, so
          // that no reconnection tries it again.
          if (error instanceof RedisReplyError) this.#forget(map, name, added.get(name)!);
          throw error;
        })
      ));
    } else {
      await link.send([command, ...fresh], fresh.length, false);
    }
  }

  /** Removes `listener` (or every listener) from `names`; unsubscribes when none is left. */
  async unsubscribe(
    kind: SubscriptionKind,
    names: string | string[],
    listener?: RedisMessageListener,
  ): Promise<void> {
    const map = this.#maps[kind];
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
    const link = this.#link;
    if (gone.length === 0 || !link || link.state !== "ready") return;
    const command = UNSUBSCRIBE[kind];
    if (kind === "shard") {
      await Promise.all(gone.map((name) => this.#sunsubscribe(link, name)));
    } else {
      await link.send([command, ...gone], gone.length, false);
    }
  }

  #forget(map: Map<string, Set<Subscription>>, name: string, sub: Subscription): void {
    const set = map.get(name);
    if (!set?.delete(sub) || set.size > 0) return;
    map.delete(name);
  }

  async #sunsubscribe(link: Link, name: string): Promise<void> {
    this.#unsubscribing.set(name, (this.#unsubscribing.get(name) ?? 0) + 1);
    try {
      await link.send(["SUNSUBSCRIBE", name], 1, false);
    } finally {
      const left = this.#unsubscribing.get(name)! - 1;
      if (left === 0) this.#unsubscribing.delete(name);
      else this.#unsubscribing.set(name, left);
    }
  }

  /** Closes the subscriber connection (after QUIT when `quit`) and forgets every listener. */
  async close(quit: boolean): Promise<void> {
    this.#closed = true;
    await this.#link?.close(quit);
    for (const map of Object.values(this.#maps)) map.clear();
  }

  #connect(): Promise<Link> {
    if (!this.#link) {
      this.#link = new Link(this.#config, this.#options, this.#hooks);
      this.#ready = this.#link.connect();
      // A failed first connect is reported to the caller; allow a new try later.
      this.#ready.catch(() => {
        this.#link = null;
        this.#ready = null;
      });
    }
    const link = this.#link;
    return this.#ready!.then(() => link);
  }

  /** Takes the pub/sub messages out of the replies of the subscriber connection. */
  #intercept(reply: RespReply): boolean {
    const data = reply instanceof RespPush ? reply.data : Array.isArray(reply) ? reply : null;
    if (!data || data.length < 3) return false;
    const kind = asText(data[0]);
    if (PUBSUB_MESSAGES.has(kind)) {
      this.#dispatch(data);
      return true;
    }
    // Redis 7 unsubscribes the clients of a slot that moves away (resharding, failover) with
    // the very reply a SUNSUBSCRIBE gets: one that no SUNSUBSCRIBE of ours awaits is the server's.
    if (kind === "sunsubscribe") {
      const channel = asText(data[1]);
      if (this.#unsubscribing.has(channel)) return false;
      if (this.#maps.shard.delete(channel)) this.#onShardLost(channel);
      return true;
    }
    return false;
  }

  #dispatch(data: RespReply[]): void {
    const kind = asText(data[0]);
    let map: Map<string, Set<Subscription>>;
    let key: string;
    let channel: string;
    let message: RespReply;
    let pattern: string | undefined;
    if (kind === "pmessage") {
      map = this.#maps.pattern;
      key = pattern = asText(data[1]);
      channel = asText(data[2]);
      message = data[3];
    } else {
      map = kind === "smessage" ? this.#maps.shard : this.#maps.channel;
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
        this.#onListenerError(error, channel);
      }
    }
  }

  async #restore(link: Link): Promise<void> {
    const { channel, pattern, shard } = this.#maps;
    const jobs: Promise<RespReply>[] = [];
    if (channel.size > 0) {
      jobs.push(link.restoreSend(["SUBSCRIBE", ...channel.keys()], channel.size));
    }
    if (pattern.size > 0) {
      jobs.push(link.restoreSend(["PSUBSCRIBE", ...pattern.keys()], pattern.size));
    }
    for (const name of shard.keys()) {
      // A slot that moved while the connection was down: redirected (MOVED), so dropped here
      // and reported, rather than failing the whole reconnection again and again.
      jobs.push(
        link.restoreSend(["SSUBSCRIBE", name], 1).catch((error) => {
          if (!(error instanceof RedisReplyError)) throw error;
          if (shard.delete(name)) this.#onShardLost(name);
          return null;
        }),
      );
    }
    await Promise.all(jobs);
  }
}
