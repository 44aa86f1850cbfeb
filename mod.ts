/**
 * webio: the Socket.IO stack (Engine.IO v4, Socket.IO v5) for Deno and Bun,
 * on Web-standard APIs, with zero dependencies.
 *
 * This entry point re-exports the server and the wire codecs. Nothing here
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
 * @module
 */

export * from "./server/mod.ts";
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
