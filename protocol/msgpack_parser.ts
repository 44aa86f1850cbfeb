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
import { RESERVED_EVENTS } from "./socket_io.ts";

/** Encodes packets as one MessagePack binary message each. */
export class MsgpackEncoder implements Encoder {
  /**
   * Encodes one packet.
   *
   * @example
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

  /** @param options `binaryType` picks how binary values are handed out. */
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
    const decoded = decodeMsgpack(chunk, { binaryType: this.#binaryType });
    if (decoded === null || typeof decoded !== "object" || Array.isArray(decoded)) {
      throw new ProtocolError("Cannot decode packet: not a packet object");
    }
    const { type, nsp, data, id } = decoded as Record<string, unknown>;
    if (typeof type !== "number" || !Number.isInteger(type) || type < 0 || type > 4) {
      throw new ProtocolError("Cannot decode packet: invalid packet type");
    }
    if (typeof nsp !== "string" || nsp.charCodeAt(0) !== 47 /* / */) {
      throw new ProtocolError("Cannot decode packet: invalid namespace");
    }
    if (id !== undefined && (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0)) {
      throw new ProtocolError("Cannot decode packet: invalid ack id");
    }
    switch (type) {
      case PacketType.CONNECT:
        if (data !== undefined && !isPlainObject(data)) {
          throw new ProtocolError("Cannot decode packet: CONNECT payload must be an object");
        }
        break;
      case PacketType.DISCONNECT:
        if (data !== undefined) {
          throw new ProtocolError("Cannot decode packet: DISCONNECT takes no payload");
        }
        break;
      case PacketType.CONNECT_ERROR:
        if (typeof data !== "string" && !isPlainObject(data)) {
          throw new ProtocolError(
            "Cannot decode packet: CONNECT_ERROR payload must be an object or a string",
          );
        }
        break;
      case PacketType.EVENT:
        if (!Array.isArray(data) || data.length === 0 || typeof data[0] !== "string") {
          throw new ProtocolError("Cannot decode packet: event payload must be [name, ...args]");
        }
        if (RESERVED_EVENTS.has(data[0])) {
          throw new ProtocolError(`Cannot decode packet: "${data[0]}" is a reserved event name`);
        }
        break;
      default: // ACK
        if (!Array.isArray(data)) {
          throw new ProtocolError("Cannot decode packet: ack payload must be an array");
        }
        if (id === undefined) throw new ProtocolError("Cannot decode packet: ack without id");
    }
    const packet: Packet = { type: type as PacketType, nsp };
    if (data !== undefined) packet.data = data;
    if (id !== undefined) packet.id = id as number;
    return packet;
  }

  /** Nothing is buffered between messages. */
  destroy(): void {}
}

function isPlainObject(value: unknown): boolean {
  return Object.prototype.toString.call(value) === "[object Object]";
}

/**
 * The msgpack parser, for the `parser` option of server and client.
 *
 * @example
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
