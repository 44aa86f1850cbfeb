// deno-lint-ignore-file no-explicit-any
/**
 * Namespaces: a set of sockets with its own middlewares, rooms (through its
 * adapter) and events. Dynamic namespaces are children of a parent
 * namespace created from a RegExp or a function.
 *
 * @module
 */

import type { Packet } from "../protocol/parser.ts";
import { RESERVED_EVENTS } from "../protocol/socket_io.ts";
import type { Adapter, AdapterNamespace, Room, Session, SocketId } from "./adapter.ts";
import { BroadcastOperator, type RemoteSocket } from "./broadcast.ts";
import type { Client } from "./client.ts";
import { Listeners } from "../common/emitter.ts";
import type { Server } from "./server.ts";
import { runMiddlewares } from "./middleware.ts";
import { NamespacePubSub } from "./pubsub.ts";
import { Socket } from "./socket.ts";
import type { DefaultEventsMap, EventNames, EventsMap, ExtendedError } from "./types.ts";

/**
 * A connection middleware: `nsp.use((socket, next) => next())`. It may be
 * async: an error it throws or rejects with refuses the connection like
 * `next(error)` (socket.io lets those escape).
 */
export type Middleware = (
  socket: Socket<any, any, any>,
  next: (error?: ExtendedError) => void,
) => void | Promise<void>;

/** Events of a namespace. */
export type NamespaceEvents<
  L extends EventsMap = DefaultEventsMap,
  E extends EventsMap = DefaultEventsMap,
  D = any,
> = {
  connection: (socket: Socket<L, E, D>) => void;
  connect: (socket: Socket<L, E, D>) => void;
  new_namespace: (namespace: Namespace<any, any, any>) => void;
  [event: string]: (...args: any[]) => void;
};

/**
 * A namespace: `io.of("/admin")`.
 *
 * @example A namespace with a middleware
 * ```ts ignore
 * const admin = io.of("/admin");
 * admin.use((socket, next) => socket.handshake.auth.token ? next() : next(new Error("no token")));
 * admin.on("connection", (socket) => admin.emit("joined", socket.id));
 * ```
 */
export class Namespace<
  L extends EventsMap = DefaultEventsMap,
  E extends EventsMap = DefaultEventsMap,
  D = any,
> extends Listeners<NamespaceEvents<L, E, D>> implements AdapterNamespace {
  /** The namespace name, "/" for the main one. */
  readonly name: string;
  /** Connected sockets by id. */
  readonly sockets: Map<SocketId, Socket<L, E, D>> = new Map();
  /** The server. */
  readonly server: Server;
  /** The adapter (rooms and broadcasts). */
  readonly adapter: Adapter;
  /**
   * @internal Broadcasts through the runtime's native pub/sub, when the
   * engine offers it (Bun); null otherwise.
   */
  readonly pubsub: NamespacePubSub | null;
  // Replaced, never changed in place: a run in progress keeps the list it started with.
  #fns: readonly Middleware[] = [];
  #ids = 0;

  /** Made by `io.of(name)`. */
  constructor(server: Server, name: string) {
    super();
    this.server = server;
    this.name = name;
    // Before the adapter, which follows it (see AdapterPubSub.follow).
    this.pubsub = server.engine.pubsub ? new NamespacePubSub(this as unknown as Namespace) : null;
    this.adapter = server.createAdapter(this);
    // Adapter failures (a cluster adapter losing Redis, say) go to the server's reporter.
    this.adapter.on("error", (error) => server.reportError(error));
    Promise.resolve(this.adapter.init()).catch((error) => server.reportError(error));
  }

  /** Connection state recovery settings, when on. */
  get recovery(): { maxDisconnectionDuration: number } | undefined {
    return this.server.recovery;
  }

  /** @internal The next ack id of this namespace. */
  nextAckId(): number {
    return this.#ids++;
  }

  /** @internal Encodes a packet once with the server's parser. */
  encode(packet: Packet): Array<string | Uint8Array> {
    return this.server.encoder.encode(packet);
  }

  /** Adds a connection middleware. */
  use(fn: Middleware): this {
    this.#fns = [...this.#fns, fn];
    return this;
  }

  /** @internal The middlewares (copied into dynamic children). */
  get middlewares(): readonly Middleware[] {
    return this.#fns;
  }

  /**
   * @internal A client asks to join: create the socket, run middlewares,
   * connect. A promise only when a session is looked up for recovery.
   */
  add(client: Client, auth: Record<string, unknown>): void | Promise<void> {
    const recovery = this.server.recoveryOptions;
    if (recovery && typeof auth.pid === "string" && typeof auth.offset === "string") {
      return this.#restore(client, auth, auth.pid, auth.offset);
    }
    this.#admit(client, auth, null);
  }

  async #restore(
    client: Client,
    auth: Record<string, unknown>,
    pid: string,
    offset: string,
  ): Promise<void> {
    let previous = null;
    try {
      previous = await this.adapter.restoreSession(pid, offset);
    } catch (error) {
      // The client still connects, as a new session (as socket.io does); the failure is reported.
      this.server.reportError(error instanceof Error ? error : new Error(String(error)));
      previous = null;
    }
    this.#admit(client, auth, previous);
  }

  #admit(client: Client, auth: Record<string, unknown>, previous: Session | null): void {
    if (client.conn.state !== "open") return;
    const socket = new Socket<L, E, D>(
      this as unknown as Namespace,
      client,
      auth,
      previous ?? undefined,
    );
    if (this.#fns.length === 0 || (previous && this.server.recoveryOptions?.skipMiddlewares)) {
      // No middleware to run: connected at once, no continuation per connection.
      this.#connect(socket, client, previous);
      return;
    }
    runMiddlewares(this.#fns, socket as unknown as Socket, (error?: ExtendedError, thrown?) => {
      // A middleware that throws or rejects has a bug: its server hears of it, not only the client.
      if (thrown) this.server.reportError(error!, socket as unknown as Socket);
      if (client.conn.state !== "open") {
        // Its connection closed meanwhile: out of the rooms a middleware may have joined.
        socket.cleanup();
        return;
      }
      if (error) {
        socket.cleanup();
        socket.sendConnectError(error);
        return;
      }
      this.#connect(socket, client, previous);
    }, (error) => this.server.reportError(error, socket as unknown as Socket));
  }

  /** The socket joins, with a restored session's rooms, data and missed packets. */
  #connect(socket: Socket<L, E, D>, client: Client, previous: Session | null): void {
    this.sockets.set(socket.id, socket);
    if (previous) {
      socket.data = previous.data as D;
      socket.join(previous.rooms);
    }
    socket.onConnect(previous?.missedPackets);
    this.pubsub?.update(socket);
    client.added(socket as unknown as Socket);
    try {
      this.emitLocal("connect", socket);
      this.emitLocal("connection", socket);
    } catch (error) {
      socket.onError(error);
    }
  }

  /** @internal A socket left. */
  remove(socket: Socket): void {
    if (this.sockets.get(socket.id) === (socket as unknown)) this.sockets.delete(socket.id);
    this.pubsub?.remove(socket);
  }

  /** @internal Delivers an event sent by another node with serverSideEmit. */
  onServerSideEmit(args: unknown[]): void {
    const [event, ...rest] = args as [string, ...unknown[]];
    this.emitLocal(event, ...rest);
  }

  // ---- broadcasting ----------------------------------------------------------------------

  #operator(): BroadcastOperator<E> {
    return new BroadcastOperator<E>(this.adapter);
  }

  /** A broadcast to a room (or rooms). */
  to(room: Room | Room[]): BroadcastOperator<E> {
    return this.#operator().to(room);
  }

  /** Alias of {@linkcode Namespace.to}. */
  in(room: Room | Room[]): BroadcastOperator<E> {
    return this.#operator().in(room);
  }

  /** A broadcast to everyone but a room (or rooms). */
  except(room: Room | Room[]): BroadcastOperator<E> {
    return this.#operator().except(room);
  }

  /**
   * Emits to every socket of the namespace; with an ack function last, it
   * receives every response (set a `timeout` first).
   *
   * @throws {Error} For reserved event names.
   */
  emit(event: EventNames<E>, ...args: unknown[]): boolean {
    return this.#operator().emit(event, ...args);
  }

  /** Emits and resolves with every response. */
  emitWithAck(event: EventNames<E>, ...args: unknown[]): Promise<unknown> {
    return this.#operator().emitWithAck(event, ...args);
  }

  /** Emits "message" to everyone. */
  send(...args: unknown[]): this {
    this.#operator().emit("message" as EventNames<E>, ...args);
    return this;
  }

  /** Alias of {@linkcode Namespace.send}. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** Only this node. */
  get local(): BroadcastOperator<E> {
    return this.#operator().local;
  }

  /** Volatile broadcast. */
  get volatile(): BroadcastOperator<E> {
    return this.#operator().volatile;
  }

  /** Broadcast with compression on or off. */
  compress(compress: boolean): BroadcastOperator<E> {
    return this.#operator().compress(compress);
  }

  /** Broadcast whose acks time out after `ms`. */
  timeout(ms: number): BroadcastOperator<E> {
    return this.#operator().timeout(ms);
  }

  /** The sockets of the namespace, wherever they live. */
  fetchSockets(): Promise<RemoteSocket<E>[]> {
    return this.#operator().fetchSockets();
  }

  /** Makes every socket join rooms. */
  socketsJoin(room: Room | Room[]): void {
    this.#operator().socketsJoin(room);
  }

  /** Makes every socket leave rooms. */
  socketsLeave(room: Room | Room[]): void {
    this.#operator().socketsLeave(room);
  }

  /** Disconnects every socket. */
  disconnectSockets(close = false): void {
    this.#operator().disconnectSockets(close);
  }

  /** The ids of every socket (deprecated in socket.io; use fetchSockets). */
  allSockets(): Promise<Set<SocketId>> {
    return this.#operator().allSockets();
  }

  /**
   * Emits an event to the other servers of the cluster (received there with
   * `nsp.on(event, ...)`); no-op on a single node.
   *
   * @throws {Error} For reserved event names.
   */
  serverSideEmit(event: string, ...args: unknown[]): boolean {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    this.adapter.serverSideEmit([event, ...args]);
    return true;
  }

  /**
   * Emits to the other servers and resolves with their responses; a single
   * node resolves with `[]` at once.
   */
  async serverSideEmitWithAck(event: string, ...args: unknown[]): Promise<unknown[]> {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    if ((await this.adapter.serverCount()) <= 1) return [];
    return await new Promise((resolve, reject) => {
      this.adapter.serverSideEmit([
        event,
        ...args,
        (error: Error | null, responses: unknown[]) => error ? reject(error) : resolve(responses),
      ]);
    });
  }
}

/** Decides whether a dynamic namespace name is accepted. */
export type NamespaceMatcher =
  | RegExp
  | ((
    name: string,
    auth: Record<string, unknown>,
    next: (error: Error | null, allow: boolean) => void,
  ) => void);

/**
 * The parent of dynamic namespaces: `io.of(/^\/room-\d+$/)`. Middlewares and
 * connection listeners added to it apply to every child; `emit` reaches every
 * child.
 */
export class ParentNamespace extends Namespace {
  /** The child namespaces created so far. */
  readonly children: Set<Namespace> = new Set();
  static #count = 0;

  /** Made by `io.of(regexOrFunction)`. */
  constructor(server: Server) {
    super(server, `/_${ParentNamespace.#count++}`);
  }

  /** Emits to every child namespace. */
  override emit(event: string, ...args: unknown[]): boolean {
    for (const child of this.children) child.emit(event, ...args);
    return true;
  }

  /** @internal Creates the child namespace `name`. */
  createChild(name: string): Namespace {
    const child = new Namespace(this.server, name);
    for (const fn of this.middlewares) child.use(fn);
    for (const listener of this.listeners("connect")) child.on("connect", listener);
    for (const listener of this.listeners("connection")) child.on("connection", listener);
    this.children.add(child);
    if (this.server.cleanupEmptyChildNamespaces) {
      const remove = child.remove.bind(child);
      child.remove = (socket: Socket) => {
        remove(socket);
        if (child.sockets.size === 0) {
          void child.adapter.close();
          this.server.namespaces.delete(child.name);
          this.children.delete(child);
        }
      };
    }
    this.server.namespaces.set(name, child);
    this.server.sockets.emitLocal("new_namespace", child);
    return child;
  }
}
