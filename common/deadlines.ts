/**
 * Deadlines of one fixed delay shared by many owners, on one runtime timer.
 *
 * Every session of an engine waits the same `pingInterval` before its next
 * ping and the same `pingTimeout` for the answer. With one delay, deadlines
 * come due in the order they were set, so a `Map` in insertion order is the
 * whole schedule: setting a deadline again moves its owner to the end, the
 * timer only ever waits for the first entry. That replaces a runtime timer
 * (and its closure) per session with one map entry.
 *
 * @module
 */

/** An owner of deadlines: told when its deadline passed. */
export interface DeadlineOwner {
  /** The deadline passed (it is no longer scheduled). */
  onDeadline(queue: DeadlineQueue): void;
}

/**
 * Deadlines `delay` milliseconds after each {@linkcode DeadlineQueue.set};
 * one timer, armed only while a deadline is pending.
 *
 * @example Ping deadlines
 * ```ts
 * import { DeadlineQueue } from "./deadlines.ts";
 * const pings = new DeadlineQueue(25_000);
 * const session = { onDeadline: () => console.log("send a ping") };
 * pings.set(session); // due in 25 s; set again to push it back, delete to cancel
 * pings.delete(session);
 * ```
 */
export class DeadlineQueue {
  /** The delay of every deadline, ms. */
  readonly delay: number;
  /** Owner -> due time (performance.now() ms), in due order. */
  #due = new Map<DeadlineOwner, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #firing = false;

  /** @param delay ms from `set` to the deadline. */
  constructor(delay: number) {
    this.delay = delay;
  }

  /** How many deadlines are pending. */
  get size(): number {
    return this.#due.size;
  }

  /** Sets (or moves back) the deadline of `owner` to `delay` ms from now. */
  set(owner: DeadlineOwner): void {
    const due = performance.now() + this.delay;
    this.#due.delete(owner);
    this.#due.set(owner, due);
    if (this.#timer === undefined && !this.#firing) this.#arm(due);
  }

  /** Cancels the deadline of `owner`, if any. */
  delete(owner: DeadlineOwner): void {
    if (!this.#due.delete(owner)) return;
    if (this.#due.size === 0) this.#disarm();
  }

  #arm(due: number): void {
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, due - performance.now()));
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#firing = true;
    try {
      // Timers may fire a little early; a deadline within 1 ms counts as due.
      const now = performance.now() + 1;
      for (const [owner, due] of this.#due) {
        if (due > now) break;
        this.#due.delete(owner);
        owner.onDeadline(this);
      }
    } finally {
      // Re-armed once, for the first deadline left (also when an owner threw: the others stay).
      this.#firing = false;
      if (this.#due.size > 0) this.#arm(this.#due.values().next().value!);
    }
  }

  /** @internal For tests: the first pending deadline (when the timer is armed), or Infinity. */
  get armedFor(): number {
    if (this.#timer === undefined) return Infinity;
    return this.#due.values().next().value ?? Infinity;
  }
}
