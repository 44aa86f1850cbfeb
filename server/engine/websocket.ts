/**
 * The WebSocket side of a session: the socket it runs on and how frames are
 * written to it (compression, base64 for clients without binary support),
 * reading a frame that is not the usual v4 text message (the size limit in
 * bytes, the decode), and the upgrade probe
 * of a long-polling session (spec: "Upgrade"): the client sends "2probe" on
 * the new socket and gets "3probe", the server answers the pending GET with
 * a noop so that the client pauses polling, then the client's "5" moves the
 * session to the socket. A probe that does not finish within
 * `upgradeTimeout` is dropped.
 *
 * The usual frame never gets here: the session reads it itself, in a small
 * function (see `EngineSession.onSocketMessage`).
 *
 * @module
 */

import type { EnginePacket } from "../../protocol/engine_io.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { type SessionProtocol, utf8Length } from "./codec.ts";
import { atLeastBytes } from "./compression.ts";
import type { RawSocket } from "./socket.ts";
import type { SendOptions } from "./types.ts";

/** A frame as the runtime's socket takes it. */
export type Frame = string | Uint8Array<ArrayBuffer>;

/** The WebSocket a session runs on, and how its frames are written. */
export class WebSocketTransport {
  /** The runtime's socket. */
  readonly socket: RawSocket;
  /**
   * Binary goes as base64 text ("b" + base64): the socket's request had `b64`
   * in the query (a client's `forceBase64`), as engine.io's transports do
   * without `supportsBinary`.
   */
  readonly base64: boolean;
  /** Frames built once as v4 (a prepared broadcast, a publish) go to this socket as they are. */
  readonly rawFrames: boolean;
  #protocol: SessionProtocol;
  /** Frames at least this long are compressed, where the runtime negotiated it (ws's rule). */
  #threshold: number;

  /** The transport of `socket`, whose request asked for base64 or not. */
  constructor(socket: RawSocket, base64: boolean, protocol: SessionProtocol, threshold: number) {
    this.socket = socket;
    this.base64 = base64;
    this.rawFrames = protocol.v4Frames && !base64;
    this.#protocol = protocol;
    this.#threshold = threshold;
  }

  /** One packet as a frame of this socket: binary as base64 text with `b64`. */
  frame(packet: EnginePacket): Frame {
    const protocol = this.#protocol;
    return (this.base64 ? protocol.frameText(packet) : protocol.frame(packet)) as Frame;
  }

  /** Writes one frame, compressed when the sender allows it and it is long enough. */
  write(frame: Frame, options: SendOptions | undefined): void {
    const threshold = this.#threshold;
    this.socket.send(
      frame,
      threshold !== Infinity && options?.compress !== false && atLeastBytes(frame, threshold),
    );
  }

  /** Writes one packet. */
  writePacket(packet: EnginePacket, options: SendOptions | undefined): void {
    this.write(this.frame(packet), options);
  }
}

/** What a probe reports to its session. */
export interface ProbeSession {
  /** The probe was answered: the pending GET gets a noop, the session is upgrading. */
  onProbed(probe: UpgradeProbe): void;
  /** The client sent "5" after the probe: the session moves to the probe's socket. */
  onUpgraded(probe: UpgradeProbe): void;
  /** The probe failed (a frame out of turn) or timed out: its socket is closed. */
  onProbeFailed(probe: UpgradeProbe, timedOut: boolean): void;
}

/** The WebSocket of an upgrade in progress, and its timer. */
export class UpgradeProbe {
  /** The new socket. */
  readonly socket: RawSocket;
  /** Its request asked for binary as base64 text (`b64`). */
  readonly base64: boolean;
  /** "2probe" was answered. */
  #probed = false;
  #timer: ReturnType<typeof setTimeout>;
  #session: ProbeSession;

  /** Starts the wait of `timeout` ms for the upgrade. */
  constructor(session: ProbeSession, socket: RawSocket, base64: boolean, timeout: number) {
    this.#session = session;
    this.socket = socket;
    this.base64 = base64;
    this.#timer = setTimeout(() => session.onProbeFailed(this, true), timeout);
  }

  /** A packet on the probe's socket: the probe, then the upgrade; anything else fails it. */
  onPacket(packet: EnginePacket, protocol: SessionProtocol): void {
    if (packet.type === "ping" && packet.data === "probe") {
      this.socket.send(protocol.frame({ type: "pong", data: "probe" }) as string);
      this.#probed = true;
      this.#session.onProbed(this);
    } else if (packet.type === "upgrade" && this.#probed) {
      this.#session.onUpgraded(this);
    } else this.#session.onProbeFailed(this, false);
  }

  /** Stops the wait (the upgrade finished, or the probe is dropped). */
  cancel(): void {
    clearTimeout(this.#timer);
  }
}

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
