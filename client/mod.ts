/**
 * The webio client: `io()`, `Manager` and `Socket` on the runtime's own
 * `fetch` (long-polling) and `WebSocket`, for Deno, Bun and browsers. Like
 * socket.io-client, `io` is also the default export and is exported as
 * `connect` too.
 *
 * @example Default import, as with `import io from "socket.io-client"`
 * ```ts ignore
 * import io from "./mod.ts";
 * const socket = io("http://localhost:3000");
 * socket.on("connect", () => console.log(socket.id));
 * ```
 *
 * @example Auth, an event with an ack, and an ack awaited with a timeout
 * ```ts ignore
 * import { io } from "./mod.ts";
 * const socket = io("http://localhost:3000", { auth: { token: "abc" } });
 * socket.on("connect", () => socket.emit("hello", "world", (reply: string) => console.log(reply)));
 * const reply = await socket.timeout(1000).emitWithAck("ping");
 * ```
 *
 * @module
 */

import { io } from "./io.ts";

export {
  io,
  io as connect,
  type IoFunction,
  type IoOptions,
  type ParsedUrl,
  parseUrl,
} from "./io.ts";

/** The Socket.IO protocol revision the client speaks, as socket.io-client exports it. */
export const protocol = 5 as const;

/** `io`, as the default export (socket.io-client's is `io` too). */
export default io;
export {
  Manager,
  type ManagerCloseReason,
  type ManagerEvents,
  type ManagerOptions,
  type ManagerReadyState,
} from "./manager.ts";
export {
  type AnyListener,
  type ClientDisconnectReason,
  type DefaultEvents,
  type ReservedEvents,
  Socket,
  type SocketOptions,
} from "./socket.ts";
export { ReportingEmitter, SocketListeners } from "./listeners.ts";
export { Backoff, type BackoffOptions } from "./backoff.ts";
export { EngineClient, type EngineReadyState } from "./engine/socket.ts";
export type { EngineClientEvents, EngineCloseReason, HandshakeData } from "./engine/handler.ts";
export type { EngineClientOptions } from "./engine/options.ts";
export type { TlsOptions } from "./engine/runtime.ts";
export {
  Transport,
  TransportError,
  type TransportName,
  type TransportState,
} from "./engine/transport.ts";
export { defaultParser } from "../protocol/socket_io.ts";
export { msgpackParser } from "../protocol/msgpack_parser.ts";
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
export {
  Emitter,
  type EventListener,
  type EventsMap,
  type ListenerEntry,
  Listeners,
} from "../common/emitter.ts";
