/**
 * Parsers written for socket.io, as npm packages export them (`socket.io-parser`,
 * `socket.io-msgpack-parser`, ...): an object with an `Encoder` and a
 * `Decoder` class. {@linkcode toParser} wraps one into webio's
 * {@linkcode Parser}, so server and client take either shape as their
 * `parser` option.
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
import { checkPacket } from "./packet_check.ts";

/** The encoder of an npm parser: `encode(packet)` returns the messages (strings and binaries). */
export interface NpmEncoder {
  /** Encodes one packet; socket.io expects an array of strings, Buffers or ArrayBuffers. */
  // deno-lint-ignore no-explicit-any
  encode(packet: any): any;
}

/**
 * The decoder of an npm parser: an event emitter whose `add(message)` emits
 * "decoded" with each complete packet, synchronously, as socket.io's does.
 */
export interface NpmDecoder {
  /** Feeds one Engine.IO message; throws on malformed input. */
  // deno-lint-ignore no-explicit-any
  add(chunk: any): void;
  /** Listens for decoded packets. */
  // deno-lint-ignore no-explicit-any
  on(event: "decoded", listener: (packet: any) => void): unknown;
  /** Drops any partially received packet. */
  destroy(): void;
}

/**
 * A parser written for socket.io: what `require("socket.io-parser")` or
 * `require("socket.io-msgpack-parser")` returns.
 */
export interface NpmParser {
  /** Made once per server or client; `encode` is called for every packet. */
  Encoder: new () => NpmEncoder;
  /** Made once per connection. */
  Decoder: new () => NpmDecoder;
}

/** Whether `value` has the shape of an npm parser (an `Encoder` and a `Decoder` class). */
export function isNpmParser(value: unknown): value is NpmParser {
  const parser = value as Partial<NpmParser> | null | undefined;
  return typeof parser?.Encoder === "function" && typeof parser.Decoder === "function";
}

/**
 * The {@linkcode Parser} for a `parser` option: a webio parser as it is, an
 * npm parser (an object with `Encoder` and `Decoder` classes) wrapped.
 *
 * The wrapper hands binary messages to the npm decoder the way socket.io does
 * on its platform: as a `Buffer` (a view of the same bytes, no copy) where
 * the runtime has a global `Buffer` (Deno, Bun, Node), else as an
 * `ArrayBuffer` (browsers). Binaries the npm encoder returns become
 * `Uint8Array`s. Each decoded packet is checked as webio's own decoders check
 * theirs (type, namespace, ack id, payload shape; an event's name a string
 * that is not reserved) and anything the npm decoder throws becomes a
 * {@linkcode ProtocolError}, so a bad message closes the connection with
 * "parse error". The decoder options (`maxAttachments`, `binaryType`) are
 * left to the npm parser, which has its own.
 *
 * @param parser A webio parser, or an npm parser such as `socket.io-msgpack-parser`.
 * @returns A webio parser.
 * @throws {TypeError} When `parser` is neither.
 *
 * @example The msgpack parser from npm
 * ```ts ignore
 * import * as msgpack from "socket.io-msgpack-parser";
 * const parser = toParser(msgpack);
 * const [bytes] = parser.createEncoder().encode({ type: 2, nsp: "/", data: ["hi"] });
 * parser.createDecoder().add(bytes); // { type: 2, nsp: "/", data: ["hi"] }
 * ```
 */
export function toParser(parser: Parser | NpmParser): Parser {
  const webio = parser as Partial<Parser>;
  if (typeof webio.createEncoder === "function" && typeof webio.createDecoder === "function") {
    return parser as Parser;
  }
  if (!isNpmParser(parser)) {
    throw new TypeError(
      "Cannot use the parser: pass a webio Parser (createEncoder, createDecoder) " +
        "or an npm parser module (Encoder and Decoder classes)",
    );
  }
  const npm = parser;
  return {
    name: "npm",
    createEncoder: (): Encoder => new NpmEncoderAdapter(new npm.Encoder()),
    createDecoder: (_options?: DecoderOptions): Decoder => new NpmDecoderAdapter(new npm.Decoder()),
  };
}

class NpmEncoderAdapter implements Encoder {
  #inner: NpmEncoder;

  constructor(inner: NpmEncoder) {
    this.#inner = inner;
  }

  encode(packet: Packet): Array<string | Uint8Array> {
    const encoded: unknown = this.#inner.encode(packet);
    // socket.io-msgpack-parser returns one-element arrays; tolerate a bare message too.
    const messages = Array.isArray(encoded) ? encoded : [encoded];
    const out: Array<string | Uint8Array> = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) out[i] = toMessage(messages[i]);
    return out;
  }
}

function toMessage(message: unknown): string | Uint8Array {
  if (typeof message === "string" || message instanceof Uint8Array) return message;
  if (message instanceof ArrayBuffer) return new Uint8Array(message);
  if (ArrayBuffer.isView(message)) {
    return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  }
  throw new TypeError(
    `Cannot encode packet: the npm parser's encoder returned ${
      Object.prototype.toString.call(message)
    }`,
  );
}

type BufferClass = {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): Uint8Array;
};

/** Node's Buffer where the runtime has one: npm decoders on Node are handed Buffers. */
const NodeBuffer = (globalThis as { Buffer?: BufferClass }).Buffer;

class NpmDecoderAdapter implements Decoder {
  #inner: NpmDecoder;
  #packet: unknown = null;

  constructor(inner: NpmDecoder) {
    this.#inner = inner;
    inner.on("decoded", (packet: unknown) => {
      this.#packet = packet;
    });
  }

  add(chunk: WireChunk): Packet | null {
    this.#packet = null;
    try {
      this.#inner.add(typeof chunk === "string" ? chunk : toBinary(chunk));
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      throw new ProtocolError(
        `Cannot decode packet: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const decoded = this.#packet;
    this.#packet = null;
    return decoded === null ? null : checked(decoded);
  }

  destroy(): void {
    this.#inner.destroy();
  }
}

function toBinary(chunk: Uint8Array | ArrayBuffer): unknown {
  if (NodeBuffer) {
    return chunk instanceof ArrayBuffer
      ? NodeBuffer.from(chunk, 0, chunk.byteLength)
      : NodeBuffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (chunk instanceof ArrayBuffer) return chunk;
  return chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
    ? chunk.buffer
    : chunk.slice().buffer;
}

/** The npm decoder's packet as webio's decoders make them, or a ProtocolError. */
function checked(decoded: unknown): Packet {
  if (decoded === null || typeof decoded !== "object") return checkPacket(decoded);
  // npm decoders give binary packets whole (attachments back in place) with their binary type,
  // and may leave a null id: webio's packets have the plain type and no id.
  const { type, id } = decoded as Record<string, unknown>;
  const plain = type === PacketType.BINARY_EVENT
    ? PacketType.EVENT
    : type === PacketType.BINARY_ACK
    ? PacketType.ACK
    : type;
  if (plain === type && id !== null) return checkPacket(decoded);
  return checkPacket({ ...decoded, type: plain, id: id === null ? undefined : id });
}
