/**
 * Engine.IO protocol v4 codec: packets, WebSocket frames and the long-polling
 * payload. Pure: no I/O, no timers.
 *
 * Spec: https://github.com/socketio/engine.io-protocol (v4).
 *
 * @module
 */

import { decodeBase64, encodeBase64 } from "./base64.ts";
import { ProtocolError } from "./errors.ts";

/** The Engine.IO protocol revision this module speaks. */
export const ENGINE_PROTOCOL = 4;

/** Engine.IO packet types (spec "Packet types"). */
export type EnginePacketType = "open" | "close" | "ping" | "pong" | "message" | "upgrade" | "noop";

/** What an Engine.IO packet carries: text, or bytes for binary messages. */
export type EngineData = string | Uint8Array;

/** One Engine.IO packet. */
export interface EnginePacket {
  /** The packet type. */
  type: EnginePacketType;
  /** Payload: the JSON handshake for "open", "probe" for probes, the message body. */
  data?: EngineData;
}

/** Type to its one-character wire code (spec table). */
export const ENGINE_PACKET_CODES: Readonly<Record<EnginePacketType, string>> = {
  open: "0",
  close: "1",
  ping: "2",
  pong: "3",
  message: "4",
  upgrade: "5",
  noop: "6",
};

/** Wire code (char code minus 48) to type. */
export const ENGINE_PACKET_TYPES: readonly EnginePacketType[] = [
  "open",
  "close",
  "ping",
  "pong",
  "message",
  "upgrade",
  "noop",
];

/** The record separator between packets of a long-polling payload (spec "Payload"). */
export const RECORD_SEPARATOR = "\x1e";

/** The handshake sent in the "open" packet (spec "Handshake"). */
export interface EngineHandshake {
  /** The session id. */
  sid: string;
  /** Transports the client may upgrade to. */
  upgrades: string[];
  /** Milliseconds between the server's pings. */
  pingInterval: number;
  /** Milliseconds the server waits for a pong. */
  pingTimeout: number;
  /** Largest payload, in bytes, the server accepts per request or message. */
  maxPayload: number;
}

/**
 * Encodes a packet as one WebSocket frame: a binary message becomes the raw
 * bytes, everything else a text frame of type code and data.
 *
 * @example A text message and a binary one
 * ```ts
 * import { encodePacket } from "./engine_io.ts";
 * encodePacket({ type: "message", data: "hi" }); // "4hi"
 * encodePacket({ type: "message", data: new Uint8Array([1]) }); // Uint8Array [1]
 * ```
 */
export function encodePacket(packet: EnginePacket): EngineData {
  const { data } = packet;
  if (data instanceof Uint8Array) {
    // Spec: binary payloads travel as raw frames and are always "message" packets.
    return packet.type === "message" ? data : ENGINE_PACKET_CODES[packet.type] + encodeBase64(data);
  }
  return data === undefined
    ? ENGINE_PACKET_CODES[packet.type]
    : ENGINE_PACKET_CODES[packet.type] + data;
}

/**
 * Encodes a packet as text: binary data becomes "b" + base64, as the
 * long-polling payload and clients with `forceBase64` require.
 */
export function encodePacketText(packet: EnginePacket): string {
  const { data } = packet;
  if (data instanceof Uint8Array) return "b" + encodeBase64(data);
  return data === undefined
    ? ENGINE_PACKET_CODES[packet.type]
    : ENGINE_PACKET_CODES[packet.type] + data;
}

/**
 * Decodes one WebSocket frame or one payload element.
 *
 * @throws {ProtocolError} For an empty frame, an unknown type or bad base64.
 * @example Decoding a ping probe
 * ```ts
 * import { decodePacket } from "./engine_io.ts";
 * decodePacket("2probe"); // { type: "ping", data: "probe" }
 * ```
 */
export function decodePacket(frame: string | ArrayBuffer | ArrayBufferView): EnginePacket {
  if (typeof frame !== "string") return { type: "message", data: toBytes(frame) };
  if (frame.length === 0) throw new ProtocolError("Cannot decode packet: empty packet");
  const code = frame.charCodeAt(0);
  if (code === 98 /* "b" */) return { type: "message", data: decodeBase64(frame, 1) };
  const type = ENGINE_PACKET_TYPES[code - 48];
  if (type === undefined) {
    throw new ProtocolError(`Cannot decode packet: unknown packet type "${frame[0]}"`);
  }
  return frame.length > 1 ? { type, data: frame.slice(1) } : { type };
}

/**
 * Encodes packets as one long-polling payload: text packets joined by the
 * record separator, binary ones as "b" + base64.
 *
 * @example Two messages in one payload
 * ```ts
 * import { encodePayload } from "./engine_io.ts";
 * encodePayload([{ type: "message", data: "a" }, { type: "ping" }]); // "4a\x1e2"
 * ```
 */
export function encodePayload(packets: readonly EnginePacket[]): string {
  if (packets.length === 1) return encodePacketText(packets[0]);
  let out = "";
  for (let i = 0; i < packets.length; i++) {
    if (i > 0) out += RECORD_SEPARATOR;
    out += encodePacketText(packets[i]);
  }
  return out;
}

/**
 * Decodes a long-polling payload.
 *
 * @param payload The request or response body.
 * @param maxPackets The most packets accepted in one payload.
 * @throws {ProtocolError} For any malformed packet, or more than `maxPackets`.
 */
export function decodePayload(payload: string, maxPackets = Infinity): EnginePacket[] {
  if (payload.length === 0) throw new ProtocolError("Cannot decode payload: empty payload");
  const packets: EnginePacket[] = [];
  let start = 0;
  while (start <= payload.length) {
    let end = payload.indexOf(RECORD_SEPARATOR, start);
    if (end === -1) end = payload.length;
    if (packets.length >= maxPackets) {
      throw new ProtocolError(`Cannot decode payload: more than ${maxPackets} packets`);
    }
    packets.push(decodePacket(payload.slice(start, end)));
    start = end + 1;
  }
  return packets;
}

/** A view of any binary input as a `Uint8Array`, without copying. */
export function toBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  return new Uint8Array(data);
}
