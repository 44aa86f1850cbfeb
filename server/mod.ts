/**
 * The webio server: Socket.IO v5 over Engine.IO v4 on Web-standard
 * `Request`/`Response` and the runtime's native WebSocket.
 *
 * @example On Deno and on Bun
 * ```ts ignore
 * import { Server } from "./mod.ts";
 * const io = new Server({ cors: { origin: "*" } });
 * io.on("connection", (socket) => socket.on("ping", (ack) => ack("pong")));
 * Deno.serve({ port: 3000 }, io.handler());      // Deno
 * Bun.serve({ port: 3000, ...io.handler() });     // Bun
 * ```
 *
 * @module
 */

import { Server as ServerCore, type ServerOptions } from "./server.ts";
import type { DefaultEventsMap, EventsMap } from "./types.ts";
import { hostRuntime } from "./runtime/mod.ts";

/**
 * The Socket.IO server: one Web-standard handler for `Deno.serve` and
 * `Bun.serve`, on the runtime this code runs on unless `options.runtime`
 * names another bridge.
 *
 * @example On Deno
 * ```ts ignore
 * import { Server } from "./mod.ts";
 * const io = new Server();
 * io.on("connection", (socket) => socket.emit("hello", "world"));
 * Deno.serve({ port: 3000 }, io.handler());
 * ```
 *
 * @example On Bun
 * ```ts ignore
 * import { Server } from "./mod.ts";
 * const io = new Server({ cors: { origin: "https://example.com" } });
 * io.on("connection", (socket) => {
 *   socket.on("hello", (name: string, ack: (reply: string) => void) => ack(`hello ${name}`));
 * });
 * // The handler's `websocket` object is what Bun upgrades connections with.
 * Bun.serve({ port: 3000, ...io.handler() });
 * ```
 */
export class Server<
  L extends EventsMap = DefaultEventsMap,
  E extends EventsMap = DefaultEventsMap,
  S extends EventsMap = DefaultEventsMap,
  // deno-lint-ignore no-explicit-any
  D = any,
> extends ServerCore<L, E, S, D> {
  /**
   * Makes a server; it serves nothing until its {@linkcode ServerCore.handler}
   * is given to the runtime's serve function.
   *
   * @param options engine.io and socket.io options; `runtime` is the host's by default.
   */
  constructor(options: ServerOptions = {}) {
    super(options.runtime ? options : { ...options, runtime: hostRuntime });
  }
}

export { ServerCore };
export {
  type ConnectionStateRecoveryOptions,
  type ErrorReporter,
  type ServerOptions,
} from "./server.ts";
export {
  type Middleware,
  Namespace,
  type NamespaceEvents,
  type NamespaceMatcher,
  ParentNamespace,
} from "./namespace.ts";
export { type AnyListener, type PacketMiddleware, Socket, SocketOperator } from "./socket.ts";
export { type ReservedSocketEvents, SocketListeners } from "./socket_listeners.ts";
export {
  type BroadcastAck,
  BroadcastOperator,
  RemoteSocket,
  type SocketDetails,
} from "./broadcast.ts";
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
  type FollowedRooms,
  InMemoryAdapter,
  type PrivateSessionId,
  type Room,
  type Session,
  type SessionToPersist,
  type SocketId,
} from "./adapter.ts";
export { Client } from "./client.ts";
// Scale-out: everything of the `./redis` entry.
export * from "./redis/mod.ts";
export {
  type DefaultEventsMap,
  type DisconnectReason,
  type EventNames,
  type EventParams,
  type EventsMap,
  type ExtendedError,
  type Handshake,
  RECOVERABLE_DISCONNECT_REASONS,
} from "./types.ts";
export * from "./engine/mod.ts";
export type { EngineData, EnginePacket, EnginePacketType } from "../protocol/engine_io.ts";
export {
  type Decoder,
  type DecoderOptions,
  type Encoder,
  type Packet,
  PacketType,
  type Parser,
  type WireChunk,
} from "../protocol/parser.ts";
export type { NpmDecoder, NpmEncoder, NpmParser } from "../protocol/npm_parser.ts";
export { CatchAllListeners } from "../common/catch_all.ts";
export { Emitter, type EventListener, type ListenerEntry, Listeners } from "../common/emitter.ts";
