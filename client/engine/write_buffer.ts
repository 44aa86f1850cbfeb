/**
 * The write buffer of the Engine.IO client: the packets waiting for the
 * transport, and the batch it is writing. One batch is in flight at a time;
 * the packets queued meanwhile go in the next, once the transport drained.
 *
 * @module
 */

import type { EnginePacket } from "../../protocol/engine_io.ts";
import type { Transport } from "./transport.ts";

/** Packets queued for the transport, written one batch at a time. */
export class WriteBuffer {
  /** The batch in flight first (its first `#inFlight` packets), then the queued ones. */
  #packets: EnginePacket[] = [];
  #inFlight = 0;

  /** Whether no packet is queued or in flight. */
  get empty(): boolean {
    return this.#packets.length === 0;
  }

  /** Queues a packet. */
  push(packet: EnginePacket): void {
    this.#packets.push(packet);
  }

  /**
   * Hands `transport` the next batch (as many packets as `maxPayload` lets
   * it take), unless a batch is in flight or nothing is queued.
   *
   * @returns Whether a batch was handed over.
   */
  flushTo(transport: Transport, maxPayload: number): boolean {
    if (this.#packets.length === 0 || this.#inFlight > 0) return false;
    const batch = transport.batch(this.#packets, maxPayload);
    transport.send(batch);
    this.#inFlight = batch.length;
    return true;
  }

  /**
   * The transport wrote the batch in flight: it leaves the buffer.
   *
   * @returns Whether packets are still queued.
   */
  drained(): boolean {
    this.#packets.splice(0, this.#inFlight);
    this.#inFlight = 0;
    return this.#packets.length > 0;
  }

  /** Drops every packet: the connection closed. */
  clear(): void {
    this.#packets = [];
    this.#inFlight = 0;
  }
}
