/**
 * A namespace's broadcasts through the runtime's native pub/sub (Bun): one
 * topic for the namespace and one per room, each WebSocket socket subscribed
 * to the namespace's topic and to the topics of its rooms, so that a
 * whole-namespace or single-room broadcast is one native publish. The
 * subscriptions follow the room joins and leaves of the adapter that keeps
 * the rooms and delivers (the first in-memory adapter made for the
 * namespace, which asks to be followed and tells each join and leave
 * directly, not through its events, which users may remove); the namespace, its
 * sockets and its clients only say when a socket may have started or
 * stopped being able to take published frames.
 *
 * A namespace has one only when its engine offers pub/sub: on Deno there is
 * none, and every broadcast goes through the loop.
 *
 * @module
 */

import type {
  AdapterPubSub,
  BroadcastOptions,
  BroadcastPublisher,
  FollowedRooms,
  Room,
  SocketId,
} from "./adapter_types.ts";
import type { EngineConnection, PreparedMessage } from "./engine/types.ts";
import type { Namespace } from "./namespace.ts";

/** What the pub/sub needs of a socket. */
export interface PubSubSocket {
  readonly id: SocketId;
  /** Its Engine.IO connection: where subscriptions are made. */
  readonly conn: EngineConnection;
  /** Whether it is connected to its namespace. */
  readonly connected: boolean;
  /** Whether an outgoing catch-all listener must see each packet it is sent (no publish then). */
  readonly watchesOutgoing: boolean;
  /** Whether what it is sent waits behind a replay of missed packets (no publish then). */
  readonly paced: boolean;
}

/**
 * The sockets of one namespace that take broadcasts through the runtime's
 * pub/sub, and the publish to them.
 */
export class NamespacePubSub implements AdapterPubSub, BroadcastPublisher {
  #nsp: Namespace;
  /** The rooms the topics mirror, once an adapter asked to be followed. */
  #adapter: FollowedRooms | null = null;
  /**
   * The sockets of the namespace that are NOT subscribed (polling, mid-upgrade, watched by an
   * outgoing catch-all, paced, holding frames for a slow client): every other socket is, to
   * the namespace's topic and a topic per other room. Only the exceptions take memory; which
   * topics a socket has, the runtime keeps.
   */
  #outside = new Set<SocketId>();

  /** @param nsp The namespace served. */
  constructor(nsp: Namespace) {
    this.#nsp = nsp;
  }

  /** Follows the first adapter that asks (see {@linkcode AdapterPubSub.follow}). */
  follow(adapter: FollowedRooms): BroadcastPublisher | null {
    if (this.#adapter !== null) return null;
    this.#adapter = adapter;
    return this;
  }

  /** A socket joined a room of the followed adapter: a member gets the room's topic. */
  joined(room: Room, id: SocketId): void {
    // No topic for a socket's own room: a broadcast to one socket is one send anyway,
    // and a topic per socket would cost the runtime memory per connection.
    if (room === id || this.#outside.has(id)) return;
    // A socket not in the namespace yet gets its rooms' topics when it connects (update).
    const socket: PubSubSocket | undefined = this.#nsp.sockets.get(id);
    if (socket !== undefined && !socket.conn.subscribe(this.#topic(room))) this.#drop(socket);
  }

  /** A socket left a room of the followed adapter. */
  left(room: Room, id: SocketId): void {
    if (room === id || this.#outside.has(id)) return;
    const socket: PubSubSocket | undefined = this.#nsp.sockets.get(id);
    socket?.conn.unsubscribe(this.#topic(room));
  }

  /**
   * Subscribes or unsubscribes a socket after something that decides it
   * changed: it connected, its connection upgraded or stopped taking
   * published frames, an outgoing catch-all listener came or went, a replay
   * ended. A socket whose connection cannot take published frames stays
   * out.
   */
  update(socket: PubSubSocket): void {
    const adapter = this.#adapter;
    if (adapter === null) return;
    const conn = socket.conn;
    if (!socket.connected || socket.watchesOutgoing || socket.paced || !conn.takesPublished) {
      if (!this.#outside.has(socket.id)) this.#drop(socket);
      return;
    }
    const topic = this.#topic(null);
    if (conn.subscribed(topic)) {
      this.#outside.delete(socket.id);
      return;
    }
    if (!conn.subscribe(topic)) {
      this.#outside.add(socket.id);
      return;
    }
    this.#outside.delete(socket.id);
    // The usual socket, in its own room only, walks no Set.
    const rooms = adapter.otherRooms(socket.id);
    if (rooms === undefined) return;
    for (const room of rooms) {
      if (room !== socket.id && !conn.subscribe(this.#topic(room))) return this.#drop(socket);
    }
  }

  /** A socket left its namespace: every subscription it still has goes. */
  remove(socket: PubSubSocket): void {
    if (this.#outside.delete(socket.id) || this.#adapter === null) return;
    this.#unsubscribe(socket);
  }

  /** Whether a socket of the namespace is subscribed: what is published reaches it. */
  reaches(id: SocketId): boolean {
    return !this.#outside.has(id);
  }

  /**
   * Whether a publish to these options reaches every socket they select: a
   * whole-namespace broadcast when every socket of the namespace is
   * subscribed.
   */
  reachesAll(opts: BroadcastOptions): boolean {
    return opts.rooms.size === 0 && !(opts.except !== undefined && opts.except.size > 0) &&
      this.#outside.size === 0;
  }

  /**
   * Publishes a broadcast to the namespace's topic or to one room's, when
   * the options select one of those: one room or none, no `except`, and not
   * a socket's own room (which has no topic). A publish that throws is
   * reported and stops there.
   *
   * @returns How many of the messages went out, in order (0: none, the loop serves everyone).
   */
  publish(prepared: readonly PreparedMessage[], opts: BroadcastOptions): number {
    if (opts.rooms.size > 1 || (opts.except !== undefined && opts.except.size > 0)) return 0;
    const room = opts.rooms.size === 1 ? opts.rooms.values().next().value as Room : null;
    if (room !== null && this.#nsp.sockets.has(room)) return 0;
    const topic = this.#topic(room);
    const compress = opts.flags?.compress;
    const engine = this.#nsp.server.engine;
    let sent = 0;
    try {
      while (sent < prepared.length && engine.publish(topic, prepared[sent], compress)) sent++;
    } catch (error) {
      this.#nsp.server.reportError(error instanceof Error ? error : new Error(String(error)));
    }
    return sent;
  }

  /** Takes a socket off the fast path: out, and off its topics. */
  #drop(socket: PubSubSocket): void {
    this.#outside.add(socket.id);
    this.#unsubscribe(socket);
  }

  #unsubscribe(socket: PubSubSocket): void {
    const conn = socket.conn;
    conn.unsubscribe(this.#topic(null));
    const rooms = this.#adapter!.otherRooms(socket.id);
    if (rooms === undefined) return;
    for (const room of rooms) if (room !== socket.id) conn.unsubscribe(this.#topic(room));
  }

  /** The topic of the namespace (`room` null) or of one of its rooms. */
  #topic(room: Room | null): string {
    const name = this.#nsp.name;
    return room === null ? name : name + "\u0000" + room;
  }
}
