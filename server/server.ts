// deno-lint-ignore-file no-explicit-any
/**
 * The Socket.IO server.
 *
 * @module
 */

import type { Encoder, Parser } from "../protocol/parser.ts";
import { type NpmParser, toParser } from "../protocol/npm_parser.ts";
import { DecoderPool } from "./decoder_pool.ts";
import { defaultParser } from "../protocol/socket_io.ts";
import {
  type Adapter,
  type AdapterClass,
  type AdapterFactory,
  type AdapterNamespace,
  InMemoryAdapter,
  type Room,
  toAdapterFactory,
} from "./adapter.ts";
import type { BroadcastOperator, RemoteSocket } from "./broadcast.ts";
import { Client } from "./client.ts";
import { serveClientFile } from "./serve_client.ts";
import { DeadlineQueue } from "../common/deadlines.ts";
import { pathStart } from "./engine/http.ts";
import { Engine, type Fallback, type ServeHandler, serveHandler } from "./engine/engine.ts";
import type { EngineOptions } from "./engine/options.ts";
import type { RuntimeBridge } from "./engine/socket.ts";
import type { EngineConnection } from "./engine/types.ts";
import {
  type Middleware,
  Namespace,
  type NamespaceEvents,
  type NamespaceMatcher,
  ParentNamespace,
} from "./namespace.ts";
import type { Socket } from "./socket.ts";
import type { DefaultEventsMap, EventNames, EventsMap } from "./types.ts";

/** Connection state recovery settings. */
export interface ConnectionStateRecoveryOptions {
  /** How long a disconnected session may be restored, in ms. @default 120000 */
  maxDisconnectionDuration?: number;
  /** Skip middlewares when a session is restored. @default true */
  skipMiddlewares?: boolean;
}

/** Options of {@linkcode Server}: every engine option plus the Socket.IO ones. */
export interface ServerOptions extends EngineOptions {
  /** Path of the server. @default "/socket.io/" */
  path?: string;
  /** Milliseconds a client may take to join a namespace before it is closed. @default 45000 */
  connectTimeout?: number;
  /** Remove dynamic child namespaces once their last socket leaves. @default false */
  cleanupEmptyChildNamespaces?: boolean;
  /**
   * The parser: webio's (`defaultParser`, `msgpackParser`, any
   * {@linkcode Parser}), or one written for socket.io as its npm package
   * exports it (`parser: require("socket.io-msgpack-parser")`: an object
   * with `Encoder` and `Decoder` classes), wrapped by `toParser`.
   * @default defaultParser
   */
  parser?: Parser | NpmParser;
  /**
   * The adapter of each namespace: a class, constructed with
   * `new Adapter(namespace)` as socket.io does (a subclass of
   * {@linkcode InMemoryAdapter}, say), or a factory function
   * `(namespace) => adapter`, which socket.io does not take. A function with
   * a `prototype` (a class, or one written with `function`) is called with
   * `new`, as socket.io calls it; an arrow function or a method is called.
   * @default InMemoryAdapter
   */
  adapter?: AdapterClass | AdapterFactory;
  /**
   * Serve the browser client at `<path>socket.io.js` and friends, with the
   * `cors` option's headers, gzip or deflate as `Accept-Encoding` prefers
   * (socket.io also offers br, which webio does not) and an ETag. See
   * server/serve_client.ts for what else differs from socket.io.
   * @default true
   */
  serveClient?: boolean;
  /** Restore sessions after short disconnects. @default off */
  connectionStateRecovery?: ConnectionStateRecoveryOptions;
  /**
   * The runtime bridge (`denoRuntime` from "@webio/socketio/deno",
   * `bunRuntime` from "@webio/socketio/bun").
   * @default the bridge of the runtime the code runs on (Bun when `globalThis.Bun` exists, else Deno)
   */
  runtime?: RuntimeBridge;
}

/** Reports errors thrown by user handlers that no "error" listener took. */
export type ErrorReporter = (error: Error, socket?: Socket) => void;

/**
 * The Socket.IO server on no runtime in particular: `Server` (from the
 * package's entry points) is this class with the host's runtime bridge as the
 * default `runtime`. Used directly, it needs the `runtime` option
 * (`denoRuntime` from "@webio/socketio/deno", `bunRuntime` from
 * "@webio/socketio/bun") to serve requests; nothing here picks one.
 *
 * @example On Deno, with the runtime named
 * ```ts ignore
 * import { ServerCore } from "@webio/socketio/server";
 * import { denoRuntime } from "@webio/socketio/deno";
 * const io = new ServerCore({ runtime: denoRuntime });
 * io.on("connection", (socket) => socket.emit("hello", "world"));
 * Deno.serve({ port: 3000 }, io.handler());
 * ```
 */
export class Server<
  L extends EventsMap = DefaultEventsMap,
  E extends EventsMap = DefaultEventsMap,
  S extends EventsMap = DefaultEventsMap,
  D = any,
> {
  /** The Engine.IO server underneath. */
  readonly engine: Engine;
  /** Namespaces by name. */
  readonly namespaces: Map<string, Namespace> = new Map();
  /** The main namespace "/". */
  readonly sockets: Namespace<L, E, D>;
  /** The parser. */
  readonly parser: Parser;
  /** @internal The parser's decoders, lent to connections a message at a time. */
  readonly decoders: DecoderPool;
  /** @internal The one encoder (stateless) shared by every client. */
  readonly encoder: Encoder;
  /** @internal */
  readonly connectTimeout: number;
  /** @internal The connectTimeout deadlines of every client, on one timer. */
  readonly connectDeadlines: DeadlineQueue;
  /** @internal */
  readonly cleanupEmptyChildNamespaces: boolean;
  /** @internal Connection state recovery with defaults, when on. */
  readonly recoveryOptions: Required<ConnectionStateRecoveryOptions> | undefined;
  /** Where errors from user handlers go when nobody listens for them. */
  onError: ErrorReporter = (error) => console.error("webio: unhandled error in a handler:", error);
  #parents = new Map<NamespaceMatcher, ParentNamespace>();
  #adapterFactory: AdapterFactory;
  #serveClient: boolean;

  /**
   * Makes a server with its main namespace "/"; it serves nothing until its
   * {@linkcode Server.handler} is given to the runtime's serve function.
   *
   * @param options engine.io and socket.io options.
   */
  constructor(options: ServerOptions = {}) {
    this.parser = options.parser ? toParser(options.parser) : defaultParser;
    this.encoder = this.parser.createEncoder();
    this.decoders = new DecoderPool(this.parser, { binaryType: "uint8array" });
    this.connectTimeout = options.connectTimeout ?? 45_000;
    this.connectDeadlines = new DeadlineQueue(this.connectTimeout);
    this.cleanupEmptyChildNamespaces = options.cleanupEmptyChildNamespaces ?? false;
    this.#serveClient = options.serveClient ?? true;
    this.#adapterFactory = toAdapterFactory(options.adapter ?? InMemoryAdapter);
    const recovery = options.connectionStateRecovery;
    this.recoveryOptions = recovery
      ? {
        maxDisconnectionDuration: recovery.maxDisconnectionDuration ?? 120_000,
        skipMiddlewares: recovery.skipMiddlewares ?? true,
      }
      : undefined;
    this.engine = new Engine({
      ...options,
      path: options.path ?? "/socket.io",
      handler: {
        onConnection: (conn: EngineConnection) => new Client(this as unknown as Server, conn),
      },
    });
    this.sockets = this.of("/") as Namespace<L, E, D>;
    // The engine's errors from user code (allowRequest) go where the server's go.
    this.engine.onError = (error) => this.reportError(error);
  }

  /** @internal Recovery settings for adapters. */
  get recovery(): { maxDisconnectionDuration: number } | undefined {
    return this.recoveryOptions;
  }

  /** @internal Makes the adapter of a namespace. */
  createAdapter(nsp: AdapterNamespace): Adapter {
    return this.#adapterFactory(nsp);
  }

  /** @internal Reports an error from a user handler. */
  reportError(error: Error, socket?: Socket): void {
    this.onError(error, socket);
  }

  /**
   * The namespace `name` (created on first use), or a parent of dynamic
   * namespaces for a RegExp or a function `(name, auth, next)`.
   */
  of(name: string | NamespaceMatcher, fn?: (socket: Socket<L, E, D>) => void): Namespace<L, E, D> {
    if (typeof name !== "string") {
      let parent = this.#parents.get(name);
      if (!parent) {
        parent = new ParentNamespace(this as unknown as Server);
        this.#parents.set(name, parent);
      }
      if (fn) parent.on("connection", fn as never);
      return parent as unknown as Namespace<L, E, D>;
    }
    if (!name.startsWith("/")) name = "/" + name;
    let nsp = this.namespaces.get(name);
    if (!nsp) {
      nsp = new Namespace(this as unknown as Server, name);
      this.namespaces.set(name, nsp);
      if (name !== "/") this.sockets.emitLocal("new_namespace", nsp);
    }
    if (fn) nsp.on("connection", fn as never);
    return nsp as unknown as Namespace<L, E, D>;
  }

  /** @internal Finds or creates a dynamic namespace for `name`, or null. */
  async checkNamespace(name: string, auth: Record<string, unknown>): Promise<Namespace | null> {
    for (const [matcher, parent] of this.#parents) {
      const allowed = await new Promise<boolean>((resolve) => {
        if (matcher instanceof RegExp) return resolve(matcher.test(name));
        // A matcher that throws or rejects refuses the name, and its error is reported.
        const fail = (error: unknown) => {
          this.reportError(error instanceof Error ? error : new Error(String(error)));
          resolve(false);
        };
        try {
          const result = matcher(name, auth, (error, allow) => resolve(!error && allow)) as unknown;
          if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
            (result as PromiseLike<unknown>).then(undefined, fail);
          }
        } catch (error) {
          fail(error);
        }
      });
      if (!allowed) continue;
      return this.namespaces.get(name) ?? parent.createChild(name);
    }
    return null;
  }

  /**
   * The handler for `Deno.serve(io.handler())` and `Bun.serve({ ...io.handler() })`:
   * the browser client files (`<path>/socket.io.js` and friends), the
   * Socket.IO path (every URL that starts with it, like socket.io), then
   * `fallback` (or 404). The server's own responses, the 404 included, say
   * `Connection: close` to a request that asked to close, as Node's do (Deno
   * says it itself, Bun would not); the fallback's responses are left as
   * they are.
   */
  handler(fallback?: Fallback): ServeHandler {
    const engine = this.engine;
    // The client files sit under the path with its slash, with or without addTrailingSlash.
    const path = engine.options.path;
    const files = path.endsWith("/") ? path : path + "/";
    const serveClient = this.#serveClient;
    // socket.io's CORS middleware runs before it serves a client file.
    const clientFile = { cors: (request: Request) => engine.corsHeaders(request) };
    const fetch = (request: Request, context?: unknown) => {
      if (serveClient) {
        const url = request.url;
        const start = pathStart(url) + files.length;
        // A name after the path (not the "?" of an Engine.IO request) may be a client file;
        // the engine takes whatever is not (its path is a prefix of this one).
        if (
          url.startsWith(files, start - files.length) && start < url.length && url[start] !== "?"
        ) {
          const file = url.slice(start).split("?")[0];
          return serveClientFile(request, file, clientFile).then((response) => {
            if (response) return response;
            const own = engine.serve(request, context);
            return own !== null ? own : new Response("Not Found", { status: 404 });
          });
        }
      }
      return engine.serve(request, context);
    };
    return serveHandler(fetch, engine.options, { fallback, runtime: engine.runtime });
  }

  /** Adds a middleware to the main namespace. */
  use(fn: Middleware): this {
    this.sockets.use(fn);
    return this;
  }

  /** Listens on the main namespace ("connection") or for "new_namespace". */
  on<Ev extends keyof NamespaceEvents<L, E, D>>(
    event: Ev,
    listener: NamespaceEvents<L, E, D>[Ev],
  ): this {
    this.sockets.on(event, listener);
    return this;
  }

  /** Listens once on the main namespace. */
  once<Ev extends keyof NamespaceEvents<L, E, D>>(
    event: Ev,
    listener: NamespaceEvents<L, E, D>[Ev],
  ): this {
    this.sockets.once(event, listener);
    return this;
  }

  /** Removes a listener of the main namespace. */
  off(event?: string, listener?: (...args: any[]) => void): this {
    this.sockets.off(event, listener);
    return this;
  }

  /** The listeners of an event of the main namespace. */
  listeners(event: string): Array<(...args: any[]) => void> {
    return this.sockets.listeners(event);
  }

  /** Emits to every socket of the main namespace. */
  emit(event: EventNames<E>, ...args: unknown[]): boolean {
    return this.sockets.emit(event, ...args);
  }

  /** Emits to everyone and resolves with every response. */
  emitWithAck(event: EventNames<E>, ...args: unknown[]): Promise<unknown> {
    return this.sockets.emitWithAck(event, ...args);
  }

  /** Emits "message" to everyone. */
  send(...args: unknown[]): this {
    this.sockets.send(...args);
    return this;
  }

  /** Alias of {@linkcode Server.send}. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** A broadcast to a room (or rooms). */
  to(room: Room | Room[]): BroadcastOperator<E> {
    return this.sockets.to(room);
  }

  /** Alias of {@linkcode Server.to}. */
  in(room: Room | Room[]): BroadcastOperator<E> {
    return this.sockets.in(room);
  }

  /** A broadcast to everyone but a room (or rooms). */
  except(room: Room | Room[]): BroadcastOperator<E> {
    return this.sockets.except(room);
  }

  /** Only this node. */
  get local(): BroadcastOperator<E> {
    return this.sockets.local;
  }

  /** Volatile broadcast. */
  get volatile(): BroadcastOperator<E> {
    return this.sockets.volatile;
  }

  /** Broadcast with compression on or off. */
  compress(compress: boolean): BroadcastOperator<E> {
    return this.sockets.compress(compress);
  }

  /** Broadcast whose acks time out after `ms`. */
  timeout(ms: number): BroadcastOperator<E> {
    return this.sockets.timeout(ms);
  }

  /** The sockets of the main namespace, wherever they live. */
  fetchSockets(): Promise<RemoteSocket<E>[]> {
    return this.sockets.fetchSockets();
  }

  /** Makes every socket join rooms. */
  socketsJoin(room: Room | Room[]): void {
    this.sockets.socketsJoin(room);
  }

  /** The ids of every socket of the main namespace (deprecated in socket.io; use fetchSockets). */
  allSockets(): Promise<Set<string>> {
    return this.sockets.allSockets();
  }

  /** Makes every socket leave rooms. */
  socketsLeave(room: Room | Room[]): void {
    this.sockets.socketsLeave(room);
  }

  /** Disconnects every socket. */
  disconnectSockets(close = false): void {
    this.sockets.disconnectSockets(close);
  }

  /** Emits to the other servers of the cluster (events typed by `S`, the ServerSideEvents map). */
  serverSideEmit<Ev extends EventNames<S>>(event: Ev, ...args: Parameters<S[Ev]>): boolean {
    return this.sockets.serverSideEmit(event, ...args);
  }

  /** Emits to the other servers and resolves with their responses. */
  serverSideEmitWithAck<Ev extends EventNames<S>>(
    event: Ev,
    ...args: unknown[]
  ): Promise<unknown[]> {
    return this.sockets.serverSideEmitWithAck(event, ...args);
  }

  /** Closes every client ("server shutting down"), every adapter and the engine. */
  async close(): Promise<void> {
    for (const nsp of this.namespaces.values()) {
      for (const socket of [...nsp.sockets.values()]) socket.onClose("server shutting down");
    }
    this.engine.close();
    for (const nsp of this.namespaces.values()) await nsp.adapter.close();
    for (const parent of this.#parents.values()) await parent.adapter.close();
  }
}
