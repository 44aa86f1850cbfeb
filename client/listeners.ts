/**
 * The listeners of a client socket: per event, and the catch-all ones
 * (`onAny`, `onAnyOutgoing` and their companions, socket.io-client's API).
 * Every call goes through `callUser`, so what a listener throws is reported
 * as uncaught and never reaches the connection. The catch-all lists are
 * copied on change, so a listener may change them while they run.
 *
 * @module
 */

// deno-lint-ignore-file no-explicit-any

import { type EventsMap, Listeners } from "../protocol/emitter.ts";
import { callEach, callUser, type Fn } from "./report.ts";

/** Listener of `onAny` / `onAnyOutgoing`. */
export type AnyListener = (event: string, ...args: any[]) => void;

/** Event listeners with catch-all listeners for incoming and outgoing events. */
export class SocketListeners<L extends EventsMap> extends Listeners<L> {
  #any: AnyListener[] = [];
  #anyOutgoing: AnyListener[] = [];

  /** Adds a listener for every incoming event. */
  onAny(listener: AnyListener): this {
    this.#any = [...this.#any, listener];
    return this;
  }

  /** Adds a listener for every incoming event, first in line. */
  prependAny(listener: AnyListener): this {
    this.#any = [listener, ...this.#any];
    return this;
  }

  /** Removes one catch-all listener (its first registration), or all. */
  offAny(listener?: AnyListener): this {
    this.#any = listener ? withoutFirst(this.#any, listener) : [];
    return this;
  }

  /** The catch-all listeners. */
  listenersAny(): AnyListener[] {
    return [...this.#any];
  }

  /** Adds a listener for every outgoing event. */
  onAnyOutgoing(listener: AnyListener): this {
    this.#anyOutgoing = [...this.#anyOutgoing, listener];
    return this;
  }

  /** Adds a listener for every outgoing event, first in line. */
  prependAnyOutgoing(listener: AnyListener): this {
    this.#anyOutgoing = [listener, ...this.#anyOutgoing];
    return this;
  }

  /** Removes one outgoing catch-all listener (its first registration), or all. */
  offAnyOutgoing(listener?: AnyListener): this {
    this.#anyOutgoing = listener ? withoutFirst(this.#anyOutgoing, listener) : [];
    return this;
  }

  /** The outgoing catch-all listeners. */
  listenersAnyOutgoing(): AnyListener[] {
    return [...this.#anyOutgoing];
  }

  /**
   * @internal Calls the local listeners of an event; what a listener throws
   * is reported as uncaught (`reportError`), not thrown.
   */
  override emitLocal<Ev extends keyof L>(event: Ev, ...args: Parameters<L[Ev]>): boolean {
    return callEach(this, this.rawListener(event) as Fn | readonly Fn[] | undefined, args);
  }

  /** Whether an event has listeners (as `hasListeners` in socket.io-client). */
  hasListeners<Ev extends keyof L>(event: Ev): boolean {
    return this.rawListener(event) !== undefined;
  }

  /** Calls the listeners of `event` (any name) with `args`. */
  protected callListeners(event: string, args: readonly unknown[]): void {
    callEach(this, this.rawListener(event) as Fn | readonly Fn[] | undefined, args);
  }

  /** Calls the incoming catch-all listeners with an event and its arguments. */
  protected notifyAny(args: unknown[]): void {
    const listeners = this.#any;
    for (const listener of listeners) callUser(this, listener, args);
  }

  /** Calls the outgoing catch-all listeners with an event and its arguments. */
  protected notifyOutgoing(data: unknown[]): void {
    const listeners = this.#anyOutgoing;
    for (const listener of listeners) callUser(this, listener, data);
  }
}

/** `list` without the first occurrence of `item` (the same array when absent). */
function withoutFirst<T>(list: T[], item: T): T[] {
  const index = list.indexOf(item);
  return index === -1 ? list : [...list.slice(0, index), ...list.slice(index + 1)];
}
