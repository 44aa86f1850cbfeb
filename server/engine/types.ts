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
  /**
   * One Engine.IO message arrived: text, or binary bytes. A text message is
   * `data.slice(start)`: the engine may hand over the frame it came in, its
   * own framing before `start`, so that the message is read without a copy
   * (a decoder's `addText`). `start` is 0 for binary.
   */
  onMessage(data: EngineData, start: number): void;
  /** The session closed; called once. */
  onClose(reason: EngineCloseReason, description?: unknown): void;
  /** Every queued packet has been written out. */
  onDrain?(): void;
  /**
   * Whether published frames can reach the session may have changed
   * ({@linkcode EngineConnection.takesPublished}): it moved to WebSocket, or
   * its client stopped or went back to reading.
   */
  onTransportChange?(): void;
}

/** One Engine.IO session, as the layer above sees it. */
export interface EngineConnection {
  /** The session id (`sid`). */
  readonly id: string;
  /**
   * The Engine.IO protocol revision the client speaks: 3 with allowEIO3
   * (socket.io-client 2.x, whose Socket.IO layer differs too), else 4.
   */
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
  /**
   * Queues one message, or a message prepared once for many sessions (see
   * `prepareMessage`). The engine frames it for its transport. Ignored once
   * the session is closing.
   */
  send(data: EngineData | PreparedMessage, options?: SendOptions): void;
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
  /** Whether this session is subscribed to `topic` now (the runtime keeps subscriptions). */
  subscribed(topic: string): boolean;
  /**
   * Whether frames published to its topics reach the session now: a Bun
   * WebSocket, open, not mid-upgrade, not holding frames for a client that
   * does not read. When it turns false, the layer above unsubscribes it and
   * sends to it itself, after what it was sent before.
   */
  readonly takesPublished: boolean;
  /**
   * What waits in the engine for the client, in bytes (UTF-16 units for
   * text): the frames a WebSocket holds while its client does not read, or
   * the packets queued for the next poll. `maxBufferSize` bounds it.
   */
  readonly backlog: number;
}

/**
 * A message encoded once and framed once, to be sent to many sessions (a
 * broadcast): made by `prepareMessage`.
 */
export interface PreparedMessage {
  /** The message itself. */
  readonly data: EngineData;
  /** Its v4 WebSocket frame: "4" + text, or the raw bytes. */
  readonly frame: EngineData;
}

/**
 * Whether a message given to `send` is one prepared for many sessions. Not
 * a string here; anything else (bytes, or what plain JavaScript passes) is a
 * message's data.
 */
export function isPrepared(data: EngineData | PreparedMessage): data is PreparedMessage {
  return typeof data === "object" && data !== null && "frame" in data;
}

/** Receives new sessions. */
export interface EngineHandler {
  /** A handshake completed; set `connection.handler` before returning. */
  onConnection(connection: EngineConnection): void;
}
