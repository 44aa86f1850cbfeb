/**
 * The engine's headers and refusals: CORS (a preflight answered here, the
 * headers of every other answer), the `initial_headers` and `headers` hooks,
 * and the refusal of a request with the reference's wire errors. The router
 * decides what a request gets; this file writes it.
 *
 * @module
 */

import {
  corsHeaders,
  ENGINE_ERROR_MESSAGES,
  ENGINE_ERRORS,
  type EngineErrorCode,
  errorResponse,
  type HeaderRecord,
  upgradeErrorResponse,
} from "./http.ts";
import type { CorsOptions, ResolvedEngineOptions } from "./options.ts";

/** A handshake or request the engine refused, as the `connection_error` event reports it. */
export interface ConnectionError {
  /** The request. */
  req: Request;
  /** The engine error code. */
  code: EngineErrorCode;
  /** The wire message. */
  message: string;
  /** More detail. */
  context: Record<string, unknown>;
}

/** What the responder needs of its engine. */
export interface ResponderHost {
  readonly options: ResolvedEngineOptions;
  /** Reports an error of user code (allowRequest, a CORS origin function). */
  reportError(error: unknown): void;
  /** Whether the engine has listeners for `event`. */
  hasListeners(event: "connection_error" | "initial_headers" | "headers"): boolean;
  /** Emits one of the engine's request events. */
  emit(event: "connection_error", error: ConnectionError): unknown;
  emit(event: "initial_headers" | "headers", headers: HeaderRecord, request: Request): unknown;
}

/** Whether `request` asks for a WebSocket upgrade. */
export function isUpgrade(request: Request): boolean {
  const upgrade = request.headers.get("upgrade");
  return upgrade !== null && upgrade.toLowerCase() === "websocket";
}

/** `fn(value)`, after `value` settles when it is a promise: no tick for values at hand. */
export function then<T, R>(value: T | Promise<T>, fn: (value: T) => R): R | Promise<Awaited<R>> {
  return value instanceof Promise ? value.then(fn) as Promise<Awaited<R>> : fn(value);
}

/** Writes an engine's CORS and hook headers, and its refusals. */
export class Responder {
  #engine: ResponderHost;

  /** The responder of `engine`. */
  constructor(engine: ResponderHost) {
    this.#engine = engine;
  }

  /** A CORS preflight answered here (not handed on to the application). */
  preflight(request: Request, cors: CorsOptions): Response | Promise<Response> {
    return then(this.#cors(request, cors, true), (headers) => {
      if (!headers) return this.corsFailure(request, false);
      return new Response(null, {
        status: cors.optionsSuccessStatus ?? 204,
        headers: this.#hook(headers, request),
      });
    });
  }

  /**
   * Response headers for `request`: CORS, then the `headers` hook. A promise
   * only when a CORS origin function has to be awaited. When that function
   * refuses or fails, the headers come without the CORS ones (the engine's
   * own requests are then refused; a failure is reported to `onError`).
   */
  responseHeaders(
    request: Request,
    extra: HeaderRecord = {},
  ): HeaderRecord | Promise<HeaderRecord> {
    return then(this.headers(request, extra), (headers) => headers ?? this.#hook(extra, request));
  }

  /**
   * The CORS headers for a request the Socket.IO layer answers itself (the
   * served client files), without the `headers` hook: `{}` without the
   * `cors` option, and when the origin function refuses or fails (a failure
   * is reported to `onError`), as socket.io then serves the file without
   * them.
   */
  corsHeaders(request: Request): HeaderRecord | Promise<HeaderRecord> {
    const cors = this.#engine.options.cors;
    if (!cors) return {};
    return then(this.#cors(request, cors, false), (headers) => headers ?? {});
  }

  /** CORS, then the `headers` hook; `null` when the CORS origin function refused or failed. */
  headers(
    request: Request,
    extra: HeaderRecord = {},
  ): HeaderRecord | null | Promise<HeaderRecord | null> {
    const cors = this.#engine.options.cors;
    if (!cors) return this.#hook(extra, request);
    return then(
      this.#cors(request, cors, false),
      (headers) => headers && this.#hook({ ...headers, ...extra }, request),
    );
  }

  /**
   * The CORS headers; `null` when the origin function refused (answered its
   * callback with an error) or failed (threw or rejected: reported).
   */
  #cors(
    request: Request,
    cors: CorsOptions,
    preflight: boolean,
  ): HeaderRecord | null | Promise<HeaderRecord | null> {
    const headers = corsHeaders(cors, request, preflight);
    if (!(headers instanceof Promise)) return headers;
    return headers.catch((error) => {
      this.#engine.reportError(error);
      return null;
    });
  }

  #hook(headers: HeaderRecord, request: Request): HeaderRecord {
    if (this.#engine.hasListeners("headers")) this.#engine.emit("headers", headers, request);
    return headers;
  }

  /** Whether `request` reaches the engine as an upgrade: it asks for one, and WebSocket is on. */
  #asksUpgrade(request: Request): boolean {
    return isUpgrade(request) && this.#engine.options.transports.includes("websocket");
  }

  /**
   * Refuses a request, as engine.io does: a plain request gets the JSON
   * error with the CORS and hook headers (403 for FORBIDDEN, else 400); an
   * upgrade request gets engine.io's `abortUpgrade` answer (see
   * {@linkcode upgradeErrorResponse}). The reference runs its CORS middleware
   * before any check, so an origin function that refuses or fails turns
   * every refusal into its own 400 "Bad request" (see `corsFailure`).
   */
  async refuse(
    request: Request,
    code: EngineErrorCode,
    context: Record<string, unknown>,
  ): Promise<Response> {
    const upgrade = this.#asksUpgrade(request);
    const cors = this.#engine.options.cors;
    // An upgrade's refusal carries no header, but the origin function still runs first.
    const headers = !upgrade
      ? await this.headers(request)
      : cors && typeof cors.origin === "function"
      ? await this.#cors(request, cors, false)
      : undefined;
    if (headers === null) return this.corsFailure(request, upgrade);
    const message = ENGINE_ERROR_MESSAGES[code];
    if (this.#engine.hasListeners("connection_error")) {
      this.#engine.emit("connection_error", { req: request, code, message, context });
    }
    if (request.body && !request.bodyUsed) await request.body.cancel().catch(() => {});
    // The body carries the context's message when it has one (allowRequest's), as engine.io's.
    return upgrade
      ? upgradeErrorResponse(code, context.message)
      : errorResponse(code, context.message || message, headers);
  }

  /**
   * The answer when the CORS origin function refused or failed: engine.io's
   * CORS middleware hands the error on, and the request is refused as
   * BAD_REQUEST with the context `{name: "MIDDLEWARE_FAILURE"}`, without any
   * CORS header.
   */
  async corsFailure(request: Request, upgrade: boolean): Promise<Response> {
    const code = ENGINE_ERRORS.BAD_REQUEST;
    if (this.#engine.hasListeners("connection_error")) {
      this.#engine.emit("connection_error", {
        req: request,
        code,
        message: ENGINE_ERROR_MESSAGES[code],
        context: { name: "MIDDLEWARE_FAILURE" },
      });
    }
    if (request.body && !request.bodyUsed) await request.body.cancel().catch(() => {});
    return upgrade ? upgradeErrorResponse(code) : errorResponse(code);
  }
}
