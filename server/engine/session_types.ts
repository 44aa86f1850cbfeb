/**
 * The types around an Engine.IO session: its events (for users of the bare
 * engine), its states, what it needs of its engine, and how it is made.
 *
 * @module
 */

import type { EngineData, EnginePacket } from "../../protocol/engine_io.ts";
import type { SessionProtocol } from "./codec.ts";
import type { HeartbeatHost } from "./heartbeat.ts";
import type { PollingHost } from "./polling.ts";
import type { EnginePubSub } from "./pubsub.ts";
import type { EngineSession } from "./session.ts";
import type { RawSocket, SocketBuffers } from "./socket.ts";
import type { EngineCloseReason, TransportName } from "./types.ts";

/** Events of a session, for users of the bare engine. */
export type SessionEvents = {
  /** A message arrived. */
  message: (data: EngineData) => void;
  /** The session closed. */
  close: (reason: EngineCloseReason, description?: unknown) => void;
  /** Any packet arrived. */
  packet: (packet: EnginePacket) => void;
  /** A packet is about to be sent. */
  packetCreate: (packet: EnginePacket) => void;
  /** A pong (v4) or ping (v3) arrived. */
  heartbeat: () => void;
  /** Every queued packet was written. */
  drain: () => void;
  /** An upgrade probe succeeded. */
  upgrading: (transport: TransportName) => void;
  /** The session now runs on WebSocket. */
  upgrade: (transport: TransportName) => void;
  /** A transport error (before the close). */
  error: (error: Error) => void;
};

/**
 * Where a session is in its life:
 * - "opening": it began on WebSocket and that socket has not opened yet;
 * - "open": on long-polling or WebSocket;
 * - "probing": a WebSocket of an upgrade is attached, its "2probe" not come yet (upgrade timer);
 * - "upgrading": the probe was answered, the client's "5" is awaited (GETs get a noop);
 * - "closing": on long-polling, the close packet waits for the client's next GET (close deadline);
 * - "closed".
 *
 * The heartbeat runs from "open" to "upgrading".
 */
export type SessionState = "opening" | "open" | "probing" | "upgrading" | "closing" | "closed";

/** What a session needs of its engine. */
export interface SessionHost extends HeartbeatHost, PollingHost {
  /** The session closed; forget it. */
  release(session: EngineSession): void;
  /** The first WebSocket of a session that began on WebSocket opened: send the open packet. */
  openSocket(session: EngineSession, socket: RawSocket): void;
  /** The open packet's JSON after the session id, for these values. */
  openTail(upgrades: boolean, maxPayload: number | undefined): string;
  /** The runtime's native pub/sub, when it has one (Bun). */
  readonly pubsub: EnginePubSub | null;
  /** What the runtime holds of each socket's writes, when it can tell. */
  readonly buffers: SocketBuffers | null;
  /**
   * A session is closed because its client does not take what it is sent:
   * `size` (bytes, UTF-16 units for text) waited, and the next packet would
   * pass `maxBufferSize`.
   */
  overflowed(session: EngineSession, size: number): void;
}

/** What the handshake gives a new session. */
export interface SessionInit {
  id: string;
  protocol: SessionProtocol;
  /** The handshake request (always a GET): what rebuilds a copy of it on demand. */
  request: {
    url: string;
    headers: Record<string, string>;
    query: Record<string, string>;
  };
  remoteAddress: string;
  secure: boolean;
  transport: TransportName;
}
