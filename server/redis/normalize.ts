/**
 * One internal pub/sub interface over the Redis clients users bring: npm
 * `redis` (v4+), npm `ioredis`, and our own {@linkcode RedisClient}.
 *
 * ## What a user-supplied client must offer
 *
 * The future Redis adapter needs publish, subscribe, pattern subscribe,
 * unsubscribe and one raw command (`PUBSUB NUMSUB`). The supported shapes:
 *
 * - **npm `redis` v4+** (node-redis), detected by `pSubscribe`:
 *   `publish(channel, message): Promise<number>`,
 *   `subscribe(channel, listener(message, channel), bufferMode?: boolean): Promise<void>`,
 *   `pSubscribe(pattern, listener(message, channel), bufferMode?)`,
 *   `unsubscribe(channel, listener?)`, `pUnsubscribe(pattern, listener?)`,
 *   `sendCommand(args: string[]): Promise<unknown>`. Subscriptions need a
 *   dedicated client (`client.duplicate()`), as node-redis requires.
 * - **npm `redis` v4+ cluster** (`createCluster`), detected by `pSubscribe`
 *   plus a `masters` array and `nodeClient()`: the same pub/sub methods
 *   (`sPublish`, `sSubscribe` and `sUnsubscribe` included), but
 *   `sendCommand(firstKey, isReadonly, args)` takes the key that routes the
 *   command; `PUBSUB NUMSUB` is asked of every master and summed, as npm
 *   `@socket.io/redis-adapter` does.
 * - **npm `ioredis`**, detected by `psubscribe` plus an EventEmitter `on`:
 *   `publish(channel, message): Promise<number>`,
 *   `subscribe(...channels): Promise<number>`, `psubscribe(...patterns)`,
 *   `unsubscribe(...channels)`, `punsubscribe(...patterns)`, messages arrive as
 *   events `"messageBuffer"(channel, message)` and
 *   `"pmessageBuffer"(pattern, channel, message)`; raw commands through
 *   `call(command, ...args)` (or the older `send_command`).
 * - **ours** ({@linkcode RedisClient}, or {@linkcode RedisClusterClient} for a
 *   Redis Cluster): used as is; one instance handles both publishing and
 *   subscribing.
 *
 * Messages always reach the handler as bytes (`Uint8Array`), since adapter
 * payloads may be binary (msgpack).
 *
 * @module
 */

import { RedisClient } from "./client.ts";
import { RedisClusterClient } from "./cluster.ts";
import { routeOf, sumNumsub } from "./cluster_topology.ts";

/** Receives a message as bytes; `pattern` is set for pattern subscriptions. */
export type RedisBytesHandler = (message: Uint8Array, channel: string, pattern?: string) => void;

/** The one interface the adapter uses, whatever client the user supplied. */
export interface NormalizedRedisClient {
  /** Which client is wrapped. */
  readonly kind: "webio" | "redis" | "ioredis";
  /** Opens the connection when the wrapper owns it (our client); user clients connect themselves. */
  connect(): Promise<void>;
  /** Publishes `message`; resolves with the receiver count when the client reports it. */
  publish(channel: string, message: string | Uint8Array): Promise<unknown>;
  /** Subscribes `handler` to `channel`. */
  subscribe(channel: string, handler: RedisBytesHandler): Promise<void>;
  /** Subscribes `handler` to glob `pattern`. */
  psubscribe(pattern: string, handler: RedisBytesHandler): Promise<void>;
  /** Removes the subscription to `channel`. */
  unsubscribe(channel: string): Promise<void>;
  /** Removes the subscription to `pattern`. */
  punsubscribe(pattern: string): Promise<void>;
  /** Publishes on a sharded channel (`SPUBLISH`, Redis 7+). */
  spublish(channel: string, message: string | Uint8Array): Promise<unknown>;
  /** Subscribes `handler` to sharded `channel` (`SSUBSCRIBE`, Redis 7+). */
  ssubscribe(channel: string, handler: RedisBytesHandler): Promise<void>;
  /** Removes the subscription to sharded `channel`. */
  sunsubscribe(channel: string): Promise<void>;
  /** Sends a raw command, e.g. `["PUBSUB", "NUMSUB", channel]`. */
  sendCommand(args: string[]): Promise<unknown>;
}

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => any;
type Loose = Record<string, unknown>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value; // Node Buffers are Uint8Arrays too.
  return encoder.encode(String(value));
}

function toText(value: unknown): string {
  return value instanceof Uint8Array ? decoder.decode(value) : String(value);
}

function required(client: Loose, name: string): AnyFn {
  const method = fn(client, name);
  if (!method) throw new TypeError(`Cannot use sharded pub/sub: the client has no ${name}()`);
  return method;
}

function fn(client: Loose, name: string): AnyFn | null {
  const value = client[name];
  return typeof value === "function" ? (value as AnyFn).bind(client) : null;
}

/**
 * Detects which client `client` is and wraps it in a {@linkcode NormalizedRedisClient}.
 *
 * @param client A node-redis v4+ client or cluster, an ioredis client, a {@linkcode RedisClient}
 * or a {@linkcode RedisClusterClient}.
 * @returns The wrapper.
 * @throws {TypeError} When `client` matches none of the supported shapes.
 *
 * @example Wrapping our own client
 * ```ts
 * import { RedisClient } from "./client.ts";
 * import { normalizeRedisClient } from "./normalize.ts";
 * const wrapped = normalizeRedisClient(new RedisClient("redis://127.0.0.1:6379"));
 * console.log(wrapped.kind); // "webio"
 * ```
 */
export function normalizeRedisClient(client: unknown): NormalizedRedisClient {
  if (client instanceof RedisClient || client instanceof RedisClusterClient) {
    return wrapOurs(client);
  }
  if (typeof client !== "object" || client === null) {
    throw new TypeError("Cannot use Redis client: expected an object");
  }
  const c = client as Loose;
  if (fn(c, "pSubscribe") && fn(c, "publish") && fn(c, "subscribe")) {
    return Array.isArray(c.masters) && fn(c, "nodeClient")
      ? wrapNodeRedisCluster(c)
      : wrapNodeRedis(c);
  }
  if (fn(c, "psubscribe") && fn(c, "on") && fn(c, "publish") && fn(c, "subscribe")) {
    return wrapIoredis(c);
  }
  throw new TypeError(
    "Cannot use Redis client: expected npm redis v4+ (pSubscribe), ioredis (psubscribe + on), RedisClient or RedisClusterClient",
  );
}

function wrapOurs(client: RedisClient | RedisClusterClient): NormalizedRedisClient {
  const bytes = { bytes: true };
  return {
    kind: "webio",
    connect: () => client.state === "idle" ? client.connect() : Promise.resolve(),
    publish: (channel, message) => client.publish(channel, message),
    subscribe: (channel, handler) =>
      client.subscribe(channel, (m, ch, p) => handler(m as Uint8Array, ch, p), bytes),
    psubscribe: (pattern, handler) =>
      client.psubscribe(pattern, (m, ch, p) => handler(m as Uint8Array, ch, p), bytes),
    unsubscribe: (channel) => client.unsubscribe(channel),
    punsubscribe: (pattern) => client.punsubscribe(pattern),
    spublish: (channel, message) => client.spublish(channel, message),
    ssubscribe: (channel, handler) =>
      client.ssubscribe(channel, (m, ch) => handler(m as Uint8Array, ch), bytes),
    sunsubscribe: (channel) => client.sunsubscribe(channel),
    sendCommand: (args) => client.send(args),
  };
}

function wrapNodeRedis(c: Loose): NormalizedRedisClient {
  const sendCommand = fn(c, "sendCommand");
  return {
    kind: "redis",
    connect: () => Promise.resolve(),
    publish: async (channel, message) => await fn(c, "publish")!(channel, message),
    // bufferMode = true: node-redis hands the listener Buffers, keeping binary payloads intact.
    subscribe: async (channel, handler) => {
      await fn(c, "subscribe")!(
        channel,
        (message: unknown, ch: unknown) => handler(toBytes(message), toText(ch ?? channel)),
        true,
      );
    },
    psubscribe: async (pattern, handler) => {
      await fn(c, "pSubscribe")!(
        pattern,
        (message: unknown, ch: unknown) => handler(toBytes(message), toText(ch), pattern),
        true,
      );
    },
    unsubscribe: async (channel) => {
      await fn(c, "unsubscribe")!(channel);
    },
    punsubscribe: async (pattern) => {
      await fn(c, "pUnsubscribe")?.(pattern);
    },
    spublish: async (channel, message) => await required(c, "sPublish")(channel, message),
    ssubscribe: async (channel, handler) => {
      await required(c, "sSubscribe")(
        channel,
        (message: unknown, ch: unknown) => handler(toBytes(message), toText(ch ?? channel)),
        true,
      );
    },
    sunsubscribe: async (channel) => {
      await fn(c, "sUnsubscribe")?.(channel);
    },
    sendCommand: async (args) => {
      if (!sendCommand) throw new TypeError("Cannot send command: client has no sendCommand()");
      return await sendCommand(args);
    },
  };
}

/** node-redis `createCluster`: its `sendCommand` takes the routing key first. */
function wrapNodeRedisCluster(c: Loose): NormalizedRedisClient {
  const sendCommand = fn(c, "sendCommand")!;
  const nodeClient = fn(c, "nodeClient")!;
  return {
    ...wrapNodeRedis(c),
    sendCommand: async (args) => {
      const route = routeOf(args);
      if (route.kind === "numsub") {
        const masters = c.masters as unknown[];
        const replies = await Promise.all(
          masters.map(async (master) => await (await nodeClient(master)).sendCommand(args)),
        );
        return sumNumsub(args, replies.map((reply) => Array.isArray(reply) ? reply : []));
      }
      return await sendCommand(route.kind === "key" ? route.key : undefined, false, args);
    },
  };
}

function wrapIoredis(c: Loose): NormalizedRedisClient {
  const channels = new Map<string, RedisBytesHandler>();
  const patterns = new Map<string, RedisBytesHandler>();
  const shards = new Map<string, RedisBytesHandler>();
  let listening = false;
  const listen = () => {
    if (listening) return;
    listening = true;
    fn(c, "on")!("messageBuffer", (channel: unknown, message: unknown) => {
      const name = toText(channel);
      channels.get(name)?.(toBytes(message), name);
    });
    fn(c, "on")!("pmessageBuffer", (pattern: unknown, channel: unknown, message: unknown) => {
      const name = toText(pattern);
      patterns.get(name)?.(toBytes(message), toText(channel), name);
    });
    fn(c, "on")!("smessageBuffer", (channel: unknown, message: unknown) => {
      const name = toText(channel);
      shards.get(name)?.(toBytes(message), name);
    });
  };
  const call = fn(c, "call") ?? fn(c, "send_command");
  return {
    kind: "ioredis",
    connect: () => Promise.resolve(),
    publish: async (channel, message) => await fn(c, "publish")!(channel, message),
    subscribe: async (channel, handler) => {
      listen();
      channels.set(channel, handler);
      await fn(c, "subscribe")!(channel);
    },
    psubscribe: async (pattern, handler) => {
      listen();
      patterns.set(pattern, handler);
      await fn(c, "psubscribe")!(pattern);
    },
    unsubscribe: async (channel) => {
      channels.delete(channel);
      await fn(c, "unsubscribe")?.(channel);
    },
    punsubscribe: async (pattern) => {
      patterns.delete(pattern);
      await fn(c, "punsubscribe")?.(pattern);
    },
    spublish: async (channel, message) => await required(c, "spublish")(channel, message),
    ssubscribe: async (channel, handler) => {
      listen();
      shards.set(channel, handler);
      await required(c, "ssubscribe")(channel);
    },
    sunsubscribe: async (channel) => {
      shards.delete(channel);
      await fn(c, "sunsubscribe")?.(channel);
    },
    sendCommand: async (args) => {
      if (!call) throw new TypeError("Cannot send command: client has no call()");
      const [command, ...rest] = args;
      return await call(command, ...rest);
    },
  };
}
