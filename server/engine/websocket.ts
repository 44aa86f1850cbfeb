/**
 * A WebSocket of a session: the target of its runtime socket's events
 * (`ws.data` on Bun: no closure per socket), how frames are written to it
 * (compression, base64 for clients without binary support, backpressure)
 * and read from it. The session runs on it once it is `active`; until then
 * it is an upgrade's probe (`probe.ts`), whose frames go to the session.
 *
 * @module
 */

import type { EnginePacket } from "../../protocol/engine_io.ts";
import type { SessionProtocol } from "./codec.ts";
import { atLeastBytes } from "./compression.ts";
import type { ResolvedEngineOptions } from "./options.ts";
import type { RawSocket, SocketBuffers, SocketTarget } from "./socket.ts";
import type { ConnectionHandler, SendOptions } from "./types.ts";
import { closeQuietly, isProtocolError, readFrame, TOO_LARGE } from "./websocket_frames.ts";

/** A frame as the runtime's socket takes it. */
export type Frame = string | Uint8Array<ArrayBuffer>;

/**
 * What the runtime may hold of a socket's writes before the engine holds
 * the next frames itself: a working amount that keeps the socket busy
 * without letting a slow reader's backlog grow in the runtime. 1 MiB, or
 * half of `maxBufferSize` when that is smaller, so that what a slow reader
 * costs (the runtime's share plus the engine's) stays within 1.5 times the
 * bound the user chose.
 */
export function runtimeShare(maxBufferSize: number): number {
  return Math.min(1024 * 1024, maxBufferSize / 2);
}

/** How often the engine looks again at a runtime that reports no drain (Deno), ms. */
const DRAIN_CHECK_MS = 10;

/** What a WebSocket transport needs of its session. */
export interface WebSocketOwner {
  /** The engine's options (the compression threshold, `maxBufferSize`). */
  readonly options: ResolvedEngineOptions;
  /** Where the usual message goes, straight from its frame. */
  readonly handler: ConnectionHandler;
  /** Whether the bare engine's listeners of an event must see each packet. */
  hasListeners(event: "packet" | "message"): boolean;
  /** The socket opened. */
  onSocketOpened(transport: WebSocketTransport): void;
  /** A frame arrived on a socket the session does not run on (an upgrade's probe). */
  onProbeFrame(transport: WebSocketTransport, data: string | ArrayBuffer | Uint8Array): void;
  /** The socket closed. */
  onSocketClosed(transport: WebSocketTransport, code: number): void;
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
  /** A packet from the client. */
  receive(packet: EnginePacket): void;
  /** A frame did not decode: the session ends ("parse error"). */
  parseError(error: unknown): void;
  /** A frame was over `maxHttpBufferSize`: the socket is closed (1009), the session ends. */
  onTooLarge(transport: WebSocketTransport): void;
  /** Tells listeners of the bare engine of a packet that changes nothing. */
  emit(event: "packet", packet: EnginePacket): unknown;
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
 * backpressure. While the runtime holds less than its share
 * ({@linkcode runtimeShare}) of the socket's writes, frames go
 * straight to it; past that the transport holds them, in order, until the
 * runtime drains, and refuses a frame that would take what it holds past
 * `maxBufferSize`.
 */
export class WebSocketTransport implements SocketTarget {
  /** The runtime's socket, once open. */
  socket: RawSocket | null = null;
  /**
   * Binary goes as base64 text ("b" + base64): the socket's request had `b64`
   * in the query (a client's `forceBase64`), as engine.io's transports do
   * without `supportsBinary`.
   */
  readonly base64: boolean;
  /** The session runs on this socket (not an upgrade's probe of it). */
  active = false;
  #protocol: SessionProtocol;
  #owner: WebSocketOwner;
  /** The frames held while the client does not read; null while the runtime takes them. */
  #held: Held | null = null;

  /** The transport of a socket whose request asked for base64 or not; open on its event. */
  constructor(base64: boolean, protocol: SessionProtocol, owner: WebSocketOwner) {
    this.base64 = base64;
    this.#protocol = protocol;
    this.#owner = owner;
  }

  /** Frames built once as v4 (a prepared broadcast, a publish) go to this socket as they are. */
  get rawFrames(): boolean {
    return !this.base64 && this.#protocol.v4Frames;
  }

  /** The socket is open (the runtime bridge calls this, as the next three). */
  onSocketOpen(socket: RawSocket): void {
    this.socket = socket;
    this.#owner.onSocketOpened(this);
  }

  /** A frame arrived. */
  onSocketMessage(_socket: RawSocket, data: string | ArrayBuffer | Uint8Array): void {
    const owner = this.#owner;
    if (
      this.active && typeof data === "string" && data.charCodeAt(0) === 52 /* "4" */ &&
      !this.base64 && this.#protocol.v4Frames &&
      // n UTF-16 units are at most 3n UTF-8 bytes: within the limit without counting them.
      data.length * 3 <= owner.options.maxHttpBufferSize &&
      !owner.hasListeners("packet") && !owner.hasListeners("message")
    ) {
      // The usual frame, a v4 text message on the session's socket: no packet object, and the
      // message handed over in its frame, from index 1 on (no copy). The rest is in other
      // functions, so that this one stays small (optimized after fewer calls).
      owner.handler.onMessage(data, 1);
      return;
    }
    if (this.active) this.onFrame(data);
    else owner.onProbeFrame(this, data);
  }

  /** The runtime sent what it held for the socket (where it says so: Bun's `drain`). */
  onSocketDrain(): void {
    this.drain();
  }

  /** The socket closed. */
  onSocketClose(_socket: RawSocket, code: number): void {
    this.release();
    this.#owner.onSocketClosed(this, code);
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
    const socket = this.socket!;
    const sent = socket.send(frame, compress);
    const buffers = this.#owner.buffers;
    if (buffers === null) return;
    const buffered = buffers.buffered(socket, sent);
    if (buffered <= runtimeShare(this.#owner.options.maxBufferSize)) return;
    this.#held = { frames: [], compress: [], size: 0, timer: undefined };
    if (buffered === Infinity) {
      this.#refuse();
      return;
    }
    this.#waitForDrain();
    this.#owner.onHolding(true);
  }

  /**
   * A frame other than the usual v4 text message (which the session reads
   * itself): decoded with the size limit in bytes, and handed to the owner.
   */
  onFrame(data: string | ArrayBuffer | Uint8Array): void {
    const owner = this.#owner;
    let packet: EnginePacket | typeof TOO_LARGE;
    try {
      packet = readFrame(this.#protocol, data, owner.options.maxHttpBufferSize);
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      owner.parseError(error);
      return;
    }
    if (packet === TOO_LARGE) {
      // 1009 (message too big) and no reason, as the reference's ws closes it. Deno buffers the
      // whole frame before we see it; on Bun the runtime's own maxPayloadLength (equal to this
      // limit, set by the Bun bridge) cuts such a message while reading, so this is Deno's path.
      closeQuietly(this.socket!, 1009);
      owner.onTooLarge(this);
    } else if (packet.type === "close") {
      // A close packet over WebSocket ends nothing, as in the reference (its WebSocket transport
      // has no use for it): the session lives until the socket closes. Over polling it closes.
      owner.emit("packet", packet);
    } else owner.receive(packet);
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
    const socket = this.socket!;
    const share = runtimeShare(this.#owner.options.maxBufferSize);
    let next = 0;
    const count = held.frames.length;
    while (next < count) {
      if (buffers.buffered(socket, -1) > share) break;
      const frame = held.frames[next];
      const sent = socket.send(frame, held.compress[next]);
      next++;
      held.size -= sizeOf(frame);
      if (buffers.buffered(socket, sent) > share) break;
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
