/**
 * Reading a WebSocket frame that is not the usual v4 text message (the size
 * limit in bytes, the decode), for a session's socket and an upgrade's probe.
 *
 * @module
 */

import type { EnginePacket } from "../../protocol/engine_io.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { type SessionProtocol, utf8Length } from "./codec.ts";
import type { RawSocket } from "./socket.ts";

/** A frame over `maxHttpBufferSize` bytes: the socket is closed with 1009. */
export const TOO_LARGE: unique symbol = Symbol("too large");

/**
 * Reads one WebSocket frame: the packet, or {@linkcode TOO_LARGE} when it is
 * over `max` bytes (counted as on the wire, UTF-8 for text).
 *
 * @throws {ProtocolError} When the frame does not decode.
 */
export function readFrame(
  protocol: SessionProtocol,
  data: string | ArrayBuffer | Uint8Array,
  max: number,
): EnginePacket | typeof TOO_LARGE {
  // The limit is in bytes, as on the wire: a string is counted only when it could exceed it.
  const size = typeof data !== "string"
    ? data.byteLength
    : data.length * 3 <= max
    ? data.length
    : utf8Length(data);
  if (size > max) return TOO_LARGE;
  return protocol.decodeFrame(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
}

/** Whether `error` is what a decoder throws for bad input (anything else is a fault). */
export function isProtocolError(error: unknown): error is ProtocolError {
  return error instanceof ProtocolError;
}

/** Closes a socket that may already be closing (Deno throws then). */
export function closeQuietly(socket: RawSocket, code: number): void {
  try {
    socket.close(code);
  } catch { /* already closed */ }
}
