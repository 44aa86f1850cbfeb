/**
 * Redis groundwork for scale-out: a streaming RESP2/RESP3 codec, a small
 * reconnecting client with pub/sub, a Redis Cluster client over it, and a
 * wrapper that gives npm `redis`, `ioredis` and our clients one interface.
 *
 * @example Connecting
 * ```ts ignore
 * import { RedisClient } from "./mod.ts";
 * const redis = new RedisClient("redis://127.0.0.1:6379");
 * await redis.connect();
 * console.log(await redis.send(["PING"])); // "PONG"
 * await redis.quit();
 * ```
 *
 * @module
 */

export * from "./resp.ts";
export * from "./client.ts";
export * from "./cluster.ts";
export * from "./normalize.ts";
