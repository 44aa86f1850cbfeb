/**
 * webio: the Socket.IO stack (Engine.IO v4, Socket.IO v5) for Deno and Bun,
 * on Web-standard APIs, with zero dependencies.
 *
 * This entry point re-exports the server, the client (its `Socket` as
 * `ClientSocket`) and the wire codecs. Nothing here
 * touches a runtime-only global at import time, so Bun projects import it
 * directly.
 *
 * @example A server on Deno
 * ```ts ignore
 * import { Server } from "./mod.ts";
 * const io = new Server();
 * io.on("connection", (socket) => {
 *   socket.on("hello", (name, ack) => ack(`hello ${name}`));
 * });
 * Deno.serve({ port: 3000 }, io.handler());
 * ```
 *
 * @example The same server on Bun
 * ```ts ignore
 * import { Server } from "./mod.ts";
 * const io = new Server();
 * io.on("connection", (socket) => socket.emit("welcome", socket.id));
 * Bun.serve({ port: 3000, ...io.handler() });
 * ```
 *
 * @example A client (Deno, Bun, browsers)
 * ```ts ignore
 * import { io } from "./mod.ts";
 * const socket = io("http://localhost:3000", { auth: { token: "abc" } });
 * socket.on("connect", async () => {
 *   const reply = await socket.timeout(1000).emitWithAck("hello", "world");
 * });
 * ```
 *
 * @module
 */

export * from "./server/mod.ts";
export {
  Backoff,
  type BackoffOptions,
  type ClientDisconnectReason,
  type DefaultEvents as ClientDefaultEvents,
  EngineClient,
  type EngineClientEvents,
  type EngineClientOptions,
  type EngineCloseReason as ClientEngineCloseReason,
  type EngineReadyState,
  type HandshakeData,
  io,
  type IoFunction,
  type IoOptions,
  Manager,
  type ManagerCloseReason,
  type ManagerEvents,
  type ManagerOptions,
  type ManagerReadyState,
  type ParsedUrl,
  parseUrl,
  ReportingEmitter,
  type ReservedEvents as ClientReservedEvents,
  Socket as ClientSocket,
  SocketListeners as ClientSocketListeners,
  type SocketOptions as ClientSocketOptions,
  type TlsOptions,
  Transport,
  TransportError,
  type TransportName as ClientTransportName,
  type TransportState,
} from "./client/mod.ts";
export {
  decodeBase64,
  decodeMsgpack,
  decodePacket,
  decodePacketV3,
  decodePayload,
  decodePayloadV3,
  DEFAULT_MAX_ATTACHMENTS,
  defaultParser,
  encodeBase64,
  encodeMsgpack,
  encodePacket,
  encodePacketText,
  encodePacketV3,
  encodePacketV3Text,
  encodePayload,
  encodePayloadV3,
  ENGINE_PACKET_CODES,
  ENGINE_PACKET_TYPES,
  ENGINE_PROTOCOL,
  type EngineHandshake,
  hasBinary,
  hasBlob,
  isBinary,
  isNpmParser,
  type MsgpackDecodeOptions,
  MsgpackDecoder,
  MsgpackEncoder,
  type MsgpackExtension,
  msgpackParser,
  ProtocolError,
  RECORD_SEPARATOR,
  RESERVED_EVENTS,
  resolveBlobs,
  SOCKET_PROTOCOL,
  SocketDecoder,
  SocketEncoder,
  toBytes,
  toParser,
} from "./protocol/mod.ts";
