/**
 * The Engine.IO server: routes requests on its path, verifies them like the
 * reference, runs handshakes and hands each session to its handler.
 *
 * @module
 */

import type { EngineData } from "../../protocol/engine_io.ts";
import { encodePacket } from "../../protocol/engine_io.ts";
import { Emitter } from "../../protocol/emitter.ts";
import { CODEC_V3, CODEC_V4, type SessionCodec } from "./codec.ts";
import {
  corsHeaders,
  ENGINE_ERROR_MESSAGES,
  ENGINE_ERRORS,
  type EngineErrorCode,
  errorResponse,
  type HeaderRecord,
  parseQuery,
  pathStart,
  queryValue,
  serializeCookie,
  upgradeErrorResponse,
} from "./http.ts";
import {
  type CorsOptions,
  type EngineOptions,
  type ResolvedEngineOptions,
  resolveEngineOptions,
} from "./options.ts";
import { atLeastBytes, bunPerMessageDeflate } from "./compression.ts";
import { DeadlineQueue } from "./deadlines.ts";
import { intern } from "./intern.ts";
import { EngineSession, type SessionHost } from "./session.ts";
import {
  type Publisher,
  type RawSocket,
  type RuntimeBridge,
  type SocketTarget,
  watchSignal,
} from "./socket.ts";
import type { EngineHandler, PreparedMessage, TransportName } from "./types.ts";

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

/** Events of {@linkcode Engine}. */
export type EngineEvents = {
  /** A session opened. */
  connection: (session: EngineSession) => void;
  /** A request was refused. */
  connection_error: (error: ConnectionError) => void;
  /** Edit the handshake response headers (the record is mutable). */
  initial_headers: (headers: HeaderRecord, request: Request) => void;
  /** Edit every response's headers (the record is mutable). */
  headers: (headers: HeaderRecord, request: Request) => void;
};

/** A fetch-style handler; `undefined` means Bun took the connection over (an upgrade). */
export type FetchHandler = (
  request: Request,
  context?: unknown,
) => Response | undefined | Promise<Response | undefined>;

/** What a request outside the engine's path goes to. */
export type Fallback = FetchHandler;

/**
 * The value `handler()` returns: a function for `Deno.serve(handler)` and an
 * object for `Bun.serve({ ...handler })` and default exports. On Bun, a
 * WebSocket upgrade resolves to `undefined` (Bun answers the upgrade itself);
 * the type says `Response` so that it fits `Deno.serve`.
 */
export interface ServeHandler {
  (request: Request, context?: unknown): Response | Promise<Response>;
  /** The same function, for `Bun.serve`, `deno serve` and Bun's default export. */
  fetch: (request: Request, context?: unknown) => Response | Promise<Response>;
  /** Bun's WebSocket handler object. */
  websocket: Record<string, unknown>;
  /** Bun: seconds a request may idle; above the heartbeat so long-polls are not cut. */
  idleTimeout: number;
}

let defaultBridge: RuntimeBridge | undefined;

/** Registers the runtime bridge engines use when none is given (done by `server/runtime/mod.ts`). */
export function setDefaultRuntimeBridge(bridge: RuntimeBridge): void {
  defaultBridge = bridge;
}

/** Returns the bridge engines use by default, if one was registered. */
export function getDefaultRuntimeBridge(): RuntimeBridge | undefined {
  return defaultBridge;
}

/**
 * Encodes a message once for many sessions (a broadcast).
 *
 * @example
 * ```ts
 * import { prepareMessage } from "./engine.ts";
 * const message = prepareMessage('2["news"]'); // frame: '42["news"]'
 * ```
 */
export function prepareMessage(data: EngineData): PreparedMessage {
  return { data, frame: encodePacket({ type: "message", data }) };
}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const ID_CODES = Array.from(ID_ALPHABET, (c) => c.charCodeAt(0));
/** Random bytes drawn 4 KiB at a time: one `getRandomValues` call serves about 200 ids. */
const randomPool = new Uint8Array(4096);
let randomAt = randomPool.length;
/** The character codes of a 20-character id, reused (the usual length). */
const idScratch: number[] = new Array(20).fill(0);

/**
 * `length` random URL-safe characters, 6 random bits each. Session and
 * socket ids use 20 (120 bits, like engine.io's base64id); the Redis
 * adapter uses it too.
 */
export function randomId(length: number): string {
  if (randomAt + length > randomPool.length) {
    crypto.getRandomValues(randomPool);
    randomAt = 0;
  }
  // One flat string from its character codes: no rope of `length` concatenations.
  const codes = length === idScratch.length ? idScratch : new Array<number>(length);
  for (let i = 0; i < length; i++) codes[i] = ID_CODES[randomPool[randomAt++] & 63];
  return String.fromCharCode.apply(null, codes);
}

function generateId(): string {
  return randomId(20);
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

/** Whether the request's `Connection` header has the `close` option (RFC 9110, 7.6.1). */
function asksToClose(request: Request): boolean {
  const value = request.headers.get("connection");
  return value !== null && value.length >= 5 && CLOSE_OPTION.test(value);
}

const CLOSE_OPTION = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i;

/**
 * Says `Connection: close` on a response to a request that asked to close,
 * as Node does, where the runtime closes such a connection without saying it
 * (Bun): a client that keeps the socket (Node's keep-alive agent) would lose
 * its next request on it.
 */
function sayClose(response: Response | undefined): Response | undefined {
  if (response) {
    try {
      response.headers.set("connection", "close");
    } catch {
      // Immutable headers (a Response.error() or a fetched response): left as they are.
    }
  }
  return response;
}

function notFound(): Response {
  return new Response("Not Found", { status: 404 });
}

/** Options of {@linkcode Engine} beyond the engine.io ones. */
export interface EngineInit extends EngineOptions {
  /** Receives sessions through the typed seam (the Socket.IO layer uses this). */
  handler?: EngineHandler;
  /** The runtime bridge; by default the one `server/runtime/mod.ts` registered. */
  runtime?: RuntimeBridge;
}

/**
 * An Engine.IO server, usable on its own like npm `engine.io`.
 *
 * @example An echo server on Deno
 * ```ts ignore
 * import { Engine } from "./mod.ts";
 * const engine = new Engine({ path: "/engine.io/" });
 * engine.on("connection", (conn) => conn.on("message", (data) => conn.send(data)));
 * Deno.serve({ port: 3000 }, engine.handler());
 * ```
 */
export class Engine extends Emitter<EngineEvents> implements SessionHost {
  /** The options with defaults applied. */
  readonly options: ResolvedEngineOptions;
  /** Open sessions by id. */
  readonly clients: Map<string, EngineSession> = new Map();
  /**
   * Makes the id of a new session (20 random URL-safe characters by
   * default). Replace it as with engine.io, e.g. to put a worker's name in
   * every id for a sticky front: `io.engine.generateId = () => "w1-" + ...`.
   * Ids must be unique and URL-safe.
   */
  generateId: (request: Request) => string = generateId;
  #handler: EngineHandler | undefined;
  #bridge: RuntimeBridge | undefined;
  /** Pub/sub publishers of the runtime servers that upgraded sockets for this engine (Bun). */
  #publishers = new Map<unknown, Publisher>();
  /** Prefix of this engine's pub/sub topics, so engines sharing a Bun server never mix. */
  readonly topicPrefix: string = generateId() + ":";
  #closed = false;
  /** Heartbeat deadlines of every session, one queue (one timer) per kind and delay. */
  #deadlines = new Map<string, DeadlineQueue>();
  /**
   * Where errors from user code the engine calls go (an `allowRequest` or a
   * CORS origin function that throws or rejects). A `Server` sets it to
   * report to its own `onError`.
   */
  onError: (error: Error) => void = (error) =>
    console.error("webio: unhandled error in a handler:", error);

  /** @param options engine.io options, plus `handler` and `runtime`. */
  constructor(options: EngineInit = {}) {
    super();
    this.options = resolveEngineOptions(options);
    this.#handler = options.handler;
    this.#bridge = options.runtime;
  }

  /** How many sessions are open. */
  get clientsCount(): number {
    return this.clients.size;
  }

  /**
   * Sends a prepared message once to every session subscribed to `topic`
   * (`EngineConnection.subscribe`), through the runtime's native pub/sub.
   * Returns false when the runtime has none (Deno), so nothing was sent.
   *
   * @throws The error of a publish that threw (after every publisher was
   * tried): that server's sessions did not get the message, and the caller
   * sends to them itself. With several Bun servers serving one engine, the
   * sessions of a server whose publish went through then get it twice.
   */
  publish(topic: string, message: PreparedMessage, compress?: boolean): boolean {
    if (this.#publishers.size === 0) return false;
    const name = this.topicPrefix + topic;
    const frame = message.frame as string | Uint8Array;
    // Compressed as a session's own frames are: allowed, and at least the threshold long.
    const threshold = this.options.deflateThreshold;
    const deflate = threshold !== Infinity && compress !== false && atLeastBytes(frame, threshold);
    let failure: { error: unknown } | undefined;
    // A stopped Bun server's publish returns 0 and throws nothing: a throw is a failure.
    for (const publisher of this.#publishers.values()) {
      try {
        publisher(name, frame, deflate);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
    return true;
  }

  /** Sets the seam handler that receives new sessions (before user "connection" listeners). */
  attachHandler(handler: EngineHandler): void {
    this.#handler = handler;
  }

  /** Closes every session ("server shutting down") and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const session of [...this.clients.values()]) session.close("server shutting down");
  }

  /** Whether `request` is on this engine's path. */
  matches(request: Request): boolean {
    return this.#onPath(request.url);
  }

  #onPath(url: string): boolean {
    // engine.io takes every request whose URL starts with the path (a prefix, with or without
    // the trailing slash). Checked without a URL object: the path follows the authority.
    return url.startsWith(this.options.path, pathStart(url));
  }

  /**
   * A handler for `Deno.serve` and `Bun.serve`; requests outside the path go
   * to `fallback`, or get a 404. The engine's own responses (the 404
   * included, the fallback's not) say `Connection: close` to a request that
   * asked to close, as Node's do (Deno says it itself, Bun would not).
   */
  handler(fallback?: Fallback): ServeHandler {
    return serveHandler((request, context) => this.serve(request, context), this.options, {
      fallback,
      runtime: this.#bridge,
    });
  }

  /** @internal The runtime bridge given to this engine, if any (else the default one serves). */
  get runtime(): RuntimeBridge | undefined {
    return this.#bridge;
  }

  /** @internal Reports an error from user code (see {@linkcode Engine.onError}). */
  reportError(error: unknown): void {
    this.onError(error instanceof Error ? error : new Error(String(error)));
  }

  /** Handles a request on the engine's path. `undefined` means Bun took over the connection. */
  async handleRequest(request: Request, context?: unknown): Promise<Response | undefined> {
    return await this.#route(request, context, request.url);
  }

  /**
   * @internal Handles `request` when it is on the engine's path (`null`
   * otherwise), synchronously where nothing asks to wait (no CORS origin
   * function, no `allowRequest`): the URL is read once and the query parsed
   * without a `URL` object.
   */
  serve(
    request: Request,
    context?: unknown,
  ): Response | undefined | Promise<Response | undefined> | null {
    const url = request.url;
    return this.#onPath(url) ? this.#route(request, context, url) : null;
  }

  // The request paths are split by kind, each its own small function: JavaScriptCore optimizes a
  // function after a number of calls that grows with its size, so the handshake path reaches its
  // optimized tiers sooner, and closures of the rarer paths capture no scope on the usual one.
  #route(
    request: Request,
    context: unknown,
    url: string,
  ): Response | undefined | Promise<Response | undefined> {
    const bridge = this.#bridge ?? defaultBridge;
    if (!bridge) return noBridge();
    // The record of every parameter is made for handshakes only; polls read their few names.
    const transport = queryValue(url, "transport") as TransportName | undefined;
    const cors = this.options.cors;
    if (cors && request.method === "OPTIONS" && !cors.preflightContinue) {
      return this.#preflight(request, cors);
    }
    if (!transport || !this.options.transports.includes(transport)) {
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
    if (this.#closed) return this.#refuse(request, ENGINE_ERRORS.FORBIDDEN, { reason: "closed" });
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
    const session = this.clients.get(sid);
    if (!session) return this.#refuse(request, ENGINE_ERRORS.UNKNOWN_SID, { sid });
    if (transport === "websocket" && isUpgrade(request)) {
      if (!this.options.allowUpgrades) {
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
          ? session.handlePoll(request, queryValue(url, "b64") === undefined, headers, context)
          : session.handlePost(request, headers),
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
        : this.clients.get(session.id) !== session
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
    const codec: SessionCodec | null = eio === "4"
      ? CODEC_V4
      : this.options.allowEIO3 && eio === "3"
      ? CODEC_V3
      : null;
    if (!codec) {
      return this.#refuse(request, ENGINE_ERRORS.UNSUPPORTED_PROTOCOL_VERSION, { protocol: eio });
    }
    if (transport === "polling" && "j" in query) {
      return this.#refuse(request, ENGINE_ERRORS.BAD_REQUEST, { name: "JSONP_UNSUPPORTED" });
    }

    const session = new EngineSession(this, {
      id: this.generateId(request),
      codec,
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
    this.clients.set(session.id, session);
    const body = session.openPayload();
    const response = new Response(body as string | Uint8Array<ArrayBuffer>, {
      headers: {
        ...headers,
        "content-type": typeof body === "string"
          ? "text/plain; charset=UTF-8"
          : "application/octet-stream",
      },
    });
    this.#open(session);
    return response;
  }

  #open(session: EngineSession): void {
    session.start();
    this.#handler?.onConnection(session);
    if (this.hasListeners("connection")) this.emit("connection", session);
  }

  #upgrade(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    session: EngineSession,
    headers: HeaderRecord = {},
  ): Response | undefined {
    if (bridge.publisher && !this.#publishers.has(context)) {
      const publisher = bridge.publisher(context);
      if (publisher) this.#publishers.set(context, publisher);
    }
    // Binary as base64 text on this socket when its request asks (a client's forceBase64).
    session.expectSocket(queryValue(request.url, "b64") !== undefined);
    // The session is the socket's event target: no closures per connection.
    const response = bridge.upgrade(request, context, session, headers);
    // The runtime refused the upgrade (e.g. no Sec-WebSocket-Key), answered as ws answers it.
    if (response === null) return upgradeErrorResponse(ENGINE_ERRORS.BAD_REQUEST);
    return response;
  }

  /** @internal The shared deadline queue of one kind and delay (see {@linkcode SessionHost}). */
  deadlines(kind: "ping" | "timeout", delay: number): DeadlineQueue {
    const key = kind + delay;
    let queue = this.#deadlines.get(key);
    if (!queue) this.#deadlines.set(key, queue = new DeadlineQueue(delay));
    return queue;
  }

  /** @internal Watches for the client of a pending request leaving (see {@linkcode SessionHost}). */
  watchAbort(request: Request, context: unknown, onAbort: () => void): () => void {
    const bridge = this.#bridge ?? defaultBridge;
    return bridge?.watchAbort
      ? bridge.watchAbort(request, context, onAbort)
      : watchSignal(request, onAbort);
  }

  /** @internal The first WebSocket of a new session opened: the session starts. */
  openSocket(session: EngineSession, socket: RawSocket): void {
    if (this.#closed) {
      socket.close(1001);
      return;
    }
    session.attachSocket(socket, true);
    this.clients.set(session.id, session);
    socket.send("0" + session.handshake());
    this.#open(session);
  }

  #allowed(request: Request): true | Promise<true | Refusal> {
    const allow = this.options.allowRequest;
    if (!allow) return true;
    return allowedBy(allow, request, (error) => this.reportError(error));
  }

  #address(request: Request, context: unknown, bridge: RuntimeBridge): string {
    if (this.options.trustProxy) {
      const forwarded = request.headers.get("x-forwarded-for");
      if (forwarded) return forwarded.split(",")[0].trim();
    }
    return bridge.remoteAddress(request, context);
  }

  #secure(request: Request, url: string): boolean {
    if (url.startsWith("https:") || url.startsWith("wss:")) return true;
    return this.options.trustProxy && request.headers.get("x-forwarded-proto") === "https";
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
    const cookie = this.options.cookie;
    if (cookie) headers["set-cookie"] = serializeCookie(cookie.name, session.id, cookie);
    if (this.hasListeners("initial_headers")) this.emit("initial_headers", headers, request);
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
    const cors = this.options.cors;
    if (!cors) return {};
    return then(this.#cors(request, cors, false), (headers) => headers ?? {});
  }

  /** CORS, then the `headers` hook; `null` when the CORS origin function refused or failed. */
  #headers(
    request: Request,
    extra: HeaderRecord = {},
  ): HeaderRecord | null | Promise<HeaderRecord | null> {
    const cors = this.options.cors;
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
      this.reportError(error);
      return null;
    });
  }

  #hook(headers: HeaderRecord, request: Request): HeaderRecord {
    if (this.hasListeners("headers")) this.emit("headers", headers, request);
    return headers;
  }

  /** Whether `request` reaches the engine as an upgrade: it asks for one, and WebSocket is on. */
  #asksUpgrade(request: Request): boolean {
    return isUpgrade(request) && this.options.transports.includes("websocket");
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
    const cors = this.options.cors;
    // An upgrade's refusal carries no header, but the origin function still runs first.
    const headers = !upgrade
      ? await this.#headers(request)
      : cors && typeof cors.origin === "function"
      ? await this.#cors(request, cors, false)
      : undefined;
    if (headers === null) return this.#corsFailure(request, upgrade);
    const message = ENGINE_ERROR_MESSAGES[code];
    if (this.hasListeners("connection_error")) {
      this.emit("connection_error", { req: request, code, message, context });
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
    if (this.hasListeners("connection_error")) {
      this.emit("connection_error", {
        req: request,
        code,
        message: ENGINE_ERROR_MESSAGES[code],
        context: { name: "MIDDLEWARE_FAILURE" },
      });
    }
    if (request.body && !request.bodyUsed) await request.body.cancel().catch(() => {});
    return upgrade ? upgradeErrorResponse(code) : errorResponse(code);
  }

  /** The session closed; forget it. */
  release(session: EngineSession): void {
    if (this.clients.get(session.id) === session) this.clients.delete(session.id);
  }
}

/** Dispatches Bun WebSocket events to the target that is `ws.data` (the session). */
export const BUN_WEBSOCKET_DISPATCH: Record<string, unknown> = {
  open(ws: { data: SocketTarget }) {
    ws.data.onSocketOpen(ws as unknown as RawSocket);
  },
  message(ws: { data: SocketTarget }, message: string | Uint8Array) {
    ws.data.onSocketMessage(ws as unknown as RawSocket, message);
  },
  close(ws: { data: SocketTarget }, code: number, reason: string) {
    // Bun reports its own cut of a message over maxPayloadLength as 1006 with this reason; the
    // session reads 1009 ("message too big") as the runtime's enforcement of the limit.
    if (code === 1006 && reason === "Received too big message") code = 1009;
    ws.data.onSocketClose(ws as unknown as RawSocket, code, reason);
  },
};

/**
 * Builds the handler value both runtimes accept from `fetch`, the handler of
 * a server's own requests: where it returns `null` (synchronously), the
 * request goes to `init.fallback`, or gets a 404. On a runtime that closes a
 * `Connection: close` request's connection without saying so (Bun), the
 * server's responses, the 404 included, say `Connection: close`, as Node's
 * do; the fallback's responses are left as they are.
 */
export function serveHandler(
  fetch: (request: Request, context?: unknown) => ReturnType<FetchHandler> | null,
  options: ResolvedEngineOptions,
  init: {
    /** Where the requests `fetch` leaves go; a 404 without it. */
    fallback?: Fallback;
    /** The runtime bridge the server uses; the registered one by default. */
    runtime?: RuntimeBridge;
  } = {},
): ServeHandler {
  const { fallback, runtime } = init;
  const handler = ((request: Request, context?: unknown) => {
    let response = fetch(request, context);
    if (response === null) {
      if (fallback) return fallback(request, context);
      response = notFound();
    }
    // A header read per request only where the runtime needs it (not Deno: it says "close"
    // itself), and a continuation only for the few requests that asked to close. A Bun upgrade
    // (undefined) has no response to edit.
    if (response === undefined || !(runtime ?? defaultBridge)?.silentClose) return response;
    if (!asksToClose(request)) return response;
    return response instanceof Promise ? response.then(sayClose) : sayClose(response);
  }) as ServeHandler;
  handler.fetch = handler;
  handler.websocket = {
    ...BUN_WEBSOCKET_DISPATCH,
    // The limit is enforced while Bun reads a message: it closes with 1009 (and its own reason,
    // "Received too big message", where the reference's ws gives none) before buffering more.
    maxPayloadLength: options.maxHttpBufferSize,
    // ws-style options translated; the threshold is applied per message by the session.
    perMessageDeflate: bunPerMessageDeflate(options.perMessageDeflate),
    // Engine.IO has its own heartbeat; Bun's idle cut would only race it.
    idleTimeout: 0,
    sendPings: false,
  };
  const seconds = Math.ceil((options.pingInterval + options.pingTimeout) / 1000) + 5;
  handler.idleTimeout = seconds > 255 ? 0 : seconds;
  return handler;
}
