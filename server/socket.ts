// deno-lint-ignore-file no-explicit-any
/**
 * The server-side Socket: one client in one namespace.
 *
 * @module
 */

import { type Packet, PacketType } from "../protocol/parser.ts";
import { RESERVED_EVENTS } from "../protocol/socket_io.ts";
import { type BroadcastFlags, NO_FLAGS, type Room, type Session } from "./adapter.ts";
import { BroadcastOperator } from "./broadcast.ts";
import { randomId } from "../common/ids.ts";
import type { Client } from "./client.ts";
import type { EngineConnection, PreparedMessage } from "./engine/types.ts";
import { buildHandshake } from "./handshake.ts";
import type { Namespace } from "./namespace.ts";
import { type Ack, PendingAcks } from "./socket_acks.ts";
import { type ReservedSocketEvents, SocketListeners } from "./socket_listeners.ts";
import { SocketOperator } from "./socket_operator.ts";
import type {
  DefaultEventsMap,
  DisconnectReason,
  EventNames,
  EventParams,
  EventsMap,
  ExtendedError,
  Handshake,
} from "./types.ts";
import { RECOVERABLE_DISCONNECT_REASONS } from "./types.ts";

export type { AnyListener } from "../common/catch_all.ts";
export type { PacketMiddleware } from "./socket_listeners.ts";
export { SocketOperator } from "./socket_operator.ts";

const NONE: readonly never[] = Object.freeze([]);

/**
 * Where a socket is in its life: `connecting` while the namespace's
 * middlewares run, `connected` from its CONNECT packet on, `disconnecting`
 * while its "disconnecting" listeners run (still in its rooms and still
 * `connected`, as in socket.io), `disconnected` from leaving its rooms on, for
 * good (a refused socket goes there from `connecting`).
 */
type SocketState = "connecting" | "connected" | "disconnecting" | "disconnected";

/** The states each state may move to. */
const MOVES: Record<SocketState, readonly SocketState[]> = {
  connecting: ["connected", "disconnected"],
  connected: ["disconnecting"],
  disconnecting: ["disconnected"],
  disconnected: [],
};

/**
 * One client connected to one namespace.
 *
 * @example Echo with an ack
 * ```ts ignore
 * io.on("connection", (socket) => {
 *   socket.on("hello", (name, ack) => ack(`hi ${name}`));
 * });
 * ```
 */
export class Socket<
  L extends EventsMap = DefaultEventsMap,
  E extends EventsMap = DefaultEventsMap,
  D = any,
> extends SocketListeners<L & ReservedSocketEvents> {
  /** The socket id (also a room the socket is in). */
  readonly id: string;
  /** The private session id, for connection state recovery. */
  readonly pid: string | undefined;
  /** Whether this socket's session was restored after a short disconnect. */
  readonly recovered: boolean = false;
  /** The handshake details. */
  readonly handshake: Handshake;
  #data: D | null = null;
  /** Arbitrary data, shared with fetchSockets() results (an empty object until used). */
  get data(): D {
    return this.#data ??= {} as D;
  }
  set data(value: D) {
    this.#data = value;
  }
  /** The namespace. */
  readonly nsp: Namespace;
  /** The client (the Engine.IO connection shared by the client's namespaces). */
  readonly client: Client;
  #state: SocketState = "connecting";
  // Made on first use: an idle socket holds none (per-connection memory).
  #acks: PendingAcks | null = null;

  /** Created by the namespace when a client connects. */
  constructor(nsp: Namespace, client: Client, auth: Record<string, unknown>, previous?: Session) {
    super();
    this.nsp = nsp;
    this.client = client;
    const conn = client.conn;
    if (previous) {
      this.id = previous.sid;
      this.pid = previous.pid;
      this.recovered = true;
    } else {
      this.id = client.protocol.socketId(nsp.name, conn);
      this.pid = nsp.server.recovery ? randomId(20) : undefined;
    }
    this.handshake = buildHandshake(conn, auth);
  }

  /** The Engine.IO connection. */
  get conn(): EngineConnection {
    return this.client.conn;
  }

  /** The handshake request. */
  get request(): Request {
    return this.client.conn.request;
  }

  /** The server. */
  get server(): Namespace["server"] {
    return this.nsp.server;
  }

  /** The namespace's adapter. */
  get adapter(): Namespace["adapter"] {
    return this.nsp.adapter;
  }

  /** Whether the socket is connected (until its "disconnect" event, as in socket.io). */
  get connected(): boolean {
    return this.#state === "connected" || this.#state === "disconnecting";
  }

  /** Whether the socket is disconnected (also before it is connected). */
  get disconnected(): boolean {
    return !this.connected;
  }

  /** The rooms the socket is in. */
  get rooms(): Set<Room> {
    return this.nsp.adapter.socketRooms(this.id) ?? new Set();
  }

  /** @internal Whether an outgoing catch-all listener must see each packet this socket is sent. */
  get watchesOutgoing(): boolean {
    return this.catchesOutgoing;
  }

  /** @internal Whether what it is sent waits behind a replay (published frames would overtake it). */
  get paced(): boolean {
    return this.client.pacing;
  }

  // ---- emitting --------------------------------------------------------------------------

  /**
   * Emits an event to this client; a function as last argument receives the
   * client's ack.
   *
   * @throws {Error} For reserved event names.
   */
  emit<Ev extends EventNames<E>>(event: Ev, ...args: EventParams<E, Ev>): boolean {
    return this.#emit(event, args as unknown[], {});
  }

  #emit(event: string, args: unknown[], flags: BroadcastFlags): boolean {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    const data: unknown[] = [event, ...args];
    const packet: Packet = { type: PacketType.EVENT, nsp: this.nsp.name, data };
    const last = data[data.length - 1];
    if (typeof last === "function") {
      const id = this.nsp.nextAckId();
      (this.#acks ??= new PendingAcks()).add(id, data.pop() as Ack, flags.timeout, this);
      packet.id = id;
    }
    if (this.nsp.server.recovery && packet.id === undefined && !flags.volatile) {
      // Through the adapter, so the event gets an offset and is kept for recovery.
      this.nsp.adapter.broadcast(packet, { rooms: new Set([this.id]), except: new Set(), flags });
      return true;
    }
    if (this.catchesOutgoing) this.notifyAnyOutgoing(data);
    this.packet(packet, flags);
    return true;
  }

  /** Emits and resolves with the ack (rejects on timeout when a timeout is set). */
  emitWithAck<Ev extends EventNames<E>>(event: Ev, ...args: unknown[]): Promise<unknown> {
    return this.#emitWithAck(event, args, {});
  }

  #emitWithAck(event: string, args: unknown[], flags: BroadcastFlags): Promise<unknown> {
    const withError = flags.timeout !== undefined;
    return new Promise((resolve, reject) => {
      this.#emit(event, [
        ...args,
        (a: unknown, b: unknown) => withError ? (a ? reject(a) : resolve(b)) : resolve(a),
      ], flags);
    });
  }

  /** Emits "message". */
  send(...args: unknown[]): this {
    this.#emit("message", args, {});
    return this;
  }

  /** Alias of {@linkcode Socket.send}. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** An emitter for this socket whose emits time out after `ms` (the ack gets an error first). */
  timeout(ms: number): SocketOperator<E> {
    return new SocketOperator(this, { timeout: ms });
  }

  /** An emitter for this socket whose emits may be dropped when the client cannot take them. */
  get volatile(): SocketOperator<E> {
    return new SocketOperator(this, { volatile: true });
  }

  /** An emitter for this socket with compression on or off. */
  compress(compress: boolean): SocketOperator<E> {
    return new SocketOperator(this, { compress });
  }

  /** @internal Emits with flags (used by {@linkcode SocketOperator}). */
  emitWithFlags(
    event: string,
    args: unknown[],
    flags: BroadcastFlags,
    withAck: boolean,
  ): boolean | Promise<unknown> {
    return withAck ? this.#emitWithAck(event, args, flags) : this.#emit(event, args, flags);
  }

  /** Writes a packet to this client. */
  packet(packet: Packet, flags: BroadcastFlags = NO_FLAGS): void {
    packet.nsp = this.nsp.name;
    this.client.writePacket(packet, flags);
  }

  /** @internal Writes a broadcast's frames (encoded once for every recipient). */
  writePrepared(prepared: PreparedMessage[], flags: BroadcastFlags, packet: Packet): void {
    if (this.catchesOutgoing) this.notifyAnyOutgoing(packet.data as unknown[]);
    this.client.writePrepared(prepared, flags);
  }

  /** @internal Registers the ack of a broadcast with acks. */
  registerAck(id: number, ack: (...args: unknown[]) => void): void {
    (this.#acks ??= new PendingAcks()).addBroadcast(id, ack);
  }

  // ---- rooms -----------------------------------------------------------------------------

  /** Joins one room or several. */
  join(rooms: Room | Room[]): void {
    if (this.#state === "disconnected") return;
    void this.nsp.adapter.addAll(this.id, new Set(Array.isArray(rooms) ? rooms : [rooms]));
  }

  /** Leaves a room. */
  leave(room: Room): void {
    void this.nsp.adapter.del(this.id, room);
  }

  /** A broadcast to `room` (or rooms) from this socket: the socket itself excluded. */
  to(room: Room | Room[]): BroadcastOperator<E> {
    return this.#broadcaster().to(room);
  }

  /** Alias of {@linkcode Socket.to}. */
  in(room: Room | Room[]): BroadcastOperator<E> {
    return this.to(room);
  }

  /** A broadcast from this socket to everyone but `room` (and the socket itself). */
  except(room: Room | Room[]): BroadcastOperator<E> {
    return this.#broadcaster().except(room);
  }

  /** A broadcast to every other socket of the namespace. */
  get broadcast(): BroadcastOperator<E> {
    return this.#broadcaster();
  }

  /** A broadcast limited to this node. */
  get local(): BroadcastOperator<E> {
    return this.#broadcaster().local;
  }

  #broadcaster(): BroadcastOperator<E> {
    return new BroadcastOperator<E>(this.nsp.adapter, new Set(), new Set([this.id]), {});
  }

  // ---- incoming --------------------------------------------------------------------------

  /** @internal A packet for this socket arrived. */
  onPacket(packet: Packet): void {
    if (this.#state !== "connected") return;
    switch (packet.type) {
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT:
        this.onEvent(packet);
        return;
      case PacketType.ACK:
      case PacketType.BINARY_ACK: {
        const ack = this.#acks?.take(packet.id!);
        if (!ack) return;
        this.guard(() => ack.apply(this, packet.data as unknown[]));
        return;
      }
      case PacketType.DISCONNECT:
        this.onClose("client namespace disconnect");
        return;
      default:
        return;
    }
  }

  /** @internal Incoming events reach the listeners while the socket is connected. */
  protected get accepting(): boolean {
    return this.#state === "connected";
  }

  /** @internal The ack of an incoming event: sent once, whatever the listeners do. */
  protected ackFor(id: number): Ack {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent) return;
      sent = true;
      this.client.writeAck(this.nsp.name, id, args);
    };
  }

  /** @internal An error nobody listens for on this socket goes to the server's error hook. */
  protected reportUnhandled(error: Error): void {
    this.nsp.server.reportError(error, this as unknown as Socket);
  }

  // ---- catch-all listeners (the API is CatchAllListeners') -------------------------------

  /** Outgoing catch-all listeners see every packet: broadcasts must come through writePrepared. */
  protected override onOutgoingChange(): void {
    this.nsp.pubsub?.update(this);
  }

  // ---- life cycle ------------------------------------------------------------------------

  /** @internal Joins its own room, replays missed packets and sends the CONNECT packet. */
  onConnect(missed: unknown[][] = []): void {
    if (!this.#transition("connected")) return;
    // Its own room, through addAll as every join.
    void this.nsp.adapter.addAll(this.id, new Set<Room>().add(this.id));
    const data = this.client.protocol.connectData(this.id, this.pid);
    this.packet(
      data === undefined
        ? { type: PacketType.CONNECT, nsp: this.nsp.name }
        : { type: PacketType.CONNECT, nsp: this.nsp.name, data },
    );
    if (missed.length === 0) return;
    // The replay may be larger than the engine's bound: it goes out as the client takes it,
    // and what this connection is sent meanwhile waits behind it.
    this.client.pace();
    for (const args of missed) {
      this.packet({ type: PacketType.EVENT, nsp: this.nsp.name, data: args });
    }
    this.client.pump();
  }

  /**
   * Disconnects this socket from its namespace; with `close`, closes the whole
   * connection (every namespace of this client).
   */
  disconnect(close = false): this {
    if (this.#state !== "connected") return this;
    if (close) {
      this.client.disconnectAll();
      return this;
    }
    this.packet({ type: PacketType.DISCONNECT, nsp: this.nsp.name });
    this.onClose("server namespace disconnect");
    return this;
  }

  /** @internal The socket is gone: rooms left, acks released, events emitted. */
  onClose(reason: DisconnectReason, description?: unknown): void {
    if (!this.#transition("disconnecting")) return;
    // Listeners are called only when there are some: no closure per close otherwise.
    if (this.rawListener("disconnecting") !== undefined) {
      this.guard(() => this.#local("disconnecting", reason, description));
    }
    if (this.nsp.server.recovery && this.pid && RECOVERABLE_DISCONNECT_REASONS.has(reason)) {
      this.nsp.adapter.persistSession({
        sid: this.id,
        pid: this.pid,
        rooms: [...this.rooms],
        data: this.data,
      });
    }
    this.cleanup();
    this.client.remove(this as unknown as Socket);
    // Pending acks with a timeout learn now that no answer will come.
    const owed = this.#acks?.clear() ?? NONE;
    for (const ack of owed) {
      this.guard(() => ack.call(this, new Error("socket has been disconnected")));
    }
    if (this.rawListener("disconnect") !== undefined) {
      this.guard(() => this.#local("disconnect", reason, description));
    }
  }

  /** @internal Leaves every room and stops joining new ones (disconnected for good). */
  cleanup(): void {
    if (!this.#transition("disconnected")) return;
    this.nsp.adapter.delAll(this.id);
    this.nsp.remove(this as unknown as Socket);
  }

  /**
   * Moves the socket to `next`; false, and nothing changes, when that is not a
   * move from where it is (see {@linkcode MOVES}): a second close, a refusal
   * after a close. Socket timers belong to acks, released by {@linkcode onClose}.
   */
  #transition(next: SocketState): boolean {
    if (!MOVES[this.#state].includes(next)) return false;
    this.#state = next;
    return true;
  }

  #local(event: keyof ReservedSocketEvents, ...args: unknown[]): void {
    (this.emitLocal as (e: string, ...a: unknown[]) => boolean)(event, ...args);
  }

  /** @internal Sends a CONNECT_ERROR (middleware refusal), shaped by the client's revision. */
  sendConnectError(error: ExtendedError): void {
    const data = this.client.protocol.connectError(error.message, error.data);
    this.packet({ type: PacketType.CONNECT_ERROR, nsp: this.nsp.name, data });
  }
}
