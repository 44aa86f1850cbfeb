/**
 * Listener registration for server objects whose `emit` sends to clients
 * (Socket, Namespace): `on`/`once`/`off` register local listeners, and
 * `emitLocal` calls them.
 *
 * @module
 */

import { Emitter, type EventsMap } from "../protocol/emitter.ts";

/** `on`, `once`, `off` and friends, without a public local `emit`. */
export class Listeners<M extends EventsMap> {
  #emitter: Emitter<M> = new Emitter<M>();

  /** Adds a listener. */
  on<Ev extends keyof M>(event: Ev, listener: M[Ev]): this {
    this.#emitter.on(event, listener);
    return this;
  }

  /** Alias of {@linkcode Listeners.on}. */
  addListener<Ev extends keyof M>(event: Ev, listener: M[Ev]): this {
    return this.on(event, listener);
  }

  /** Adds a listener for the next event only. */
  once<Ev extends keyof M>(event: Ev, listener: M[Ev]): this {
    this.#emitter.once(event, listener);
    return this;
  }

  /** Removes a listener (or all of an event, or all). */
  off<Ev extends keyof M>(event?: Ev, listener?: M[Ev]): this {
    this.#emitter.off(event, listener);
    return this;
  }

  /** Alias of {@linkcode Listeners.off}. */
  removeListener<Ev extends keyof M>(event: Ev, listener: M[Ev]): this {
    return this.off(event, listener);
  }

  /** Removes every listener of an event, or of all events. */
  removeAllListeners<Ev extends keyof M>(event?: Ev): this {
    this.#emitter.off(event);
    return this;
  }

  /** The listeners of an event. */
  listeners<Ev extends keyof M>(event: Ev): M[Ev][] {
    return this.#emitter.listeners(event);
  }

  /** How many listeners an event has. */
  listenerCount<Ev extends keyof M>(event: Ev): number {
    return this.#emitter.listenerCount(event);
  }

  /** @internal Calls the local listeners of an event. */
  emitLocal<Ev extends keyof M>(event: Ev, ...args: Parameters<M[Ev]>): boolean {
    return this.#emitter.emit(event, ...args);
  }
}
