/**
 * The Engine.IO server on its own, like npm `engine.io`.
 *
 * @example An echo server
 * ```ts ignore
 * import { Engine } from "./mod.ts";
 * const engine = new Engine({ path: "/engine.io/" });
 * engine.on("connection", (conn) => conn.on("message", (data) => conn.send(data)));
 * Deno.serve({ port: 3000 }, engine.handler());
 * ```
 *
 * @module
 */

import "../runtime/mod.ts";

export {
  type ConnectionError,
  Engine,
  type EngineEvents,
  type EngineInit,
  type Fallback,
  prepareMessage,
  type ServeHandler,
  serveHandler,
} from "./engine.ts";
export { EngineSession, type SessionEvents } from "./session.ts";
export type {
  AllowRequest,
  CookieOptions,
  CorsOptions,
  CorsOrigin,
  EngineOptions,
} from "./options.ts";
export {
  ENGINE_ERROR_MESSAGES,
  ENGINE_ERRORS,
  type EngineErrorCode,
  type HeaderRecord,
} from "./http.ts";
export type {
  ConnectionHandler,
  ConnectionState,
  EngineCloseReason,
  EngineConnection,
  EngineHandler,
  PreparedMessage,
  SendOptions,
  TransportName,
} from "./types.ts";
export type { RawSocket, RuntimeBridge, SocketTarget } from "./socket.ts";
