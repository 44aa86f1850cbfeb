/**
 * The catch-all listeners of a socket, client and server alike (`onAny`,
 * `prependAny`, `offAny`, `listenersAny` and their `Outgoing` companions,
 * the API of socket.io and socket.io-client), over the listener table.
 *
 * @module
 */

import { type EventsMap, Listeners } from "./emitter.ts";

/** Listener of `onAny` / `onAnyOutgoing`: the event name, then its arguments. */
// deno-lint-ignore no-explicit-any
export type AnyListener = (event: string, ...args: any[]) => void;

/** The lists of a socket without catch-all listeners: one shared empty array. */
const NONE: readonly never[] = Object.freeze([]);

/**
 * Event listeners with catch-all listeners for incoming and outgoing events.
 * The lists are copied on change, never mutated, so a listener may change
 * them while they run (the running notification keeps its own list); a
 * socket without catch-all listeners holds the shared empty list.
 *
 * Each side says how a catch-all listener is called
 * ({@linkcode CatchAllListeners.callAnyListener}), since each reports what
 * user code throws in its own way, and the server hears when the outgoing
 * list changes ({@linkcode CatchAllListeners.onOutgoingChange}).
 *
 * @example A catch-all listener
 * ```ts
 * import { type AnyListener, CatchAllListeners } from "./catch_all.ts";
 * class Peer extends CatchAllListeners<{ ping: () => void }> {
 *   protected callAnyListener(listener: AnyListener, args: unknown[]): void {
 *     listener.apply(this, args as [string]);
 *   }
 *   receive(args: [string, ...unknown[]]): void {
 *     this.notifyAny(args);
 *   }
 * }
 * new Peer().onAny((event) => console.log(event)).receive(["ping"]);
 * ```
 */
export abstract class CatchAllListeners<M extends EventsMap = EventsMap> extends Listeners<M> {
  #incoming: readonly AnyListener[] = NONE;
  #outgoing: readonly AnyListener[] = NONE;

  /** Adds a listener for every incoming event. */
  onAny(listener: AnyListener): this {
    this.#incoming = [...this.#incoming, listener];
    return this;
  }

  /** Adds a listener for every incoming event, first in line. */
  prependAny(listener: AnyListener): this {
    this.#incoming = [listener, ...this.#incoming];
    return this;
  }

  /** Removes one catch-all listener (its first registration), or all. */
  offAny(listener?: AnyListener): this {
    this.#incoming = listener ? withoutFirst(this.#incoming, listener) : NONE;
    return this;
  }

  /** The catch-all listeners. */
  listenersAny(): AnyListener[] {
    return [...this.#incoming];
  }

  /** Adds a listener for every outgoing event. */
  onAnyOutgoing(listener: AnyListener): this {
    this.#outgoing = [...this.#outgoing, listener];
    this.onOutgoingChange();
    return this;
  }

  /** Adds a listener for every outgoing event, first in line. */
  prependAnyOutgoing(listener: AnyListener): this {
    this.#outgoing = [listener, ...this.#outgoing];
    this.onOutgoingChange();
    return this;
  }

  /** Removes one outgoing catch-all listener (its first registration), or all. */
  offAnyOutgoing(listener?: AnyListener): this {
    this.#outgoing = listener ? withoutFirst(this.#outgoing, listener) : NONE;
    this.onOutgoingChange();
    return this;
  }

  /** The outgoing catch-all listeners. */
  listenersAnyOutgoing(): AnyListener[] {
    return [...this.#outgoing];
  }

  /** Whether incoming catch-all listeners are registered (checked per event). */
  protected get catchesIncoming(): boolean {
    return this.#incoming.length > 0;
  }

  /** Whether outgoing catch-all listeners are registered (checked per emit). */
  protected get catchesOutgoing(): boolean {
    return this.#outgoing.length > 0;
  }

  /** Calls the incoming catch-all listeners with an event's name and arguments. */
  protected notifyAny(args: unknown[]): void {
    for (const listener of this.#incoming) this.callAnyListener(listener, args);
  }

  /** Calls the outgoing catch-all listeners with an event's name and arguments. */
  protected notifyAnyOutgoing(args: unknown[]): void {
    for (const listener of this.#outgoing) this.callAnyListener(listener, args);
  }

  /** Calls one catch-all listener with `args`, reporting what it throws as this side does. */
  protected abstract callAnyListener(listener: AnyListener, args: unknown[]): void;

  /** Called after the outgoing catch-all listeners changed. */
  protected onOutgoingChange(): void {}
}

/** `list` without the first occurrence of `item` (the same array when absent). */
function withoutFirst<T>(list: readonly T[], item: T): readonly T[] {
  const index = list.indexOf(item);
  if (index === -1) return list;
  return list.length === 1 ? NONE : [...list.slice(0, index), ...list.slice(index + 1)];
}
