/**
 * A pure, streaming RESP2/RESP3 codec: {@linkcode RespDecoder} turns bytes
 * (split anywhere) into replies, {@linkcode encodeCommand} turns a command into
 * bytes. No I/O, no timers. Spec: https://redis.io/docs/latest/develop/reference/protocol-spec/
 *
 * @module
 */

import { concatBytes } from "../../common/bytes.ts";
import { ProtocolError } from "../../protocol/errors.ts";

/** An error reply from Redis (`-ERR ...` or a RESP3 blob error `!`). */
export class RedisReplyError extends Error {
  /** The first word of the message, e.g. `"ERR"`, `"WRONGTYPE"`, `"NOAUTH"`. */
  readonly code: string;
  /**
   * Wraps an error reply; the code is its first word.
   *
   * @param message The error text sent by the server.
   *
   * @example Reading the code
   * ```ts
   * import { RedisReplyError } from "./resp.ts";
   * const error = new RedisReplyError("WRONGTYPE Operation against a key");
   * console.log(error.code); // "WRONGTYPE"
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "RedisReplyError";
    const space = message.indexOf(" ");
    this.code = space === -1 ? message : message.slice(0, space);
  }
}

/** A RESP3 out-of-band push (`>`), e.g. a pub/sub message. */
export class RespPush {
  /**
   * Wraps the elements of a push.
   *
   * @param data The elements of the push (the first is its kind, e.g. `"message"`).
   *
   * @example
   * ```ts
   * import { RespPush } from "./resp.ts";
   * console.log(new RespPush(["message", "news", "hi"]).data.length); // 3
   * ```
   */
  constructor(readonly data: RespReply[]) {}
}

/** Any decoded reply. Bulk strings are `string`, or `Uint8Array` with `bytes: true`. */
export type RespReply =
  | string
  | Uint8Array
  | number
  | bigint
  | boolean
  | null
  | RedisReplyError
  | RespReply[]
  | Map<RespReply, RespReply>
  | RespPush;

/** Options for {@linkcode RespDecoder}. */
export interface RespDecoderOptions {
  /** Keep bulk strings as `Uint8Array` instead of decoding them as UTF-8. @default false */
  bytes?: boolean;
  /** Largest bulk string accepted, in bytes. @default 67108864 (64 MiB) */
  maxBulkLength?: number;
  /** Most elements accepted in one array, set, map or push. @default 1048576 */
  maxArrayLength?: number;
  /** Deepest nesting of aggregates accepted. @default 64 */
  maxDepth?: number;
  /** Longest header or simple line (without CRLF) accepted, in bytes. @default 65536 */
  maxLineLength?: number;
  /** Most bytes held while waiting for one reply to complete. @default 134217728 (128 MiB) */
  maxBufferedBytes?: number;
}

const CR = 13;
const LF = 10;
const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Marks "not enough bytes yet" inside the parser. */
const INCOMPLETE = Symbol("incomplete");
type Parsed = { value: RespReply; end: number } | typeof INCOMPLETE;

/**
 * A streaming RESP2/RESP3 decoder. Feed it chunks with {@linkcode RespDecoder.push};
 * complete replies come out in order. Limits are checked on headers before the
 * payload is buffered, so a hostile stream cannot make it allocate without bound.
 *
 * @example Decoding across chunk boundaries
 * ```ts
 * import { RespDecoder } from "./resp.ts";
 * const decoder = new RespDecoder();
 * const enc = new TextEncoder();
 * console.log(decoder.push(enc.encode("$5\r\nhel"))); // []
 * console.log(decoder.push(enc.encode("lo\r\n:42\r\n"))); // ["hello", 42]
 * ```
 */
export class RespDecoder {
  #buffer: Uint8Array = new Uint8Array(0);
  #bytes: boolean;
  #maxBulk: number;
  #maxArray: number;
  #maxDepth: number;
  #maxLine: number;
  #maxBuffered: number;
  #failed = false;

  /**
   * Creates a decoder with an empty buffer.
   *
   * @param options Output mode and limits.
   */
  constructor(options: RespDecoderOptions = {}) {
    this.#bytes = options.bytes ?? false;
    this.#maxBulk = options.maxBulkLength ?? 64 * 1024 * 1024;
    this.#maxArray = options.maxArrayLength ?? 1024 * 1024;
    this.#maxDepth = options.maxDepth ?? 64;
    this.#maxLine = options.maxLineLength ?? 64 * 1024;
    this.#maxBuffered = options.maxBufferedBytes ?? 128 * 1024 * 1024;
  }

  /** Bytes received but not yet part of a complete reply. */
  get bufferedBytes(): number {
    return this.#buffer.length;
  }

  /**
   * Adds `chunk` and returns every reply it completes (possibly none).
   *
   * @param chunk The next bytes from the stream.
   * @returns The replies completed by this chunk, in order.
   * @throws {ProtocolError} On malformed input or a broken limit; the decoder is then
   * unusable (every later call throws too), since the stream cannot be resynchronised.
   */
  push(chunk: Uint8Array): RespReply[] {
    if (this.#failed) throw new ProtocolError("Cannot decode RESP: the stream already failed");
    if (this.#buffer.length === 0) this.#buffer = chunk;
    else if (chunk.length > 0) {
      this.#buffer = concatBytes([this.#buffer, chunk]);
    }
    const replies: RespReply[] = [];
    let offset = 0;
    try {
      while (offset < this.#buffer.length) {
        const parsed = this.#parse(offset, 0);
        if (parsed === INCOMPLETE) break;
        replies.push(parsed.value);
        offset = parsed.end;
      }
      if (this.#buffer.length - offset > this.#maxBuffered) {
        throw new ProtocolError(
          `Cannot decode RESP: more than ${this.#maxBuffered} bytes buffered for one reply`,
        );
      }
    } catch (error) {
      this.#failed = true;
      this.#buffer = new Uint8Array(0);
      throw error;
    }
    // Copy the tail so the big chunk it came from can be collected.
    this.#buffer = offset === 0 ? this.#buffer : this.#buffer.slice(offset);
    return replies;
  }

  /** Returns the index of the CR of the line starting at `start`, or -1 when incomplete. */
  #lineEnd(start: number): number {
    const buf = this.#buffer;
    const limit = Math.min(buf.length, start + this.#maxLine + 1);
    for (let i = start; i < limit; i++) {
      if (buf[i] === CR) {
        if (i + 1 >= buf.length) return -1;
        if (buf[i + 1] !== LF) throw new ProtocolError("Cannot decode RESP: CR not followed by LF");
        return i;
      }
      if (buf[i] === LF) throw new ProtocolError("Cannot decode RESP: bare LF in a line");
    }
    if (limit - start > this.#maxLine) {
      throw new ProtocolError(`Cannot decode RESP: line longer than ${this.#maxLine} bytes`);
    }
    return -1;
  }

  #integer(start: number, end: number): number {
    const text = utf8.decode(this.#buffer.subarray(start, end));
    if (!/^-?\d{1,16}$/.test(text)) {
      throw new ProtocolError(`Cannot decode RESP: invalid integer ${JSON.stringify(text)}`);
    }
    return Number(text);
  }

  #length(start: number, end: number, max: number, what: string): number {
    const n = this.#integer(start, end);
    if (n < -1) throw new ProtocolError(`Cannot decode RESP: negative ${what} length ${n}`);
    if (n > max) {
      throw new ProtocolError(`Cannot decode RESP: ${what} length ${n} exceeds the limit ${max}`);
    }
    return n;
  }

  #parse(offset: number, depth: number): Parsed {
    const buf = this.#buffer;
    if (offset >= buf.length) return INCOMPLETE;
    const type = buf[offset];
    const lineEnd = this.#lineEnd(offset + 1);
    if (lineEnd === -1) return INCOMPLETE;
    const next = lineEnd + 2;
    const line = () => utf8.decode(buf.subarray(offset + 1, lineEnd));
    switch (type) {
      case 0x2b: // + simple string
        return { value: line(), end: next };
      case 0x2d: // - simple error
        return { value: new RedisReplyError(line()), end: next };
      case 0x3a: // : integer
        return { value: this.#integer(offset + 1, lineEnd), end: next };
      case 0x5f: // _ null
        if (lineEnd !== offset + 1) throw new ProtocolError("Cannot decode RESP: invalid null");
        return { value: null, end: next };
      case 0x23: { // # boolean
        const text = line();
        if (text !== "t" && text !== "f") {
          throw new ProtocolError(`Cannot decode RESP: invalid boolean ${JSON.stringify(text)}`);
        }
        return { value: text === "t", end: next };
      }
      case 0x2c: { // , double
        const text = line();
        const value = text === "inf" ? Infinity : text === "-inf" ? -Infinity : Number(text);
        if (text === "" || (Number.isNaN(value) && text !== "nan")) {
          throw new ProtocolError(`Cannot decode RESP: invalid double ${JSON.stringify(text)}`);
        }
        return { value, end: next };
      }
      case 0x28: { // ( big number
        const text = line();
        if (!/^-?\d{1,4096}$/.test(text)) {
          throw new ProtocolError(`Cannot decode RESP: invalid big number ${JSON.stringify(text)}`);
        }
        return { value: BigInt(text), end: next };
      }
      case 0x24: // $ bulk string
      case 0x21: // ! blob error
      case 0x3d: { // = verbatim string
        const n = this.#length(offset + 1, lineEnd, this.#maxBulk, "bulk");
        if (n === -1) {
          if (type !== 0x24) throw new ProtocolError("Cannot decode RESP: null blob not allowed");
          return { value: null, end: next };
        }
        if (buf.length < next + n + 2) return INCOMPLETE;
        if (buf[next + n] !== CR || buf[next + n + 1] !== LF) {
          throw new ProtocolError("Cannot decode RESP: bulk string not terminated by CRLF");
        }
        const payload = buf.subarray(next, next + n);
        const end = next + n + 2;
        if (type === 0x21) return { value: new RedisReplyError(utf8.decode(payload)), end };
        if (type === 0x3d) {
          if (n < 4 || payload[3] !== 0x3a) {
            throw new ProtocolError("Cannot decode RESP: verbatim string without a format");
          }
          return { value: utf8.decode(payload.subarray(4)), end };
        }
        return { value: this.#bytes ? payload.slice() : utf8.decode(payload), end };
      }
      case 0x2a: // * array
      case 0x7e: // ~ set
      case 0x3e: // > push
      case 0x25: // % map
      case 0x7c: { // | attribute
        if (depth >= this.#maxDepth) {
          throw new ProtocolError(`Cannot decode RESP: nesting deeper than ${this.#maxDepth}`);
        }
        const isMap = type === 0x25 || type === 0x7c;
        const n = this.#length(offset + 1, lineEnd, this.#maxArray, "aggregate");
        if (n === -1) {
          if (type !== 0x2a) throw new ProtocolError("Cannot decode RESP: null aggregate");
          return { value: null, end: next };
        }
        const count = isMap ? n * 2 : n;
        const items: RespReply[] = [];
        let end = next;
        for (let i = 0; i < count; i++) {
          const parsed = this.#parse(end, depth + 1);
          if (parsed === INCOMPLETE) return INCOMPLETE;
          items.push(parsed.value);
          end = parsed.end;
        }
        if (type === 0x7c) {
          // Attributes are metadata about the reply that follows: skip them (RESP3 spec).
          return this.#parse(end, depth);
        }
        if (type === 0x25) {
          const map = new Map<RespReply, RespReply>();
          for (let i = 0; i < items.length; i += 2) map.set(items[i], items[i + 1]);
          return { value: map, end };
        }
        return { value: type === 0x3e ? new RespPush(items) : items, end };
      }
      default:
        throw new ProtocolError(`Cannot decode RESP: unknown type byte 0x${type.toString(16)}`);
    }
  }
}

/** One argument of a command. Numbers and bigints are sent as their decimal text. */
export type RespArgument = string | Uint8Array | number | bigint;

/**
 * Encodes a command as a RESP array of bulk strings.
 *
 * @param args The command name and its arguments.
 * @returns The bytes to write to the connection.
 * @throws {TypeError} When `args` is empty or holds a value of another type.
 *
 * @example Encoding SET
 * ```ts
 * import { encodeCommand } from "./resp.ts";
 * const bytes = encodeCommand(["SET", "key", 42]);
 * console.log(new TextDecoder().decode(bytes)); // "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$2\r\n42\r\n"
 * ```
 */
export function encodeCommand(args: readonly RespArgument[]): Uint8Array {
  if (args.length === 0) throw new TypeError("Cannot encode command: it has no arguments");
  const parts: Uint8Array[] = [utf8Encoder.encode(`*${args.length}\r\n`)];
  let total = parts[0].length;
  for (const arg of args) {
    let bytes: Uint8Array;
    if (arg instanceof Uint8Array) bytes = arg;
    else if (typeof arg === "string") bytes = utf8Encoder.encode(arg);
    else if (typeof arg === "number" || typeof arg === "bigint") {
      bytes = utf8Encoder.encode(String(arg));
    } else {
      throw new TypeError(
        `Cannot encode command: arguments must be string, Uint8Array, number or bigint, got ${typeof arg}`,
      );
    }
    const header = utf8Encoder.encode(`$${bytes.length}\r\n`);
    parts.push(header, bytes, CRLF);
    total += header.length + bytes.length + 2;
  }
  return concatBytes(parts, total);
}

const CRLF = new Uint8Array([CR, LF]);
