/**
 * Engine.IO v3 (`allowEIO3`, socket.io-client 2.x): every difference from
 * v4 in one strategy the session holds from its handshake on. The codec is
 * `protocol/engine_io_v3.ts`; here are the rules around it: the client
 * pings and the server answers, the open packet announces no `maxPayload`,
 * a POST may carry the binary payload framing, and binary WebSocket frames
 * carry a type byte (so v4 frames are not its own).
 *
 * @module
 */

import {
  decodePacketV3,
  decodePayloadV3,
  encodePacketV3,
  encodePacketV3Text,
  encodePayloadV3,
} from "../../protocol/engine_io_v3.ts";
import type { SessionProtocol } from "./codec.ts";
import type { Heartbeat, HeartbeatHost, HeartbeatSession } from "./heartbeat.ts";

const textDecoder = new TextDecoder();

/**
 * v3's heartbeat: the client pings every `pingInterval`, the server answers
 * with a pong; silence for `pingInterval + pingTimeout` ends the session.
 */
export const CLIENT_PINGS: Heartbeat = {
  start: expectPing,

  /** A ping: answered, and the wait starts again. */
  onPing(session, host, data) {
    expectPing(session, host);
    session.sendPacket({ type: "pong", data });
    session.emit("heartbeat");
  },

  /** v3 servers send no ping, so a pong means nothing. */
  onPong() {},

  /** The client was silent too long. */
  onDeadline(session) {
    session.end("ping timeout");
  },
};

function expectPing(session: HeartbeatSession, host: HeartbeatHost): void {
  const options = host.options;
  // Cleared in every queue: the options may have changed since the last ping.
  host.clearDeadlines(session);
  host.deadlines("timeout", options.pingInterval + options.pingTimeout).set(session);
}

/** Engine.IO v3. */
export const PROTOCOL_V3: SessionProtocol = {
  protocol: 3,
  v4Frames: false,
  frame: encodePacketV3,
  frameText: encodePacketV3Text,
  decodeFrame: decodePacketV3,
  payload: encodePayloadV3,
  // The binary payload framing comes as application/octet-stream; text is UTF-8.
  postPayload: (body, binary) => binary ? body : textDecoder.decode(body),
  decodePayload: decodePayloadV3,
  // Not split here: a v3 payload that does not decode is dropped whole.
  decodablePrefix: () => [],
  maxPayload: () => undefined,
  heartbeat: CLIENT_PINGS,
};
