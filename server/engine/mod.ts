/**
 * The Engine.IO server on its own, like npm `engine.io`. Its `Engine` serves
 * on the runtime this code runs on unless the `runtime` option says otherwise.
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

import { Engine as EngineCore, type EngineInit } from "./engine.ts";
import { hostRuntime } from "../runtime/mod.ts";

/**
 * An Engine.IO server, usable on its own like npm `engine.io`, on the
 * runtime this code runs on unless `options.runtime` names another bridge.
 *
 * @example An echo server on Deno
 * ```ts ignore
 * import { Engine } from "./mod.ts";
 * const engine = new Engine({ path: "/engine.io/" });
 * engine.on("connection", (conn) => conn.on("message", (data) => conn.send(data)));
 * Deno.serve({ port: 3000 }, engine.handler());
 * ```
 */
export class Engine extends EngineCore {
  /**
   * Makes an engine; it serves nothing until its {@linkcode EngineCore.handler}
   * is given to the runtime's serve function.
   *
   * @param options engine.io options, plus `handler` and `runtime` (the host's by default).
   */
  constructor(options: EngineInit = {}) {
    super(options.runtime ? options : { ...options, runtime: hostRuntime });
  }

  /**
   * Whether `value` is an engine: a `Server` builds its engine from the core
   * class (`server.engine`), which is an `Engine` to users as well.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof EngineCore;
  }
}

export { EngineCore };
export {
  type ConnectionError,
  type EngineBackpressureCounters,
  type EngineEvents,
  type EngineInit,
  type Fallback,
  type FetchHandler,
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
  HttpCompressionOptions,
  PerMessageDeflateOptions,
  ResolvedEngineOptions,
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
export type {
  Publisher,
  RawSocket,
  RuntimeBridge,
  RuntimePubSub,
  SocketBuffers,
  SocketTarget,
} from "./socket.ts";
export type { EngineData, EnginePacket, EnginePacketType } from "../../protocol/engine_io.ts";
export { Emitter, type EventsMap, type ListenerEntry, Listeners } from "../../common/emitter.ts";
