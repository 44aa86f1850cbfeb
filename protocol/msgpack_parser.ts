/**
 * The msgpack parser, wire-compatible with npm `socket.io-msgpack-parser`:
 * every packet is one binary message, the packet object `{type, nsp, data,
 * id?}` encoded as MessagePack. Binary values travel inline; there are no
 * attachments and no BINARY_* packet types on this wire.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";
import { decodeMsgpack, encodeMsgpack } from "./msgpack.ts";
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

/** Encodes packets as one MessagePack binary message each. */
export class MsgpackEncoder implements Encoder {
  /**
   * Encodes one packet.
   *
   * @example Encoding an event
   * ```ts
   * import { MsgpackEncoder } from "./msgpack_parser.ts";
   * const [bytes] = new MsgpackEncoder().encode({ type: 2, nsp: "/", data: ["hi"] });
   * ```
   */
  encode(packet: Packet): Array<string | Uint8Array> {
    const type = packet.type === PacketType.BINARY_EVENT
      ? PacketType.EVENT
      : packet.type === PacketType.BINARY_ACK
      ? PacketType.ACK
      : packet.type;
    const wire: Record<string, unknown> = { type, nsp: packet.nsp };
    if (packet.data !== undefined) wire.data = packet.data;
    if (packet.id !== undefined) wire.id = packet.id;
    return [encodeMsgpack(wire)];
  }
}

/** Decodes MessagePack packets, validating them like the reference. */
export class MsgpackDecoder implements Decoder {
  #binaryType: "uint8array" | "arraybuffer";

  /**
   * Makes the decoder of one connection.
   *
   * @param options `binaryType` picks how binary values are handed out.
   */
  constructor(options: DecoderOptions = {}) {
    this.#binaryType = options.binaryType ?? "uint8array";
  }

  /**
   * Decodes one binary message into a packet.
   *
   * @throws {ProtocolError} For text messages, malformed MessagePack or an invalid packet.
   */
  add(chunk: WireChunk): Packet {
    if (typeof chunk === "string") {
      throw new ProtocolError("Cannot decode packet: the msgpack parser expects binary messages");
    }
    return checkPacket(decodeMsgpack(chunk, { binaryType: this.#binaryType }));
  }

  /** Nothing is buffered between messages. */
  destroy(): void {}
}

/**
 * The msgpack parser, for the `parser` option of server and client.
 *
 * @example Encoding and decoding an event
 * ```ts
 * import { msgpackParser } from "./msgpack_parser.ts";
 * const [bytes] = msgpackParser.createEncoder().encode({ type: 2, nsp: "/", data: ["hi"] });
 * msgpackParser.createDecoder().add(bytes); // { type: 2, nsp: "/", data: ["hi"] }
 * ```
 */
export const msgpackParser: Parser = {
  name: "msgpack",
  createEncoder: (): Encoder => new MsgpackEncoder(),
  createDecoder: (options?: DecoderOptions): Decoder => new MsgpackDecoder(options),
};
