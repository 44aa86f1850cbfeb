/**
 * HTTP helpers of the Engine.IO server: the error table, CORS (behaving like
 * the npm `cors` package), the sticky-session cookie and body reading with a
 * size limit counted while reading.
 *
 * @module
 */

import { concatBytes } from "../../common/bytes.ts";
import type { CookieOptions, CorsOptions, CorsOrigin } from "./options.ts";

/** Engine.IO error codes (engine.io `Server.errors`). */
export const ENGINE_ERRORS = {
  UNKNOWN_TRANSPORT: 0,
  UNKNOWN_SID: 1,
  BAD_HANDSHAKE_METHOD: 2,
  BAD_REQUEST: 3,
  FORBIDDEN: 4,
  UNSUPPORTED_PROTOCOL_VERSION: 5,
} as const;

/** One of the {@linkcode ENGINE_ERRORS} codes. */
export type EngineErrorCode = typeof ENGINE_ERRORS[keyof typeof ENGINE_ERRORS];

/** The wire message of each error code, as the reference sends it. */
export const ENGINE_ERROR_MESSAGES: readonly string[] = [
  "Transport unknown",
  "Session ID unknown",
  "Bad handshake method",
  "Bad request",
  "Forbidden",
  "Unsupported protocol version",
];

/** A mutable header record, as the `initial_headers` and `headers` hooks see it. */
export type HeaderRecord = Record<string, string>;

/**
 * The error response: 403 for FORBIDDEN, else 400, JSON `{code, message}`.
 * `message` defaults to the code's wire message; any other value is written
 * as `JSON.stringify` writes it, as engine.io writes the message an
 * `allowRequest` callback refused with.
 */
export function errorResponse(
  code: EngineErrorCode,
  message?: unknown,
  headers: HeaderRecord = {},
): Response {
  return new Response(JSON.stringify({ code, message: message ?? ENGINE_ERROR_MESSAGES[code] }), {
    status: code === ENGINE_ERRORS.FORBIDDEN ? 403 : 400,
    headers: { ...headers, "content-type": "application/json" },
  });
}

/**
 * The answer to a refused WebSocket upgrade request, as engine.io writes it
 * on the socket (`abortUpgrade`): 400, `Content-Type: text/html`,
 * `Connection: close`, the message as plain text (`message` when truthy,
 * else the code's wire message), and no other header: neither CORS nor the
 * `headers` hook's.
 */
export function upgradeErrorResponse(code: EngineErrorCode, message?: unknown): Response {
  return new Response(String(message || ENGINE_ERROR_MESSAGES[code]), {
    status: 400,
    headers: { "content-type": "text/html", connection: "close" },
  });
}

/** Where the path of an absolute request URL starts: after the scheme's "//" and the authority. */
export function pathStart(url: string): number {
  return url.indexOf("/", url.indexOf("//") + 2);
}

/** Decodes one query component like `URLSearchParams` does ("+" is a space). */
function decodeComponent(value: string): string {
  if (value.indexOf("%") === -1 && value.indexOf("+") === -1) return value;
  try {
    return decodeURIComponent(value.replaceAll("+", " "));
  } catch {
    // Malformed escapes: URLSearchParams keeps what it cannot decode.
    return new URLSearchParams("v=" + value).get("v") ?? value;
  }
}

/**
 * The query parameters of a request URL as a record (the first value of
 * each name, decoded as `URLSearchParams` decodes), without building a
 * `URL`: the engine reads a few names of every request. `share` maps each
 * value as it is stored (the handshake interns them).
 *
 * @example
 * ```ts
 * import { parseQuery } from "./http.ts";
 * parseQuery("http://h/socket.io/?EIO=4&transport=polling").transport; // "polling"
 * ```
 */
export function parseQuery(
  url: string,
  share?: (value: string) => string,
): Record<string, string> {
  const query: Record<string, string> = Object.create(null);
  let start = url.indexOf("?");
  if (start === -1) return query;
  const hash = url.indexOf("#", start);
  const end = hash === -1 ? url.length : hash;
  // Engine.IO's own parameters are never escaped: decode only when something is.
  const plain = url.indexOf("%", start) === -1 && url.indexOf("+", start) === -1;
  start++;
  while (start < end) {
    let amp = url.indexOf("&", start);
    if (amp === -1 || amp > end) amp = end;
    if (amp > start) {
      const eq = url.indexOf("=", start);
      const split = eq === -1 || eq > amp ? amp : eq;
      const rawName = url.slice(start, split);
      const name = plain ? rawName : decodeComponent(rawName);
      if (!(name in query)) {
        const value = split === amp ? "" : url.slice(split + 1, amp);
        const decoded = plain ? value : decodeComponent(value);
        query[name] = share ? share(decoded) : decoded;
      }
    }
    start = amp + 1;
  }
  return query;
}

/**
 * One query parameter of a request URL, as `parseQuery(url)[name]` gives it,
 * without making the record: what every poll needs (`sid`, `transport`,
 * `b64`) is read by scanning. A query with escapes takes `parseQuery`.
 */
export function queryValue(url: string, name: string): string | undefined {
  const q = url.indexOf("?");
  if (q === -1) return undefined;
  if (url.indexOf("%", q) !== -1 || url.indexOf("+", q) !== -1) return parseQuery(url)[name];
  const hash = url.indexOf("#", q);
  const end = hash === -1 ? url.length : hash;
  let start = q + 1;
  while (start < end) {
    let amp = url.indexOf("&", start);
    if (amp === -1 || amp > end) amp = end;
    const after = start + name.length;
    if (amp > start && after <= amp && url.startsWith(name, start)) {
      if (after === amp) return "";
      if (url.charCodeAt(after) === 61 /* = */) return url.slice(after + 1, amp);
    }
    start = amp + 1;
  }
  return undefined;
}

/** Thrown by {@linkcode readBody} when the body is larger than allowed. */
export class PayloadTooLargeError extends RangeError {
  /** @param limit The limit in bytes. */
  constructor(limit: number) {
    super(`Cannot read body: larger than ${limit} bytes`);
    this.name = "PayloadTooLargeError";
  }
}

/**
 * Reads a request body as bytes, counting while reading: past `limit` bytes
 * the stream is cancelled and {@linkcode PayloadTooLargeError} thrown.
 */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const length = request.headers.get("content-length");
  const declared = length === null ? NaN : Number(length);
  if (declared > limit) {
    await request.body?.cancel().catch(() => {});
    throw new PayloadTooLargeError(limit);
  }
  if (declared >= 0) {
    // HTTP framing: a body with a Content-Length is exactly that long, and the declared length
    // was checked against the limit before any of it was read. The runtime's buffered read
    // (without touching `request.body`, which would build a stream) is most of a small POST's
    // cost saved.
    return new Uint8Array(await request.arrayBuffer());
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0] : concatBytes(chunks, total);
}

/** Serialises the sticky-session cookie for `sid`. */
export function serializeCookie(name: string, sid: string, options: CookieOptions): string {
  let out = `${name}=${encodeURIComponent(sid)}`;
  if (options.maxAge !== undefined) out += `; Max-Age=${Math.floor(options.maxAge)}`;
  if (options.domain) out += `; Domain=${options.domain}`;
  if (options.path) out += `; Path=${options.path}`;
  if (options.expires) out += `; Expires=${options.expires.toUTCString()}`;
  if (options.httpOnly) out += "; HttpOnly";
  if (options.secure) out += "; Secure";
  const sameSite = options.sameSite;
  if (sameSite === true || sameSite === "strict") out += "; SameSite=Strict";
  else if (sameSite === "lax") out += "; SameSite=Lax";
  else if (sameSite === "none") out += "; SameSite=None";
  return out;
}

const DEFAULT_METHODS = "GET,HEAD,PUT,PATCH,POST,DELETE";

function list(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(",") : value;
}

function originMatches(origin: string, rule: string | RegExp | Array<string | RegExp>): boolean {
  if (Array.isArray(rule)) return rule.some((r) => originMatches(origin, r));
  return typeof rule === "string" ? rule === origin : rule.test(origin);
}

/**
 * What a callback-form origin function answered with an error: npm `cors`
 * hands that error to `next`, and the reference then answers 400 "Bad
 * request" (a refusal the user chose, not a fault to report).
 */
const REFUSED_BY_CALLBACK = Symbol("refused by callback");

type OriginRule = boolean | string | RegExp | Array<string | RegExp>;

/** Runs an origin function; rejects when it throws or rejects. */
async function resolveOrigin(
  rule: Extract<CorsOrigin, (...args: never[]) => unknown>,
  origin: string | undefined,
): Promise<OriginRule | typeof REFUSED_BY_CALLBACK> {
  if (rule.length >= 2) {
    return await new Promise((resolve) => {
      (rule as (o: string | undefined, cb: (e: Error | null, a?: unknown) => void) => void)(
        origin,
        (error, allow) => resolve(error ? REFUSED_BY_CALLBACK : (allow ?? false) as OriginRule),
      );
    });
  }
  return await (rule as (o: string | undefined) => boolean | string | Promise<boolean | string>)(
    origin,
  );
}

/**
 * The CORS headers for a request, like the npm `cors` package computes them:
 * at hand for a fixed origin rule, a promise for an origin function. `null`
 * when a callback-form origin function answered with an error (the reference
 * answers 400 "Bad request" then); a promise that rejects with the error when
 * the origin function threw or rejected.
 */
export function corsHeaders(
  options: CorsOptions,
  request: Request,
  preflight: boolean,
): HeaderRecord | null | Promise<HeaderRecord | null> {
  const origin = request.headers.get("origin") ?? undefined;
  const rule = options.origin;
  if (typeof rule !== "function") {
    return buildCorsHeaders(options, request, preflight, origin, rule ?? "*");
  }
  return resolveOrigin(rule, origin).then((resolved) =>
    resolved === REFUSED_BY_CALLBACK
      ? null
      : buildCorsHeaders(options, request, preflight, origin, resolved)
  );
}

function buildCorsHeaders(
  options: CorsOptions,
  request: Request,
  preflight: boolean,
  origin: string | undefined,
  rule: OriginRule,
): HeaderRecord {
  // No origin allowed (false, or a function's falsy answer): npm cors sets no header at all.
  if (!rule) return {};
  const headers: HeaderRecord = {};
  if (rule === "*") {
    // Any origin, credentials or not: browsers refuse a credentialed response that allows "*",
    // which is npm cors's answer too; `origin: true` reflects the origin instead.
    headers["access-control-allow-origin"] = "*";
  } else if (typeof rule === "string") {
    headers["access-control-allow-origin"] = rule;
    headers["vary"] = "Origin";
  } else {
    // true, RegExp or list: reflect the origin when it matches.
    const allowed = rule === true ||
      (origin !== undefined && originMatches(origin, rule as RegExp | Array<string | RegExp>));
    if (allowed && origin) headers["access-control-allow-origin"] = origin;
    headers["vary"] = "Origin";
  }
  if (options.credentials) headers["access-control-allow-credentials"] = "true";
  const exposed = list(options.exposedHeaders);
  if (exposed) headers["access-control-expose-headers"] = exposed;
  if (preflight) {
    headers["access-control-allow-methods"] = list(options.methods) ?? DEFAULT_METHODS;
    const allowedHeaders = list(options.allowedHeaders) ??
      request.headers.get("access-control-request-headers") ?? undefined;
    if (allowedHeaders) {
      headers["access-control-allow-headers"] = allowedHeaders;
      if (!options.allowedHeaders) {
        headers["vary"] = headers["vary"]
          ? headers["vary"] + ", Access-Control-Request-Headers"
          : "Access-Control-Request-Headers";
      }
    }
    if (options.maxAge !== undefined) headers["access-control-max-age"] = String(options.maxAge);
  }
  return headers;
}
