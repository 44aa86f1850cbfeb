/**
 * The options of the Engine.IO client (engine.io-client names and defaults)
 * and what they resolve to: the URL's parts and the options of each
 * transport.
 *
 * @module
 */

import { CookieJar } from "./cookie_jar.ts";
import { isBrowser, type TlsContext, type TlsOptions } from "./runtime.ts";
import type { TransportName, TransportOptions } from "./transport.ts";

/** Options of the Engine.IO client (engine.io-client names and defaults). */
export interface EngineClientOptions extends TlsOptions {
  /** Transports, tried in order. @default ["polling", "websocket"] */
  transports?: TransportName[];
  /** Upgrade from polling to WebSocket when the server offers it. @default true */
  upgrade?: boolean;
  /** Start with WebSocket when a WebSocket connection worked before. @default false */
  rememberUpgrade?: boolean;
  /** On a failed connection, try the next transport. @default false */
  tryAllTransports?: boolean;
  /** Server path. @default "/engine.io" */
  path?: string;
  /** Append a trailing slash to the path. @default true */
  addTrailingSlash?: boolean;
  /** Query parameters. */
  query?: string | Record<string, string | number | boolean>;
  /** Headers for every request (WebSocket too in Deno and Bun). */
  extraHeaders?: Record<string, string>;
  /** Send cookies: `credentials: "include"` in browsers, a cookie jar in Deno/Bun. @default false */
  withCredentials?: boolean;
  /**
   * Send binary as base64 text ("b" + base64) and ask the server, with
   * `b64=1` in the query of the polling handshake and of every WebSocket, to
   * do the same. @default false
   */
  forceBase64?: boolean;
  /** Add a timestamp to every request. @default true */
  timestampRequests?: boolean;
  /** Name of the timestamp parameter. @default "t" */
  timestampParam?: string;
  /** Milliseconds before an HTTP request fails. */
  requestTimeout?: number;
  /** WebSocket sub-protocols. */
  protocols?: string | string[];
  /**
   * Close the connection silently on the global `beforeunload` event, like
   * engine.io-client: the transport closes (the server sees the client
   * leave) but nothing is reported up, so the Socket.IO sockets emit no
   * "disconnect" and the Manager does not reconnect. Where the event does not
   * unload the program (a cancelled unload, or a runtime that dispatches it
   * and keeps running), the session ends later with "ping timeout". Browsers
   * fire it when the page unloads; Deno fires it when its event loop is about
   * to run dry; the option needs a global `addEventListener`.
   * @default false
   */
  closeOnBeforeunload?: boolean;
  /** Options per transport, overriding the ones above. */
  transportOptions?: Partial<Record<TransportName, Partial<EngineClientOptions>>>;
  /** Host name (instead of the URL's). */
  hostname?: string;
  /** Port (instead of the URL's). */
  port?: string | number;
  /** Use TLS (instead of the URL's scheme). */
  secure?: boolean;
}

/** Splits `http://host:port/path?query` into parts. */
export interface ParsedUri {
  secure: boolean;
  hostname: string;
  port: string;
  path: string;
  query: Record<string, string>;
}

/** Parses an absolute URL (or a bare `host:port`). */
export function parseUri(uri: string): ParsedUri {
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? uri : `http://${uri}`);
  const secure = url.protocol === "https:" || url.protocol === "wss:";
  return {
    secure,
    hostname: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port || (secure ? "443" : "80"),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
  };
}

/**
 * The transports `options` asks for that exist here, in order.
 *
 * @throws {TypeError} When none is left.
 */
export function usableTransports(options: EngineClientOptions): TransportName[] {
  const transports = (options.transports ?? ["polling", "websocket"]).filter((t) =>
    t === "polling" || t === "websocket"
  );
  if (transports.length === 0) throw new TypeError("Cannot connect: no usable transport");
  return transports;
}

/** The options every transport of one connection starts from. */
export function baseTransportOptions(
  parsed: ParsedUri,
  o: EngineClientOptions,
  tls: TlsContext | undefined,
): TransportOptions {
  let path = (o.path ?? "/engine.io").replace(/\/$/, "");
  if (o.addTrailingSlash !== false) path += "/";
  const query = typeof o.query === "string"
    ? Object.fromEntries(new URLSearchParams(o.query))
    : Object.fromEntries(Object.entries(o.query ?? {}).map(([k, v]) => [k, String(v)]));
  return {
    hostname: o.hostname ?? parsed.hostname,
    port: String(o.port ?? parsed.port),
    secure: o.secure ?? parsed.secure,
    path,
    query: { ...parsed.query, ...query, EIO: "4" },
    extraHeaders: o.extraHeaders,
    withCredentials: o.withCredentials ?? false,
    forceBase64: o.forceBase64 ?? false,
    timestampRequests: o.timestampRequests !== false,
    timestampParam: o.timestampParam ?? "t",
    requestTimeout: o.requestTimeout,
    protocols: o.protocols,
    tls,
    cookieJar: o.withCredentials && !isBrowser() ? new CookieJar() : undefined,
  };
}

/** The options of one transport: `base` with the overrides of `transportOptions[name]`. */
export function transportOptions(
  base: TransportOptions,
  o: EngineClientOptions,
  name: TransportName,
): TransportOptions {
  const override = o.transportOptions?.[name];
  if (!override) return { ...base, query: { ...base.query } };
  return {
    ...base,
    query: { ...base.query, ...(override.query as Record<string, string> | undefined) },
    extraHeaders: override.extraHeaders ?? base.extraHeaders,
    forceBase64: override.forceBase64 ?? base.forceBase64,
    requestTimeout: override.requestTimeout ?? base.requestTimeout,
    protocols: override.protocols ?? base.protocols,
    withCredentials: override.withCredentials ?? base.withCredentials,
  };
}
