/**
 * Engine.IO server options, with the defaults of npm `engine.io` 6.6.
 *
 * @module
 */

import { deflateThreshold } from "./compression.ts";
import type { TransportName } from "./types.ts";

/** A CORS origin rule, as the npm `cors` package takes it. */
export type CorsOrigin =
  | boolean
  | string
  | RegExp
  | Array<string | RegExp>
  | ((
    origin: string | undefined,
    callback: (
      error: Error | null,
      allow?: boolean | string | RegExp | Array<string | RegExp>,
    ) => void,
  ) => void)
  | ((origin: string | undefined) => boolean | string | Promise<boolean | string>);

/** CORS settings (npm `cors` option names). No CORS headers are sent unless this is set. */
export interface CorsOptions {
  /**
   * Allowed origins. `"*"` (or a function that answers `"*"`) sends
   * `Access-Control-Allow-Origin: *`, with `credentials: true` too, like npm
   * `cors`: browsers then refuse credentialed requests (cookies, the sticky
   * cookie included). To allow credentials from any origin, use `true`, which
   * reflects the request's `Origin`. A function whose callback gets an error
   * refuses the request with 400 "Bad request", without CORS headers, as
   * socket.io does (it serves the client files anyway, without them). A
   * function may also answer with a value or a promise (not in npm `cors`);
   * one that throws or rejects is reported to the server's `onError` and the
   * request is refused so too (a throw takes socket.io's process down).
   * @default "*"
   */
  origin?: CorsOrigin;
  /** Allowed methods for preflight requests. @default "GET,HEAD,PUT,PATCH,POST,DELETE" */
  methods?: string | string[];
  /** Allowed request headers; by default the preflight's requested headers are reflected. */
  allowedHeaders?: string | string[];
  /** Headers exposed to the page. */
  exposedHeaders?: string | string[];
  /**
   * Send `Access-Control-Allow-Credentials: true`. Browsers honour it only
   * with an explicit origin, not with `origin: "*"` (see `origin`).
   * @default false
   */
  credentials?: boolean;
  /** Preflight cache lifetime in seconds. */
  maxAge?: number;
  /** Status of a successful preflight. @default 204 */
  optionsSuccessStatus?: number;
  /** Pass preflight requests on instead of answering them. @default false */
  preflightContinue?: boolean;
}

/** The sticky-session cookie set on the handshake (npm `cookie` serialize options). */
export interface CookieOptions {
  /** Cookie name. @default "io" */
  name?: string;
  /** Path attribute; `false` to omit. @default "/" */
  path?: string | false;
  /** HttpOnly attribute. @default true */
  httpOnly?: boolean;
  /** SameSite attribute. @default "lax" */
  sameSite?: "strict" | "lax" | "none" | boolean;
  /** Secure attribute. @default false */
  secure?: boolean;
  /** Domain attribute. */
  domain?: string;
  /** Max-Age attribute, in seconds. */
  maxAge?: number;
  /** Expires attribute. */
  expires?: Date;
}

/**
 * Decides whether a handshake may go on: either engine.io's callback form
 * (`callback(message, success)`, the message sent in the 403 body when
 * refused) or a function returning a boolean or a promise of one.
 */
export type AllowRequest =
  | ((request: Request) => boolean | Promise<boolean>)
  | ((
    request: Request,
    callback: (error: unknown, success: boolean) => void,
  ) => void);

/** Options of {@linkcode Engine}. */
export interface EngineOptions {
  /**
   * Path the engine answers on: like engine.io, every request whose URL path
   * starts with it (a prefix match: `/engine.io/` takes `/engine.io/x` too).
   * @default "/engine.io/"
   */
  path?: string;
  /**
   * Append a trailing slash to `path`. With `false`, the prefix is `path`
   * itself, so `/engine.io`, `/engine.io/` and `/engine.io/x` all reach the
   * engine (and so does `/engine.iox`, as with engine.io).
   * @default true
   */
  addTrailingSlash?: boolean;
  /** Milliseconds between pings. @default 25000 */
  pingInterval?: number;
  /** Milliseconds to wait for a pong. @default 20000 */
  pingTimeout?: number;
  /** Milliseconds an upgrade may take. @default 10000 */
  upgradeTimeout?: number;
  /** Largest POST body or WebSocket message, in bytes. @default 1e6 */
  maxHttpBufferSize?: number;
  /**
   * The most a session may have waiting for its client, in bytes (UTF-16
   * units for text): what the runtime holds of its WebSocket writes beyond a
   * small working amount, plus the packets the engine keeps while the
   * client does not read (or does not come back to poll). Past it, a
   * volatile packet is dropped and anything else closes the session with a
   * "transport error" (the client reconnects; with connection state
   * recovery it gets the missed packets back), never a silent loss. A normal
   * burst stays far below it. socketioxide's `max_buffer_size` counts
   * packets; this counts bytes.
   * @default 8 MiB (8 * 1024 * 1024)
   */
  maxBufferSize?: number;
  /**
   * Accepts or refuses a handshake (a polling handshake, or a WebSocket one
   * without a session); like engine.io, it is not asked again when an open
   * session upgrades to WebSocket. A refused request gets a 403 with
   * `{"code":4,"message":...}`, the message being the callback's first
   * argument when truthy (written as `JSON.stringify` writes it), else
   * `"Forbidden"`. One that throws or rejects refuses the request and is
   * reported to the engine's `onError` (a `Server` wires it to its own).
   */
  allowRequest?: AllowRequest;
  /** Allowed transports. @default ["polling", "websocket"] */
  transports?: TransportName[];
  /** Allow upgrades from polling to WebSocket. @default true */
  allowUpgrades?: boolean;
  /** Sticky-session cookie; `true` for the defaults. @default false */
  cookie?: boolean | CookieOptions;
  /** CORS; no CORS headers unless set. */
  cors?: CorsOptions;
  /**
   * Compress long-polling responses (gzip or deflate, as the request's
   * `Accept-Encoding` prefers, chosen as npm `accepts` chooses) of at least
   * `threshold` bytes, unless every packet in the response was sent with
   * `compress: false`, as engine.io does. `false` turns it off.
   * @default { threshold: 1024 }
   */
  httpCompression?: boolean | HttpCompressionOptions;
  /**
   * permessage-deflate for WebSocket, with ws's option names (see
   * {@linkcode PerMessageDeflateOptions}): messages of at least `threshold`
   * bytes (1024 by default) are compressed, unless sent with
   * `compress: false`. Bun only: Deno's `Deno.upgradeWebSocket` cannot
   * negotiate the extension, so the option has no effect there.
   * @default false
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** Accept Engine.IO v3 clients (socket.io-client 2.x). @default false */
  allowEIO3?: boolean;
  /**
   * Trust `X-Forwarded-Proto` / `X-Forwarded-For` from a proxy in front of
   * the server, for `secure` and the client address. @default false
   */
  trustProxy?: boolean;
}

/**
 * Options of `httpCompression`. Responses are compressed with the runtime's
 * `CompressionStream`, which takes no parameters: the zlib options engine.io
 * passes on to `zlib.createGzip` (`level`, `memLevel`, `windowBits`,
 * `strategy`, `chunkSize`...) are accepted and have no effect (zlib's
 * defaults apply: level 6, memLevel 8, windowBits 15).
 */
export interface HttpCompressionOptions {
  /** The smallest response body, in bytes, that is compressed. @default 1024 */
  threshold?: number;
  /** zlib option; no effect (see above). */
  level?: number;
  /** zlib option; no effect (see above). */
  memLevel?: number;
  /** zlib option; no effect (see above). */
  windowBits?: number;
  /** zlib option; no effect (see above). */
  strategy?: number;
  /** Other zlib options; no effect. */
  [option: string]: unknown;
}

/**
 * Options of `perMessageDeflate`, with the names of ws (which engine.io
 * uses), translated to Bun's compressors. Differs from ws by default: Bun
 * keeps no compression context on either side (one shared compressor,
 * `server_no_context_takeover` and `client_no_context_takeover` negotiated),
 * which costs far less memory than ws's default of a sliding window per
 * socket; messages are then compressed from `threshold` bytes on, as ws does
 * without a server context. `serverNoContextTakeover: false` or a
 * `serverMaxWindowBits` gives each socket a compressor with a window of that
 * size (9 to 15 bits, 15 by default): every message is then compressed,
 * `threshold` aside, again as ws does. `clientNoContextTakeover: false` lets
 * the client keep its window. Bun's own `compress` and `decompress` values
 * (`"shared"`, `"dedicated"`, `"16KB"`...) are passed on as they are.
 * `zlibDeflateOptions` (but its `windowBits`), `zlibInflateOptions`,
 * `clientMaxWindowBits` and `concurrencyLimit` have no counterpart in Bun and
 * no effect.
 */
export interface PerMessageDeflateOptions {
  /** The smallest message, in bytes, that is compressed. @default 1024 */
  threshold?: number;
  /** Compress without keeping a window from one message to the next. @default true on Bun */
  serverNoContextTakeover?: boolean;
  /** Ask the client to keep no window from one message to the next. @default true on Bun */
  clientNoContextTakeover?: boolean;
  /** The window the server compresses with, 8 to 15 bits (a dedicated compressor per socket). */
  serverMaxWindowBits?: number;
  /** No effect on Bun. */
  clientMaxWindowBits?: number | boolean;
  /** zlib options; only `windowBits` is used (as `serverMaxWindowBits`). */
  zlibDeflateOptions?: Record<string, unknown>;
  /** No effect on Bun. */
  zlibInflateOptions?: Record<string, unknown>;
  /** No effect on Bun. */
  concurrencyLimit?: number;
  /** Bun's compressor, passed on as it is. */
  compress?: boolean | string;
  /** Bun's decompressor, passed on as it is. */
  decompress?: boolean | string;
  /** Other ws options; no effect. */
  [option: string]: unknown;
}

/** Options with every default filled in. */
export interface ResolvedEngineOptions {
  /** The path prefix the engine answers on, with the trailing slash unless turned off. */
  path: string;
  /** Milliseconds between pings. */
  pingInterval: number;
  /** Milliseconds to wait for a pong. */
  pingTimeout: number;
  /** Milliseconds an upgrade may take. */
  upgradeTimeout: number;
  /** Largest POST body or WebSocket message, in bytes. */
  maxHttpBufferSize: number;
  /** The most a session may have waiting for its client (see `EngineOptions.maxBufferSize`). */
  maxBufferSize: number;
  /** The handshake check, when one was given. */
  allowRequest: AllowRequest | undefined;
  /** The transports clients may use, in the order given. */
  transports: TransportName[];
  /** Whether a polling session may upgrade to WebSocket. */
  allowUpgrades: boolean;
  /** The sticky-session cookie (its name filled in), or `false` for none. */
  cookie: Required<Pick<CookieOptions, "name">> & CookieOptions | false;
  /** The CORS settings, when CORS headers are sent. */
  cors: CorsOptions | undefined;
  /** The smallest long-polling response that is compressed, in bytes; `false` for none. */
  compressionThreshold: number | false;
  /** The WebSocket compression settings as given. */
  perMessageDeflate: boolean | PerMessageDeflateOptions;
  /** The smallest WebSocket message that is compressed; Infinity without perMessageDeflate. */
  deflateThreshold: number;
  /** Whether Engine.IO v3 clients (socket.io-client 2.x) are served. */
  allowEIO3: boolean;
  /** Whether `X-Forwarded-Proto` / `X-Forwarded-For` are trusted for `secure` and the address. */
  trustProxy: boolean;
}

/** Fills in defaults and checks ranges. */
export function resolveEngineOptions(options: EngineOptions = {}): ResolvedEngineOptions {
  let path = options.path ?? "/engine.io";
  if (!path.startsWith("/")) {
    throw new TypeError(`Cannot use path "${path}": it must start with "/"`);
  }
  path = path.replace(/\/$/, "");
  if (options.addTrailingSlash !== false) path += "/";
  for (
    const key of [
      "pingInterval",
      "pingTimeout",
      "upgradeTimeout",
      "maxHttpBufferSize",
      "maxBufferSize",
    ] as const
  ) {
    const value = options[key];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new RangeError(`Cannot use ${key} ${value}: it must be a positive number`);
    }
  }
  const transports = options.transports ?? ["polling", "websocket"];
  for (const t of transports) {
    if (t !== "polling" && t !== "websocket") {
      throw new TypeError(`Cannot use transport "${t}": use "polling" and/or "websocket"`);
    }
  }
  const cookie = options.cookie === true ? {} : options.cookie || false;
  const compression = options.httpCompression ?? true;
  return {
    path,
    pingInterval: options.pingInterval ?? 25_000,
    pingTimeout: options.pingTimeout ?? 20_000,
    upgradeTimeout: options.upgradeTimeout ?? 10_000,
    maxHttpBufferSize: options.maxHttpBufferSize ?? 1e6,
    maxBufferSize: options.maxBufferSize ?? 8 * 1024 * 1024,
    allowRequest: options.allowRequest,
    transports,
    allowUpgrades: options.allowUpgrades ?? true,
    cookie: cookie
      ? {
        name: "io",
        path: "/",
        httpOnly: cookie.path !== false,
        sameSite: "lax",
        ...cookie,
      }
      : false,
    cors: options.cors,
    compressionThreshold: compression === false
      ? false
      : compression === true
      ? 1024
      : compression.threshold ?? 1024,
    perMessageDeflate: options.perMessageDeflate ?? false,
    deflateThreshold: deflateThreshold(options.perMessageDeflate),
    allowEIO3: options.allowEIO3 ?? false,
    trustProxy: options.trustProxy ?? false,
  };
}
