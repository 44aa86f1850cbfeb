/**
 * What a client socket keeps for its emits: the acks it waits for (ids,
 * timeouts, their failure on disconnect) and the queue of emits retried
 * until acked (the `retries` option).
 *
 * @module
 */

// deno-lint-ignore-file no-explicit-any

import { callUser } from "./report.ts";

/** An ack callback; `withError` when it takes an error first (a timeout was set). */
export type Ack = ((...args: any[]) => void) & { withError?: boolean };

/** The modifiers of one emit. */
export interface EmitFlags {
  compress?: boolean;
  volatile?: boolean;
  timeout?: number;
  fromQueue?: boolean;
}

/** The acks a socket waits for, by packet id. */
export class Acks {
  #owner: unknown;
  #next = 0;
  #pending = new Map<number, Ack>();

  /** @param owner What the ack callbacks are called on (the socket). */
  constructor(owner: unknown) {
    this.#owner = owner;
  }

  /**
   * Registers `ack` under the next packet id and returns the id. After
   * `timeout` ms without an answer, `onTimeout(id)` runs and `ack` gets an
   * error; an ack with a timeout takes an error (or null) first.
   */
  add(ack: Ack, timeout: number | undefined, onTimeout: (id: number) => void): number {
    const id = this.#next++;
    if (timeout === undefined) {
      this.#pending.set(id, ack);
      return id;
    }
    const owner = this.#owner;
    const timer = setTimeout(() => {
      this.#pending.delete(id);
      onTimeout(id);
      callUser(owner, ack, [new Error("operation has timed out")]);
    }, timeout);
    const wrapped: Ack = (...args: unknown[]) => {
      clearTimeout(timer);
      callUser(owner, ack, args);
    };
    wrapped.withError = true;
    (wrapped as { timer?: unknown }).timer = timer;
    this.#pending.set(id, wrapped);
    return id;
  }

  /** The server answered `id` with `data`. */
  resolve(id: number, data: unknown[]): void {
    const ack = this.#pending.get(id);
    if (typeof ack !== "function") return;
    this.#pending.delete(id);
    const args = data.slice();
    if (ack.withError) args.unshift(null);
    callUser(this.#owner, ack, args);
  }

  /**
   * The socket disconnected: every ack but those `kept` (their packet waits
   * in the send buffer) is dropped, and one that takes an error gets one.
   */
  clear(kept: (id: number) => boolean): void {
    for (const [id, ack] of this.#pending) {
      if (kept(id)) continue;
      this.#pending.delete(id);
      if (ack.withError) {
        clearTimeout((ack as { timer?: ReturnType<typeof setTimeout> }).timer);
        callUser(this.#owner, ack, [new Error("socket has been disconnected")]);
      }
    }
  }
}

interface QueuedEmit {
  id: number;
  tryCount: number;
  pending: boolean;
  args: unknown[];
  flags: EmitFlags;
}

/**
 * Emits retried until acked, at most `retries` times more, one in flight
 * (at-least-once, in order), as socket.io-client's `retries` option does.
 */
export class RetryQueue {
  #owner: { readonly connected: boolean };
  #retries: number;
  #send: (event: string, args: unknown[], flags: EmitFlags) => void;
  #queue: QueuedEmit[] = [];
  #seq = 0;

  /**
   * @param owner The socket: the queue waits while it is not connected, and
   * calls the acks on it.
   * @param retries Retries per emit.
   * @param send Emits at once (the ack of the queue last in `args`).
   */
  constructor(
    owner: { readonly connected: boolean },
    retries: number,
    send: (event: string, args: unknown[], flags: EmitFlags) => void,
  ) {
    this.#owner = owner;
    this.#retries = retries;
    this.#send = send;
  }

  /** Queues an emit (`args` is the event and its arguments, an ack last if any). */
  add(args: unknown[], flags: EmitFlags): void {
    let ack: Ack | undefined;
    if (typeof args[args.length - 1] === "function") ack = args.pop() as Ack;
    const packet: QueuedEmit = {
      id: this.#seq++,
      tryCount: 0,
      pending: false,
      args,
      flags: { ...flags, fromQueue: true },
    };
    const onResponse: Ack = (error: unknown, ...response: unknown[]) => {
      if (packet !== this.#queue[0]) return;
      if (error !== null) {
        if (packet.tryCount > this.#retries) {
          this.#queue.shift();
          if (ack) callUser(this.#owner, ack, [error]);
        }
      } else {
        this.#queue.shift();
        if (ack) callUser(this.#owner, ack, [null, ...response]);
      }
      packet.pending = false;
      this.drain();
    };
    onResponse.withError = true;
    args.push(onResponse);
    this.#queue.push(packet);
    this.drain();
  }

  /** Sends the first emit unless it is in flight (or `force`, on a new connection). */
  drain(force = false): void {
    if (!this.#owner.connected || this.#queue.length === 0) return;
    const packet = this.#queue[0];
    if (packet.pending && !force) return;
    packet.pending = true;
    packet.tryCount++;
    const [event, ...args] = packet.args as [string, ...unknown[]];
    this.#send(event, args, packet.flags);
  }
}
