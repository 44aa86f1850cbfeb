/**
 * The incoming side of a server socket: its packet middlewares, its
 * catch-all listeners and the calls of an event's listeners, with what they
 * throw or reject with reported, never lost.
 *
 * @module
 */

import { type AnyListener, CatchAllListeners } from "../common/catch_all.ts";
import type { EventsMap, ListenerEntry } from "../common/emitter.ts";
import type { Packet } from "../protocol/parser.ts";
import { callListeners, type EventListener } from "./listener_call.ts";
import { runMiddlewares } from "./middleware.ts";
import type { Ack } from "./socket_acks.ts";
import type { DisconnectReason } from "./types.ts";

/**
 * A middleware for incoming packets: `socket.use(([event, ...args], next) => ...)`.
 * It may be async: an error it throws or rejects with is handled like
 * `next(error)`, the socket's "error" event (socket.io lets those escape).
 */
export type PacketMiddleware = (
  packet: unknown[],
  next: (error?: Error) => void,
) => void | Promise<void>;

/** The events a server socket emits itself. */
export type ReservedSocketEvents = {
  disconnect: (reason: DisconnectReason, description?: unknown) => void;
  disconnecting: (reason: DisconnectReason, description?: unknown) => void;
  error: (error: Error) => void;
};

const NONE: readonly never[] = Object.freeze([]);

/**
 * A socket's listeners and middlewares, and what it does with an incoming
 * event; the socket says when events are accepted, what an event's ack
 * does and where an error goes when nobody listens for "error".
 */
export abstract class SocketListeners<M extends EventsMap> extends CatchAllListeners<M> {
  // Replaced, never changed in place, and shared empty until a first one: an idle socket
  // holds no list (per-connection memory).
  #fns: readonly PacketMiddleware[] = NONE;

  /** Adds a middleware for incoming events. */
  use(fn: PacketMiddleware): this {
    this.#fns = [...this.#fns, fn];
    return this;
  }

  /** @internal Whether incoming events reach the listeners now (the socket is connected). */
  protected abstract get accepting(): boolean;

  /** @internal The function that answers the incoming event of ack id `id`. */
  protected abstract ackFor(id: number): Ack;

  /** @internal Reports an error when the socket has no "error" listener. */
  protected abstract reportUnhandled(error: Error): void;

  /** @internal An event arrived: middlewares and catch-all listeners, then its listeners. */
  protected onEvent(packet: Packet): void {
    // The decoded array is this socket's own: the ack callback is appended in place.
    const args = packet.data as unknown[];
    if (!this.catchesIncoming && this.#fns.length === 0) {
      // No catch-all listener and no middleware sees the array: straight to the listeners.
      this.#call(args, packet.id === undefined ? undefined : this.ackFor(packet.id));
      return;
    }
    if (packet.id !== undefined) args.push(this.ackFor(packet.id));
    this.notifyAny(args);
    if (this.#fns.length === 0) {
      // No socket middleware: straight to the listeners, no per-packet continuation.
      if (this.accepting) this.#call(args, undefined);
      return;
    }
    runMiddlewares(this.#fns, args, (error) => {
      // An error passed to next(), thrown or rejected: the socket's "error" event, as in socket.io.
      if (error) this.onError(error);
      else if (this.accepting) this.#call(args, undefined);
    }, (error) => this.onError(error));
  }

  /**
   * Calls the listeners of `args[0]` with the rest of `args`, then `ack` when
   * there is one (after middlewares the ack is already in `args`).
   */
  #call(args: unknown[], ack: Ack | undefined): void {
    const entry = this.rawListener(args[0] as keyof M) as ListenerEntry<EventListener>;
    if (entry !== undefined) callListeners(this, entry, args, ack);
  }

  /** @internal Calls `fn`; what it throws or rejects with is reported. */
  protected guard(fn: () => unknown): void {
    try {
      const result = fn();
      if (result instanceof Promise) result.catch((error) => this.onError(error));
    } catch (error) {
      this.onError(error);
    }
  }

  /** @internal Reports an error on this socket ("error" event, else the server's error hook). */
  onError(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    if (this.listenerCount("error" as keyof M) > 0) {
      (this.emitLocal as (event: string, ...args: unknown[]) => boolean)("error", err);
    } else this.reportUnhandled(err);
  }

  /** Calls one catch-all listener; what it throws or rejects with is reported as a handler's. */
  protected override callAnyListener(listener: AnyListener, args: unknown[]): void {
    this.guard(() => listener.apply(this, args as [string]));
  }
}
