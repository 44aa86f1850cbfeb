/**
 * The acks a server socket waits for: the callbacks of its own emits (with
 * an optional timeout) and its part of the broadcasts with acks.
 *
 * @module
 */

/** An ack callback. */
export type Ack = (...args: unknown[]) => void;

const TIMEOUT_ERROR = "operation has timed out";

/**
 * Pending acks by packet id. A socket makes its table on its first ack, and
 * the table its timer map on its first timeout: an idle socket holds neither
 * (per-connection memory).
 */
export class PendingAcks {
  #acks = new Map<number, Ack>();
  #timed: Map<number, { timer: ReturnType<typeof setTimeout>; ack: Ack }> | null = null;

  /**
   * Waits for the ack of an emit, called on `self`. With a timeout, `ack`
   * gets an error first (`(error, ...args)`), and the error alone when no
   * answer came in time.
   */
  add(id: number, ack: Ack, timeout: number | undefined, self: unknown): void {
    const acks = this.#acks;
    if (timeout === undefined) {
      acks.set(id, ack);
      return;
    }
    const timed = this.#timed ??= new Map();
    const timer = setTimeout(() => {
      acks.delete(id);
      timed.delete(id);
      ack.call(self, new Error(TIMEOUT_ERROR));
    }, timeout);
    timed.set(id, { timer, ack });
    acks.set(id, (...args: unknown[]) => {
      clearTimeout(timer);
      timed.delete(id);
      ack.call(self, null, ...args);
    });
  }

  /** Waits for this client's answer to a broadcast with acks: its first argument only. */
  addBroadcast(id: number, ack: Ack): void {
    this.#acks.set(id, (...args: unknown[]) => ack(args[0]));
  }

  /** The ack waiting for `id`, which waits no more; undefined when none does. */
  take(id: number): Ack | undefined {
    const ack = this.#acks.get(id);
    if (ack !== undefined) this.#acks.delete(id);
    return ack;
  }

  /**
   * Forgets every pending ack and clears their timers.
   *
   * @returns The acks that had a timeout: they are owed an error, as no answer will come.
   */
  clear(): Ack[] {
    const timed = this.#timed;
    const owed: Ack[] = [];
    if (timed !== null) {
      for (const { timer, ack } of timed.values()) {
        clearTimeout(timer);
        owed.push(ack);
      }
      timed.clear();
    }
    this.#acks.clear();
    return owed;
  }
}
