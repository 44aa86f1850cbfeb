// deno-lint-ignore-file no-explicit-any
/**
 * `socket.timeout(ms)`, `socket.volatile`, `socket.compress(flag)`: an
 * immutable emitter bound to one socket and a set of flags.
 *
 * @module
 */

import type { BroadcastFlags } from "./adapter.ts";
import type { Socket } from "./socket.ts";
import type { DefaultEventsMap, EventNames, EventsMap } from "./types.ts";

/** A one-shot emitter bound to a socket and flags: `socket.timeout(1000).emit(...)`. */
export class SocketOperator<E extends EventsMap = DefaultEventsMap> {
  #socket: Socket<any, E>;
  #flags: BroadcastFlags;

  /** Created by `timeout`, `volatile` and `compress` of a socket. */
  constructor(socket: Socket<any, E>, flags: BroadcastFlags) {
    this.#socket = socket;
    this.#flags = flags;
  }

  /** Adds a timeout. */
  timeout(ms: number): SocketOperator<E> {
    return new SocketOperator(this.#socket, { ...this.#flags, timeout: ms });
  }

  /** Marks volatile. */
  get volatile(): SocketOperator<E> {
    return new SocketOperator(this.#socket, { ...this.#flags, volatile: true });
  }

  /** Sets compression. */
  compress(compress: boolean): SocketOperator<E> {
    return new SocketOperator(this.#socket, { ...this.#flags, compress });
  }

  /** Emits with these flags. */
  emit<Ev extends EventNames<E>>(event: Ev, ...args: unknown[]): boolean {
    return this.#socket.emitWithFlags(event, args, this.#flags, false) as boolean;
  }

  /** Emits with these flags and resolves with the ack. */
  emitWithAck<Ev extends EventNames<E>>(event: Ev, ...args: unknown[]): Promise<unknown> {
    return this.#socket.emitWithFlags(event, args, this.#flags, true) as Promise<unknown>;
  }
}
