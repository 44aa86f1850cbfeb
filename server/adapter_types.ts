/**
 * The Adapter's contract: the {@linkcode Adapter} interface every adapter
 * implements (the in-memory default, the Redis adapter, a user's own), what
 * it needs of a namespace and of a socket, the plain-data broadcast options
 * that travel between nodes, and {@linkcode toAdapterFactory}, which turns
 * the `adapter` option into a factory.
 *
 * @module
 */

import type { Emitter } from "../common/emitter.ts";
import type { Packet } from "../protocol/parser.ts";
import type { PreparedMessage } from "./engine/types.ts";

/** A room name. Every socket is also in the room named by its own id. */
export type Room = string;
/** A socket id. */
export type SocketId = string;
/** A session id for connection state recovery. */
export type PrivateSessionId = string;

/** Flags of a broadcast. */
export interface BroadcastFlags {
  /** Drop the packet for clients that cannot take it right now. */
  volatile?: boolean;
  /** Allow compression. */
  compress?: boolean;
  /** Only this node, not the whole cluster. */
  local?: boolean;
  /** Milliseconds to wait for acks. */
  timeout?: number;
  /** Resolve acks with one response, not a list (a socket's own emit). */
  expectSingleResponse?: boolean;
}

/** @internal The flags of a plain emit, shared (never mutated). */
export const NO_FLAGS: BroadcastFlags = Object.freeze({});

/** Who a broadcast goes to. */
export interface BroadcastOptions {
  /** Only sockets in these rooms; every socket when empty. */
  rooms: Set<Room>;
  /** Never sockets in these rooms. */
  except?: Set<Room>;
  /** Flags. */
  flags?: BroadcastFlags;
}

/** A session kept after a disconnect, for connection state recovery. */
export interface SessionToPersist {
  /** The id the socket had. */
  sid: SocketId;
  /** The private id the client gives back to restore the session. */
  pid: PrivateSessionId;
  /** The rooms the socket was in. */
  rooms: Room[];
  /** The socket's `data`. */
  data: unknown;
}

/** A session restored with the packets it missed. */
export interface Session extends SessionToPersist {
  /** The event argument arrays (offset last) broadcast while the client was away. */
  missedPackets: unknown[][];
}

/** What the adapter needs of a socket. */
export interface AdapterSocket {
  /** The socket id. */
  readonly id: SocketId;
  /** Writes packets encoded once for every recipient. */
  writePrepared(prepared: PreparedMessage[], flags: BroadcastFlags, packet: Packet): void;
  /** Registers an ack callback for a broadcast with acks. */
  registerAck(id: number, ack: (...args: unknown[]) => void): void;
  /** Joins one room or several. */
  join(rooms: Room | Room[]): void;
  /** Leaves a room. */
  leave(room: Room): void;
  /** Disconnects the socket; `close` also closes its connection. */
  disconnect(close?: boolean): void;
}

/**
 * A runtime's native pub/sub as a namespace offers it to its adapter (Bun):
 * topics that mirror one adapter's rooms, so that a broadcast published once
 * reaches the sockets subscribed, and the adapter writes to the others
 * itself.
 */
export interface AdapterPubSub {
  /**
   * Makes the subscriptions follow an adapter's rooms: the adapter tells the
   * publisher each join and leave (`joined`, `left`), not through its events,
   * which users may remove. The first adapter made for the namespace is followed (the one
   * that keeps the rooms, when a wrapper holds an in-memory adapter) and
   * gets the publisher; any later one gets null.
   */
  follow(adapter: FollowedRooms): BroadcastPublisher | null;
}

/** What the pub/sub reads of the rooms of the adapter it follows. */
export interface FollowedRooms {
  /**
   * The rooms of socket `id` when it is in any besides its own (which may
   * be among them, and has no topic); undefined otherwise.
   */
  otherRooms(id: SocketId): Iterable<Room> | undefined;
}

/** Publishes broadcasts for the adapter that {@linkcode AdapterPubSub.follow}s. */
export interface BroadcastPublisher {
  /**
   * Publishes a broadcast's messages, in order, when the options select what
   * the pub/sub can reach (the namespace or one room); a failed publish is
   * reported and stops there.
   *
   * @returns How many of the messages went out (0: none, the adapter writes to every socket).
   */
  publish(prepared: readonly PreparedMessage[], opts: BroadcastOptions): number;
  /** Whether what is published reaches this socket. */
  reaches(id: SocketId): boolean;
  /** Whether what is published to these options reaches every local socket they select. */
  reachesAll(opts: BroadcastOptions): boolean;
  /** The followed adapter's socket `id` joined `room` (called by the adapter, before its event). */
  joined(room: Room, id: SocketId): void;
  /** The followed adapter's socket `id` left `room` (called by the adapter, before its event). */
  left(room: Room, id: SocketId): void;
}

/** What the adapter needs of its namespace. */
export interface AdapterNamespace {
  /** The namespace name ("/", "/admin", ...). */
  readonly name: string;
  /** The namespace's sockets on this node, by id. */
  readonly sockets: Map<SocketId, AdapterSocket>;
  /** Encodes a packet once (the server's parser). */
  encode(packet: Packet): Array<string | Uint8Array>;
  /** The next ack id. */
  nextAckId(): number;
  /** Options of connection state recovery, when it is on. */
  readonly recovery?: { maxDisconnectionDuration: number };
  /** Delivers an event from another node's serverSideEmit. */
  onServerSideEmit(args: unknown[]): void;
  /** The runtime's native pub/sub, when the engine offers it (Bun); null or absent otherwise. */
  readonly pubsub?: AdapterPubSub | null;
}

/** Events of an adapter. */
export type AdapterEvents = {
  "create-room": (room: Room) => void;
  "delete-room": (room: Room) => void;
  "join-room": (room: Room, id: SocketId) => void;
  "leave-room": (room: Room, id: SocketId) => void;
  error: (error: Error) => void;
};

/**
 * The Adapter interface, as rich as socket.io-adapter's. Methods that may
 * cross processes return promises.
 */
export interface Adapter extends Emitter<AdapterEvents> {
  /** Room name to socket ids, read-only: rooms change through `addAll`, `del` and `delAll`. */
  readonly rooms: ReadonlyMap<Room, ReadonlySet<SocketId>>;
  /** Socket id to room names, read-only. */
  readonly sids: ReadonlyMap<SocketId, ReadonlySet<Room>>;
  /** The namespace served. */
  readonly nsp: AdapterNamespace;
  /** Starts the adapter. */
  init(): Promise<void> | void;
  /** Stops the adapter and releases its timers. */
  close(): Promise<void> | void;
  /** How many servers are in the cluster. */
  serverCount(): Promise<number>;
  /**
   * Adds a socket to rooms. Every join comes here: a new socket's own room
   * (the room named by its id) first, as `addAll(id, new Set([id]))`, then
   * the rooms it joins, so an adapter that overrides it sees every join.
   */
  addAll(id: SocketId, rooms: Set<Room>): Promise<void> | void;
  /** Removes a socket from a room. */
  del(id: SocketId, room: Room): Promise<void> | void;
  /** Removes a socket from every room. */
  delAll(id: SocketId): void;
  /** Sends a packet to the sockets the options select. */
  broadcast(packet: Packet, opts: BroadcastOptions): void;
  /** Sends a packet that expects acks; reports how many clients got it, then each response. */
  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void;
  /** The ids of the sockets in `rooms` (all when empty). */
  sockets(rooms: Set<Room>): Promise<Set<SocketId>>;
  /** The rooms of a socket. */
  socketRooms(id: SocketId): Set<Room> | undefined;
  /** The sockets the options select (across the cluster for cluster adapters). */
  fetchSockets(opts: BroadcastOptions): Promise<unknown[]>;
  /** Makes the selected sockets join rooms. */
  addSockets(opts: BroadcastOptions, rooms: Room[]): void;
  /** Makes the selected sockets leave rooms. */
  delSockets(opts: BroadcastOptions, rooms: Room[]): void;
  /** Disconnects the selected sockets. */
  disconnectSockets(opts: BroadcastOptions, close: boolean): void;
  /** Sends an event to the other servers of the cluster. */
  serverSideEmit(packet: unknown[]): void;
  /** Keeps a session for connection state recovery. */
  persistSession(session: SessionToPersist): void;
  /** Restores a session and the packets it missed, or null. */
  restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null>;
}

/** Makes an adapter for a namespace (the `adapter` option): webio's own form. */
export type AdapterFactory = (nsp: AdapterNamespace) => Adapter;

/**
 * An adapter class (the `adapter` option), as socket.io takes it: each
 * namespace gets `new Adapter(namespace)`.
 */
// deno-lint-ignore no-explicit-any
export type AdapterClass = new (nsp: AdapterNamespace | any) => Adapter;

/**
 * The factory for an `adapter` option in either form. A function with a
 * `prototype` object (a class, a subclass, a constructor written with
 * `function`) is called with `new`, as socket.io calls its `adapter` (a
 * class cannot be called without it, and a `function` factory that returns
 * an object returns it under `new` too); one without (an arrow function, a
 * method, a bound function) is called as a factory. Every adapter made is
 * checked for the methods webio calls.
 *
 * @throws {TypeError} When `option` is not a function, or (from the factory) when what it made is
 * not an adapter.
 */
export function toAdapterFactory(option: AdapterClass | AdapterFactory): AdapterFactory {
  if (typeof option !== "function") {
    throw new TypeError("Cannot use the adapter: pass an adapter class or a factory function");
  }
  const prototype = (option as { prototype?: unknown }).prototype;
  const make: AdapterFactory = typeof prototype === "object" && prototype !== null
    ? (nsp) => new (option as AdapterClass)(nsp)
    : option as AdapterFactory;
  return (nsp) => {
    const adapter = make(nsp);
    const a = adapter as Partial<Adapter> | undefined;
    if (
      typeof a?.broadcast !== "function" || typeof a.addAll !== "function" ||
      typeof a.on !== "function"
    ) {
      throw new TypeError(
        "Cannot create the adapter: the adapter option made no adapter (a class, or a function " +
          "that returns an adapter, was expected)",
      );
    }
    return adapter;
  };
}
