/**
 * Random ids: session and socket ids (20 URL-safe characters, 120 bits,
 * like engine.io's base64id), and the Redis adapter's request ids.
 *
 * @module
 */

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const ID_CODES = Array.from(ID_ALPHABET, (c) => c.charCodeAt(0));
/** Random bytes drawn 4 KiB at a time: one `getRandomValues` call serves about 200 ids. */
const randomPool = new Uint8Array(4096);
let randomAt = randomPool.length;
/** The character codes of a 20-character id, reused (the usual length). */
const idScratch: number[] = new Array(20).fill(0);

/**
 * `length` random URL-safe characters, 6 random bits each. Session and
 * socket ids use 20 (120 bits, like engine.io's base64id); the Redis
 * adapter uses it too.
 */
export function randomId(length: number): string {
  if (randomAt + length > randomPool.length) {
    crypto.getRandomValues(randomPool);
    randomAt = 0;
  }
  // One flat string from its character codes: no rope of `length` concatenations.
  const codes = length === idScratch.length ? idScratch : new Array<number>(length);
  for (let i = 0; i < length; i++) codes[i] = ID_CODES[randomPool[randomAt++] & 63];
  return String.fromCharCode.apply(null, codes);
}

/** A session id: 20 random URL-safe characters. */
export function generateId(): string {
  return randomId(20);
}
