/**
 * `createRedisAdapter`: the `adapter` option of a server whose namespaces
 * share one Redis connection (the built-in client, made on first use and
 * closed with the last adapter; for one Redis or a Redis Cluster, see
 * `cluster_detect.ts`) or the clients the user brings.
 *
 * @module
 */

import type { AdapterNamespace } from "../adapter.ts";
import { RedisAdapter, type RedisAdapterOptions } from "./adapter.ts";
import {
  type BuiltInRedisClient,
  builtInRedisClient,
  type BuiltInRedisClientOptions,
} from "./cluster_detect.ts";
import { type NormalizedRedisClient, normalizeRedisClient } from "./normalize.ts";
import { ShardedRedisAdapter } from "./sharded.ts";

/** The adapter `options` ask for: `sharded: true` is npm `createShardedAdapter`'s protocol. */
function newAdapter(
  nsp: AdapterNamespace,
  pub: NormalizedRedisClient,
  sub: NormalizedRedisClient,
  options: RedisAdapterOptions = {},
  onRelease?: () => void,
): RedisAdapter | ShardedRedisAdapter {
  if (!options.sharded) return new RedisAdapter(nsp, pub, sub, options, onRelease);
  const channelPrefix = options.channelPrefix ?? options.key;
  return new ShardedRedisAdapter(nsp, pub, sub, { ...options, channelPrefix }, onRelease);
}

/** Options of the built-in client form of {@linkcode createRedisAdapter}. */
export interface RedisAdapterConnectOptions
  extends RedisAdapterOptions, BuiltInRedisClientOptions {}

/**
 * Makes a Redis adapter factory for the `adapter` option.
 *
 * - `createRedisAdapter({ url })`: our built-in client (one per call, shared
 *   by the namespaces of one server; closed when the server closes). Against
 *   a Redis Cluster (`cluster: true`, or unset and the node at `url` says
 *   `cluster_enabled:1` to `INFO cluster` when connecting) it is a
 *   `RedisClusterClient`, seeded with `url` and `urls`; use `sharded: true`
 *   there, so that each room's messages stay on its slot's master.
 * - `createRedisAdapter(pubClient, subClient, options?)`: clients you bring,
 *   npm `redis` v4+ (subClient = `pubClient.duplicate()`, both connected;
 *   `createCluster` clients too), `ioredis`, webio's `RedisClient` or
 *   `RedisClusterClient`; you close them.
 *
 * Use one factory per `Server`: two servers in one process sharing a client
 * would count as one node.
 *
 * @example
 * ```ts ignore
 * import { Server, createRedisAdapter } from "@webio/socketio";
 * const io = new Server({ adapter: createRedisAdapter({ url: "redis://127.0.0.1:6379" }) });
 * ```
 */
export function createRedisAdapter(
  options?: RedisAdapterConnectOptions,
): (nsp: AdapterNamespace) => RedisAdapter | ShardedRedisAdapter;
/**
 * Makes a Redis adapter factory for the `adapter` option over clients you
 * bring and close: npm `redis` v4+ (subClient = `pubClient.duplicate()`, both
 * connected; `createCluster` clients too), `ioredis`, webio's `RedisClient` or
 * `RedisClusterClient` (one client may serve as both).
 *
 * @param pubClient The client that publishes and sends commands.
 * @param subClient The client that subscribes.
 * @param options Adapter options.
 * @returns The `adapter` option of a `Server`.
 * @throws {TypeError} When a client is none of the kinds above.
 *
 * @example With npm `redis`
 * ```ts ignore
 * import { Server } from "@webio/socketio";
 * import { createRedisAdapter } from "@webio/socketio/redis";
 * import { createClient } from "redis";
 * const pub = createClient({ url: "redis://127.0.0.1:6379" });
 * const sub = pub.duplicate();
 * await Promise.all([pub.connect(), sub.connect()]);
 * const io = new Server({ adapter: createRedisAdapter(pub, sub) });
 * ```
 */
export function createRedisAdapter(
  pubClient: unknown,
  subClient: unknown,
  options?: RedisAdapterOptions,
): (nsp: AdapterNamespace) => RedisAdapter | ShardedRedisAdapter;
export function createRedisAdapter(
  first: unknown = {},
  subClient?: unknown,
  options?: RedisAdapterOptions,
): (nsp: AdapterNamespace) => RedisAdapter | ShardedRedisAdapter {
  if (subClient !== undefined) {
    const pub = normalizeRedisClient(first);
    const sub = subClient === first ? pub : normalizeRedisClient(subClient);
    return (nsp) => newAdapter(nsp, pub, sub, options);
  }
  const opts = (first ?? {}) as RedisAdapterConnectOptions;
  let builtIn: BuiltInRedisClient | null = null;
  let users = 0;
  return (nsp) => {
    builtIn ??= builtInRedisClient(opts);
    users++;
    const mine = builtIn;
    let released = false;
    return newAdapter(nsp, mine.client, mine.client, opts, () => {
      if (released) return;
      released = true;
      if (--users === 0 && builtIn === mine) {
        builtIn = null;
        void mine.release();
      }
    });
  };
}
