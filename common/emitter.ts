/**
 * The one listener table of the user-facing APIs of server and client
 * (`socket.on("connect", ...)`): {@linkcode Listeners} for objects whose
 * `emit` sends, {@linkcode Emitter} for the rest. Layers talk to each other
 * through typed interfaces, not through this.
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
 * Event name -> listeners: one function as it is (the usual case, no array
 * per event), an array from the second. A null-prototype object rather than
 * a Map: objects of the same event names share one shape, about half the
 * memory of a Map per socket. Arrays are never mutated (copied on write), so
 * an emit in progress keeps iterating its own snapshot.
 */
type Table = Record<PropertyKey, Listener | readonly Listener[]>;

/** What a table holds for one event: a function, a list, or nothing. */
export type ListenerEntry<L> = L | readonly L[] | undefined;

function entryOf(listener: Listener): Listener | undefined {
  return (listener as { listener?: Listener }).listener;
}

function matches(stored: Listener, listener: Listener): boolean {
  return stored === listener || entryOf(stored) === listener;
}

function tableAdd(table: Table | null, event: PropertyKey, listener: Listener): Table {
  const t = table ?? Object.create(null) as Table;
  const current = t[event];
  t[event] = current === undefined
    ? listener
    : typeof current === "function"
    ? [current, listener]
    : [...current, listener];
  return t;
}

/** `table` without `listener` for `event`; `listener` undefined: without any of `event`. */
function tableRemove(table: Table, event: PropertyKey, listener: Listener | undefined): void {
  const current = table[event];
  if (current === undefined) return;
  if (listener === undefined) {
    delete table[event];
  } else if (typeof current === "function") {
    if (matches(current, listener)) delete table[event];
  } else {
    const index = current.findIndex((l) => matches(l, listener));
    if (index === -1) return;
    const next = current.slice();
    next.splice(index, 1);
    table[event] = next.length === 1 ? next[0] : next;
  }
}

function tableEmit(
  self: unknown,
  table: Table | null,
  event: PropertyKey,
  args: unknown[],
): boolean {
  const entry = table?.[event];
  if (entry === undefined) return false;
  if (typeof entry === "function") {
    entry.apply(self, args);
    return true;
  }
  for (const listener of entry) listener.apply(self, args);
  return true;
}

function tableList(table: Table | null, event: PropertyKey): readonly Listener[] {
  const entry = table?.[event];
  return entry === undefined ? EMPTY : typeof entry === "function" ? [entry] : entry;
}

function tableCount(table: Table | null, event: PropertyKey): number {
  const entry = table?.[event];
  return entry === undefined ? 0 : typeof entry === "function" ? 1 : entry.length;
}

/** `listener` called once: the wrapper removes itself first; `listener` stays findable by off(). */
function onceWrapper(listener: Listener, off: (wrapper: Listener) => void): Listener {
  const wrapper = (...args: unknown[]) => {
    off(wrapper);
    listener(...args);
  };
  (wrapper as { listener?: Listener }).listener = listener;
  return wrapper;
}

function unwrap(list: readonly Listener[]): Listener[] {
  return list.map((l) => entryOf(l) ?? l);
}

/**
 * The listener table: `on`, `once`, `off`, `listeners`, `listenerCount`,
 * `removeAllListeners`, without a public `emit`. Objects whose `emit` means
 * "send to the peer" (a Socket, a Namespace) extend it directly and call
 * their own listeners with `emitLocal`; {@linkcode Emitter} adds the public
 * `emit`. Listeners run in order of registration; a listener added during an
 * emit is not called for that emit.
 *
 * @example A listener table
 * ```ts
 * import { Listeners } from "./emitter.ts";
 * class Peer extends Listeners<{ connect: () => void }> {}
 * new Peer().on("connect", () => {});
 * ```
 */
export class Listeners<M extends EventsMap = EventsMap> {
  /** Made on the first listener. */
  #listeners: Table | null = null;

  /** Adds `listener` for `event`. */
  on<E extends keyof M>(event: E, listener: M[E]): this {
    this.#listeners = tableAdd(this.#listeners, event, listener);
    return this;
  }

  /** Alias of {@linkcode Listeners.on}. */
  addListener<E extends keyof M>(event: E, listener: M[E]): this {
    return this.on(event, listener);
  }

  /** Adds `listener` for the next `event` only. */
  once<E extends keyof M>(event: E, listener: M[E]): this {
    return this.on(
      event,
      onceWrapper(listener, (wrapper) => this.off(event, wrapper as M[E])) as M[E],
    );
  }

  /** Removes `listener` for `event`; with no listener, every listener of `event`; with nothing, all. */
  off<E extends keyof M>(event?: E, listener?: M[E]): this {
    if (event === undefined) this.#listeners = null;
    else if (this.#listeners) tableRemove(this.#listeners, event, listener);
    return this;
  }

  /** Alias of {@linkcode Listeners.off}. */
  removeListener<E extends keyof M>(event: E, listener: M[E]): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or of all events. */
  removeAllListeners<E extends keyof M>(event?: E): this {
    return this.off(event);
  }

  /**
   * What is registered for `event` as stored (`once` wrappers included), not
   * copied: a function, a list that is never mutated (safe to iterate while
   * listeners change), or `undefined`. For hot paths: no array per event.
   */
  rawListener<E extends keyof M>(event: E): ListenerEntry<M[E]> {
    return this.#listeners?.[event] as ListenerEntry<M[E]>;
  }

  /** The registered functions of `event` as stored (`once` wrappers included). */
  rawListeners<E extends keyof M>(event: E): readonly M[E][] {
    return tableList(this.#listeners, event) as readonly M[E][];
  }

  /** The listeners of `event`. */
  listeners<E extends keyof M>(event: E): M[E][] {
    return unwrap(tableList(this.#listeners, event)) as M[E][];
  }

  /** How many listeners `event` has. */
  listenerCount<E extends keyof M>(event: E): number {
    return tableCount(this.#listeners, event);
  }

  /** Whether `event` has listeners. */
  hasListeners<E extends keyof M>(event: E): boolean {
    return this.#listeners?.[event] !== undefined;
  }

  /** @internal Calls the local listeners of `event` with `args`; returns whether there were any. */
  emitLocal<E extends keyof M>(event: E, ...args: Parameters<M[E]>): boolean {
    return this.emitArgs(event, args);
  }

  /**
   * Calls the listeners of `event` with `args`, the array itself (no copy);
   * returns whether there were any. What a subclass overrides to guard the
   * calls into user code.
   */
  protected emitArgs(event: keyof M, args: unknown[]): boolean {
    return tableEmit(this, this.#listeners, event, args);
  }
}

/**
 * Typed emitter: the listener table of {@linkcode Listeners} with a public
 * `emit`.
 *
 * @example Typed events
 * ```ts
 * import { Emitter } from "./emitter.ts";
 * const e = new Emitter<{ greet: (name: string) => void }>();
 * e.on("greet", (name) => console.log(`hello ${name}`));
 * e.emit("greet", "world");
 * ```
 */
export class Emitter<M extends EventsMap = EventsMap> extends Listeners<M> {
  /** Calls the listeners of `event` with `args`; returns whether there were any. */
  emit<E extends keyof M>(event: E, ...args: Parameters<M[E]>): boolean {
    return this.emitArgs(event, args);
  }
}
