/**
 * The engine's request side: a request on its path is routed by its query
 * and method (a CORS preflight, a handshake, a request of an open session:
 * poll, POST or WebSocket upgrade), checked as the reference checks it, and
 * refused with the reference's wire errors. The handshake makes the session
 * (its protocol revision picked here, from `EIO`) and answers with the open
 * packet. CORS and the header hooks are applied here too.
 *
 * @module
 */

import { PROTOCOL_V4, type SessionProtocol } from "./codec.ts";
import {
  corsHeaders,
  ENGINE_ERROR_MESSAGES,
  ENGINE_ERRORS,
  type EngineErrorCode,
  errorResponse,
  type HeaderRecord,
  parseQuery,
  queryValue,
  serializeCookie,
  upgradeErrorResponse,
} from "./http.ts";
import { intern } from "./intern.ts";
import type { CorsOptions, ResolvedEngineOptions } from "./options.ts";
import { EngineSession, type SessionHost } from "./session.ts";
import type { RuntimeBridge } from "./socket.ts";
import type { TransportName } from "./types.ts";
import { PROTOCOL_V3 } from "./v3.ts";

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

/** What the router needs of its engine. */
export interface RouterHost extends SessionHost {
  readonly options: ResolvedEngineOptions;
  /** Open sessions by id. */
  readonly clients: Map<string, EngineSession>;
  /** The engine was closed: handshakes are refused. */
  readonly closed: boolean;
  /** Makes the id of a new session. */
  generateId(request: Request): string;
  /** The runtime bridge that serves this engine, if any. */
  bridge(): RuntimeBridge | undefined;
  /** Keeps the pub/sub publisher of the runtime server in `context`, if it has one. */
  addPublisher(bridge: RuntimeBridge, context: unknown): void;
  /** The session's open packet is on its way: it starts and goes to the handler. */
  open(session: EngineSession): void;
  /** Reports an error of user code (allowRequest, a CORS origin function). */
  reportError(error: unknown): void;
  /** Whether the engine has listeners for `event`. */
  hasListeners(event: "connection_error" | "initial_headers" | "headers"): boolean;
  /** Emits one of the engine's request events. */
  emit(event: "connection_error", error: ConnectionError): unknown;
  emit(event: "initial_headers" | "headers", headers: HeaderRecord, request: Request): unknown;
}

/**
 * Request headers whose values repeat from one client to the next. The
 * handshake record lives as long as the connection, so their values are
 * interned: one string for all the connections that sent the same value.
 */
const REPEATED_HEADERS = new Set([
  "accept",
  "accept-encoding",
  "accept-language",
  "cache-control",
  "connection",
  "host",
  "origin",
  "pragma",
  "sec-websocket-extensions",
  "sec-websocket-version",
  "upgrade",
  "user-agent",
]);
/** The headers as a plain record, lower-case names (Headers iterates them so). */
function headerRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name] = REPEATED_HEADERS.has(name) ? intern(value) : value;
  });
  return record;
}

/** Whether `request` asks for a WebSocket upgrade. */
function isUpgrade(request: Request): boolean {
  const upgrade = request.headers.get("upgrade");
  return upgrade !== null && upgrade.toLowerCase() === "websocket";
}

function noBridge(): never {
  throw new TypeError(
    "Cannot handle requests: no runtime bridge; import the engine from server/mod.ts or pass `runtime`",
  );
}

/** `fn(value)`, after `value` settles when it is a promise: no tick for values at hand. */
function then<T, R>(value: T | Promise<T>, fn: (value: T) => R): R | Promise<Awaited<R>> {
  return value instanceof Promise ? value.then(fn) as Promise<Awaited<R>> : fn(value);
}

/** The `Cache-Control` of the polling handshake's response, as of every polling response. */
const NO_STORE = "no-store";

/** `allowRequest`'s refusal: the message the callback gave (sent in the 403 body when truthy). */
interface Refusal {
  message: unknown;
}

const REFUSED: Refusal = Object.freeze({ message: undefined });

/**
 * Runs `allowRequest` in either of its forms (callback, or boolean/promise):
 * `true`, or the refusal. One that throws or rejects refuses, and the error
 * goes to `report`.
 */
async function allowedBy(
  allow: NonNullable<ResolvedEngineOptions["allowRequest"]>,
  request: Request,
  report: (error: unknown) => void,
): Promise<true | Refusal> {
  try {
    if (allow.length >= 2) {
      return await new Promise<true | Refusal>((resolve) =>
        (allow as (r: Request, cb: (e: unknown, ok: boolean) => void) => void)(
          request,
          (message, success) => resolve(success ? true : { message }),
        )
      );
    }
    return await (allow as (r: Request) => boolean | Promise<boolean>)(request) ? true : REFUSED;
  } catch (error) {
    report(error);
    return REFUSED;
  }
}

/** The open packet's JSON after the session id, remade only when a value changed. */
export class OpenTail {
  #upgrades = false;
  #interval = NaN;
  #timeout = NaN;
  #maxPayload: number | undefined = NaN;
  #text = "";

  /** The tail for these values: `,"upgrades":[...],"pingInterval":...}`. */
  text(
    upgrades: boolean,
    pingInterval: number,
    pingTimeout: number,
    maxPayload: number | undefined,
  ): string {
    if (
      upgrades !== this.#upgrades || pingInterval !== this.#interval ||
      pingTimeout !== this.#timeout || maxPayload !== this.#maxPayload
    ) {
      const rest = JSON.stringify({
        upgrades: upgrades ? ["websocket"] : [],
        pingInterval,
        pingTimeout,
        maxPayload,
      });
      this.#text = "," + rest.slice(1);
      this.#upgrades = upgrades;
      this.#interval = pingInterval;
      this.#timeout = pingTimeout;
      this.#maxPayload = maxPayload;
    }
    return this.#text;
  }
}

/** Routes an engine's requests and runs its handshakes. */
export class Router {
  #engine: RouterHost;

  /** The router of `engine`. */
  constructor(engine: RouterHost) {
    this.#engine = engine;
  }

  // The request paths are split by kind, each its own small function: JavaScriptCore optimizes a
  // function after a number of calls that grows with its size, so the handshake path reaches its
  // optimized tiers sooner, and closures of the rarer paths capture no scope on the usual one.
  route(
    request: Request,
    context: unknown,
    url: string,
  ): Response | undefined | Promise<Response | undefined> {
    const bridge = this.#engine.bridge();
    if (!bridge) return noBridge();
    // The record of every parameter is made for handshakes only; polls read their few names.
    const transport = queryValue(url, "transport") as TransportName | undefined;
    const cors = this.#engine.options.cors;
    if (cors && request.method === "OPTIONS" && !cors.preflightContinue) {
      return this.#preflight(request, cors);
    }
    if (!transport || !this.#engine.options.transports.includes(transport)) {
      return this.#refuse(request, ENGINE_ERRORS.UNKNOWN_TRANSPORT, { transport });
    }
    const sid = queryValue(url, "sid");
    if (sid) return this.#routeSession(request, context, bridge, url, transport, sid);
    if (request.method !== "GET") {
      return this.#refuse(request, ENGINE_ERRORS.BAD_HANDSHAKE_METHOD, { method: request.method });
    }
    // Only the websocket transport upgrades; polls skip building the request's headers (Bun).
    if (transport === "websocket" && !isUpgrade(request)) {
      return this.#refuse(request, ENGINE_ERRORS.BAD_REQUEST, {
        name: "TRANSPORT_HANDSHAKE_ERROR",
      });
    }
    if (this.#engine.closed) {
      return this.#refuse(request, ENGINE_ERRORS.FORBIDDEN, { reason: "closed" });
    }
    const allowed = this.#allowed(request);
    // No allowRequest: no continuation per handshake.
    if (allowed === true) return this.#handshake(request, context, bridge, url, transport);
    return this.#handshakeIfAllowed(request, context, bridge, url, transport, allowed);
  }

  /** A CORS preflight answered here (not handed on to the application). */
  #preflight(request: Request, cors: CorsOptions): Response | Promise<Response> {
    return then(this.#cors(request, cors, true), (headers) => {
      if (!headers) return this.#corsFailure(request, false);
      return new Response(null, {
        status: cors.optionsSuccessStatus ?? 204,
        headers: this.#hook(headers, request),
      });
    });
  }

  /** A request of an open session (`sid`): a poll, a POST, or the WebSocket upgrade. */
  #routeSession(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    url: string,
    transport: TransportName,
    sid: string,
  ): Response | undefined | Promise<Response | undefined> {
    const session = this.#engine.clients.get(sid);
    if (!session) return this.#refuse(request, ENGINE_ERRORS.UNKNOWN_SID, { sid });
    if (transport === "websocket" && isUpgrade(request)) {
      if (!this.#engine.options.allowUpgrades) {
        return this.#refuse(request, ENGINE_ERRORS.BAD_REQUEST, { name: "TRANSPORT_MISMATCH" });
      }
      // Like engine.io, allowRequest is asked at the handshake only, not again here.
      return this.#upgradeSession(request, context, bridge, session);
    }
    if (session.transport !== transport) {
      return this.#refuse(request, ENGINE_ERRORS.BAD_REQUEST, { name: "TRANSPORT_MISMATCH" });
    }
    const method = request.method;
    if (method !== "GET" && method !== "POST") {
      return this.#refuse(request, ENGINE_ERRORS.BAD_REQUEST, { name: "BAD_METHOD" });
    }
    return then(
      this.#headers(request),
      (headers) =>
        headers === null
          ? this.#corsFailure(request, false)
          : method === "GET"
          ? session.polling.handlePoll(
            request,
            queryValue(url, "b64") === undefined,
            headers,
            context,
          )
          : session.polling.handlePost(request, headers),
    );
  }

  /**
   * The upgrade of an open polling session to WebSocket. The 101 carries the
   * CORS headers and the `headers` hook's, as the reference's does (its CORS
   * middleware runs for upgrades too).
   */
  #upgradeSession(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    session: EngineSession,
  ): Response | undefined | Promise<Response | undefined> {
    const headers = this.#headers(request);
    if (!(headers instanceof Promise)) {
      return headers === null
        ? this.#corsFailure(request, true)
        : this.#upgrade(request, context, bridge, session, headers);
    }
    return headers.then((headers) =>
      headers === null
        ? this.#corsFailure(request, true)
        // The session may have ended while the origin function ran.
        : this.#engine.clients.get(session.id) !== session
        ? this.#refuse(request, ENGINE_ERRORS.UNKNOWN_SID, { sid: session.id })
        : this.#upgrade(request, context, bridge, session, headers)
    );
  }

  /** A handshake once `allowRequest` answered. */
  #handshakeIfAllowed(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    url: string,
    transport: TransportName,
    allowed: Promise<true | Refusal>,
  ): Promise<Response | undefined> {
    return allowed.then((allowed) =>
      allowed === true
        ? this.#handshake(request, context, bridge, url, transport)
        : this.#refuse(request, ENGINE_ERRORS.FORBIDDEN, { message: allowed.message })
    );
  }

  #handshake(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    requestUrl: string,
    transport: TransportName,
  ): Response | undefined | Promise<Response | undefined> {
    // The URL, its query values and the address live as long as the session: clients that
    // send the same ones share one string (query values are slices that would keep the
    // whole URL alive).
    const url = intern(requestUrl);
    const query = parseQuery(url, intern);
    const eio = query.EIO;
    const protocol: SessionProtocol | null = eio === "4"
      ? PROTOCOL_V4
      : this.#engine.options.allowEIO3 && eio === "3"
      ? PROTOCOL_V3
      : null;
    if (!protocol) {
      return this.#refuse(request, ENGINE_ERRORS.UNSUPPORTED_PROTOCOL_VERSION, { protocol: eio });
    }
    if (transport === "polling" && "j" in query) {
      return this.#refuse(request, ENGINE_ERRORS.BAD_REQUEST, { name: "JSONP_UNSUPPORTED" });
    }

    const session = new EngineSession(this.#engine, {
      id: this.#engine.generateId(request),
      protocol,
      // What rebuilds a copy of the request on demand (Deno closes the original once the
      // response is sent); the headers record is also the Socket.IO handshake's.
      request: { url, method: request.method, headers: headerRecord(request.headers), query },
      remoteAddress: intern(this.#address(request, context, bridge)),
      secure: this.#secure(request, url),
      // The name itself, not the slice of the URL it was read from.
      transport: transport === "websocket" ? "websocket" : "polling",
    });
    const headers = this.#handshakeHeaders(request, session);
    // Headers at hand (no CORS origin function to await): no continuation per handshake.
    if (!(headers instanceof Promise)) {
      return headers === null
        ? this.#corsFailure(request, session.transport === "websocket")
        : this.#answerHandshake(request, context, bridge, session, headers);
    }
    return this.#answerLater(request, context, bridge, session, headers);
  }

  /** The handshake's answer once a CORS origin function settled its headers. */
  #answerLater(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    session: EngineSession,
    headers: Promise<HeaderRecord | null>,
  ): Promise<Response | undefined> {
    return headers.then((headers) =>
      headers === null
        ? this.#corsFailure(request, session.transport === "websocket")
        : this.#answerHandshake(request, context, bridge, session, headers)
    );
  }

  /** The open packet: the WebSocket upgrade, or the first long-polling response. */
  #answerHandshake(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    session: EngineSession,
    headers: HeaderRecord,
  ): Response | undefined {
    if (session.transport === "websocket") {
      return this.#upgrade(request, context, bridge, session, headers);
    }
    this.#engine.clients.set(session.id, session);
    const body = session.openPayload();
    const response = new Response(body as string | Uint8Array<ArrayBuffer>, {
      headers: {
        ...headers,
        "content-type": typeof body === "string"
          ? "text/plain; charset=UTF-8"
          : "application/octet-stream",
      },
    });
    this.#engine.open(session);
    return response;
  }

  #upgrade(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    session: EngineSession,
    headers: HeaderRecord = {},
  ): Response | undefined {
    this.#engine.addPublisher(bridge, context);
    // Binary as base64 text on this socket when its request asks (a client's forceBase64).
    session.expectSocket(queryValue(request.url, "b64") !== undefined);
    // The session is the socket's event target: no closures per connection.
    const response = bridge.upgrade(request, context, session, headers);
    // The runtime refused the upgrade (e.g. no Sec-WebSocket-Key), answered as ws answers it.
    if (response === null) return upgradeErrorResponse(ENGINE_ERRORS.BAD_REQUEST);
    return response;
  }

  #allowed(request: Request): true | Promise<true | Refusal> {
    const allow = this.#engine.options.allowRequest;
    if (!allow) return true;
    return allowedBy(allow, request, (error) => this.#engine.reportError(error));
  }

  #address(request: Request, context: unknown, bridge: RuntimeBridge): string {
    if (this.#engine.options.trustProxy) {
      const forwarded = request.headers.get("x-forwarded-for");
      if (forwarded) return forwarded.split(",")[0].trim();
    }
    return bridge.remoteAddress(request, context);
  }

  #secure(request: Request, url: string): boolean {
    if (url.startsWith("https:") || url.startsWith("wss:")) return true;
    return this.#engine.options.trustProxy && request.headers.get("x-forwarded-proto") === "https";
  }

  /** The handshake's headers; `null` when the CORS origin function refused or failed. */
  #handshakeHeaders(
    request: Request,
    session: EngineSession,
  ): HeaderRecord | null | Promise<HeaderRecord | null> {
    // Like every polling response (the hooks see it, and may change it, as with engine.io).
    const headers: HeaderRecord = session.transport === "polling"
      ? { "cache-control": NO_STORE }
      : {};
    const cookie = this.#engine.options.cookie;
    if (cookie) headers["set-cookie"] = serializeCookie(cookie.name, session.id, cookie);
    if (this.#engine.hasListeners("initial_headers")) {
      this.#engine.emit("initial_headers", headers, request);
    }
    return this.#headers(request, headers);
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
    return then(this.#headers(request, extra), (headers) => headers ?? this.#hook(extra, request));
  }

  /**
   * @internal The CORS headers for a request the Socket.IO layer answers
   * itself (the served client files), without the `headers` hook: `{}`
   * without the `cors` option, and when the origin function refuses or fails
   * (a failure is reported to `onError`), as socket.io then serves the file
   * without them.
   */
  corsHeaders(request: Request): HeaderRecord | Promise<HeaderRecord> {
    const cors = this.#engine.options.cors;
    if (!cors) return {};
    return then(this.#cors(request, cors, false), (headers) => headers ?? {});
  }

  /** CORS, then the `headers` hook; `null` when the CORS origin function refused or failed. */
  #headers(
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
   * every refusal into its own 400 "Bad request" (see `#corsFailure`).
   */
  async #refuse(
    request: Request,
    code: EngineErrorCode,
    context: Record<string, unknown>,
  ): Promise<Response> {
    const upgrade = this.#asksUpgrade(request);
    const cors = this.#engine.options.cors;
    // An upgrade's refusal carries no header, but the origin function still runs first.
    const headers = !upgrade
      ? await this.#headers(request)
      : cors && typeof cors.origin === "function"
      ? await this.#cors(request, cors, false)
      : undefined;
    if (headers === null) return this.#corsFailure(request, upgrade);
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
  async #corsFailure(request: Request, upgrade: boolean): Promise<Response> {
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
