/**
 * Engine.IO protocol v3 codec, for servers that accept old clients
 * (`allowEIO3`: socket.io-client 2.x). Kept apart from the v4 codec so the v4
 * path carries no legacy branches.
 *
 * Differences from v4 (spec v3): WebSocket binary frames carry the packet type
 * as their first byte; base64 packets are "b" + type + base64; the text
 * long-polling payload is `<length>:<packet>` repeated (length in UTF-16 code
 * units); the binary payload (XHR2 clients) frames each packet as
 * `<0 text | 1 binary><decimal digits, one per byte><0xff><bytes>`.
 *
 * @module
 */

import { decodeBase64, encodeBase64 } from "./base64.ts";
import {
  ENGINE_PACKET_CODES,
  ENGINE_PACKET_TYPES,
  type EngineData,
  type EnginePacket,
  toBytes,
} from "./engine_io.ts";
import { ProtocolError } from "./errors.ts";

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });
/** Longest length prefix read, in digits: keeps lengths well inside safe integers. */
const MAX_LENGTH_DIGITS = 12;

/**
 * Encodes a packet as one v3 WebSocket frame: text as type + data, binary as
 * the type byte followed by the bytes.
 *
 * @example A binary message
 * ```ts
 * import { encodePacketV3 } from "./engine_io_v3.ts";
 * encodePacketV3({ type: "message", data: new Uint8Array([1]) }); // Uint8Array [4, 1]
 * ```
 */
export function encodePacketV3(packet: EnginePacket): EngineData {
  const code = ENGINE_PACKET_CODES[packet.type];
  const { data } = packet;
  if (data instanceof Uint8Array) {
    const out = new Uint8Array(data.length + 1);
    out[0] = code.charCodeAt(0) - 48;
    out.set(data, 1);
    return out;
  }
  return data === undefined ? code : code + data;
}

/** Encodes a packet as v3 text: binary as "b" + type + base64. */
export function encodePacketV3Text(packet: EnginePacket): string {
  const code = ENGINE_PACKET_CODES[packet.type];
  const { data } = packet;
  if (data instanceof Uint8Array) return "b" + code + encodeBase64(data);
  return data === undefined ? code : code + data;
}

/**
 * Decodes one v3 WebSocket frame or payload element.
 *
 * @throws {ProtocolError} For an empty frame, an unknown type or bad base64.
 */
export function decodePacketV3(frame: string | ArrayBuffer | ArrayBufferView): EnginePacket {
  if (typeof frame !== "string") {
    const bytes = toBytes(frame);
    if (bytes.length === 0) throw new ProtocolError("Cannot decode packet: empty binary frame");
    return { type: packetType(bytes[0]), data: bytes.subarray(1) };
  }
  if (frame.length === 0) throw new ProtocolError("Cannot decode packet: empty packet");
  const first = frame.charCodeAt(0);
  if (first === 98 /* b */) {
    if (frame.length < 2) throw new ProtocolError("Cannot decode packet: empty base64 packet");
    return { type: packetType(frame.charCodeAt(1) - 48), data: decodeBase64(frame, 2) };
  }
  const type = packetType(first - 48);
  return frame.length > 1 ? { type, data: frame.slice(1) } : { type };
}

function packetType(code: number): EnginePacket["type"] {
  const type = ENGINE_PACKET_TYPES[code];
  if (type === undefined) {
    throw new ProtocolError(`Cannot decode packet: unknown packet type ${code}`);
  }
  return type;
}

/**
 * Encodes a v3 long-polling payload. With `supportsBinary` and any binary
 * packet, the binary framing is used; otherwise the text framing with base64.
 */
export function encodePayloadV3(
  packets: readonly EnginePacket[],
  supportsBinary: boolean,
): string | Uint8Array {
  if (supportsBinary && packets.some((p) => p.data instanceof Uint8Array)) {
    return encodeBinaryPayload(packets);
  }
  if (packets.length === 0) return "0:";
  let out = "";
  for (const packet of packets) {
    const text = encodePacketV3Text(packet);
    out += text.length + ":" + text;
  }
  return out;
}

function encodeBinaryPayload(packets: readonly EnginePacket[]): Uint8Array {
  // Each packet: 0 (text) or 1 (binary), its length's decimal digits a byte each, 255, the body;
  // written in place once the total is known.
  const bodies: Uint8Array[] = [];
  let total = 0;
  for (const packet of packets) {
    const body = packet.data instanceof Uint8Array
      ? encodePacketV3(packet) as Uint8Array
      : textEncoder.encode(encodePacketV3Text(packet));
    bodies.push(body);
    total += String(body.length).length + 2 + body.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < bodies.length; i++) {
    const body = bodies[i];
    const digits = String(body.length);
    out[offset++] = packets[i].data instanceof Uint8Array ? 1 : 0;
    for (let d = 0; d < digits.length; d++) out[offset++] = digits.charCodeAt(d) - 48;
    out[offset++] = 255;
    out.set(body, offset);
    offset += body.length;
  }
  return out;
}

/**
 * Decodes a v3 long-polling payload, text or binary framing.
 *
 * @param payload The body: a string, or bytes for the binary framing.
 * @param maxPackets The most packets accepted in one payload.
 * @throws {ProtocolError} For any malformed framing or packet.
 */
export function decodePayloadV3(
  payload: string | Uint8Array,
  maxPackets = Infinity,
): EnginePacket[] {
  return typeof payload === "string"
    ? decodeTextPayload(payload, maxPackets)
    : decodeBinaryPayload(payload, maxPackets);
}

function decodeTextPayload(payload: string, maxPackets: number): EnginePacket[] {
  if (payload.length === 0) throw new ProtocolError("Cannot decode payload: empty payload");
  const packets: EnginePacket[] = [];
  let i = 0;
  while (i < payload.length) {
    const colon = payload.indexOf(":", i);
    if (colon === -1 || colon === i || colon - i > MAX_LENGTH_DIGITS) {
      throw new ProtocolError("Cannot decode payload: bad length prefix");
    }
    let length = 0;
    for (let j = i; j < colon; j++) {
      const d = payload.charCodeAt(j) - 48;
      if (d < 0 || d > 9) throw new ProtocolError("Cannot decode payload: bad length prefix");
      length = length * 10 + d;
    }
    const start = colon + 1;
    if (start + length > payload.length) {
      throw new ProtocolError("Cannot decode payload: length exceeds the payload");
    }
    if (length > 0) {
      if (packets.length >= maxPackets) {
        throw new ProtocolError(`Cannot decode payload: more than ${maxPackets} packets`);
      }
      packets.push(decodePacketV3(payload.slice(start, start + length)));
    }
    i = start + length;
  }
  return packets;
}

function decodeBinaryPayload(payload: Uint8Array, maxPackets: number): EnginePacket[] {
  if (payload.length === 0) throw new ProtocolError("Cannot decode payload: empty payload");
  const packets: EnginePacket[] = [];
  let i = 0;
  while (i < payload.length) {
    const kind = payload[i++];
    if (kind !== 0 && kind !== 1) throw new ProtocolError("Cannot decode payload: bad packet kind");
    let length = 0;
    let digits = 0;
    while (i < payload.length && payload[i] !== 255) {
      const d = payload[i++];
      if (d > 9 || ++digits > MAX_LENGTH_DIGITS) {
        throw new ProtocolError("Cannot decode payload: bad length prefix");
      }
      length = length * 10 + d;
    }
    if (i >= payload.length || digits === 0) {
      throw new ProtocolError("Cannot decode payload: bad length prefix");
    }
    i++; // the 0xff separator
    if (i + length > payload.length) {
      throw new ProtocolError("Cannot decode payload: length exceeds the payload");
    }
    if (packets.length >= maxPackets) {
      throw new ProtocolError(`Cannot decode payload: more than ${maxPackets} packets`);
    }
    const body = payload.subarray(i, i + length);
    if (kind === 1) packets.push(decodePacketV3(body));
    else {
      let text: string;
      try {
        text = textDecoder.decode(body);
      } catch {
        throw new ProtocolError("Cannot decode payload: invalid UTF-8");
      }
      packets.push(decodePacketV3(text));
    }
    i += length;
  }
  return packets;
}
