/**
 * A small typed event emitter for the user-facing APIs of server and client
 * (`socket.on("connect", ...)`). Layers talk to each other through typed
 * interfaces, not through this.
 *
 * @module
 */

// deno-lint-ignore no-explicit-any
type Listener = (...args: any[]) => void;

/**
 * A map from event name to listener signature. The `any` index signature
 * lets user interfaces (not only type aliases) satisfy it, as in socket.io.
 */
// deno-lint-ignore no-explicit-any
export type EventsMap = { [event: string]: any };

/** The listener type for event `E` of map `M`. */
export type EventListener<M extends EventsMap, E extends keyof M> = M[E];

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * Typed emitter: `on`, `once`, `off`, `emit`, `listeners`, `listenerCount`,
 * `removeAllListeners`. Listeners run in order of registration; a listener
 * added during an emit is not called for that emit.
 *
 * @example Typed events
 * ```ts
 * import { Emitter } from "./emitter.ts";
 * const e = new Emitter<{ greet: (name: string) => void }>();
 * e.on("greet", (name) => console.log(`hello ${name}`));
 * e.emit("greet", "world");
 * ```
 */
export class Emitter<M extends EventsMap = EventsMap> {
  /**
   * Event name -> listeners, made on the first listener. A null-prototype
   * object rather than a Map: objects of the same event names share one
   * shape, about half the memory of a Map per socket.
   */
  #listeners: Record<PropertyKey, Listener[]> | null = null;

  /** Adds `listener` for `event`. */
  on<E extends keyof M>(event: E, listener: M[E]): this {
    // Copy on write: an emit in progress keeps iterating its own snapshot.
    const table = this.#listeners ??= Object.create(null) as Record<PropertyKey, Listener[]>;
    const list = table[event];
    table[event] = list ? [...list, listener] : [listener];
    return this;
  }

  /** Alias of {@linkcode Emitter.on}. */
  addListener<E extends keyof M>(event: E, listener: M[E]): this {
    return this.on(event, listener);
  }

  /** Adds `listener` for the next `event` only. */
  once<E extends keyof M>(event: E, listener: M[E]): this {
    const wrapper = ((...args: unknown[]) => {
      this.off(event, wrapper);
      listener(...args);
    }) as M[E];
    (wrapper as { listener?: Listener }).listener = listener;
    return this.on(event, wrapper);
  }

  /** Removes `listener` for `event`; with no listener, every listener of `event`; with nothing, all. */
  off<E extends keyof M>(event?: E, listener?: M[E]): this {
    const table = this.#listeners;
    if (!table) return this;
    if (event === undefined) {
      this.#listeners = null;
      return this;
    }
    if (listener === undefined) {
      delete table[event];
      return this;
    }
    const list = table[event];
    if (!list) return this;
    const index = list.findIndex((l) =>
      l === listener || (l as { listener?: Listener }).listener === listener
    );
    if (index !== -1) {
      const next = list.slice();
      next.splice(index, 1);
      if (next.length === 0) delete table[event];
      else table[event] = next;
    }
    return this;
  }

  /** Alias of {@linkcode Emitter.off}. */
  removeListener<E extends keyof M>(event: E, listener: M[E]): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or of all events. */
  removeAllListeners<E extends keyof M>(event?: E): this {
    return this.off(event);
  }

  /** Calls the listeners of `event` with `args`; returns whether there were any. */
  emit<E extends keyof M>(event: E, ...args: Parameters<M[E]>): boolean {
    const list = this.#listeners?.[event];
    if (!list) return false;
    if (list.length === 1) {
      list[0].apply(this, args);
      return true;
    }
    for (const listener of list) listener.apply(this, args);
    return true;
  }

  /**
   * The registered functions of `event` as stored (`once` wrappers included),
   * without copying: the array is never mutated (listeners are copied on
   * write), so it is safe to iterate while listeners change. For hot paths.
   */
  rawListeners<E extends keyof M>(event: E): readonly M[E][] {
    return (this.#listeners?.[event] ?? EMPTY) as readonly M[E][];
  }

  /** The listeners of `event`. */
  listeners<E extends keyof M>(event: E): M[E][] {
    return (this.#listeners?.[event] ?? []).map((l) =>
      ((l as { listener?: Listener }).listener ?? l) as M[E]
    );
  }

  /** How many listeners `event` has. */
  listenerCount<E extends keyof M>(event: E): number {
    return this.#listeners?.[event]?.length ?? 0;
  }

  /** Whether `event` has listeners. */
  hasListeners<E extends keyof M>(event: E): boolean {
    return this.listenerCount(event) > 0;
  }
}

/**
 * Listener registration for objects whose `emit` means "send to the peer"
 * (a Socket, a Namespace): `on`/`once`/`off` register local listeners and
 * `emitLocal` calls them.
 *
 * @example
 * ```ts
 * import { Listeners } from "./emitter.ts";
 * class Peer extends Listeners<{ connect: () => void }> {}
 * new Peer().on("connect", () => {});
 * ```
 */
export class Listeners<M extends EventsMap> {
  #lazy: Emitter<M> | null = null;

  get #emitter(): Emitter<M> {
    return this.#lazy ??= new Emitter<M>();
  }

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
    return this.#lazy?.listeners(event) ?? [];
  }

  /** How many listeners an event has. */
  listenerCount<Ev extends keyof M>(event: Ev): number {
    return this.#lazy?.listenerCount(event) ?? 0;
  }

  /** The registered functions of an event, not copied (see {@linkcode Emitter.rawListeners}). */
  rawListeners<Ev extends keyof M>(event: Ev): readonly M[Ev][] {
    return this.#lazy?.rawListeners(event) ?? EMPTY;
  }

  /** @internal Calls the local listeners of an event. */
  emitLocal<Ev extends keyof M>(event: Ev, ...args: Parameters<M[Ev]>): boolean {
    return this.#lazy?.emit(event, ...args) ?? false;
  }
}
