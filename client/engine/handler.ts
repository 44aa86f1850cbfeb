/**
 * What the Engine.IO client reports: to the layer above it (the Manager)
 * through a small handler interface, and to users through its events; and
 * the open packet and close reasons they carry.
 *
 * @module
 */

import type { EngineData, EnginePacket } from "../../protocol/engine_io.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import type { Transport } from "./transport.ts";

/** Why the Engine.IO client closed: the official strings. */
export type EngineCloseReason =
  | "transport close"
  | "transport error"
  | "ping timeout"
  | "parse error"
  | "forced close";

/** The open packet. */
export interface HandshakeData {
  /** The session id. */
  sid: string;
  /** The transports the server offers for an upgrade. */
  upgrades: string[];
  /** Milliseconds between the server's pings. */
  pingInterval: number;
  /** Milliseconds the server waits for a pong. */
  pingTimeout: number;
  /** The largest payload the server accepts, in bytes (0 when the server does not say). */
  maxPayload: number;
}

/**
 * What an engine client reports to the layer above. Each call comes before
 * the user-facing event of the same name, so the layer above has seen the
 * change when users hear of it.
 */
export interface EngineClientHandler {
  /** The handshake is done: the connection is open. */
  onOpen(): void;
  /** The server pinged (and the engine answered). */
  onPing(): void;
  /** A message arrived. */
  onMessage(data: EngineData): void;
  /** A transport failed: while opening, the connection failed; once open, a close follows. */
  onError(error: Error): void;
  /** The connection closed, once. */
  onClose(reason: EngineCloseReason, description?: unknown): void;
}

const ignore = (): void => {};

/** The handler of an engine client that nothing sits on: it ignores every report. */
export const DETACHED: EngineClientHandler = {
  onOpen: ignore,
  onPing: ignore,
  onMessage: ignore,
  onError: ignore,
  onClose: ignore,
};

/** Events of the Engine.IO client. */
export type EngineClientEvents = {
  open: () => void;
  handshake: (data: HandshakeData) => void;
  message: (data: EngineData) => void;
  data: (data: EngineData) => void;
  packet: (packet: EnginePacket) => void;
  packetCreate: (packet: EnginePacket) => void;
  ping: () => void;
  heartbeat: () => void;
  drain: () => void;
  flush: () => void;
  upgrading: (transport: Transport) => void;
  upgrade: (transport: Transport) => void;
  upgradeError: (error: Error) => void;
  error: (error: Error) => void;
  close: (reason: EngineCloseReason, description?: unknown) => void;
};

/** The open packet's JSON, checked: an Error when it is not a handshake. */
export function parseHandshake(data: unknown): HandshakeData | Error {
  let value: Partial<HandshakeData>;
  try {
    value = JSON.parse(data as string);
  } catch (error) {
    return error as Error;
  }
  if (
    value === null || typeof value !== "object" || typeof value.sid !== "string" ||
    !Array.isArray(value.upgrades) || typeof value.pingInterval !== "number" ||
    typeof value.pingTimeout !== "number"
  ) {
    return new ProtocolError("Cannot decode the handshake: not an open packet's JSON");
  }
  if (typeof value.maxPayload !== "number") value.maxPayload = 0;
  return value as HandshakeData;
}
