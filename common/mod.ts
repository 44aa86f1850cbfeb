/**
 * Utilities shared by webio's layers that are not codecs: the listener table
 * and emitter, the catch-all listener set of client and server sockets, byte
 * concatenation, deadline queues, random ids and string interning. Internal:
 * not an entry point of the package; the public `Emitter` is exported from
 * `protocol/mod.ts`. Imports nothing outside this folder.
 *
 * @example A typed emitter
 * ```ts
 * import { Emitter } from "./mod.ts";
 * new Emitter<{ ping: () => void }>().on("ping", () => {}).emit("ping");
 * ```
 *
 * @module
 */

export { concatBytes } from "./bytes.ts";
export { type AnyListener, CatchAllListeners } from "./catch_all.ts";
export { type DeadlineOwner, DeadlineQueue } from "./deadlines.ts";
export {
  Emitter,
  type EventListener,
  type EventsMap,
  type ListenerEntry,
  Listeners,
} from "./emitter.ts";
export { generateId, randomId } from "./ids.ts";
export { intern } from "./intern.ts";
