/**
 * A bounded table of strings that repeat from one connection to the next
 * (header values, handshake URLs, query values, client addresses): records
 * that live as long as their connection hold one shared string instead of a
 * copy each.
 *
 * @module
 */

/** Longer strings are kept as they are (rarely shared, and they would fill the table). */
const INTERN_MAX_LENGTH = 256;
const INTERNED_MAX = 2048;
const interned = new Map<string, string>();

/**
 * The shared copy of `value`: the first string of the same text that the
 * table still holds, else `value` itself, kept for the next caller.
 *
 * @example Two strings of the same text
 * ```ts
 * import { intern } from "./intern.ts";
 * const a = intern(["web", "socket"].join(""));
 * console.log(intern(["webs", "ocket"].join("")) === a); // true, and the same string
 * ```
 */
export function intern(value: string): string {
  if (value.length > INTERN_MAX_LENGTH) return value;
  const known = interned.get(value);
  if (known !== undefined) return known;
  // Bounded: past the limit the table starts over (values stay right, only less shared).
  if (interned.size >= INTERNED_MAX) interned.clear();
  interned.set(value, value);
  return value;
}
