/**
 * The types a runtime bridge's interface names, re-exported by each bridge
 * (`./deno`, `./bun`) for users who wrap a bridge or write their own.
 *
 * @module
 */

export type {
  Publisher,
  RawSocket,
  RuntimeBridge,
  RuntimePubSub,
  SocketBuffers,
  SocketTarget,
} from "../engine/socket.ts";
export type {
  AllowRequest,
  CookieOptions,
  CorsOptions,
  CorsOrigin,
  PerMessageDeflateOptions,
  ResolvedEngineOptions,
} from "../engine/options.ts";
export type { TransportName } from "../engine/types.ts";
