/**
 * When a Redis Cluster client reads the slot map again: one read at a time,
 * every `interval` ms, and soon after trouble (a `MOVED`, a node's connection
 * lost), then again with a growing delay until the nodes are healthy.
 *
 * @module
 */

/** State of a {@linkcode ClusterRefresh}. */
export type ClusterRefreshState = "stopped" | "running";

/** What a {@linkcode ClusterRefresh} calls. */
export interface ClusterRefreshHooks {
  /** Reads the slot map and applies it. */
  read: () => Promise<void>;
  /** Whether every known node's connection is up (no need to read again soon). */
  healthy: () => boolean;
  /** A read failed; nobody awaits the timed reads. */
  onError: (error: unknown) => void;
}

const FIRST_RETRY = 100;
const LAST_RETRY = 2000;

/** The timers and the one read in flight of a cluster client's slot map. */
export class ClusterRefresh {
  #state: ClusterRefreshState = "stopped";
  #hooks: ClusterRefreshHooks;
  #interval: number;
  #reading: Promise<void> | null = null;
  #periodic: ReturnType<typeof setTimeout> | null = null;
  #soon: ReturnType<typeof setTimeout> | null = null;
  #retryDelay = FIRST_RETRY;

  /**
   * @param hooks What to call.
   * @param interval Milliseconds between two timed reads; 0 for none.
   */
  constructor(hooks: ClusterRefreshHooks, interval: number) {
    this.#hooks = hooks;
    this.#interval = interval;
  }

  #setState(next: ClusterRefreshState): void {
    for (const timer of [this.#periodic, this.#soon]) if (timer !== null) clearTimeout(timer);
    this.#periodic = this.#soon = null;
    this.#state = next;
  }

  /** Reads now, or joins the read in flight. */
  read(): Promise<void> {
    this.#reading ??= this.#hooks.read().finally(() => this.#reading = null);
    return this.#reading;
  }

  /** Starts the timed reads. */
  start(): void {
    this.#setState("running");
    this.#schedule();
  }

  /** Reads soon, then again (backing off) while a node is down; at most one such timer. */
  soon(): void {
    if (this.#soon !== null || this.#state !== "running") return;
    this.#soon = setTimeout(() => {
      this.#soon = null;
      this.read().then(
        () => {
          if (this.#hooks.healthy()) return void (this.#retryDelay = FIRST_RETRY);
          this.#backOff();
        },
        (error) => {
          this.#hooks.onError(error);
          this.#backOff();
        },
      );
    }, this.#retryDelay);
  }

  /** Clears every timer; resolves when no read is in flight. */
  async stop(): Promise<void> {
    this.#setState("stopped");
    await this.#reading?.catch(() => {});
  }

  #backOff(): void {
    this.#retryDelay = Math.min(LAST_RETRY, this.#retryDelay * 2);
    this.soon();
  }

  #schedule(): void {
    if (this.#interval <= 0 || this.#state !== "running") return;
    this.#periodic = setTimeout(() => {
      this.#periodic = null;
      this.read().catch((error) => this.#hooks.onError(error)).finally(() => {
        if (this.#periodic === null) this.#schedule();
      });
    }, this.#interval);
  }
}
