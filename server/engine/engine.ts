/**
 * The Engine.IO server: its sessions by id, the way requests reach it
 * (`serve`, `handler`) and the way out (`close`). Routing and handshakes
 * are in `router.ts`; one session's life is in `session.ts`.
 *
 * @module
 */

import type { EngineData } from "../../protocol/engine_io.ts";
import { encodePacket } from "../../protocol/engine_io.ts";
import { Emitter } from "../../common/emitter.ts";
import { type DeadlineOwner, DeadlineQueue } from "../../common/deadlines.ts";
import type { HeaderRecord } from "./http.ts";
import { pathStart } from "./http.ts";
import { generateId } from "../../common/ids.ts";
import { type EngineOptions, type ResolvedEngineOptions, resolveEngineOptions } from "./options.ts";
import { type ConnectionError, OpenTail, Router } from "./router.ts";
import { type Fallback, type ServeHandler, serveHandler } from "./serve_handler.ts";
import type { EngineSession } from "./session.ts";
import { type RawSocket, type RuntimeBridge, type SocketBuffers, watchSignal } from "./socket.ts";
import { EnginePubSub } from "./pubsub.ts";
import type { EngineHandler, PreparedMessage } from "./types.ts";

export type { ConnectionError } from "./router.ts";
export {
  type Fallback,
  type FetchHandler,
  type ServeHandler,
  serveHandler,
} from "./serve_handler.ts";

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
  /**
   * A session is closed because its client did not take what it was sent:
   * `size` waited (bytes, UTF-16 units for text) and the next packet would
   * pass `maxBufferSize`. The session closes with "transport error" right after.
   */
  overflow: (session: EngineSession, size: number) => void;
};

/** Counters of an engine's backpressure, for dashboards. */
export interface EngineBackpressureCounters {
  /** Sessions closed because their client did not take what they were sent. */
  overflowed: number;
  /** Sessions whose WebSocket client is not reading now (the engine holds their frames). */
  holding: number;
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

/** Options of {@linkcode Engine} beyond the engine.io ones. */
export interface EngineInit extends EngineOptions {
  /** Receives sessions through the typed seam (the Socket.IO layer uses this). */
  handler?: EngineHandler;
  /**
   * The runtime bridge (`denoRuntime` from "@webio/socketio/deno",
   * `bunRuntime` from "@webio/socketio/bun"). Without it, the engine cannot
   * handle requests; the `Engine` and `Server` of the package's entry points
   * set it to the bridge of the runtime the code runs on.
   */
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
export class Engine extends Emitter<EngineEvents> {
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
  /** @internal The runtime's native pub/sub, when its bridge offers one (Bun). */
  readonly pubsub: EnginePubSub | null;
  /** @internal What the runtime holds of each socket's writes, when its bridge can tell. */
  readonly buffers: SocketBuffers | null;
  #overflowed = 0;
  #closed = false;
  #router: Router = new Router(this);
  #openTail = new OpenTail();
  /** Heartbeat deadlines of every session, one queue (one timer) per kind and delay. */
  #deadlines = new Map<string, DeadlineQueue>();
  /**
   * Where errors from user code the engine calls go (an `allowRequest` or a
   * CORS origin function that throws or rejects). A `Server` sets it to
   * report to its own `onError`.
   */
  onError: (error: Error) => void = (error) =>
    console.error("webio: unhandled error in a handler:", error);

  /**
   * Makes an engine; it serves nothing until its {@linkcode Engine.handler}
   * is given to the runtime's serve function.
   *
   * @param options engine.io options, plus `handler` and `runtime`.
   */
  constructor(options: EngineInit = {}) {
    super();
    this.options = resolveEngineOptions(options);
    this.#handler = options.handler;
    this.#bridge = options.runtime;
    const pubsub = options.runtime?.pubsub;
    this.pubsub = pubsub ? new EnginePubSub(pubsub, this.options.deflateThreshold) : null;
    this.buffers = options.runtime?.buffers ?? null;
  }

  /** How many sessions are open. */
  get clientsCount(): number {
    return this.clients.size;
  }

  /** The backpressure counters (`holding` is counted when read). */
  get backpressure(): EngineBackpressureCounters {
    let holding = 0;
    for (const session of this.clients.values()) {
      if (session.transport === "websocket" && session.state === "open" && !session.writable) {
        holding++;
      }
    }
    return { overflowed: this.#overflowed, holding };
  }

  /** @internal A session's client did not take what it was sent (see {@linkcode SessionHost}). */
  overflowed(session: EngineSession, size: number): void {
    this.#overflowed++;
    if (this.hasListeners("overflow")) this.emit("overflow", session, size);
  }

  /**
   * Sends a prepared message once to every session subscribed to `topic`
   * (`EngineConnection.subscribe`), through the runtime's native pub/sub.
   * Returns false when the runtime has none (Deno), so nothing was sent.
   *
   * @throws The error of a publish that threw (see {@linkcode EnginePubSub.publish}).
   */
  publish(topic: string, message: PreparedMessage, compress?: boolean): boolean {
    return this.pubsub !== null && this.pubsub.publish(topic, message, compress);
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

  /** @internal The runtime bridge given to this engine, if any. */
  get runtime(): RuntimeBridge | undefined {
    return this.#bridge;
  }

  /** @internal Reports an error from user code (see {@linkcode Engine.onError}). */
  reportError(error: unknown): void {
    this.onError(error instanceof Error ? error : new Error(String(error)));
  }

  /** Handles a request on the engine's path. `undefined` means Bun took over the connection. */
  async handleRequest(request: Request, context?: unknown): Promise<Response | undefined> {
    return await this.#router.route(request, context, request.url);
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
    return this.#onPath(url) ? this.#router.route(request, context, url) : null;
  }

  /** @internal Whether the engine was closed (handshakes are refused). */
  get closed(): boolean {
    return this.#closed;
  }

  /** @internal The runtime bridge that serves this engine, if it was given one. */
  bridge(): RuntimeBridge | undefined {
    return this.#bridge;
  }

  /** @internal Keeps the pub/sub publisher of the runtime server in `context` (Bun). */
  addPublisher(context: unknown): void {
    this.pubsub?.addServer(context);
  }

  /** @internal A session's open packet is on its way: it starts, and goes to the handler. */
  open(session: EngineSession): void {
    session.start();
    this.#handler?.onConnection(session);
    if (this.hasListeners("connection")) this.emit("connection", session);
  }

  /** @internal The open packet's JSON after the session id (see {@linkcode OpenTail}). */
  openTail(upgrades: boolean, maxPayload: number | undefined): string {
    const o = this.options;
    return this.#openTail.text(upgrades, o.pingInterval, o.pingTimeout, maxPayload);
  }

  /** @internal The shared deadline queue of one kind and delay (see {@linkcode SessionHost}). */
  deadlines(kind: "ping" | "timeout" | "close", delay: number): DeadlineQueue {
    const key = kind + delay;
    let queue = this.#deadlines.get(key);
    if (!queue) this.#deadlines.set(key, queue = new DeadlineQueue(delay));
    return queue;
  }

  /** @internal Removes every deadline of `owner` (see {@linkcode SessionHost}). */
  clearDeadlines(owner: DeadlineOwner): void {
    for (const queue of this.#deadlines.values()) queue.delete(owner);
  }

  /** @internal Watches for the client of a pending request leaving (see {@linkcode SessionHost}). */
  watchAbort(request: Request, context: unknown, onAbort: () => void): () => void {
    const bridge = this.bridge();
    return bridge?.watchAbort
      ? bridge.watchAbort(request, context, onAbort)
      : watchSignal(request, onAbort);
  }

  /** @internal The first WebSocket of a new session opened (the session runs on it): it starts. */
  openSocket(session: EngineSession, socket: RawSocket): void {
    if (this.#closed) {
      socket.close(1001);
      return;
    }
    this.clients.set(session.id, session);
    socket.send("0" + session.handshake());
    this.open(session);
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
    return this.#router.responseHeaders(request, extra);
  }

  /**
   * @internal The CORS headers for a request the Socket.IO layer answers
   * itself (the served client files), without the `headers` hook: `{}`
   * without the `cors` option, and when the origin function refuses or fails
   * (a failure is reported to `onError`), as socket.io then serves the file
   * without them.
   */
  corsHeaders(request: Request): HeaderRecord | Promise<HeaderRecord> {
    return this.#router.corsHeaders(request);
  }

  /** @internal The session closed; forget it. */
  release(session: EngineSession): void {
    if (this.clients.get(session.id) === session) this.clients.delete(session.id);
  }
}
