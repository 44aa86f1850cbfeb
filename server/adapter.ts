/**
 * The Adapter: who is in which room, and how a broadcast reaches them. The
 * in-memory adapter is the default; a Redis adapter implements the same
 * interface across processes. The interface and its types are
 * `adapter_types.ts`'s, re-exported here.
 *
 * @module
 */

import { Emitter } from "../common/emitter.ts";
import { type Packet, PacketType } from "../protocol/parser.ts";
import type {
  Adapter,
  AdapterEvents,
  AdapterNamespace,
  AdapterSocket,
  BroadcastOptions,
  BroadcastPublisher,
  PrivateSessionId,
  Room,
  Session,
  SessionToPersist,
  SocketId,
} from "./adapter_types.ts";
import { prepareMessage } from "./engine/engine.ts";
import type { PreparedMessage } from "./engine/types.ts";
import { RecoveryLog } from "./recovery_log.ts";
import { RoomsView } from "./rooms_view.ts";

export {
  type Adapter,
  type AdapterClass,
  type AdapterEvents,
  type AdapterFactory,
  type AdapterNamespace,
  type AdapterPubSub,
  type AdapterSocket,
  type BroadcastFlags,
  type BroadcastOptions,
  type BroadcastPublisher,
  type FollowedRooms,
  NO_FLAGS,
  type PrivateSessionId,
  type Room,
  type Session,
  type SessionToPersist,
  type SocketId,
  toAdapterFactory,
} from "./adapter_types.ts";

/**
 * The default adapter: rooms in memory, broadcasts encoded once, and, when
 * connection state recovery is on, the sessions and packets needed to
 * restore a client that was briefly away. A custom adapter extends it and
 * overrides what it does differently, then is given to the server as its
 * `adapter` option (the class, or a function that makes one per namespace).
 *
 * @example A custom adapter
 * ```ts
 * import { type BroadcastOptions, InMemoryAdapter, type Packet, Server } from "./mod.ts";
 *
 * // Counts the broadcasts of each namespace, then delivers them as usual.
 * class CountingAdapter extends InMemoryAdapter {
 *   broadcasts = 0;
 *
 *   override broadcast(packet: Packet, opts: BroadcastOptions): void {
 *     this.broadcasts++;
 *     super.broadcast(packet, opts);
 *   }
 * }
 *
 * const io = new Server({ adapter: CountingAdapter });
 * io.emit("news", "hello");
 * console.log((io.of("/").adapter as CountingAdapter).broadcasts); // 1
 * await io.close();
 * ```
 */
export class InMemoryAdapter extends Emitter<AdapterEvents> implements Adapter {
  /** The namespace served. */
  readonly nsp: AdapterNamespace;
  /**
   * Room name to its members: the one socket's id while a room has one
   * member, a Set from the second. A socket in its own room only, the usual
   * idle connection, so costs its `sids` entry alone.
   */
  #rooms = new Map<Room, SocketId | Set<SocketId>>();
  /**
   * Socket id to its rooms: the one room's name while the socket is in one
   * (its own, for the usual idle connection, which so costs no Set here), a
   * Set from the second, or once `socketRooms` handed one out.
   */
  #sids = new Map<SocketId, Room | Set<Room>>();
  #roomsView: ReadonlyMap<Room, ReadonlySet<SocketId>> = new RoomsView(this.#rooms);
  #sidsView: ReadonlyMap<SocketId, ReadonlySet<Room>> = new RoomsView(this.#sids);
  #recovery = new RecoveryLog();
  #sweeper: ReturnType<typeof setInterval> | undefined;
  /** The runtime's pub/sub, following this adapter's rooms (Bun), or null. */
  #pubsub: BroadcastPublisher | null;

  /**
   * Makes the adapter of one namespace, with no rooms yet.
   *
   * @param nsp The namespace.
   */
  constructor(nsp: AdapterNamespace) {
    super();
    this.nsp = nsp;
    this.#pubsub = nsp.pubsub?.follow({ otherRooms: (id) => this.#otherRooms(id) }) ?? null;
  }

  /** Room name to socket ids, read-only (a room's Set may be made as it is read). */
  get rooms(): ReadonlyMap<Room, ReadonlySet<SocketId>> {
    return this.#roomsView;
  }

  /** Socket id to room names, read-only (a socket's Set may be made as it is read). */
  get sids(): ReadonlyMap<SocketId, ReadonlySet<Room>> {
    return this.#sidsView;
  }

  /** Starts the recovery sweeper when connection state recovery is on. */
  init(): void {
    const recovery = this.nsp.recovery;
    if (!recovery || this.#sweeper) return;
    // Released by close(), which Server.close() calls for every namespace.
    this.#sweeper = setInterval(
      () => this.#recovery.sweep(recovery.maxDisconnectionDuration),
      60_000,
    );
  }

  /** Stops the sweeper and forgets persisted sessions. */
  close(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    this.#recovery.clear();
  }

  /** One server: this one. */
  serverCount(): Promise<number> {
    return Promise.resolve(1);
  }

  /**
   * Adds a socket to rooms: every join, a new socket's own room included
   * (see {@linkcode Adapter.addAll}), so a subclass that overrides it sees
   * them all.
   */
  addAll(id: SocketId, rooms: Set<Room>): void {
    for (const room of rooms) {
      const mine = this.#sids.get(id);
      if (mine === undefined) this.#sids.set(id, room);
      else if (typeof mine !== "string") mine.add(room);
      else if (mine !== room) this.#sids.set(id, new Set([mine, room]));
      this.#join(room, id);
    }
  }

  #join(room: Room, id: SocketId): void {
    const members = this.#rooms.get(room);
    if (members === undefined) {
      this.#rooms.set(room, id);
      if (this.hasListeners("create-room")) this.emit("create-room", room);
    } else if (typeof members === "string") {
      if (members === id) return;
      this.#rooms.set(room, new Set([members, id]));
    } else {
      if (members.has(id)) return;
      members.add(id);
    }
    this.#pubsub?.joined(room, id);
    if (this.hasListeners("join-room")) this.emit("join-room", room, id);
  }

  /** A socket's rooms when it is in any besides its own (see `FollowedRooms`). */
  #otherRooms(id: SocketId): Iterable<Room> | undefined {
    const mine = this.#sids.get(id);
    if (typeof mine === "string") return mine === id ? undefined : [mine];
    return mine === undefined || (mine.size === 1 && mine.has(id)) ? undefined : mine;
  }

  /** Removes a socket from a room. */
  del(id: SocketId, room: Room): void {
    const mine = this.#sids.get(id);
    // A socket that left its last room keeps an empty entry, as with socket.io's adapter.
    if (mine === room) this.#sids.set(id, new Set());
    else if (typeof mine === "object") mine.delete(room);
    this.#leave(id, room);
  }

  #leave(id: SocketId, room: Room): void {
    const members = this.#rooms.get(room);
    if (members === undefined) return;
    let emptied: boolean;
    if (typeof members === "string") {
      if (members !== id) return;
      emptied = true;
    } else {
      if (!members.delete(id)) return;
      emptied = members.size === 0;
    }
    this.#pubsub?.left(room, id);
    if (this.hasListeners("leave-room")) this.emit("leave-room", room, id);
    if (emptied) {
      this.#rooms.delete(room);
      if (this.hasListeners("delete-room")) this.emit("delete-room", room);
    }
  }

  /** Removes a socket from every room. */
  delAll(id: SocketId): void {
    const mine = this.#sids.get(id);
    if (mine === undefined) return;
    if (typeof mine === "string") this.#leave(id, mine);
    else for (const room of mine) this.#leave(id, room);
    this.#sids.delete(id);
  }

  /** Encodes once, frames once, writes to every selected socket. */
  broadcast(packet: Packet, opts: BroadcastOptions): void {
    packet.nsp = this.nsp.name;
    this.keepForRecovery(packet, opts);
    this.deliver(packet, opts);
  }

  /**
   * With connection state recovery on, gives an event broadcast its offset
   * (appended as last argument, unless `offset` says it already carries one
   * assigned by another node) and keeps it for clients that come back.
   *
   * @returns The offset, or undefined when the packet is not kept.
   */
  protected keepForRecovery(
    packet: Packet,
    opts: BroadcastOptions,
    offset?: string,
  ): string | undefined {
    if (
      !this.nsp.recovery || packet.type !== PacketType.EVENT || packet.id !== undefined ||
      opts.flags?.volatile || !Array.isArray(packet.data)
    ) return undefined;
    const data = packet.data as unknown[];
    let id = offset;
    if (id === undefined) {
      id = this.#recovery.nextOffset();
      data.push(id);
    }
    this.#recovery.keep(id, opts, data);
    return id;
  }

  /**
   * Encodes once, frames once, writes to the local sockets the options
   * select. Where this adapter has the runtime's pub/sub (Bun), the
   * broadcast is published first; the loop then serves the sockets it does
   * not reach (polling, mid-upgrade), and those it reaches only for what a
   * failed publish did not send.
   */
  protected deliver(packet: Packet, opts: BroadcastOptions): void {
    const flags = opts.flags ?? {};
    const prepared = this.#prepare(packet);
    const pubsub = this.#pubsub;
    const sent = pubsub ? pubsub.publish(prepared, opts) : 0;
    if (sent === 0) {
      // No pub/sub, a broadcast it cannot reach, or a failed publish: the loop serves everyone.
      this.#apply(opts, (socket) => socket.writePrepared(prepared, flags, packet));
      return;
    }
    // A publish that failed after the first messages (a packet's attachments, say): the
    // sockets it reached get the rest from the loop, after what they were published.
    const rest = sent === prepared.length ? null : prepared.slice(sent);
    // Every socket subscribed, everything sent (the usual whole-namespace broadcast): no loop.
    if (rest === null && pubsub!.reachesAll(opts)) return;
    this.#apply(opts, (socket) => {
      if (!pubsub!.reaches(socket.id)) socket.writePrepared(prepared, flags, packet);
      else if (rest !== null) socket.writePrepared(rest, flags, packet);
    });
  }

  /** Like broadcast, with one ack id registered on every recipient. */
  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    const flags = opts.flags ?? {};
    packet.nsp = this.nsp.name;
    packet.id = this.nsp.nextAckId();
    const prepared = this.#prepare(packet);
    let count = 0;
    this.#apply(opts, (socket) => {
      count++;
      socket.registerAck(packet.id!, ack);
      socket.writePrepared(prepared, flags, packet);
    });
    clientCountCallback(count);
  }

  #prepare(packet: Packet): PreparedMessage[] {
    return this.nsp.encode(packet).map(prepareMessage);
  }

  /** The ids of the sockets in `rooms` (all when empty). */
  sockets(rooms: Set<Room>): Promise<Set<SocketId>> {
    const ids = new Set<SocketId>();
    this.#apply({ rooms }, (socket) => ids.add(socket.id));
    return Promise.resolve(ids);
  }

  /** The rooms of a socket. */
  socketRooms(id: SocketId): Set<Room> | undefined {
    const mine = this.#sids.get(id);
    if (typeof mine !== "string") return mine;
    // The live Set from now on, as socket.io's adapter hands out (later joins show in it).
    const rooms = new Set([mine]);
    this.#sids.set(id, rooms);
    return rooms;
  }

  /** The local sockets the options select. */
  fetchSockets(opts: BroadcastOptions): Promise<unknown[]> {
    const sockets: AdapterSocket[] = [];
    this.#apply(opts, (socket) => sockets.push(socket));
    return Promise.resolve(sockets);
  }

  /** Makes the selected sockets join rooms. */
  addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.#apply(opts, (socket) => socket.join(rooms));
  }

  /** Makes the selected sockets leave rooms. */
  delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.#apply(opts, (socket) => rooms.forEach((room) => socket.leave(room)));
  }

  /** Disconnects the selected sockets. */
  disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    this.#apply(opts, (socket) => socket.disconnect(close));
  }

  /** A single node has no other server to tell. */
  serverSideEmit(_packet: unknown[]): void {}

  /** Keeps a session until maxDisconnectionDuration passes. */
  persistSession(session: SessionToPersist): void {
    if (!this.nsp.recovery) return;
    this.#recovery.persist(session);
  }

  /**
   * Takes (and forgets) the session persisted under `pid`; cluster adapters
   * also look in shared storage.
   */
  protected takeSession(
    pid: PrivateSessionId,
  ): Promise<(SessionToPersist & { disconnectedAt: number }) | undefined> {
    return Promise.resolve(this.#recovery.take(pid));
  }

  /** Restores a session with what it missed after `offset`, or null. */
  async restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null> {
    const recovery = this.nsp.recovery;
    if (!recovery) return null;
    const session = await this.takeSession(pid);
    if (!session) return null;
    if (session.disconnectedAt + recovery.maxDisconnectionDuration < Date.now()) return null;
    const missedPackets = this.#recovery.missedSince(offset, session.rooms);
    if (missedPackets === null) return null;
    const { disconnectedAt: _, ...rest } = session;
    return { ...rest, missedPackets };
  }

  /** Calls `fn` once for every local socket the options select. */
  #apply(opts: BroadcastOptions, fn: (socket: AdapterSocket) => void): void {
    const except = this.#exceptIds(opts.except);
    const sockets = this.nsp.sockets;
    if (opts.rooms.size > 0) {
      const seen = new Set<SocketId>();
      const visit = (id: SocketId) => {
        if (seen.has(id) || except?.has(id)) return;
        const socket = sockets.get(id);
        if (socket === undefined) return;
        seen.add(id);
        fn(socket);
      };
      for (const room of opts.rooms) {
        const members = this.#rooms.get(room);
        if (typeof members === "string") visit(members);
        else if (members !== undefined) members.forEach(visit);
      }
      return;
    }
    if (except) {
      for (const [id, socket] of sockets) if (!except.has(id)) fn(socket);
      return;
    }
    // No entry arrays on the usual path, a broadcast to everyone.
    for (const socket of sockets.values()) fn(socket);
  }

  #exceptIds(except: Set<Room> | undefined): Set<SocketId> | undefined {
    if (!except || except.size === 0) return undefined;
    const ids = new Set<SocketId>();
    for (const room of except) {
      const members = this.#rooms.get(room);
      if (typeof members === "string") ids.add(members);
      else if (members !== undefined) { for (const id of members) ids.add(id); }
    }
    return ids;
  }
}
