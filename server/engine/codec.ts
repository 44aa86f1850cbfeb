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
  encodePayload,
  type EngineData,
  type EnginePacket,
} from "../../protocol/engine_io.ts";
import {
  decodePacketV3,
  decodePayloadV3,
  encodePacketV3,
  encodePayloadV3,
} from "../../protocol/engine_io_v3.ts";

/** Encoding and decoding for one protocol revision. */
export interface SessionCodec {
  /** The revision. */
  readonly protocol: 3 | 4;
  /** One packet as one WebSocket frame. */
  frame(packet: EnginePacket): EngineData;
  /** Decodes one WebSocket frame. */
  decodeFrame(frame: string | Uint8Array): EnginePacket;
  /** A long-polling response body. */
  payload(packets: readonly EnginePacket[], supportsBinary: boolean): string | Uint8Array;
  /** Decodes a long-polling request body. */
  decodePayload(body: string | Uint8Array, maxPackets: number): EnginePacket[];
}

const textDecoder = new TextDecoder();

/** Engine.IO v4. */
export const CODEC_V4: SessionCodec = {
  protocol: 4,
  frame: encodePacket,
  decodeFrame: decodePacket,
  payload: (packets) => encodePayload(packets),
  decodePayload: (body, max) =>
    decodePayload(typeof body === "string" ? body : textDecoder.decode(body), max),
};

/** Engine.IO v3 (socket.io-client 2.x). */
export const CODEC_V3: SessionCodec = {
  protocol: 3,
  frame: encodePacketV3,
  decodeFrame: decodePacketV3,
  payload: encodePayloadV3,
  decodePayload: decodePayloadV3,
};
