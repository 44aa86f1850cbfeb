/**
 * What differs between the Engine.IO revisions a session may speak, picked
 * once at the handshake from the client's `EIO`: v4 here, v3 (`allowEIO3`)
 * in `v3.ts`. The session, its transports and its heartbeat call through
 * this strategy and never test the revision.
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
import { type Heartbeat, SERVER_PINGS } from "./heartbeat.ts";

/** Encoding, decoding and the rules of one protocol revision. */
export interface SessionProtocol {
  /** The revision, as the layer above reads it (`EngineConnection.protocol`). */
  readonly protocol: 3 | 4;
  /**
   * Whether v4 WebSocket frames are this revision's own: a text message is
   * "4" + data, a binary one its bytes. Frames built once as v4 (an
   * encoder's frame, a prepared broadcast, a publish) then go to the socket
   * as they are, and a text frame is handed up without a packet object.
   */
  readonly v4Frames: boolean;
  /** One packet as one WebSocket frame. */
  frame(packet: EnginePacket): EngineData;
  /** One packet as one WebSocket text frame: binary as base64 (a client without binary support). */
  frameText(packet: EnginePacket): string;
  /** Decodes one WebSocket frame. */
  decodeFrame(frame: string | Uint8Array): EnginePacket;
  /** A long-polling response body. */
  payload(packets: readonly EnginePacket[], supportsBinary: boolean): string | Uint8Array;
  /** A long-polling POST's body as the payload decoder takes it; `binary`: sent as octet-stream. */
  postPayload(body: Uint8Array, binary: boolean): string | Uint8Array;
  /** Decodes a long-polling request body. */
  decodePayload(body: string | Uint8Array, maxPackets: number): EnginePacket[];
  /**
   * The packets of a request body that {@linkcode SessionProtocol.decodePayload}
   * refused, up to the first that does not decode (the reference handles
   * those before it ends the session). Only for that rare path.
   */
  decodablePrefix(body: string | Uint8Array): EnginePacket[];
  /** The `maxPayload` the open packet announces for a limit of `limit` bytes, if any. */
  maxPayload(limit: number): number | undefined;
  /** The heartbeat rule, shared by the sessions: who pings. */
  readonly heartbeat: Heartbeat;
}

const textDecoder = new TextDecoder();

/** Engine.IO v4. */
export const PROTOCOL_V4: SessionProtocol = {
  protocol: 4,
  v4Frames: true,
  frame: encodePacket,
  frameText: encodePacketText,
  decodeFrame: decodePacket,
  payload: (packets) => encodePayload(packets),
  postPayload: (body) => textDecoder.decode(body),
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
  maxPayload: (limit) => limit,
  heartbeat: SERVER_PINGS,
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
