/**
 * Request correlation of the Redis adapter: the requests this node sent to
 * the others (fetchSockets, serverSideEmit with acks, ...) and its
 * broadcasts with acks, each under its id until its answers came or its
 * timeout passed.
 *
 * @module
 */

import { randomId } from "../../common/ids.ts";
import { RedisAdapterError } from "./errors.ts";
import { type ClusterMessage, requestName, RequestType } from "./wire.ts";

/** Called once: with every answer's items, or with an error and the items that came. */
export type RequestDone = (error: Error | null, items: unknown[]) => void;

interface Pending {
  type: RequestType;
  expected: number;
  received: number;
  items: unknown[];
  timer: ReturnType<typeof setTimeout>;
  done: RequestDone;
}

interface AckRequest {
  clientCount: (count: number) => void;
  ack: (...args: unknown[]) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** The requests of one adapter that wait for answers, by request id. */
export class Requests {
  #timeout: number;
  #pending = new Map<string, Pending>();
  #acks = new Map<string, AckRequest>();

  /** @param timeout Milliseconds to wait for the answers to a request. */
  constructor(timeout: number) {
    this.#timeout = timeout;
  }

  /**
   * Starts a request that `expected` nodes answer; `done` gets their items
   * gathered, or a timeout error with the items that came.
   *
   * @returns The request id, for the message that carries the request.
   */
  start(type: RequestType, expected: number, done: RequestDone): string {
    const requestId = randomId(6);
    const timer = setTimeout(() => {
      const pending = this.#pending.get(requestId);
      if (!pending) return;
      this.#pending.delete(requestId);
      const message =
        `timeout reached: only ${pending.received} responses received out of ${pending.expected}`;
      pending.done(new RedisAdapterError(requestName(type), message), pending.items);
    }, this.#timeout);
    this.#pending.set(requestId, { type, expected, received: 0, items: [], timer, done });
    return requestId;
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
    const requestId = randomId(6);
    const timer = setTimeout(() => this.#acks.delete(requestId), timeout);
    this.#acks.set(requestId, { clientCount, ack, timer });
    return requestId;
  }

  /** A response from another node, counted toward its request; unknown ids are ignored. */
  onResponse(response: ClusterMessage): void {
    const id = response.requestId;
    if (typeof id !== "string") return;
    const ackRequest = this.#acks.get(id);
    if (ackRequest) {
      if (response.type === RequestType.BROADCAST_CLIENT_COUNT) {
        ackRequest.clientCount(Number(response.clientCount) || 0);
      } else if (response.type === RequestType.BROADCAST_ACK) {
        ackRequest.ack(response.packet);
      }
      return;
    }
    const pending = this.#pending.get(id);
    if (!pending) return;
    const r = response as ClusterMessage & { rooms?: unknown };
    switch (pending.type) {
      case RequestType.SOCKETS:
      case RequestType.REMOTE_FETCH:
        if (!Array.isArray(r.sockets)) return;
        pending.items.push(...r.sockets);
        break;
      case RequestType.ALL_ROOMS:
        if (!Array.isArray(r.rooms)) return;
        pending.items.push(...r.rooms);
        break;
      case RequestType.SERVER_SIDE_EMIT:
        pending.items.push(r.data);
        break;
      default:
        return;
    }
    if (++pending.received >= pending.expected) {
      clearTimeout(pending.timer);
      this.#pending.delete(id);
      pending.done(null, pending.items);
    }
  }

  /** Fails every pending request and forgets the broadcasts with acks: the adapter closes. */
  close(): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.done(new RedisAdapterError("close", "The adapter was closed"), pending.items);
      this.#pending.delete(id);
    }
    for (const request of this.#acks.values()) clearTimeout(request.timer);
    this.#acks.clear();
  }
}
