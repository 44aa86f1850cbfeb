/**
 * `createRedisAdapter`: the `adapter` option of a server whose namespaces
 * share one Redis connection (the built-in client, made on first use and
 * closed with the last adapter) or the clients the user brings.
 *
 * @module
 */

import type { AdapterNamespace } from "../adapter.ts";
import { RedisAdapter, type RedisAdapterOptions } from "./adapter.ts";
import { RedisClient, type RedisClientOptions } from "./client.ts";
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
export interface RedisAdapterConnectOptions extends RedisAdapterOptions, RedisClientOptions {}

/**
 * Makes a Redis adapter factory for the `adapter` option.
 *
 * - `createRedisAdapter({ url })`: our built-in client (one per call, shared
 *   by the namespaces of one server; closed when the server closes).
 * - `createRedisAdapter(pubClient, subClient, options?)`: clients you bring,
 *   npm `redis` v4+ (subClient = `pubClient.duplicate()`, both connected),
 *   `ioredis`, or {@linkcode RedisClient}; you close them.
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
  let client: RedisClient | null = null;
  let wrapped: NormalizedRedisClient | null = null;
  let users = 0;
  return (nsp) => {
    if (!client) {
      client = new RedisClient(opts);
      wrapped = normalizeRedisClient(client);
    }
    users++;
    const mine = client;
    let released = false;
    return newAdapter(nsp, wrapped!, wrapped!, opts, () => {
      if (released) return;
      released = true;
      if (--users === 0 && client === mine) {
        client = null;
        wrapped = null;
        void mine.quit().catch(() => mine.close());
      }
    });
  };
}
