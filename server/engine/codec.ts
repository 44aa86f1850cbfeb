/**
 * The wire codec a session uses, picked once at the handshake from the
 * client's `EIO` revision: v4 normally, v3 for `allowEIO3`. Core paths call
 * through this table instead of branching on the protocol.
 *
 * @module
 */

import {
  decodePacket,
  decodePayload,
  encodePacket,
  encodePacketText,
  encodePayload,
  type EngineData,
  type EnginePacket,
  RECORD_SEPARATOR,
} from "../../protocol/engine_io.ts";
import {
  decodePacketV3,
  decodePayloadV3,
  encodePacketV3,
  encodePacketV3Text,
  encodePayloadV3,
} from "../../protocol/engine_io_v3.ts";

/** Encoding and decoding for one protocol revision. */
export interface SessionCodec {
  /** The revision. */
  readonly protocol: 3 | 4;
  /** One packet as one WebSocket frame. */
  frame(packet: EnginePacket): EngineData;
  /** One packet as one WebSocket text frame: binary as base64 (a client without binary support). */
  frameText(packet: EnginePacket): string;
  /** Decodes one WebSocket frame. */
  decodeFrame(frame: string | Uint8Array): EnginePacket;
  /** A long-polling response body. */
  payload(packets: readonly EnginePacket[], supportsBinary: boolean): string | Uint8Array;
  /** Decodes a long-polling request body. */
  decodePayload(body: string | Uint8Array, maxPackets: number): EnginePacket[];
  /**
   * The packets of a request body that {@linkcode SessionCodec.decodePayload}
   * refused, up to the first that does not decode (the reference handles
   * those before it ends the session). Only for that rare path.
   */
  decodablePrefix(body: string | Uint8Array): EnginePacket[];
}

const textDecoder = new TextDecoder();

/** Engine.IO v4. */
export const CODEC_V4: SessionCodec = {
  protocol: 4,
  frame: encodePacket,
  frameText: encodePacketText,
  decodeFrame: decodePacket,
  payload: (packets) => encodePayload(packets),
  decodePayload: (body, max) =>
    decodePayload(typeof body === "string" ? body : textDecoder.decode(body), max),
  decodablePrefix(body) {
    const text = typeof body === "string" ? body : textDecoder.decode(body);
    const packets: EnginePacket[] = [];
    for (const part of text.split(RECORD_SEPARATOR)) {
      try {
        packets.push(decodePacket(part));
      } catch {
        break;
      }
    }
    return packets;
  },
};

/** Engine.IO v3 (socket.io-client 2.x). */
export const CODEC_V3: SessionCodec = {
  protocol: 3,
  frame: encodePacketV3,
  frameText: encodePacketV3Text,
  decodeFrame: decodePacketV3,
  payload: encodePayloadV3,
  decodePayload: decodePayloadV3,
  // Not split here: a v3 payload that does not decode is dropped whole.
  decodablePrefix: () => [],
};

/**
 * The UTF-8 byte length of `text`, counted without encoding it. A lone
 * surrogate counts 3 bytes, as the encoder writes U+FFFD for it.
 */
export function utf8Length(text: string): number {
  const length = text.length;
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
      continue;
    }
    // Three bytes for one unit; a surrogate pair is four bytes for its two units.
    bytes += 2;
    if (code <= 0xdbff && code >= 0xd800 && i + 1 < length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return bytes;
}
