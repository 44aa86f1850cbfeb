/**
 * The Redis adapter's pub/sub: what one namespace's adapter subscribes to
 * (the broadcast pattern, the request and response channels), publishing with failures
 * reported rather than thrown, and the server count. Channel names are
 * `wire.ts`'s; what arrives goes to the handlers the adapter gives.
 *
 * @module
 */

import { RedisAdapterError } from "./errors.ts";
import type { NormalizedRedisClient, RedisBytesHandler } from "./normalize.ts";
import { type Channels, replyText } from "./wire.ts";

/** Where the messages of the subscriptions go, and the failures nobody awaits. */
export interface PubSubHandlers {
  /** A broadcast, on the namespace's channel or a room's. */
  onBroadcast: RedisBytesHandler;
  /** A request, command or response, on the request or a response channel. */
  onRequest: RedisBytesHandler;
  /** A failure to publish or to follow a room: reported, never thrown. */
  onError: (error: RedisAdapterError) => void;
}

/** The subscriptions and publications of one adapter over its two Redis clients. */
export class PubSub {
  #pub: NormalizedRedisClient;
  #sub: NormalizedRedisClient;
  #channels: Channels;
  #handlers: PubSubHandlers;

  /**
   * @param pub The client used to publish and send commands.
   * @param sub The client used to subscribe (may be `pub`).
   * @param channels The namespace's channel names.
   * @param handlers Where messages and failures go.
   */
  constructor(
    pub: NormalizedRedisClient,
    sub: NormalizedRedisClient,
    channels: Channels,
    handlers: PubSubHandlers,
  ) {
    this.#pub = pub;
    this.#sub = sub;
    this.#channels = channels;
    this.#handlers = handlers;
  }

  /**
   * Connects and subscribes, the request channel last.
   *
   * @throws {RedisAdapterError} When Redis refuses (also given to `onError`).
   */
  async subscribe(): Promise<void> {
    const channels = this.#channels;
    const { onBroadcast, onRequest } = this.#handlers;
    try {
      await this.#pub.connect();
      await this.#sub.psubscribe(channels.broadcast + "*", onBroadcast);
      await this.#sub.subscribe(channels.response, onRequest);
      await this.#sub.subscribe(channels.specificResponse, onRequest);
      // Last: once subscribed here, other nodes count this one and expect its answers.
      await this.#sub.subscribe(channels.request, onRequest);
    } catch (error) {
      const failure = new RedisAdapterError("subscribe", "Cannot subscribe to Redis", {
        cause: error,
      });
      this.#handlers.onError(failure);
      throw failure;
    }
  }

  /** Publishes; a failure (Redis down) goes to `onError`, never thrown. */
  publish(channel: string, message: string | Uint8Array, operation: string): void {
    this.#pub.publish(channel, message).catch((error) => {
      this.#handlers.onError(
        new RedisAdapterError(
          operation,
          `Cannot publish ${operation} on ${channel}: the message was not sent`,
          { cause: error },
        ),
      );
    });
  }

  /** How many servers share the namespace: the subscribers of the request channel. */
  async serverCount(): Promise<number> {
    const reply = await this.#pub.sendCommand(["PUBSUB", "NUMSUB", this.#channels.request]);
    if (!Array.isArray(reply) || reply.length < 2) return 1;
    const count = Number(reply[1] instanceof Uint8Array ? replyText(reply[1]) : reply[1]);
    return Number.isFinite(count) && count > 0 ? count : 1;
  }

  /** Unsubscribes from everything; failures are ignored (the connection may be gone). */
  async close(): Promise<void> {
    const channels = this.#channels;
    const unsubscribe = (channel: string) => this.#sub.unsubscribe(channel).catch(() => {});
    await Promise.all([
      this.#sub.punsubscribe(channels.broadcast + "*").catch(() => {}),
      unsubscribe(channels.request),
      unsubscribe(channels.response),
      unsubscribe(channels.specificResponse),
    ]);
  }
}
