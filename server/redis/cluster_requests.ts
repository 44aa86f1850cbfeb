/**
 * The requests a cluster adapter waits on: `fetchSockets` and
 * `serverSideEmit` with acks, each answered by a number of nodes (counted) or
 * by a known set of nodes (the heartbeat variant, which can stop waiting for
 * a node that left), and broadcasts with acks, whose client counts and acks
 * are handed on until their timeout passes.
 *
 * @module
 */

import { RedisAdapterError } from "./errors.ts";

/** Called once: with every answer's items, or with an error and the items that came. */
export type ClusterRequestDone = (error: Error | null, items: unknown[]) => void;

/** Who must answer a request: how many nodes, or which ones (by uid). */
export type Responders = number | Set<string>;

interface Pending {
  operation: string;
  waitFor: Responders;
  received: number;
  items: unknown[];
  timer: ReturnType<typeof setTimeout>;
  done: ClusterRequestDone;
}

interface AckRequest {
  clientCount: (count: number) => void;
  ack: (...args: unknown[]) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Whether nobody is to answer. */
export function noResponders(waitFor: Responders): boolean {
  return typeof waitFor === "number" ? waitFor <= 0 : waitFor.size === 0;
}

/** Random request ids: 16 hex characters, as the reference's. */
export function randomHex(bytes = 8): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  let text = "";
  for (const byte of random) text += byte.toString(16).padStart(2, "0");
  return text;
}

/** The pending requests of one cluster adapter, by request id. */
export class ClusterRequests {
  #pending = new Map<string, Pending>();
  #acks = new Map<string, AckRequest>();

  /**
   * Starts a request that `waitFor` answers; `done` gets their items with
   * `initial` first, or after `timeout` milliseconds an error with the items
   * that came.
   *
   * @returns The request id, for the message that carries the request.
   */
  start(
    operation: string,
    waitFor: Responders,
    timeout: number,
    initial: unknown[],
    done: ClusterRequestDone,
  ): string {
    const requestId = randomHex();
    const timer = setTimeout(() => {
      const pending = this.#pending.get(requestId);
      if (!pending) return;
      this.#pending.delete(requestId);
      const message = typeof pending.waitFor === "number"
        ? `timeout reached: only ${pending.received} responses received out of ${pending.waitFor}`
        : `timeout reached: missing ${pending.waitFor.size} responses`;
      pending.done(new RedisAdapterError(operation, message), pending.items);
    }, timeout);
    this.#pending.set(requestId, { operation, waitFor, received: 0, items: initial, timer, done });
    return requestId;
  }

  /** An answer from the node `from` with its items; unknown ids and nodes are ignored. */
  answer(requestId: string, from: string | undefined, items: unknown[]): void {
    const pending = this.#pending.get(requestId);
    if (!pending) return;
    if (typeof pending.waitFor !== "number") {
      if (from === undefined || !pending.waitFor.delete(from)) return;
    } else {
      pending.received++;
    }
    pending.items.push(...items);
    this.#completeIfDone(requestId, pending);
  }

  /** A node left: no request waits for it any longer. */
  forgetNode(uid: string): void {
    for (const [id, pending] of this.#pending) {
      if (typeof pending.waitFor !== "number" && pending.waitFor.delete(uid)) {
        this.#completeIfDone(id, pending);
      }
    }
  }

  #completeIfDone(id: string, pending: Pending): void {
    const complete = typeof pending.waitFor === "number"
      ? pending.received >= pending.waitFor
      : pending.waitFor.size === 0;
    if (!complete) return;
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    pending.done(null, pending.items);
  }

  /**
   * Starts a broadcast with acks: until `timeout` passes, the other nodes'
   * client counts and their clients' acks are handed to the callbacks.
   *
   * @returns The request id, for the message that carries the broadcast.
   */
  startAck(
    timeout: number,
    clientCount: (count: number) => void,
    ack: (...args: unknown[]) => void,
  ): string {
    const requestId = randomHex();
    const timer = setTimeout(() => this.#acks.delete(requestId), timeout);
    this.#acks.set(requestId, { clientCount, ack, timer });
    return requestId;
  }

  /** Another node's client count for a broadcast with acks. */
  clientCount(requestId: string, count: number): void {
    this.#acks.get(requestId)?.clientCount(count);
  }

  /** A client's ack to a broadcast with acks, relayed by its node. */
  ack(requestId: string, value: unknown): void {
    this.#acks.get(requestId)?.ack(value);
  }

  /** Fails every pending request and forgets the broadcasts with acks: the adapter closes. */
  close(): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const request of pending) {
      clearTimeout(request.timer);
      request.done(
        new RedisAdapterError(request.operation, "Cannot finish: the adapter was closed"),
        request.items,
      );
    }
    for (const request of this.#acks.values()) clearTimeout(request.timer);
    this.#acks.clear();
  }
}
