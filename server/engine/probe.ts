/**
 * The upgrade probe of a long-polling session (spec: "Upgrade"): the client
 * sends "2probe" on the new socket and gets "3probe", the server answers the
 * pending GET with a noop so that the client pauses polling, then the
 * client's "5" moves the session to the socket. A probe that does not finish
 * within `upgradeTimeout` is dropped.
 *
 * @module
 */

import type { EnginePacket } from "../../protocol/engine_io.ts";
import type { SessionProtocol } from "./codec.ts";
import type { RawSocket } from "./socket.ts";
import type { WebSocketTransport } from "./websocket.ts";
import { closeQuietly, isProtocolError, readFrame, TOO_LARGE } from "./websocket_frames.ts";

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
  /** The new socket's transport (open). */
  readonly transport: WebSocketTransport;
  /** "2probe" was answered. */
  #probed = false;
  #timer: ReturnType<typeof setTimeout>;
  #session: ProbeSession;

  /** Starts the wait of `timeout` ms for the upgrade. */
  constructor(session: ProbeSession, transport: WebSocketTransport, timeout: number) {
    this.#session = session;
    this.transport = transport;
    this.#timer = setTimeout(() => session.onProbeFailed(this, true), timeout);
  }

  /** The new socket. */
  get socket(): RawSocket {
    return this.transport.socket!;
  }

  /** A frame on the probe's socket (over `max` bytes, it is closed with 1009). */
  onFrame(data: string | ArrayBuffer | Uint8Array, protocol: SessionProtocol, max: number): void {
    let packet: EnginePacket | typeof TOO_LARGE;
    try {
      packet = readFrame(protocol, data, max);
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      this.#session.onProbeFailed(this, false);
      return;
    }
    if (packet === TOO_LARGE) closeQuietly(this.socket, 1009);
    else this.onPacket(packet, protocol);
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
