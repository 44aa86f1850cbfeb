/**
 * The checks every decoder of whole packets applies (the msgpack parser, and
 * npm parsers wrapped by `toParser`): a decoded value becomes a `Packet` only
 * if its fields are what the Socket.IO protocol allows.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";
import { type Packet, PacketType } from "./parser.ts";
import { RESERVED_EVENTS } from "./socket_io.ts";

/**
 * The packet that `decoded` describes (`{ type, nsp, data?, id? }`, type 0 to
 * 4), checked field by field.
 *
 * @throws {ProtocolError} When a field is missing or not allowed for its type.
 */
export function checkPacket(decoded: unknown): Packet {
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

function isPlainObject(value: unknown): boolean {
  return Object.prototype.toString.call(value) === "[object Object]";
}
