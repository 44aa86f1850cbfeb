/**
 * The packets of a session waiting for a poll or an upgrade, in order, and
 * their size against the engine's `maxBufferSize`. A session has one from
 * its first queued packet on (a session that began on WebSocket never has
 * one).
 *
 * @module
 */

import type { EnginePacket } from "../../protocol/engine_io.ts";

/** A packet's size as the bound counts it: its data's bytes, UTF-16 units for text. */
function sizeOf(packet: EnginePacket): number {
  const data = packet.data;
  return data === undefined ? 1 : typeof data === "string" ? data.length + 1 : data.byteLength + 1;
}

/** Packets waiting for a poll or an upgrade. */
export class PacketQueue {
  #packets: EnginePacket[] = [];
  /** A queued packet may be compressed (engine.io compresses a response when any allows it). */
  #compress = false;
  /** The size of the queued packets' data; Infinity once one was refused. */
  #size = 0;

  /** Whether packets wait. */
  get length(): number {
    return this.#packets.length;
  }

  /** The size waiting (bytes, UTF-16 units for text); Infinity once a packet was refused. */
  get size(): number {
    return this.#size;
  }

  /** Whether a queued packet may be compressed. */
  get compressible(): boolean {
    return this.#compress;
  }

  /**
   * Queues `packet`, unless it would take the size past `max`: then it and
   * every packet after it are refused (nothing may follow a lost packet; the
   * session closes). Returns whether it was queued.
   */
  push(packet: EnginePacket, compress: boolean, max: number): boolean {
    if (this.#size === Infinity) return false;
    const size = this.#size + sizeOf(packet);
    if (size > max) {
      this.#size = Infinity;
      this.#packets.length = 0;
      return false;
    }
    this.#packets.push(packet);
    this.#size = size;
    if (compress) this.#compress = true;
    return true;
  }

  /** Queues the close packet, whatever the size: it goes out with the next poll. */
  pushClose(): void {
    this.#packets.push({ type: "close" });
  }

  /** Empties the queue; returns what was in it. */
  take(): EnginePacket[] {
    const packets = this.#packets;
    this.#packets = [];
    this.#compress = false;
    if (this.#size !== Infinity) this.#size = 0;
    return packets;
  }
}
