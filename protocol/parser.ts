/**
 * The Socket.IO parser seam: what server and client accept as their `parser`
 * option. The default parser (`socket_io.ts`) and the msgpack parser
 * (`msgpack_parser.ts`) both implement it. Encoders and decoders may offer
 * optional capabilities (`encodeText`, `encodeAck`, `addText`): faster forms
 * of `encode` and `add` that the server uses where they exist.
 *
 * @module
 */

/** Socket.IO packet types (spec "Packet types"), as a wire table. */
export const PacketType = {
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
} as const;

/** One of the {@linkcode PacketType} values. */
export type PacketType = typeof PacketType[keyof typeof PacketType];

/** A decoded Socket.IO packet. */
export interface Packet {
  /** The packet type. */
  type: PacketType;
  /** The namespace, "/" for the main one. */
  nsp: string;
  /** CONNECT: auth object or `{sid, pid?}`; EVENT/ACK: argument array; CONNECT_ERROR: `{message, data?}`. */
  data?: unknown;
  /** Ack id of EVENT/ACK packets. */
  id?: number;
  /** Number of binary attachments (BINARY_EVENT/BINARY_ACK); set by the encoder. */
  attachments?: number;
}

/** Binary values as they come off the wire: bytes as `Uint8Array` or `ArrayBuffer`. */
export type WireChunk = string | Uint8Array | ArrayBuffer;

/** Turns packets into Engine.IO messages. Stateless; safe to share. */
export interface Encoder {
  /**
   * Encodes one packet into the Engine.IO messages that carry it: one text
   * message, or a text header followed by binary attachments (default parser),
   * or one binary message (msgpack parser).
   */
  encode(packet: Packet): Array<string | Uint8Array>;
  /**
   * Optional capability: the one text message of a packet that `encode`
   * writes as one text message, without the array around it; `null` when it
   * is not one (binary values). The server's write path calls it when the
   * encoder offers it.
   */
  encodeText?(packet: Packet): string | null;
  /**
   * Optional capability: the one text message of an ACK packet, from its
   * parts (no packet object); `null` when `data` carries binary. The
   * server's ack callbacks call it when the encoder offers it.
   */
  encodeAck?(nsp: string, id: number, data: unknown[]): string | null;
}

/** Turns Engine.IO messages back into packets. Stateful: one per connection. */
export interface Decoder {
  /**
   * Feeds one Engine.IO message. Returns the packet once it is complete, or
   * `null` while binary attachments are still expected. Once it has returned
   * a packet the decoder holds nothing, so the server may lend it to another
   * connection for its next message.
   *
   * @throws {ProtocolError} For any malformed or out-of-place message.
   */
  add(chunk: WireChunk): Packet | null;
  /**
   * Optional capability: feeds one text message that starts at `start` of
   * `text` (what comes before it is the transport's framing), as
   * `add(text.slice(start))` does, without the copy. The server calls it
   * when the decoder offers it.
   *
   * @throws {ProtocolError} For any malformed or out-of-place message.
   */
  addText?(text: string, start: number): Packet | null;
  /** Drops any partially received packet. */
  destroy(): void;
}

/** Options for {@linkcode Parser.createDecoder}. */
export interface DecoderOptions {
  /** The most binary attachments one packet may announce. @default 10 */
  maxAttachments?: number;
  /** How decoded binary values are handed to user code. @default "uint8array" */
  binaryType?: "uint8array" | "arraybuffer";
}

/**
 * A parser: makes encoders and decoders that agree on a wire format. Any
 * object of this shape is a parser for the `parser` option of the server and
 * of the client; both ends of a connection need the same one.
 *
 * @example A custom parser
 * ```ts
 * import { type Packet, type Parser, ProtocolError } from "./mod.ts";
 *
 * // Each packet as one JSON text message; binary values are not supported.
 * const jsonParser: Parser = {
 *   name: "json",
 *   createEncoder: () => ({ encode: (packet: Packet) => [JSON.stringify(packet)] }),
 *   createDecoder: () => ({
 *     add(chunk) {
 *       if (typeof chunk === "string") {
 *         try {
 *           return JSON.parse(chunk) as Packet;
 *         } catch {
 *           // Reported below, as the one error a decoder throws.
 *         }
 *       }
 *       throw new ProtocolError("Cannot decode a packet: not a JSON text message");
 *     },
 *     destroy() {},
 *   }),
 * };
 *
 * const [message] = jsonParser.createEncoder().encode({ type: 2, nsp: "/", data: ["hi"] });
 * console.log(jsonParser.createDecoder().add(message)); // { type: 2, nsp: "/", data: ["hi"] }
 * ```
 */
export interface Parser {
  /** A short name, for logs and errors ("default", "msgpack"). */
  readonly name: string;
  /** Makes an encoder. */
  createEncoder(): Encoder;
  /** Makes a decoder for one connection. */
  createDecoder(options?: DecoderOptions): Decoder;
}
