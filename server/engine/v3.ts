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

import type { EngineData } from "../../protocol/engine_io.ts";
import {
  decodePacketV3,
  decodePayloadV3,
  encodePacketV3,
  encodePacketV3Text,
  encodePayloadV3,
} from "../../protocol/engine_io_v3.ts";
import type { SessionProtocol } from "./codec.ts";
import type { DeadlineQueue } from "../../common/deadlines.ts";
import { type Heartbeat, type HeartbeatHost, type HeartbeatSession, waitFor } from "./heartbeat.ts";

const textDecoder = new TextDecoder();

/**
 * v3's heartbeat: the client pings every `pingInterval`, the server answers
 * with a pong; silence for `pingInterval + pingTimeout` ends the session.
 */
export class ClientPings implements Heartbeat {
  #session: HeartbeatSession;
  #host: HeartbeatHost;
  /** Where the wait for the next ping is scheduled. */
  #timeoutQueue: DeadlineQueue | null = null;

  /** A heartbeat for `session`, not started. */
  constructor(session: HeartbeatSession, host: HeartbeatHost) {
    this.#session = session;
    this.#host = host;
  }

  /** The first wait for the client's ping. */
  start(): void {
    this.#expectPing();
  }

  /** A ping: answered, and the wait starts again. */
  onPing(data: EngineData | undefined): void {
    this.#expectPing();
    this.#session.sendPacket({ type: "pong", data });
    this.#session.emit("heartbeat");
  }

  /** v3 servers send no ping, so a pong means nothing. */
  onPong(): void {}

  /** Removes the wait. */
  stop(): void {
    this.#timeoutQueue?.delete(this);
  }

  /** @internal The client was silent too long (the shared queues call this). */
  onDeadline(queue: DeadlineQueue): void {
    if (queue === this.#timeoutQueue) this.#session.end("ping timeout");
  }

  #expectPing(): void {
    const options = this.#host.options;
    const ms = options.pingInterval + options.pingTimeout;
    this.#timeoutQueue = waitFor(this, this.#host, this.#timeoutQueue, ms);
  }
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
  heartbeat: (session, host) => new ClientPings(session, host),
};
