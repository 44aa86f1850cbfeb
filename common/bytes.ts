/**
 * Byte helpers shared by the server's readers and writers.
 *
 * @module
 */

/**
 * One array holding `parts` in order (always a new array).
 *
 * @param parts The byte arrays to join.
 * @param total Their summed length, when the caller counted it already.
 * @returns The joined bytes.
 *
 * @example Joining two chunks
 * ```ts
 * import { concatBytes } from "./bytes.ts";
 * concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])]); // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  if (total === undefined) {
    total = 0;
    for (const part of parts) total += part.byteLength;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
