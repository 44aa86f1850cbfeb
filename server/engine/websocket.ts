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
import type { ResolvedEngineOptions } from "./options.ts";
import type { RawSocket, SocketBuffers } from "./socket.ts";
import type { SendOptions } from "./types.ts";

/** A frame as the runtime's socket takes it. */
export type Frame = string | Uint8Array<ArrayBuffer>;

/**
 * What the runtime may hold of a socket's writes before the engine holds
 * the next frames itself: a working amount that keeps the socket busy
 * without letting a slow reader's backlog grow in the runtime.
 */
export const RUNTIME_WORKING_BYTES = 1024 * 1024;

/** How often the engine looks again at a runtime that reports no drain (Deno), ms. */
const DRAIN_CHECK_MS = 10;

/** What a WebSocket transport needs of its session. */
export interface WebSocketOwner {
  /** The engine's options (the compression threshold, `maxBufferSize`). */
  readonly options: ResolvedEngineOptions;
  /** What the runtime holds of each socket's writes, when it can tell. */
  readonly buffers: SocketBuffers | null;
  /**
   * The transport started holding frames (its client does not read) or
   * sent the last one it held.
   */
  onHolding(holding: boolean): void;
  /**
   * A frame would take what is held past `maxBufferSize` (`size` was held),
   * or the runtime dropped one: the session must close. Called once; what
   * is written after that is dropped.
   */
  onOverflow(size: number): void;
}

/** Frames a transport holds while its client does not read, in order. */
interface Held {
  frames: Frame[];
  compress: boolean[];
  /** Their size: bytes, UTF-16 units for text. */
  size: number;
  /** The next look at the runtime's buffer, where it reports no drain. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The size of a frame as the bound counts it: bytes, UTF-16 units for text. */
function sizeOf(frame: Frame): number {
  return typeof frame === "string" ? frame.length : frame.byteLength;
}

/**
 * The WebSocket a session runs on, and how its frames are written:
 * compression, base64 for clients without binary support, and
 * backpressure. While the runtime holds less than
 * {@linkcode RUNTIME_WORKING_BYTES} of the socket's writes, frames go
 * straight to it; past that the transport holds them, in order, until the
 * runtime drains, and refuses a frame that would take what it holds past
 * `maxBufferSize`.
 */
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
  #owner: WebSocketOwner;
  /** The frames held while the client does not read; null while the runtime takes them. */
  #held: Held | null = null;

  /** The transport of `socket`, whose request asked for base64 or not. */
  constructor(
    socket: RawSocket,
    base64: boolean,
    protocol: SessionProtocol,
    owner: WebSocketOwner,
  ) {
    this.socket = socket;
    this.base64 = base64;
    this.rawFrames = protocol.v4Frames && !base64;
    this.#protocol = protocol;
    this.#owner = owner;
  }

  /** Whether frames are held: the client is not reading what was sent. */
  get holding(): boolean {
    return this.#held !== null;
  }

  /** The size of the frames held (bytes, UTF-16 units for text); Infinity once one was refused. */
  get heldSize(): number {
    return this.#held?.size ?? 0;
  }

  /** One packet as a frame of this socket: binary as base64 text with `b64`. */
  frame(packet: EnginePacket): Frame {
    const protocol = this.#protocol;
    return (this.base64 ? protocol.frameText(packet) : protocol.frame(packet)) as Frame;
  }

  /**
   * Writes one frame, compressed when the sender allows it and it is long
   * enough; held while the client does not read. One that would take what
   * is held past `maxBufferSize` (or that the runtime dropped) is refused
   * and the owner told ({@linkcode WebSocketOwner.onOverflow}).
   */
  write(frame: Frame, options: SendOptions | undefined): void {
    const threshold = this.#owner.options.deflateThreshold;
    const compress = threshold !== Infinity && options?.compress !== false &&
      atLeastBytes(frame, threshold);
    if (this.#held !== null) {
      this.#hold(frame, compress);
      return;
    }
    const sent = this.socket.send(frame, compress);
    const buffers = this.#owner.buffers;
    if (buffers === null) return;
    const buffered = buffers.buffered(this.socket, sent);
    if (buffered <= RUNTIME_WORKING_BYTES) return;
    this.#held = { frames: [], compress: [], size: 0, timer: undefined };
    if (buffered === Infinity) {
      this.#refuse();
      return;
    }
    this.#waitForDrain();
    this.#owner.onHolding(true);
  }

  /** Writes one packet (see {@linkcode WebSocketTransport.write}). */
  writePacket(packet: EnginePacket, options: SendOptions | undefined): void {
    this.write(this.frame(packet), options);
  }

  #hold(frame: Frame, compress: boolean): void {
    const held = this.#held!;
    if (held.size === Infinity) return; // Refused already: the session is closing.
    const size = sizeOf(frame);
    if (held.size + size > this.#owner.options.maxBufferSize) {
      this.#refuse();
      return;
    }
    held.frames.push(frame);
    held.compress.push(compress);
    held.size += size;
  }

  /** Refuses this frame and every one after it (nothing may follow a lost frame). */
  #refuse(): void {
    const held = this.#held!;
    const size = held.size;
    held.size = Infinity;
    held.frames.length = 0;
    held.compress.length = 0;
    clearTimeout(held.timer);
    this.#owner.onOverflow(size);
  }

  /**
   * The runtime may take more: held frames go to it until it holds the
   * working amount again. When none is left, the owner hears of it.
   */
  drain(): void {
    const held = this.#held;
    const buffers = this.#owner.buffers;
    if (held === null || buffers === null || held.size === Infinity) return;
    clearTimeout(held.timer);
    held.timer = undefined;
    let next = 0;
    const count = held.frames.length;
    while (next < count) {
      if (buffers.buffered(this.socket, -1) > RUNTIME_WORKING_BYTES) break;
      const frame = held.frames[next];
      const sent = this.socket.send(frame, held.compress[next]);
      next++;
      held.size -= sizeOf(frame);
      if (buffers.buffered(this.socket, sent) > RUNTIME_WORKING_BYTES) break;
    }
    held.frames.splice(0, next);
    held.compress.splice(0, next);
    if (held.frames.length > 0) {
      this.#waitForDrain();
      return;
    }
    this.#held = null;
    this.#owner.onHolding(false);
  }

  /** Where the runtime reports no drain, looks again a little later. */
  #waitForDrain(): void {
    const held = this.#held!;
    if (this.#owner.buffers?.drainEvents === false) {
      held.timer = setTimeout(() => this.drain(), DRAIN_CHECK_MS);
    }
  }

  /** Drops what is held (the session ended). */
  release(): void {
    const held = this.#held;
    if (held === null) return;
    clearTimeout(held.timer);
    this.#held = null;
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
