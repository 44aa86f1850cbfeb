/**
 * Socket.IO protocol v5: the default parser. Packets travel as one text
 * message `<type>[<attachments>-][<nsp>,][<id>][<json>]`; binary values are
 * replaced by `{"_placeholder":true,"num":n}` and sent as the messages that
 * follow the text header.
 *
 * Spec: https://github.com/socketio/socket.io-protocol (v5).
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";
import {
  type Decoder,
  type DecoderOptions,
  type Encoder,
  type Packet,
  PacketType,
  type Parser,
  type WireChunk,
} from "./parser.ts";

/** The Socket.IO protocol revision this module speaks. */
export const SOCKET_PROTOCOL = 5;

/** Event names that user code may not emit and the wire may not carry (they are local events). */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

/** The most attachments one packet may announce, unless the decoder is told otherwise. */
export const DEFAULT_MAX_ATTACHMENTS = 10;

const CHAR_0 = 48;
const CHAR_9 = 57;
const CHAR_DASH = 45;
const CHAR_SLASH = 47;
const CHAR_COMMA = 44;
/** Longest ack id or attachment count we read: keeps the number a safe integer. */
const MAX_DIGITS = 15;

/**
 * Whether a value is binary: an `ArrayBuffer`, any typed array or `DataView`,
 * or a `Blob` where the runtime has one.
 */
export function isBinary(value: unknown): value is ArrayBuffer | ArrayBufferView | Blob {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value) ||
    (typeof Blob !== "undefined" && value instanceof Blob);
}

/**
 * Whether binary values appear anywhere in `value` (arrays and plain objects
 * are searched; `toJSON` is honoured like `JSON.stringify` does).
 *
 * @example Binary inside an object
 * ```ts
 * import { hasBinary } from "./socket_io.ts";
 * hasBinary(["file", { data: new Uint8Array(1) }]); // true
 * ```
 */
export function hasBinary(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== "object" || depth > 100) return false;
  if (isBinary(value)) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasBinary(value[i], depth + 1)) return true;
    return false;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function" && depth === 0) {
    return hasBinary(toJSON.call(value), depth + 1);
  }
  for (const key in value) {
    if (
      Object.prototype.hasOwnProperty.call(value, key) &&
      hasBinary((value as Record<string, unknown>)[key], depth + 1)
    ) return true;
  }
  return false;
}

/** Whether a `Blob` (or `File`) appears anywhere in `value`. */
export function hasBlob(value: unknown, depth = 0): boolean {
  if (typeof Blob === "undefined" || value === null || typeof value !== "object" || depth > 100) {
    return false;
  }
  if (value instanceof Blob) return true;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return false;
  if (Array.isArray(value)) return value.some((v) => hasBlob(v, depth + 1));
  for (const key in value) {
    if (
      Object.prototype.hasOwnProperty.call(value, key) &&
      hasBlob((value as Record<string, unknown>)[key], depth + 1)
    ) return true;
  }
  return false;
}

/**
 * Replaces every `Blob` in `value` by its bytes (an `ArrayBuffer`), so the
 * encoder can extract it as an attachment. Reading a Blob is asynchronous,
 * which is why this runs before encoding; emitters call it when
 * {@linkcode hasBlob} says so.
 *
 * @example A Blob argument
 * ```ts
 * import { resolveBlobs } from "./socket_io.ts";
 * const args = await resolveBlobs(["file", new Blob([new Uint8Array([1])])]);
 * ```
 */
export async function resolveBlobs(value: unknown, depth = 0): Promise<unknown> {
  if (value === null || typeof value !== "object" || depth > 100) return value;
  if (typeof Blob !== "undefined" && value instanceof Blob) return await value.arrayBuffer();
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  if (Array.isArray(value)) return await Promise.all(value.map((v) => resolveBlobs(v, depth + 1)));
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (Object.prototype.hasOwnProperty.call(value, key)) {
      out[key] = await resolveBlobs((value as Record<string, unknown>)[key], depth + 1);
    }
  }
  return out;
}

/** Encodes packets in the default text format. Stateless and shareable. */
export class SocketEncoder implements Encoder {
  /**
   * Encodes one packet: a single text message, or for packets carrying binary,
   * the text header followed by one binary message per attachment.
   *
   * @example An event with an ack id in a namespace
   * ```ts
   * import { SocketEncoder } from "./socket_io.ts";
   * new SocketEncoder().encode({ type: 2, nsp: "/chat", id: 7, data: ["hi"] });
   * // ['2/chat,7["hi"]']
   * ```
   */
  encode(packet: Packet): Array<string | Uint8Array> {
    const text = encodePlain(packet);
    return text === null ? encodeBinary(packet) : [text];
  }
}

/**
 * The default parser's encoder: {@linkcode SocketEncoder} with the optional
 * capabilities of the `Encoder` seam. The exported class offers none, so
 * that a subclass overriding `encode` has it called for every packet.
 */
class DefaultEncoder extends SocketEncoder {
  /** The one text message of a packet without binary values, no array; `null` otherwise. */
  encodeText(packet: Packet): string | null {
    return encodePlain(packet);
  }

  /** The text message of an ack from its parts; `null` when `data` carries binary. */
  encodeAck(nsp: string, id: number, data: unknown[]): string | null {
    if (hasBinary(data)) return null;
    if (nsp !== "/" || !inDigitTable(id)) return encodeText(PacketType.ACK, nsp, id, data, -1);
    // The usual ack: "3" + id + JSON from at most three flat strings (a concatenation nested in
    // the message's costs another pass when the runtime flattens the frame to send it).
    const prefixed = ackPrefixes ??= prefixedDigits(TYPE_CHARS[PacketType.ACK]);
    if (id < 1000) return prefixed[id] + JSON.stringify(data);
    const high = (id / 1000) | 0;
    return prefixed[high] + digitTable()[1000 + id - high * 1000] + JSON.stringify(data);
  }
}

/** The one text message of a packet without binary values; `null` when it carries binary. */
function encodePlain(packet: Packet): string | null {
  const { type } = packet;
  if (
    (type === PacketType.EVENT || type === PacketType.ACK || type === PacketType.BINARY_EVENT ||
      type === PacketType.BINARY_ACK) && hasBinary(packet.data)
  ) return null;
  const plainType = type === PacketType.BINARY_EVENT
    ? PacketType.EVENT
    : type === PacketType.BINARY_ACK
    ? PacketType.ACK
    : type;
  return encodeText(plainType, packet.nsp, packet.id, packet.data, -1);
}

/** A packet with binary values: the text header, then one message per attachment. */
function encodeBinary(packet: Packet): Array<string | Uint8Array> {
  const { type } = packet;
  const attachments: Uint8Array[] = [];
  const data = deconstruct(packet.data, attachments, 0);
  const header = encodeText(
    type === PacketType.EVENT || type === PacketType.BINARY_EVENT
      ? PacketType.BINARY_EVENT
      : PacketType.BINARY_ACK,
    packet.nsp,
    packet.id,
    data,
    attachments.length,
  );
  return [header, ...attachments];
}

/** The packet type digits, as strings (spec "Packet encoding"). */
const TYPE_CHARS = ["0", "1", "2", "3", "4", "5", "6"];

/** The decimal text of 0..999, then the same padded to three digits (made on first use). */
let digits: string[] | null = null;
/** "3" (an ack's type) followed by 0..999 (made on first use). */
let ackPrefixes: string[] | null = null;

function digitTable(): string[] {
  if (digits) return digits;
  const table = new Array<string>(2000);
  for (let i = 0; i < 1000; i++) {
    table[i] = String(i);
    table[1000 + i] = table[i].padStart(3, "0");
  }
  return digits = table;
}

/** Whether an id is written from the digit tables: an integer from 0 to 999,999. */
function inDigitTable(id: number): boolean {
  return (id >>> 0) === id && id < 1_000_000;
}

/** `prefix` followed by 0..999, each one flat string (joined: a concatenation stays a rope). */
function prefixedDigits(prefix: string): string[] {
  const table = digitTable();
  const out = new Array<string>(1000);
  for (let i = 0; i < 1000; i++) out[i] = [prefix, table[i]].join("");
  return out;
}

/**
 * The decimal text of a packet id below one million, from the digit table:
 * converting the number makes a new string per packet, which cost more than
 * the rest of a small frame's concatenation. Other values are returned as
 * they are, to be concatenated like any number.
 */
function idDigits(id: number): string | number {
  if (!inDigitTable(id)) return id;
  const table = digitTable();
  if (id < 1000) return table[id];
  const high = (id / 1000) | 0;
  return table[high] + table[1000 + id - high * 1000];
}

function encodeText(
  type: PacketType,
  nsp: string,
  id: number | undefined,
  data: unknown,
  attachments: number,
): string {
  const hasData = data !== undefined && data !== null;
  if (attachments < 0 && (!nsp || nsp === "/") && hasData) {
    // The usual packet (an event or ack in the main namespace): one concatenation.
    return id === undefined || id === null
      ? TYPE_CHARS[type] + JSON.stringify(data)
      : TYPE_CHARS[type] + idDigits(id) + JSON.stringify(data);
  }
  let out = attachments >= 0 ? TYPE_CHARS[type] + attachments + "-" : TYPE_CHARS[type];
  if (nsp && nsp !== "/") out += nsp + ",";
  if (id !== undefined && id !== null) out += idDigits(id);
  if (hasData) out += JSON.stringify(data);
  return out;
}

/** Replaces binary values by placeholders, collecting their bytes. */
function deconstruct(value: unknown, attachments: Uint8Array[], depth: number): unknown {
  if (value === null || typeof value !== "object" || depth > 100) return value;
  if (value instanceof ArrayBuffer) {
    attachments.push(new Uint8Array(value));
    return { _placeholder: true, num: attachments.length - 1 };
  }
  if (ArrayBuffer.isView(value)) {
    // Exactly the view's bytes, also for views at an offset into a larger buffer.
    attachments.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    return { _placeholder: true, num: attachments.length - 1 };
  }
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = deconstruct(value[i], attachments, depth + 1);
    return out;
  }
  if (typeof Blob !== "undefined" && value instanceof Blob) {
    throw new TypeError(
      "Cannot encode a Blob synchronously: resolve it first with resolveBlobs() (emit does this)",
    );
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return deconstruct(toJSON.call(value), attachments, depth + 1);
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (Object.prototype.hasOwnProperty.call(value, key)) {
      out[key] = deconstruct((value as Record<string, unknown>)[key], attachments, depth + 1);
    }
  }
  return out;
}

/** `SocketDecoder`'s reading of a text message from `start` on (set by the class). */
let readText: (decoder: SocketDecoder, text: string, start: number) => Packet | null;

/**
 * Decodes the default text format, reassembling binary packets from the
 * header and the attachments that follow it. One per connection.
 */
export class SocketDecoder implements Decoder {
  #maxAttachments: number;
  #binaryType: "uint8array" | "arraybuffer";
  #pending: Packet | null = null;
  #buffers: Array<Uint8Array | ArrayBuffer> | null = null;

  /**
   * Makes the decoder of one connection.
   *
   * @param options Limits and how binary values are handed out.
   */
  constructor(options: DecoderOptions = {}) {
    this.#maxAttachments = options.maxAttachments ?? DEFAULT_MAX_ATTACHMENTS;
    this.#binaryType = options.binaryType ?? "uint8array";
  }

  /**
   * Feeds one Engine.IO message.
   *
   * @returns The packet once complete, `null` while attachments are expected.
   * @throws {ProtocolError} For malformed or out-of-place messages.
   * @example Decoding an event
   * ```ts
   * import { SocketDecoder } from "./socket_io.ts";
   * new SocketDecoder().add('2["hello",1]'); // { type: 2, nsp: "/", data: ["hello", 1] }
   * ```
   */
  add(chunk: WireChunk): Packet | null {
    if (typeof chunk === "string") return this.#text(chunk, 0);
    if (!(chunk instanceof Uint8Array) && !(chunk instanceof ArrayBuffer)) {
      throw new ProtocolError("Cannot decode packet: unknown chunk type");
    }
    const pending = this.#pending;
    if (!pending) {
      throw new ProtocolError("Cannot decode packet: binary received when none was expected");
    }
    const buffers = this.#buffers ??= [];
    buffers.push(chunk);
    if (buffers.length < pending.attachments!) return null;
    this.#pending = null;
    this.#buffers = null;
    return this.#complete(pending, buffers);
  }

  static {
    readText = (decoder, text, start) => decoder.#text(text, start);
  }

  #text(text: string, start: number): Packet | null {
    if (this.#pending) {
      throw new ProtocolError("Cannot decode packet: text received while attachments are pending");
    }
    const packet = decodeText(text, start, this.#maxAttachments);
    if (packet.type === PacketType.BINARY_EVENT || packet.type === PacketType.BINARY_ACK) {
      packet.type = packet.type === PacketType.BINARY_EVENT ? PacketType.EVENT : PacketType.ACK;
      if (packet.attachments === 0) return this.#complete(packet, []);
      this.#pending = packet;
      return null;
    }
    return packet;
  }

  /** Drops a partially received packet. */
  destroy(): void {
    this.#pending = null;
    this.#buffers = null;
  }

  #complete(packet: Packet, buffers: Array<Uint8Array | ArrayBuffer>): Packet {
    const converted = buffers.map((b) => convertBinary(b, this.#binaryType));
    const used = new Uint8Array(converted.length);
    packet.data = reconstruct(packet.data, converted, used, 0);
    if (used.indexOf(0) !== -1) {
      throw new ProtocolError(
        "Cannot decode packet: attachment count does not match the placeholders",
      );
    }
    return packet;
  }
}

function convertBinary(
  chunk: Uint8Array | ArrayBuffer,
  binaryType: "uint8array" | "arraybuffer",
): Uint8Array | ArrayBuffer {
  if (binaryType === "uint8array") {
    return chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
  }
  if (chunk instanceof ArrayBuffer) return chunk;
  return chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength &&
      chunk.buffer instanceof ArrayBuffer
    ? chunk.buffer
    : chunk.slice().buffer as ArrayBuffer;
}

/** Puts the attachments back where their placeholders stand. */
function reconstruct(
  value: unknown,
  buffers: Array<Uint8Array | ArrayBuffer>,
  used: Uint8Array,
  depth: number,
): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > 100) throw new ProtocolError("Cannot decode packet: payload nested too deeply");
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      value[i] = reconstruct(value[i], buffers, used, depth + 1);
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  if (record._placeholder === true) {
    const num = record.num;
    if (typeof num !== "number" || !Number.isInteger(num) || num < 0 || num >= buffers.length) {
      throw new ProtocolError("Cannot decode packet: placeholder refers to a missing attachment");
    }
    used[num] = 1;
    return buffers[num];
  }
  for (const key in record) record[key] = reconstruct(record[key], buffers, used, depth + 1);
  return record;
}

/**
 * Parses `<type>[<attachments>-][<nsp>,][<id>][<json>]` (spec "Packet
 * encoding"), the packet starting at `start` of `text`.
 */
function decodeText(text: string, start: number, maxAttachments: number): Packet {
  const type = text.charCodeAt(start) - CHAR_0;
  if (!(type >= 0 && type <= 6)) {
    throw new ProtocolError(
      `Cannot decode packet: unknown packet type "${text.slice(start, start + 1)}"`,
    );
  }
  let i = start + 1;
  const length = text.length;
  let attachments = -1;
  let nsp = "/";
  let id: number | undefined;

  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
    const from = i;
    attachments = 0;
    for (let c = text.charCodeAt(i); isDigit(c); c = text.charCodeAt(++i)) {
      attachments = attachments * 10 + c - CHAR_0;
    }
    if (i === from || i - from > MAX_DIGITS || text.charCodeAt(i) !== CHAR_DASH) {
      throw new ProtocolError("Cannot decode packet: illegal attachments");
    }
    if (attachments > maxAttachments) {
      throw new ProtocolError(
        `Cannot decode packet: ${attachments} attachments exceed the limit of ${maxAttachments}`,
      );
    }
    i++;
  }

  // A well-formed packet's reads stay below `length`: a read past the end (NaN) makes optimized
  // code bail out.
  if (i < length && text.charCodeAt(i) === CHAR_SLASH) {
    const comma = text.indexOf(",", i);
    const end = comma === -1 ? length : comma;
    nsp = text.slice(i, end);
    i = comma === -1 ? length : comma + 1;
  } else if (i < length && text.charCodeAt(i) !== CHAR_COMMA && !isDigit(text.charCodeAt(i))) {
    const c = text.charCodeAt(i);
    if (c !== 91 /* [ */ && c !== 123 /* { */ && c !== 34 /* " */) {
      throw new ProtocolError("Cannot decode packet: invalid namespace");
    }
  }

  if (i < length && isDigit(text.charCodeAt(i))) {
    // Digits only, at most MAX_DIGITS of them: exact as a double, no substring.
    const from = i;
    let value = 0;
    for (let c = text.charCodeAt(i); isDigit(c); c = ++i < length ? text.charCodeAt(i) : 0) {
      value = value * 10 + c - CHAR_0;
    }
    if (i - from > MAX_DIGITS) throw new ProtocolError("Cannot decode packet: invalid ack id");
    id = value;
  }

  let data: unknown;
  if (i < length) {
    try {
      data = JSON.parse(text.slice(i));
    } catch {
      throw new ProtocolError("Cannot decode packet: invalid JSON payload");
    }
    checkPayload(type, data);
  } else if (type === PacketType.EVENT || type === PacketType.BINARY_EVENT) {
    throw new ProtocolError("Cannot decode packet: event without payload");
  } else if (type === PacketType.ACK || type === PacketType.BINARY_ACK) {
    throw new ProtocolError("Cannot decode packet: ack without payload");
  } else if (type === PacketType.CONNECT_ERROR) {
    throw new ProtocolError("Cannot decode packet: connect error without payload");
  }

  if ((type === PacketType.ACK || type === PacketType.BINARY_ACK) && id === undefined) {
    throw new ProtocolError("Cannot decode packet: ack without id");
  }
  // The object is made once, in its final shape (absent fields stay absent).
  const packet: Packet = i < length
    ? (id === undefined
      ? { type: type as PacketType, nsp, data }
      : { type: type as PacketType, nsp, id, data })
    : (id === undefined
      ? { type: type as PacketType, nsp }
      : { type: type as PacketType, nsp, id });
  if (attachments >= 0) packet.attachments = attachments;
  return packet;
}

function checkPayload(type: number, data: unknown): void {
  switch (type) {
    case PacketType.CONNECT:
      if (!isPlainObject(data)) {
        throw new ProtocolError("Cannot decode packet: CONNECT payload must be an object");
      }
      return;
    case PacketType.DISCONNECT:
      throw new ProtocolError("Cannot decode packet: DISCONNECT takes no payload");
    case PacketType.CONNECT_ERROR:
      if (typeof data !== "string" && !isPlainObject(data)) {
        throw new ProtocolError(
          "Cannot decode packet: CONNECT_ERROR payload must be an object or a string",
        );
      }
      return;
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT: {
      if (!Array.isArray(data) || data.length === 0) {
        throw new ProtocolError("Cannot decode packet: event payload must be a non-empty array");
      }
      const name = data[0];
      if (typeof name !== "string") {
        throw new ProtocolError("Cannot decode packet: event name must be a string");
      }
      if (RESERVED_EVENTS.has(name)) {
        throw new ProtocolError(`Cannot decode packet: "${name}" is a reserved event name`);
      }
      return;
    }
    default: // ACK, BINARY_ACK
      if (!Array.isArray(data)) {
        throw new ProtocolError("Cannot decode packet: ack payload must be an array");
      }
  }
}

function isDigit(code: number): boolean {
  return code >= CHAR_0 && code <= CHAR_9;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return Object.prototype.toString.call(value) === "[object Object]";
}

/**
 * The default parser's decoder: {@linkcode SocketDecoder} with the optional
 * capability of the `Decoder` seam (see `DefaultEncoder`).
 */
class DefaultDecoder extends SocketDecoder {
  /** Feeds a text message that starts at `start` of `text`, without copying it out. */
  addText(text: string, start: number): Packet | null {
    return readText(this, text, start);
  }
}

/**
 * The default Socket.IO parser: text packets, binary attachments.
 *
 * @example Round trip
 * ```ts
 * import { defaultParser } from "./socket_io.ts";
 * const [wire] = defaultParser.createEncoder().encode({ type: 2, nsp: "/", data: ["ping"] });
 * defaultParser.createDecoder().add(wire); // { type: 2, nsp: "/", data: ["ping"] }
 * ```
 */
export const defaultParser: Parser = {
  name: "default",
  createEncoder: (): Encoder => new DefaultEncoder(),
  createDecoder: (options?: DecoderOptions): Decoder => new DefaultDecoder(options),
};
