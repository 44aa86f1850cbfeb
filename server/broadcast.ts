// deno-lint-ignore-file no-explicit-any
/**
 * Broadcasts: an immutable operator (each modifier returns a new one) that
 * selects sockets by rooms and flags and hands the packet to the adapter,
 * which encodes it once for every recipient.
 *
 * @module
 */

import { type Packet, PacketType } from "../protocol/parser.ts";
import { RESERVED_EVENTS } from "../protocol/socket_io.ts";
import type { Adapter, BroadcastFlags, BroadcastOptions, Room, SocketId } from "./adapter.ts";
import type { DefaultEventsMap, EventNames, EventsMap, Handshake } from "./types.ts";

/** Ack callback of a broadcast: an error (timeout) and every response that came. */
export type BroadcastAck = (error: Error | null, responses: unknown[]) => void;

/** The plain details of a socket, as a cluster adapter transmits them. */
export interface SocketDetails {
  /** The socket id. */
  id: SocketId;
  /** The socket's handshake. */
  handshake: Handshake;
  /** The rooms the socket is in. */
  rooms: Room[] | Set<Room>;
  /** The socket's `data`. */
  data: unknown;
}

/**
 * A socket as `fetchSockets()` returns it: its details and the actions that
 * work wherever the socket lives (this node or another in the cluster).
 */
export class RemoteSocket<E extends EventsMap = DefaultEventsMap, D = any> {
  /** The socket id. */
  readonly id: SocketId;
  /** The handshake details. */
  readonly handshake: Handshake;
  /** The rooms the socket is in. */
  readonly rooms: Set<Room>;
  /** The socket's data. */
  readonly data: D;
  #operator: BroadcastOperator<E>;

  /** Built from a socket's details. */
  constructor(adapter: Adapter, details: SocketDetails) {
    this.id = details.id;
    this.handshake = details.handshake;
    this.rooms = new Set(details.rooms);
    this.data = details.data as D;
    this.#operator = new BroadcastOperator<E>(adapter, new Set([this.id]), new Set(), {
      expectSingleResponse: true,
    });
  }

  /** Emits to this socket. */
  emit<Ev extends EventNames<E>>(event: Ev, ...args: unknown[]): boolean {
    return this.#operator.emit(event, ...args);
  }

  /** An emitter with a timeout for acks. */
  timeout(ms: number): BroadcastOperator<E> {
    return this.#operator.timeout(ms);
  }

  /** Joins rooms. */
  join(rooms: Room | Room[]): void {
    this.#operator.socketsJoin(rooms);
  }

  /** Leaves rooms. */
  leave(rooms: Room | Room[]): void {
    this.#operator.socketsLeave(rooms);
  }

  /** Disconnects the socket. */
  disconnect(close = false): this {
    this.#operator.disconnectSockets(close);
    return this;
  }
}

/**
 * Who gets a broadcast, and how. Immutable: `to`, `except`, `local`,
 * `volatile`, `compress` and `timeout` each return a new operator.
 *
 * @example Rooms, modifiers and acks
 * ```ts ignore
 * io.to("room1").except("room2").volatile.emit("tick", Date.now());
 * const responses = await io.timeout(1000).emitWithAck("ping");
 * ```
 */
export class BroadcastOperator<E extends EventsMap = DefaultEventsMap> {
  #adapter: Adapter;
  #rooms: Set<Room>;
  #except: Set<Room>;
  #flags: BroadcastFlags;

  /** Usually made by `io.to(...)`, `nsp.to(...)` or `socket.broadcast`. */
  constructor(
    adapter: Adapter,
    rooms: Set<Room> = new Set(),
    except: Set<Room> = new Set(),
    flags: BroadcastFlags = {},
  ) {
    this.#adapter = adapter;
    this.#rooms = rooms;
    this.#except = except;
    this.#flags = flags;
  }

  /** Targets a room (or rooms) as well. */
  to(room: Room | Room[]): BroadcastOperator<E> {
    const rooms = new Set(this.#rooms);
    for (const r of Array.isArray(room) ? room : [room]) rooms.add(r);
    return new BroadcastOperator(this.#adapter, rooms, this.#except, this.#flags);
  }

  /** Alias of {@linkcode BroadcastOperator.to}. */
  in(room: Room | Room[]): BroadcastOperator<E> {
    return this.to(room);
  }

  /** Excludes a room (or rooms). */
  except(room: Room | Room[]): BroadcastOperator<E> {
    const except = new Set(this.#except);
    for (const r of Array.isArray(room) ? room : [room]) except.add(r);
    return new BroadcastOperator(this.#adapter, this.#rooms, except, this.#flags);
  }

  /** Sets compression. */
  compress(compress: boolean): BroadcastOperator<E> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#except, {
      ...this.#flags,
      compress,
    });
  }

  /** Drops the packet for clients that cannot take it now. */
  get volatile(): BroadcastOperator<E> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#except, {
      ...this.#flags,
      volatile: true,
    });
  }

  /** Only this node. */
  get local(): BroadcastOperator<E> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#except, {
      ...this.#flags,
      local: true,
    });
  }

  /** Waits at most `ms` for acks. */
  timeout(ms: number): BroadcastOperator<E> {
    return new BroadcastOperator(this.#adapter, this.#rooms, this.#except, {
      ...this.#flags,
      timeout: ms,
    });
  }

  #options(): BroadcastOptions {
    return { rooms: this.#rooms, except: this.#except, flags: this.#flags };
  }

  /**
   * Emits to every selected socket. With a function as last argument, it is
   * called once with `(error, responses)`: every client's ack, or a timeout
   * error and the responses that came (a timeout is then required).
   *
   * @throws {Error} For reserved event names.
   */
  emit<Ev extends EventNames<E>>(event: Ev, ...args: unknown[]): boolean {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    const data: unknown[] = [event, ...args];
    const packet: Packet = { type: PacketType.EVENT, nsp: "/", data };
    if (typeof data[data.length - 1] !== "function") {
      this.#adapter.broadcast(packet, this.#options());
      return true;
    }
    const ack = data.pop() as (error: Error | null, responses: unknown) => void;
    const single = this.#flags.expectSingleResponse === true;
    const responses: unknown[] = [];
    let timedOut = false;
    let expectedServers = -1;
    let servers = 0;
    let expectedClients = 0;
    const timer = setTimeout(() => {
      timedOut = true;
      ack(new Error("operation has timed out"), single ? null : responses);
    }, this.#flags.timeout ?? 0);
    const check = () => {
      if (!timedOut && expectedServers === servers && responses.length === expectedClients) {
        clearTimeout(timer);
        ack(null, single ? responses[0] : responses);
      }
    };
    this.#adapter.broadcastWithAck(packet, this.#options(), (count) => {
      expectedClients += count;
      servers++;
      check();
    }, (response) => {
      responses.push(response);
      check();
    });
    this.#adapter.serverCount().then((count) => {
      expectedServers = this.#flags.local ? 1 : count;
      check();
    }, () => {});
    return true;
  }

  /** Emits and resolves with every response (rejects on timeout). */
  emitWithAck<Ev extends EventNames<E>>(event: Ev, ...args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.emit(
        event,
        ...args,
        (error: Error | null, responses: unknown) => error ? reject(error) : resolve(responses),
      );
    });
  }

  /** The selected sockets, wherever they live. */
  async fetchSockets(): Promise<RemoteSocket<E>[]> {
    const sockets = await this.#adapter.fetchSockets(this.#options());
    return sockets.map((s) => new RemoteSocket<E>(this.#adapter, toDetails(s)));
  }

  /** Makes the selected sockets join rooms. */
  socketsJoin(room: Room | Room[]): void {
    this.#adapter.addSockets(this.#options(), Array.isArray(room) ? room : [room]);
  }

  /** Makes the selected sockets leave rooms. */
  socketsLeave(room: Room | Room[]): void {
    this.#adapter.delSockets(this.#options(), Array.isArray(room) ? room : [room]);
  }

  /** Disconnects the selected sockets (`close`: their whole connection). */
  disconnectSockets(close = false): void {
    this.#adapter.disconnectSockets(this.#options(), close);
  }

  /** The ids of the selected sockets (deprecated in socket.io; use fetchSockets). */
  async allSockets(): Promise<Set<SocketId>> {
    const ids = await this.#adapter.sockets(this.#rooms);
    if (this.#except.size === 0) return ids;
    const excluded = await this.#adapter.sockets(this.#except);
    for (const id of excluded) ids.delete(id);
    return ids;
  }
}

function toDetails(socket: unknown): SocketDetails {
  const s = socket as {
    id: SocketId;
    handshake: Handshake;
    rooms: Set<Room> | Room[];
    data: unknown;
  };
  return { id: s.id, handshake: s.handshake, rooms: s.rooms, data: s.data };
}
