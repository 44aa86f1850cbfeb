/**
 * Pure codecs for the Socket.IO stack, shared by webio's server and client:
 * Engine.IO v4 (and v3 for old clients), the Socket.IO v5 default parser, a
 * MessagePack codec and the msgpack parser. No I/O and no timers; every
 * decoder throws only {@linkcode ProtocolError}.
 *
 * @example Encoding an event as it travels over a WebSocket
 * ```ts
 * import { defaultParser, encodePacket } from "./mod.ts";
 * const [text] = defaultParser.createEncoder().encode({ type: 2, nsp: "/", data: ["hi"] });
 * encodePacket({ type: "message", data: text }); // '42["hi"]'
 * ```
 *
 * @module
 */

export { ProtocolError } from "./errors.ts";
export { decodeBase64, encodeBase64 } from "./base64.ts";
export {
  decodePacket,
  decodePayload,
  encodePacket,
  encodePacketText,
  encodePayload,
  ENGINE_PACKET_CODES,
  ENGINE_PACKET_TYPES,
  ENGINE_PROTOCOL,
  type EngineData,
  type EngineHandshake,
  type EnginePacket,
  type EnginePacketType,
  RECORD_SEPARATOR,
  toBytes,
} from "./engine_io.ts";
export {
  decodePacketV3,
  decodePayloadV3,
  encodePacketV3,
  encodePacketV3Text,
  encodePayloadV3,
} from "./engine_io_v3.ts";
export {
  type Decoder,
  type DecoderOptions,
  type Encoder,
  type Packet,
  PacketType,
  type Parser,
  type WireChunk,
} from "./parser.ts";
export {
  DEFAULT_MAX_ATTACHMENTS,
  defaultParser,
  hasBinary,
  hasBlob,
  isBinary,
  RESERVED_EVENTS,
  resolveBlobs,
  SOCKET_PROTOCOL,
  SocketDecoder,
  SocketEncoder,
} from "./socket_io.ts";
export {
  decodeMsgpack,
  encodeMsgpack,
  type MsgpackDecodeOptions,
  type MsgpackExtension,
} from "./msgpack.ts";
export { MsgpackDecoder, MsgpackEncoder, msgpackParser } from "./msgpack_parser.ts";
export {
  isNpmParser,
  type NpmDecoder,
  type NpmEncoder,
  type NpmParser,
  toParser,
} from "./npm_parser.ts";
export {
  Emitter,
  type EventListener,
  type EventsMap,
  type ListenerEntry,
  Listeners,
} from "../common/emitter.ts";
