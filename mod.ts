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
  type ClientDisconnectReason,
  EngineClient,
  type EngineClientOptions,
  io,
  type IoOptions,
  Manager,
  type ManagerOptions,
  Socket as ClientSocket,
  type SocketOptions as ClientSocketOptions,
} from "./client/mod.ts";
export {
  type Decoder,
  type DecoderOptions,
  defaultParser,
  type Encoder,
  msgpackParser,
  type Packet,
  PacketType,
  type Parser,
  ProtocolError,
} from "./protocol/mod.ts";
