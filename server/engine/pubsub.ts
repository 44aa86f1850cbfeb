/**
 * The engine's side of a runtime's native pub/sub (Bun's): topics named per
 * engine, the publish function of every runtime server that upgraded one of
 * the engine's sockets, and one publish that tries them all. How a socket
 * joins a topic and how a server publishes are the runtime bridge's
 * ({@linkcode RuntimePubSub}); which sessions may take published frames is
 * the session's to say.
 *
 * @module
 */

import type { PreparedMessage } from "./types.ts";
import type { Publisher, RawSocket, RuntimePubSub } from "./socket.ts";
import { atLeastBytes } from "./compression.ts";
import { generateId } from "../../common/ids.ts";

/** Native publish to many sessions, for an engine whose runtime offers it. */
export class EnginePubSub {
  #runtime: RuntimePubSub;
  #deflateThreshold: number;
  /** Prefix of this engine's topics, so engines sharing a runtime server never mix. */
  #prefix: string = generateId() + ":";
  /** Publishers of the runtime servers that upgraded sockets for this engine, by server. */
  #publishers = new Map<unknown, Publisher>();

  /**
   * @param runtime The bridge's pub/sub.
   * @param deflateThreshold The engine's `perMessageDeflate` threshold (Infinity: off).
   */
  constructor(runtime: RuntimePubSub, deflateThreshold: number) {
    this.#runtime = runtime;
    this.#deflateThreshold = deflateThreshold;
  }

  /** Keeps the publisher of the runtime server in `context` (the one a request came through). */
  addServer(context: unknown): void {
    if (this.#publishers.has(context)) return;
    const publisher = this.#runtime.publisher(context);
    if (publisher) this.#publishers.set(context, publisher);
  }

  /** Subscribes a session's socket to one of this engine's topics; false when it cannot be. */
  subscribe(socket: RawSocket, topic: string): boolean {
    return this.#runtime.subscribe(socket, this.#prefix + topic);
  }

  /** Removes a subscription made by {@linkcode EnginePubSub.subscribe}. */
  unsubscribe(socket: RawSocket, topic: string): void {
    this.#runtime.unsubscribe(socket, this.#prefix + topic);
  }

  /** Whether a session's socket is subscribed to one of this engine's topics. */
  isSubscribed(socket: RawSocket, topic: string): boolean {
    return this.#runtime.isSubscribed(socket, this.#prefix + topic);
  }

  /**
   * Sends a prepared message's frame once to every socket subscribed to
   * `topic`, on every runtime server known. False when there is none yet.
   *
   * @throws The error of a publish that threw (after every publisher was
   * tried): that server's sessions did not get the message, and the caller
   * sends to them itself. With several runtime servers serving one engine,
   * the sessions of a server whose publish went through then get it twice.
   */
  publish(topic: string, message: PreparedMessage, compress?: boolean): boolean {
    if (this.#publishers.size === 0) return false;
    const name = this.#prefix + topic;
    const frame = message.frame as string | Uint8Array;
    // Compressed as a session's own frames are: allowed, and at least the threshold long.
    const threshold = this.#deflateThreshold;
    const deflate = threshold !== Infinity && compress !== false && atLeastBytes(frame, threshold);
    let failure: { error: unknown } | undefined;
    // A stopped Bun server's publish returns 0 and throws nothing: a throw is a failure.
    for (const publisher of this.#publishers.values()) {
      try {
        publisher(name, frame, deflate);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
    return true;
  }
}
