/**
 * Reply correlation for one Redis connection: Redis answers commands in the
 * order they were written, so a FIFO of pending commands pairs each reply with
 * its caller, which is what lets commands be pipelined.
 *
 * @module
 */

import { RedisReplyError, RespPush, type RespReply } from "./resp.ts";

/** A command written to the connection and still waiting for its replies. */
export interface PendingCommand {
  resolve: (reply: RespReply) => void;
  reject: (error: Error) => void;
  /** Replies still expected (SUBSCRIBE to n channels answers n times). */
  remaining: number;
  /** Keep bulk strings as `Uint8Array` (the decoder always yields bytes). */
  bytes: boolean;
}

const textDecoder = new TextDecoder();

/** Turns every Uint8Array in a reply into a string (the decoder runs in bytes mode). */
function toStrings(reply: RespReply): RespReply {
  if (reply instanceof Uint8Array) return textDecoder.decode(reply);
  if (Array.isArray(reply)) return reply.map(toStrings);
  if (reply instanceof Map) {
    const map = new Map<RespReply, RespReply>();
    for (const [k, v] of reply) map.set(toStrings(k), toStrings(v));
    return map;
  }
  if (reply instanceof RespPush) return new RespPush(reply.data.map(toStrings));
  return reply;
}

/** The FIFO of pending commands of one connection. */
export class ReplyQueue {
  #queue: PendingCommand[] = [];

  /** Expects the replies of a command about to be written. */
  push(pending: PendingCommand): void {
    this.#queue.push(pending);
  }

  /** Hands `reply` to the oldest pending command; unsolicited replies are ignored. */
  settle(reply: RespReply): void {
    const head = this.#queue[0];
    if (!head) return; // Unsolicited (e.g. a RESP3 push we did not ask for): ignore.
    head.remaining--;
    if (reply instanceof RedisReplyError) {
      this.#queue.shift();
      // Swallow the remaining replies of a multi-reply command by keeping a stub in place.
      if (head.remaining > 0) this.#queue.unshift({ ...head, resolve: () => {}, reject: () => {} });
      head.reject(reply);
      return;
    }
    if (head.remaining > 0) return;
    this.#queue.shift();
    head.resolve(head.bytes ? reply : toStrings(reply));
  }

  /** Rejects every pending command with `error` and empties the queue. */
  rejectAll(error: Error): number {
    const lost = this.#queue;
    this.#queue = [];
    for (const pending of lost) pending.reject(error);
    return lost.length;
  }
}
