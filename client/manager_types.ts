/**
 * What the Manager takes, reports and emits: its options (socket.io-client
 * names and defaults), its events, its close reasons, and the handler
 * through which it tells each active socket of the connection.
 *
 * @module
 */

import type { Packet, Parser } from "../protocol/parser.ts";
import type { NpmParser } from "../protocol/npm_parser.ts";
import type { EngineCloseReason } from "./engine/handler.ts";
import type { EngineClientOptions } from "./engine/options.ts";

/** Options of the Manager (socket.io-client names and defaults). */
export interface ManagerOptions extends EngineClientOptions {
  /** Reconnect automatically. @default true */
  reconnection?: boolean;
  /** Attempts before giving up; 0 means the default, as in socket.io-client. @default Infinity */
  reconnectionAttempts?: number;
  /** First delay in ms; 0 means the default, as in socket.io-client. @default 1000 */
  reconnectionDelay?: number;
  /** Largest delay in ms; 0 means the default, as in socket.io-client. @default 5000 */
  reconnectionDelayMax?: number;
  /** Jitter, 0 to 1. @default 0.5 */
  randomizationFactor?: number;
  /** Milliseconds before a connection attempt fails. `false` for none. @default 20000 */
  timeout?: number | false;
  /** Connect at once. @default true */
  autoConnect?: boolean;
  /**
   * The parser: webio's (default or msgpack), or one written for socket.io as
   * its npm package exports it (`Encoder` and `Decoder` classes).
   * @default defaultParser
   */
  parser?: Parser | NpmParser;
  /** Upgrade only to transports that carry binary (all of ours do). @default false */
  onlyBinaryUpgrades?: boolean;
}

/** Why the Manager's connection closed. */
export type ManagerCloseReason = EngineCloseReason | "parse error";

/** Events of the Manager. */
export type ManagerEvents = {
  open: () => void;
  error: (error: Error) => void;
  ping: () => void;
  packet: (packet: Packet) => void;
  close: (reason: ManagerCloseReason, description?: unknown) => void;
  reconnect_failed: () => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect_error: (error: Error) => void;
  reconnect: (attempt: number) => void;
};

/**
 * What the Manager reports to each socket that uses it (is active), in the
 * order they started to: the open of the connection, its errors and its
 * close. Packets go to the socket of their namespace (`Socket.onPacket`).
 */
export interface ManagerSocketHandler {
  /** The connection opened: the socket sends its CONNECT. */
  onOpen(): void;
  /** The connection failed to open, or its transport failed. */
  onError(error: Error): void;
  /** The connection closed. */
  onClose(reason: ManagerCloseReason, description?: unknown): void;
}

/** The connection state as socket.io-client names it. */
export type ManagerReadyState = "closed" | "opening" | "open";
