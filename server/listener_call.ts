/**
 * Calling a server socket's listeners with an incoming event's arguments:
 * without an argument array of their own for up to two arguments, with what
 * they throw or reject with reported, never lost.
 *
 * @module
 */

/** A listener of an incoming event. */
export type EventListener = (...args: unknown[]) => unknown;
/** An ack callback handed to a listener last. */
type Ack = (...args: unknown[]) => void;

/** Who the listeners are called on, and where their errors go. */
export interface ListenerOwner {
  /** Reports an error a listener threw or rejected with. */
  onError(error: unknown): void;
}

/**
 * Calls the listeners of an event on `self` with `args` after the event
 * name (`args[0]`), then `ack` when there is one.
 */
export function callListeners(
  self: ListenerOwner,
  entry: EventListener | readonly EventListener[],
  args: unknown[],
  ack: Ack | undefined,
): void {
  if (typeof entry === "function") {
    invoke(self, entry, args, ack, null);
    return;
  }
  // Several listeners share one argument list, made only when the arity needs one.
  const count = args.length - 1;
  const rest = count > 2 || (count === 2 && ack) ? restOf(args, ack) : null;
  for (let i = 0; i < entry.length; i++) invoke(self, entry[i], args, ack, rest);
}

/**
 * Calls one listener with the event's arguments (`args` after the name),
 * then `ack`; `rest` is that list when the caller made it already.
 */
function invoke(
  self: ListenerOwner,
  listener: EventListener,
  args: unknown[],
  ack: Ack | undefined,
  rest: unknown[] | null,
): void {
  const count = args.length - 1;
  try {
    let result: unknown;
    if (count === 1) {
      result = ack ? listener.call(self, args[1], ack) : listener.call(self, args[1]);
    } else if (count === 0) {
      result = ack ? listener.call(self, ack) : listener.call(self);
    } else if (count === 2 && !ack) {
      result = listener.call(self, args[1], args[2]);
    } else {
      result = listener.apply(self, rest ?? restOf(args, ack));
    }
    if (result instanceof Promise) result.catch((error) => self.onError(error));
  } catch (error) {
    self.onError(error);
  }
}

/** The arguments after the event name, then the ack when there is one. */
function restOf(args: unknown[], ack: Ack | undefined): unknown[] {
  const rest = args.slice(1);
  if (ack) rest.push(ack);
  return rest;
}
