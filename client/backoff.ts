/**
 * Exponential backoff with jitter for reconnection, the algorithm
 * socket.io-client uses: `min * 2^attempt`, moved up or down by up to
 * `jitter` of itself, capped at `max`.
 *
 * @module
 */

/** Options of {@linkcode Backoff}. */
export interface BackoffOptions {
  /** First delay in ms. @default 100 */
  min?: number;
  /** Largest delay in ms. @default 10000 */
  max?: number;
  /** Growth factor. @default 2 */
  factor?: number;
  /** Jitter, 0 to 1. @default 0 */
  jitter?: number;
  /** Source of randomness (tests pass a seeded one). @default Math.random */
  random?: () => number;
}

/**
 * Reconnection delays.
 *
 * @example The defaults of socket.io-client
 * ```ts
 * import { Backoff } from "./backoff.ts";
 * const backoff = new Backoff({ min: 1000, max: 5000, jitter: 0.5 });
 * backoff.duration(); // 500..1500, then 1000..3000, then 2000..5000
 * ```
 */
export class Backoff {
  /** Attempts so far. */
  attempts = 0;
  /** First delay. */
  min: number;
  /** Cap. */
  max: number;
  /** Growth factor. */
  factor: number;
  /** Jitter. */
  jitter: number;
  #random: () => number;

  /**
   * Makes a backoff at its first attempt.
   *
   * @param options Delays and jitter.
   */
  constructor(options: BackoffOptions = {}) {
    this.min = options.min ?? 100;
    this.max = options.max ?? 10_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter !== undefined && options.jitter > 0 && options.jitter <= 1
      ? options.jitter
      : 0;
    this.#random = options.random ?? Math.random;
  }

  /** The next delay, in ms. */
  duration(): number {
    let ms = this.min * Math.pow(this.factor, this.attempts++);
    if (this.jitter) {
      const rand = this.#random();
      const deviation = Math.floor(rand * this.jitter * ms);
      ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
    }
    return Math.min(ms, this.max) | 0;
  }

  /** Starts over. */
  reset(): void {
    this.attempts = 0;
  }
}
