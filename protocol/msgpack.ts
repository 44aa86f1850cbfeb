/**
 * A zero-dependency MessagePack codec, wire-compatible with npm `notepack.io`
 * (which `socket.io-msgpack-parser` and `@socket.io/redis-adapter` use):
 * `undefined` travels as fixext 1 type 0, `Date` as fixext 8 type 0 (ms since
 * the epoch), integers take the smallest width, other numbers float 64, and
 * binary values (`ArrayBuffer`, typed arrays, `DataView`) bin 8/16/32.
 *
 * Spec: https://github.com/msgpack/msgpack/blob/master/spec.md
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";

/** Limits for {@linkcode decodeMsgpack}. */
export interface MsgpackDecodeOptions {
  /** Deepest nesting of arrays and maps accepted. @default 100 */
  maxDepth?: number;
  /** How bin values are returned. @default "uint8array" */
  binaryType?: "uint8array" | "arraybuffer";
}

/** An extension value other than the two notepack defines: `[type, bytes]`, as notepack returns it. */
export type MsgpackExtension = [number, Uint8Array];

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: false });

/** A growable byte buffer the encoder writes into. */
class Writer {
  bytes: Uint8Array;
  view: DataView;
  length = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer);
  }

  ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): void {
    this.ensure(1);
    this.bytes[this.length++] = value;
  }

  head8(prefix: number, value: number): void {
    this.ensure(2);
    this.bytes[this.length++] = prefix;
    this.bytes[this.length++] = value;
  }

  head16(prefix: number, value: number): void {
    this.ensure(3);
    this.bytes[this.length++] = prefix;
    this.view.setUint16(this.length, value);
    this.length += 2;
  }

  head32(prefix: number, value: number): void {
    this.ensure(5);
    this.bytes[this.length++] = prefix;
    this.view.setUint32(this.length, value);
    this.length += 4;
  }
}

/**
 * Encodes a value as MessagePack.
 *
 * @throws {TypeError} For values MessagePack cannot carry (functions, symbols, BigInt, cycles).
 * @example Encoding a map
 * ```ts
 * import { encodeMsgpack } from "./msgpack.ts";
 * encodeMsgpack({ a: 1 }); // Uint8Array [0x81, 0xa1, 0x61, 0x01]
 * ```
 */
export function encodeMsgpack(value: unknown): Uint8Array {
  // One scratch buffer is reused across calls (encoding is synchronous); a
  // nested call (from a toJSON) gets a fresh one.
  const writer = scratch ?? new Writer(new Uint8Array(4096));
  scratch = null;
  writer.length = 0;
  try {
    write(writer, value, 0);
    return writer.bytes.slice(0, writer.length);
  } finally {
    if (writer.bytes.length <= 1 << 20) scratch = writer;
  }
}

let scratch: Writer | null = new Writer(new Uint8Array(4096));

function write(w: Writer, value: unknown, depth: number): void {
  if (depth > 512) throw new TypeError("Cannot encode msgpack: value nested too deeply or cyclic");
  switch (typeof value) {
    case "string":
      return writeString(w, value);
    case "number":
      return writeNumber(w, value);
    case "boolean":
      return w.u8(value ? 0xc3 : 0xc2);
    case "undefined":
      w.ensure(3);
      w.bytes[w.length++] = 0xd4;
      w.bytes[w.length++] = 0;
      w.bytes[w.length++] = 0;
      return;
    case "object":
      break;
    default:
      throw new TypeError(`Cannot encode msgpack: unsupported type ${typeof value}`);
  }
  if (value === null) return w.u8(0xc0);
  if (Array.isArray(value)) {
    writeLength(w, value.length, 0x90, 0x10, 0xdc, 0xdd);
    for (let i = 0; i < value.length; i++) write(w, value[i], depth + 1);
    return;
  }
  if (value instanceof Date) {
    const time = value.getTime();
    w.ensure(10);
    w.bytes[w.length++] = 0xd7;
    w.bytes[w.length++] = 0;
    w.view.setInt32(w.length, Math.floor(time / 4294967296));
    w.view.setUint32(w.length + 4, time >>> 0);
    w.length += 8;
    return;
  }
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const bytes = value instanceof Uint8Array
      ? value
      : value instanceof ArrayBuffer
      ? new Uint8Array(value)
      : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    const n = bytes.length;
    if (n < 0x100) w.head8(0xc4, n);
    else if (n < 0x10000) w.head16(0xc5, n);
    else w.head32(0xc6, n);
    w.ensure(n);
    w.bytes.set(bytes, w.length);
    w.length += n;
    return;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return write(w, toJSON.call(value), depth + 1);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let count = 0;
  for (let i = 0; i < keys.length; i++) if (typeof record[keys[i]] !== "function") count++;
  writeLength(w, count, 0x80, 0x10, 0xde, 0xdf);
  for (let i = 0; i < keys.length; i++) {
    const item = record[keys[i]];
    if (typeof item === "function") continue;
    writeString(w, keys[i]);
    write(w, item, depth + 1);
  }
}

function writeLength(
  w: Writer,
  n: number,
  fix: number,
  fixLimit: number,
  p16: number,
  p32: number,
): void {
  if (n < fixLimit) w.u8(fix | n);
  else if (n < 0x10000) w.head16(p16, n);
  else w.head32(p32, n);
}

function writeString(w: Writer, s: string): void {
  // Short ASCII strings (event names, keys) are written byte by byte.
  if (s.length < 32) {
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      w.ensure(1 + s.length);
      w.bytes[w.length++] = 0xa0 | s.length;
      for (let i = 0; i < s.length; i++) w.bytes[w.length++] = s.charCodeAt(i);
      return;
    }
  }
  const max = s.length * 3;
  // Reserve the widest header, encode, then move the bytes if a shorter header fits.
  w.ensure(5 + max);
  const start = w.length;
  const { written } = textEncoder.encodeInto(s, w.bytes.subarray(start + 5, start + 5 + max));
  const n = written;
  const header = n < 0x20 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
  if (header !== 5) w.bytes.copyWithin(start + header, start + 5, start + 5 + n);
  if (header === 1) w.bytes[start] = 0xa0 | n;
  else if (header === 2) {
    w.bytes[start] = 0xd9;
    w.bytes[start + 1] = n;
  } else if (header === 3) {
    w.bytes[start] = 0xda;
    w.view.setUint16(start + 1, n);
  } else {
    w.bytes[start] = 0xdb;
    w.view.setUint32(start + 1, n);
  }
  w.length = start + header + n;
}

function writeNumber(w: Writer, n: number): void {
  if (!Number.isInteger(n)) {
    w.ensure(9);
    w.bytes[w.length++] = 0xcb;
    w.view.setFloat64(w.length, n);
    w.length += 8;
    return;
  }
  if (n >= 0) {
    if (n < 0x80) return w.u8(n);
    if (n < 0x100) return w.head8(0xcc, n);
    if (n < 0x10000) return w.head16(0xcd, n);
    if (n < 0x100000000) return w.head32(0xce, n);
    w.ensure(9);
    w.bytes[w.length++] = 0xcf;
    w.view.setUint32(w.length, Math.floor(n / 4294967296));
    w.view.setUint32(w.length + 4, n >>> 0);
    w.length += 8;
    return;
  }
  if (n >= -0x20) return w.u8(n & 0xff);
  if (n >= -0x80) return w.head8(0xd0, n & 0xff);
  if (n >= -0x8000) {
    w.ensure(3);
    w.bytes[w.length++] = 0xd1;
    w.view.setInt16(w.length, n);
    w.length += 2;
    return;
  }
  if (n >= -0x80000000) {
    w.ensure(5);
    w.bytes[w.length++] = 0xd2;
    w.view.setInt32(w.length, n);
    w.length += 4;
    return;
  }
  w.ensure(9);
  w.bytes[w.length++] = 0xd3;
  w.view.setInt32(w.length, Math.floor(n / 4294967296));
  w.view.setUint32(w.length + 4, n >>> 0);
  w.length += 8;
}

/** Reads one MessagePack value tree out of a byte array. */
class Reader {
  offset = 0;
  readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly maxDepth: number,
    readonly arrayBuffers: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  need(n: number): number {
    const at = this.offset;
    if (at + n > this.bytes.length) {
      throw new ProtocolError("Cannot decode msgpack: unexpected end of input");
    }
    this.offset = at + n;
    return at;
  }

  value(depth: number): unknown {
    const prefix = this.bytes[this.need(1)];
    if (prefix < 0x80) return prefix;
    if (prefix < 0x90) return this.map(prefix & 0x0f, depth);
    if (prefix < 0xa0) return this.array(prefix & 0x0f, depth);
    if (prefix < 0xc0) return this.str(prefix & 0x1f);
    if (prefix >= 0xe0) return prefix - 0x100;
    const v = this.view;
    switch (prefix) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.bin(v.getUint8(this.need(1)));
      case 0xc5:
        return this.bin(v.getUint16(this.need(2)));
      case 0xc6:
        return this.bin(v.getUint32(this.need(4)));
      case 0xc7: {
        const n = v.getUint8(this.need(1));
        return this.extN(v.getInt8(this.need(1)), n);
      }
      case 0xc8: {
        const n = v.getUint16(this.need(2));
        return this.extN(v.getInt8(this.need(1)), n);
      }
      case 0xc9: {
        const n = v.getUint32(this.need(4));
        return this.extN(v.getInt8(this.need(1)), n);
      }
      case 0xca:
        return v.getFloat32(this.need(4));
      case 0xcb:
        return v.getFloat64(this.need(8));
      case 0xcc:
        return v.getUint8(this.need(1));
      case 0xcd:
        return v.getUint16(this.need(2));
      case 0xce:
        return v.getUint32(this.need(4));
      case 0xcf: {
        const at = this.need(8);
        return v.getUint32(at) * 4294967296 + v.getUint32(at + 4);
      }
      case 0xd0:
        return v.getInt8(this.need(1));
      case 0xd1:
        return v.getInt16(this.need(2));
      case 0xd2:
        return v.getInt32(this.need(4));
      case 0xd3: {
        const at = this.need(8);
        return v.getInt32(at) * 4294967296 + v.getUint32(at + 4);
      }
      case 0xd4:
        return this.ext(v.getInt8(this.need(1)), 1);
      case 0xd5:
        return this.ext(v.getInt8(this.need(1)), 2);
      case 0xd6:
        return this.ext(v.getInt8(this.need(1)), 4);
      case 0xd7:
        return this.ext(v.getInt8(this.need(1)), 8);
      case 0xd8:
        return this.ext(v.getInt8(this.need(1)), 16);
      case 0xd9:
        return this.str(v.getUint8(this.need(1)));
      case 0xda:
        return this.str(v.getUint16(this.need(2)));
      case 0xdb:
        return this.str(v.getUint32(this.need(4)));
      case 0xdc:
        return this.array(v.getUint16(this.need(2)), depth);
      case 0xdd:
        return this.array(v.getUint32(this.need(4)), depth);
      case 0xde:
        return this.map(v.getUint16(this.need(2)), depth);
      case 0xdf:
        return this.map(v.getUint32(this.need(4)), depth);
      default: // 0xc1 is never used
        throw new ProtocolError(`Cannot decode msgpack: invalid prefix 0x${prefix.toString(16)}`);
    }
  }

  str(n: number): string {
    const at = this.need(n);
    const bytes = this.bytes;
    // Short ASCII strings (keys, event names) skip the TextDecoder call.
    if (n < 48) {
      let out = "";
      for (let i = at; i < at + n; i++) {
        const b = bytes[i];
        if (b > 0x7f) return textDecoder.decode(bytes.subarray(at, at + n));
        out += String.fromCharCode(b);
      }
      return out;
    }
    return textDecoder.decode(bytes.subarray(at, at + n));
  }

  bin(n: number): Uint8Array | ArrayBuffer {
    const at = this.need(n);
    const copy = this.bytes.slice(at, at + n);
    return this.arrayBuffers ? copy.buffer : copy;
  }

  /** ext 8/16/32: notepack on Node sends non-Buffer binary as type 0. */
  extN(type: number, n: number): unknown {
    return type === 0 ? this.bin(n) : this.ext(type, n);
  }

  ext(type: number, n: number): unknown {
    const at = this.need(n);
    if (type === 0 && n === 1) return undefined;
    if (type === 0 && n === 8) {
      return new Date(this.view.getInt32(at) * 4294967296 + this.view.getUint32(at + 4));
    }
    return [type, this.bytes.slice(at, at + n)] as MsgpackExtension;
  }

  array(n: number, depth: number): unknown[] {
    this.guard(n, depth);
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.value(depth + 1);
    return out;
  }

  map(n: number, depth: number): Record<string, unknown> {
    this.guard(n * 2, depth);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const key = String(this.value(depth + 1));
      const value = this.value(depth + 1);
      if (key === "__proto__") {
        // An own property, never the prototype.
        Object.defineProperty(out, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else out[key] = value;
    }
    return out;
  }

  guard(items: number, depth: number): void {
    if (depth >= this.maxDepth) throw new ProtocolError("Cannot decode msgpack: nested too deeply");
    // Every item takes at least one byte: a count larger than what is left is a lie.
    if (items > this.bytes.length - this.offset) {
      throw new ProtocolError("Cannot decode msgpack: length exceeds the input");
    }
  }
}

/**
 * Decodes one MessagePack value; the input must hold exactly one value.
 *
 * @throws {ProtocolError} For truncated or malformed input, trailing bytes or too deep nesting.
 * @example Decoding a map
 * ```ts
 * import { decodeMsgpack } from "./msgpack.ts";
 * decodeMsgpack(new Uint8Array([0x81, 0xa1, 0x61, 0x01])); // { a: 1 }
 * ```
 */
export function decodeMsgpack(
  input: Uint8Array | ArrayBuffer,
  options: MsgpackDecodeOptions = {},
): unknown {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const reader = new Reader(bytes, options.maxDepth ?? 100, options.binaryType === "arraybuffer");
  const value = reader.value(0);
  if (reader.offset !== bytes.length) {
    throw new ProtocolError("Cannot decode msgpack: trailing bytes after the value");
  }
  return value;
}
