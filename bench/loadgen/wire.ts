/**
 * The byte-level pieces the load generator's WebSocket and HTTP clients
 * share: Bun's TCP socket as they use it, and the two scans they make over
 * received bytes (a decimal number, the end of an HTTP head). Nothing here
 * decodes text: the generator reads only the bytes it needs.
 *
 * @module
 */

/** Bun's TCP socket (`Bun.connect`), as the clients use it. */
export type BunSocket<T> = {
  write(data: Uint8Array): number;
  end(): void;
  data: T;
};

/** Bun's global, typed loosely: this file is also type-checked by Deno. */
// deno-lint-ignore no-explicit-any
export const Bun = (globalThis as any).Bun;

export const encoder = new TextEncoder();

/** Reads an unsigned decimal at `i` of `b`; returns [value, next index]. */
export function readInt(b: Uint8Array, i: number, end: number): [number, number] {
  let v = 0;
  while (i < end && b[i] >= 48 && b[i] <= 57) v = v * 10 + b[i++] - 48;
  return [v, i];
}

/** The index just past the "\r\n\r\n" that ends an HTTP head in `b`, from `from`; -1 if none. */
export function indexOfHeaderEnd(b: Uint8Array, from: number): number {
  for (let i = from; i + 3 < b.length; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) {
      return i + 4;
    }
  }
  return -1;
}

/**
 * The bytes of `a` followed by those of `b`: `b` itself when `a` is empty.
 *
 * Not common/bytes.ts's `concatBytes`, on purpose: that one always copies
 * (0.1-0.5 µs more per received chunk of 64 B - 1 KiB on the usual path,
 * where nothing is buffered), and even behind the same empty check its list
 * form measured 15-50% slower under Bun than these two `set`s when a frame
 * spans chunks. The generator must outpace the servers it loads.
 */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const merged = new Uint8Array(a.length + b.length);
  merged.set(a);
  merged.set(b, a.length);
  return merged;
}
