/**
 * Redis Cluster key slots: CRC16 (XMODEM) of the key modulo 16384, with hash
 * tags, as the Redis Cluster specification defines them
 * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#key-distribution-model).
 * Pure: no I/O.
 *
 * @module
 */

/** How many slots a Redis Cluster has. */
export const SLOT_COUNT = 16384;

const encoder = new TextEncoder();
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), byte by byte. */
const TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    }
    table[byte] = crc & 0xffff;
  }
  return table;
})();

/**
 * The CRC16 of `bytes[start..end)` used by Redis Cluster.
 *
 * @param bytes The data.
 * @param start First byte. @default 0
 * @param end One past the last byte. @default bytes.length
 * @returns The checksum, 0..65535.
 *
 * @example The check value of the XMODEM variant
 * ```ts
 * import { crc16 } from "./cluster_slots.ts";
 * console.log(crc16(new TextEncoder().encode("123456789")).toString(16)); // "31c3"
 * ```
 */
export function crc16(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]) & 0xff];
  }
  return crc;
}

/**
 * The slot of a key (or of a sharded pub/sub channel). When the key holds a
 * `{` followed later by a `}` with at least one byte between them, only the
 * bytes between the first `{` and the first `}` after it are hashed (a hash
 * tag), so `{user1}.a` and `{user1}.b` share a slot; `{}` is no tag.
 *
 * @param key The key, as a string (UTF-8) or bytes.
 * @returns The slot, 0..16383.
 *
 * @example
 * ```ts
 * import { keySlot } from "./cluster_slots.ts";
 * console.log(keySlot("foo")); // 12182
 * console.log(keySlot("{user1000}.following") === keySlot("{user1000}.followers")); // true
 * ```
 */
export function keySlot(key: string | Uint8Array): number {
  const bytes = typeof key === "string" ? encoder.encode(key) : key;
  const open = bytes.indexOf(OPEN_BRACE);
  if (open !== -1) {
    const close = bytes.indexOf(CLOSE_BRACE, open + 1);
    if (close > open + 1) return crc16(bytes, open + 1, close) % SLOT_COUNT;
  }
  return crc16(bytes) % SLOT_COUNT;
}
