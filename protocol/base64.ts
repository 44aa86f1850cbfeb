/**
 * Table-driven, strict base64 (RFC 4648, with padding) for the long-polling
 * payload's "b"-prefixed binary packets. Works on `Uint8Array` directly, so no
 * binary strings are built on the way.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ENCODE_TABLE: readonly number[] = Array.from(ALPHABET, (c) => c.charCodeAt(0));
const DECODE_TABLE: Int16Array = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();
const PAD = 61; // "="

// The native codecs (TC39 "Uint8Array to/from base64": Deno, Bun and current
// browsers) are many times faster; the tables are the fallback elsewhere.
type NativeBase64 = {
  toBase64?: (this: Uint8Array) => string;
};
const nativeEncode = (Uint8Array.prototype as NativeBase64).toBase64;
const nativeDecode = (Uint8Array as unknown as { fromBase64?: (text: string) => Uint8Array })
  .fromBase64;

/**
 * Encodes bytes as padded base64.
 *
 * @example Encoding bytes
 * ```ts
 * import { encodeBase64 } from "./base64.ts";
 * encodeBase64(new Uint8Array([1, 2, 3])); // "AQID"
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  return nativeEncode ? nativeEncode.call(bytes) : encodeBase64Table(bytes);
}

/** The table-driven encoder, used where the runtime has no native one. */
export function encodeBase64Table(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = ENCODE_TABLE[n >>> 18];
    out[o++] = ENCODE_TABLE[(n >>> 12) & 63];
    out[o++] = ENCODE_TABLE[(n >>> 6) & 63];
    out[o++] = ENCODE_TABLE[n & 63];
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i] << 16) | (rest === 2 ? bytes[i + 1] << 8 : 0);
    out[o++] = ENCODE_TABLE[n >>> 18];
    out[o++] = ENCODE_TABLE[(n >>> 12) & 63];
    out[o++] = rest === 2 ? ENCODE_TABLE[(n >>> 6) & 63] : PAD;
    out[o++] = PAD;
  }
  return latin1(out);
}

/**
 * Decodes padded base64 (unpadded input is accepted too).
 *
 * @throws {ProtocolError} On any character outside the alphabet or a bad length.
 * @example Decoding
 * ```ts
 * import { decodeBase64 } from "./base64.ts";
 * decodeBase64("AQID"); // Uint8Array [1, 2, 3]
 * ```
 */
export function decodeBase64(text: string, start = 0): Uint8Array {
  if (nativeDecode) {
    try {
      return nativeDecode(start === 0 ? text : text.slice(start));
    } catch {
      throw new ProtocolError("Cannot decode base64: invalid input");
    }
  }
  return decodeBase64Table(text, start);
}

/** The table-driven decoder, used where the runtime has no native one. */
export function decodeBase64Table(text: string, start = 0): Uint8Array {
  let end = text.length;
  if (end > start && text.charCodeAt(end - 1) === PAD) end--;
  if (end > start && text.charCodeAt(end - 1) === PAD) end--;
  const length = end - start;
  if (length % 4 === 1 || ((text.length - start) % 4 !== 0 && end !== text.length)) {
    throw new ProtocolError("Cannot decode base64: invalid length");
  }
  const out = new Uint8Array((length * 3) >> 2);
  let o = 0;
  let i = start;
  for (; i + 3 < end; i += 4) {
    const n = (value(text, i) << 18) | (value(text, i + 1) << 12) | (value(text, i + 2) << 6) |
      value(text, i + 3);
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 255;
    out[o++] = n & 255;
  }
  const rest = end - i;
  if (rest >= 2) {
    const n = (value(text, i) << 18) | (value(text, i + 1) << 12) |
      (rest === 3 ? value(text, i + 2) << 6 : 0);
    out[o++] = n >>> 16;
    if (rest === 3) out[o++] = (n >>> 8) & 255;
  }
  return out;
}

function value(text: string, index: number): number {
  const code = text.charCodeAt(index);
  const v = code < 128 ? DECODE_TABLE[code] : -1;
  if (v < 0) throw new ProtocolError(`Cannot decode base64: invalid character at ${index}`);
  return v;
}

/** Bytes 0-255 to a string, one char each, in chunks that stay under the argument limit. */
function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  }
  return s;
}
