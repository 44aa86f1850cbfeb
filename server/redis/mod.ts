/**
 * Scaling out over Redis: the adapters (`createRedisAdapter` over pub/sub,
 * `createShardedAdapter` over Redis 7 sharded pub/sub,
 * `createRedisStreamsAdapter` over Redis streams), wire-compatible with their
 * npm `@socket.io/*` counterparts, and what they run on: a streaming
 * RESP2/RESP3 codec, a small reconnecting client with pub/sub, a Redis
 * Cluster client over it, and a wrapper that gives npm `redis`, `ioredis` and
 * our clients one interface.
 *
 * @example A server whose nodes share rooms through Redis
 * ```ts ignore
 * import { Server } from "@webio/socketio";
 * import { createRedisAdapter } from "@webio/socketio/redis";
 * const io = new Server({ adapter: createRedisAdapter({ url: "redis://127.0.0.1:6379" }) });
 * Deno.serve({ port: 3000 }, io.handler());
 * ```
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
export { RedisAdapter, RedisAdapterError, type RedisAdapterOptions } from "./adapter.ts";
export { createRedisAdapter, type RedisAdapterConnectOptions } from "./factory.ts";
export {
  createShardedAdapter,
  createShardedRedisAdapter,
  ShardedRedisAdapter,
  type ShardedRedisAdapterOptions,
  type ShardedSubscriptionMode,
} from "./sharded.ts";
export {
  createRedisStreamsAdapter,
  RedisStreamsAdapter,
  type RedisStreamsAdapterConnectOptions,
  type RedisStreamsAdapterOptions,
} from "./streams.ts";
export {
  Emitter,
  type EventListener,
  type EventsMap,
  type ListenerEntry,
  Listeners,
} from "../../common/emitter.ts";
export {
  ClusterAdapter,
  type ClusterAdapterOptions,
  ClusterAdapterWithHeartbeat,
  type ClusterAdapterWithHeartbeatOptions,
  type ClusterMessage,
  type ClusterResponse,
  MessageType,
} from "./cluster_adapter.ts";
export { ClusterBroadcastAdapter } from "./cluster_adapter_broadcast.ts";
export type { BuiltInRedisClientOptions } from "./cluster_detect.ts";
export {
  type Adapter,
  type AdapterClass,
  type AdapterEvents,
  type AdapterFactory,
  type AdapterNamespace,
  type AdapterPubSub,
  type AdapterSocket,
  type BroadcastFlags,
  type BroadcastOptions,
  type BroadcastPublisher,
  InMemoryAdapter,
  type PrivateSessionId,
  type Room,
  type Session,
  type SessionToPersist,
  type SocketId,
} from "../adapter.ts";
export { type Packet, PacketType } from "../../protocol/parser.ts";
export type {
  ClusterMessageBody,
  ClusterResponseBody,
  EncodedOptions,
  Envelope,
} from "./cluster_messages.ts";
export type { Responders } from "./cluster_requests.ts";
export type { PreparedMessage } from "../engine/types.ts";
export type { EngineData } from "../../protocol/engine_io.ts";
