/**
 * The seam between the Engine.IO server and whatever runs on top of it (the
 * Socket.IO layer, or a user of the bare `Engine`). The engine knows nothing
 * of Socket.IO: it hands each new session to an {@linkcode EngineHandler} and
 * reports that session's messages and close through a {@linkcode ConnectionHandler}.
 *
 * @module
 */

import type { EngineData } from "../../protocol/engine_io.ts";

/** Why an Engine.IO session closed: the official engine.io strings. */
export type EngineCloseReason =
  | "transport close"
  | "transport error"
  | "ping timeout"
  | "parse error"
  | "forced close"
  | "server shutting down";

/** Transports a session can use. */
export type TransportName = "polling" | "websocket";

/** Life cycle of a session. */
export type ConnectionState = "open" | "closing" | "closed";

/** Options for {@linkcode EngineConnection.send}. */
export interface SendOptions {
  /** Allow compression of this message (HTTP compression / permessage-deflate). @default true */
  compress?: boolean;
}

/** Receives one session's events. Set by the layer above on `EngineConnection.handler`. */
export interface ConnectionHandler {
  /** One Engine.IO message arrived: text, or binary bytes. */
  onMessage(data: EngineData): void;
  /**
   * One v4 text message arrived as its WebSocket frame, the message type "4"
   * first (the usual case): what `onMessage(frame.slice(1))` would get, for a
   * handler that can read past the "4" without the copy. Optional.
   */
  onFrame?(frame: string): void;
  /** The session closed; called once. */
  onClose(reason: EngineCloseReason, description?: unknown): void;
  /** Every queued packet has been written out. */
  onDrain?(): void;
  /** The session moved to WebSocket (an upgrade completed). */
  onUpgrade?(): void;
}

/** One Engine.IO session, as the layer above sees it. */
export interface EngineConnection {
  /** The session id (`sid`). */
  readonly id: string;
  /** The Engine.IO protocol revision the client speaks (3 with allowEIO3). */
  readonly protocol: 3 | 4;
  /** The handshake request (a copy without body). */
  readonly request: Request;
  /** The handshake request's URL. */
  readonly url: string;
  /** The handshake request's headers as a record, lower-case names. */
  readonly headers: Record<string, string>;
  /**
   * The handshake request's query parameters (null-prototype record, decoded;
   * the first of repeated names wins), as engine.io's `request._query`.
   */
  readonly query: Record<string, string>;
  /** The client's address, from the runtime's connection info. */
  readonly remoteAddress: string;
  /** Whether the handshake came over TLS (or a trusted forwarded-proto header). */
  readonly secure: boolean;
  /** The transport in use now. */
  readonly transport: TransportName;
  /** The session state. */
  readonly state: ConnectionState;
  /** Whether a packet sent now goes out at once (volatile packets are dropped otherwise). */
  readonly writable: boolean;
  /** Where messages and close are reported; set it in `EngineHandler.onConnection`. */
  handler: ConnectionHandler;
  /** Queues one message. Ignored once the session is closing. */
  send(data: EngineData, options?: SendOptions): void;
  /** Queues a message prepared once for many sessions (see `prepareMessage`). */
  sendPrepared(message: PreparedMessage, options?: SendOptions): void;
  /**
   * Queues a text message given as its v4 WebSocket frame ("4" + data), as
   * an encoder builds it in one concatenation: sent as it is on a WebSocket,
   * its data (the frame without the "4") on long-polling.
   */
  sendFrame(frame: string, options?: SendOptions): void;
  /** Closes the session after flushing; `onClose` follows with "forced close" by default. */
  close(reason?: EngineCloseReason): void;
  /**
   * Subscribes this session to a publish topic of its engine (see
   * `Engine.publish`), when its transport can take published frames: a Bun
   * WebSocket, protocol 4, not mid-upgrade, no `packetCreate` listener.
   * Returns whether it did; the caller then skips this session when it
   * publishes to the topic.
   */
  subscribe(topic: string): boolean;
  /** Removes a subscription made by `subscribe`. */
  unsubscribe(topic: string): void;
}

/** A message encoded once, to be sent to many sessions (broadcast). */
export interface PreparedMessage {
  /** The message itself. */
  readonly data: EngineData;
  /** The WebSocket frame: "4" + text, or the raw bytes. */
  readonly frame: EngineData;
}

/** Receives new sessions. */
export interface EngineHandler {
  /** A handshake completed; set `connection.handler` before returning. */
  onConnection(connection: EngineConnection): void;
}
