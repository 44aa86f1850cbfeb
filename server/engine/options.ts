/**
 * Engine.IO server options, with the defaults of npm `engine.io` 6.6.
 *
 * @module
 */

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
   * reflects the request's `Origin`.
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
  /** Compress polling responses (gzip/deflate) above `threshold` bytes. @default true */
  httpCompression?: boolean | { threshold?: number };
  /**
   * permessage-deflate for WebSocket. Bun supports it; Deno's
   * `Deno.upgradeWebSocket` has no such option, so it is ignored there.
   * @default false
   */
  perMessageDeflate?: boolean | Record<string, unknown>;
  /** Accept Engine.IO v3 clients (socket.io-client 2.x). @default false */
  allowEIO3?: boolean;
  /**
   * Trust `X-Forwarded-Proto` / `X-Forwarded-For` from a proxy in front of
   * the server, for `secure` and the client address. @default false
   */
  trustProxy?: boolean;
}

/** Options with every default filled in. */
export interface ResolvedEngineOptions {
  path: string;
  pingInterval: number;
  pingTimeout: number;
  upgradeTimeout: number;
  maxHttpBufferSize: number;
  allowRequest: AllowRequest | undefined;
  transports: TransportName[];
  allowUpgrades: boolean;
  cookie: Required<Pick<CookieOptions, "name">> & CookieOptions | false;
  cors: CorsOptions | undefined;
  compressionThreshold: number | false;
  perMessageDeflate: boolean | Record<string, unknown>;
  allowEIO3: boolean;
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
    const key of ["pingInterval", "pingTimeout", "upgradeTimeout", "maxHttpBufferSize"] as const
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
    allowEIO3: options.allowEIO3 ?? false,
    trustProxy: options.trustProxy ?? false,
  };
}
