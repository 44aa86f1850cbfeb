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
  Adapter,
  AdapterPubSub,
  BroadcastOptions,
  BroadcastPublisher,
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
  /** The adapter whose rooms the topics mirror, once one asked to be followed. */
  #adapter: Adapter | null = null;
  /** The sockets subscribed (the namespace's topic and a topic per other room), by id. */
  #members = new Map<SocketId, PubSubSocket>();

  /** @param nsp The namespace served. */
  constructor(nsp: Namespace) {
    this.#nsp = nsp;
  }

  /** Follows the first adapter that asks (see {@linkcode AdapterPubSub.follow}). */
  follow(adapter: Adapter): BroadcastPublisher | null {
    if (this.#adapter !== null) return null;
    this.#adapter = adapter;
    return this;
  }

  /** A socket joined a room of the followed adapter: a member gets the room's topic. */
  joined(room: Room, id: SocketId): void {
    const socket = this.#members.get(id);
    // No topic for a socket's own room: a broadcast to one socket is one send anyway,
    // and a topic per socket would cost the runtime memory per connection.
    if (socket === undefined || room === id) return;
    if (!socket.conn.subscribe(this.#topic(room))) this.#drop(socket);
  }

  /** A socket left a room of the followed adapter. */
  left(room: Room, id: SocketId): void {
    const socket = this.#members.get(id);
    if (socket !== undefined && room !== id) socket.conn.unsubscribe(this.#topic(room));
  }

  /**
   * Subscribes or unsubscribes a socket after something that decides it
   * changed: it connected, its connection upgraded, an outgoing catch-all
   * listener came or went. A socket whose connection cannot take published
   * frames (polling, mid-upgrade) stays out, as every socket does while no
   * adapter is followed (nothing would publish).
   */
  update(socket: PubSubSocket): void {
    const adapter = this.#adapter;
    if (adapter === null) return;
    const member = this.#members.get(socket.id) === socket;
    if (
      !socket.connected || socket.watchesOutgoing || socket.paced || !socket.conn.takesPublished
    ) {
      if (member) this.#drop(socket);
      return;
    }
    if (member || !socket.conn.subscribe(this.#topic(null))) return;
    this.#members.set(socket.id, socket);
    const rooms = adapter.socketRooms(socket.id);
    // The usual socket, in its own room only, walks no Set.
    if (rooms === undefined || (rooms.size === 1 && rooms.has(socket.id))) return;
    for (const room of rooms) {
      if (room !== socket.id && !socket.conn.subscribe(this.#topic(room))) {
        return this.#drop(socket);
      }
    }
  }

  /** A socket left its namespace: every subscription it still has goes. */
  remove(socket: PubSubSocket): void {
    if (this.#members.get(socket.id) === socket) this.#drop(socket);
  }

  /** Whether the socket is subscribed: what is published reaches it. */
  reaches(id: SocketId): boolean {
    return this.#members.has(id);
  }

  /**
   * Whether a publish to these options reaches every socket they select: a
   * whole-namespace broadcast when every socket of the namespace is
   * subscribed (the subscribed ones are always among them).
   */
  reachesAll(opts: BroadcastOptions): boolean {
    return opts.rooms.size === 0 && !(opts.except !== undefined && opts.except.size > 0) &&
      this.#members.size === this.#nsp.sockets.size;
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

  #drop(socket: PubSubSocket): void {
    this.#members.delete(socket.id);
    const conn = socket.conn;
    conn.unsubscribe(this.#topic(null));
    const rooms = this.#adapter!.socketRooms(socket.id);
    if (rooms === undefined) return;
    for (const room of rooms) if (room !== socket.id) conn.unsubscribe(this.#topic(room));
  }

  /** The topic of the namespace (`room` null) or of one of its rooms. */
  #topic(room: Room | null): string {
    const name = this.#nsp.name;
    return room === null ? name : name + "\u0000" + room;
  }
}
