/**
 * The Redis adapter's pub/sub: what one namespace's adapter subscribes to
 * (the broadcast pattern, or with `sharded: true` the channels of the rooms
 * it hosts; the request and response channels), publishing with failures
 * reported rather than thrown, and the server count. Channel names are
 * `wire.ts`'s; what arrives goes to the handlers the adapter gives.
 *
 * @module
 */

import type { Room } from "../adapter.ts";
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
  #sharded: boolean;
  #handlers: PubSubHandlers;
  /** The room channels followed in sharded mode. */
  #roomChannels = new Set<string>();
  #closed = false;

  /**
   * @param pub The client used to publish and send commands.
   * @param sub The client used to subscribe (may be `pub`).
   * @param channels The namespace's channel names.
   * @param sharded Whether to use Redis 7 sharded pub/sub.
   * @param handlers Where messages and failures go.
   */
  constructor(
    pub: NormalizedRedisClient,
    sub: NormalizedRedisClient,
    channels: Channels,
    sharded: boolean,
    handlers: PubSubHandlers,
  ) {
    this.#pub = pub;
    this.#sub = sub;
    this.#channels = channels;
    this.#sharded = sharded;
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
      if (this.#sharded) {
        await this.#sub.ssubscribe(channels.broadcast, onBroadcast);
      } else {
        await this.#sub.psubscribe(channels.broadcast + "*", onBroadcast);
      }
      const subscribe = this.#sharded
        ? this.#sub.ssubscribe.bind(this.#sub)
        : this.#sub.subscribe.bind(this.#sub);
      await subscribe(channels.response, onRequest);
      await subscribe(channels.specificResponse, onRequest);
      // Last: once subscribed here, other nodes count this one and expect its answers.
      await subscribe(channels.request, onRequest);
    } catch (error) {
      const failure = new RedisAdapterError("subscribe", "Cannot subscribe to Redis", {
        cause: error,
      });
      this.#handlers.onError(failure);
      throw failure;
    }
  }

  /** Follows the channel of `room` (sharded mode: no patterns there). */
  followRoom(room: Room): void {
    const channel = this.#channels.room(room);
    if (this.#roomChannels.has(channel) || this.#closed) return;
    this.#roomChannels.add(channel);
    this.#sub.ssubscribe(channel, this.#handlers.onBroadcast).catch((error) =>
      this.#handlers.onError(
        new RedisAdapterError("subscribe", `Cannot follow room ${room}`, { cause: error }),
      )
    );
  }

  /** Stops following the channel of `room`. */
  unfollowRoom(room: Room): void {
    const channel = this.#channels.room(room);
    if (!this.#roomChannels.delete(channel)) return;
    this.#sub.sunsubscribe(channel).catch(() => {});
  }

  /** Publishes; a failure (Redis down) goes to `onError`, never thrown. */
  publish(channel: string, message: string | Uint8Array, operation: string): void {
    const sent = this.#sharded
      ? this.#pub.spublish(channel, message)
      : this.#pub.publish(channel, message);
    sent.catch((error) => {
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
    const sub = this.#sharded ? "SHARDNUMSUB" : "NUMSUB";
    const reply = await this.#pub.sendCommand(["PUBSUB", sub, this.#channels.request]);
    if (!Array.isArray(reply) || reply.length < 2) return 1;
    const count = Number(reply[1] instanceof Uint8Array ? replyText(reply[1]) : reply[1]);
    return Number.isFinite(count) && count > 0 ? count : 1;
  }

  /** Unsubscribes from everything; failures are ignored (the connection may be gone). */
  async close(): Promise<void> {
    this.#closed = true;
    const channels = this.#channels;
    const sharded = this.#sharded;
    const unsubscribe = (channel: string) =>
      (sharded ? this.#sub.sunsubscribe(channel) : this.#sub.unsubscribe(channel)).catch(() => {});
    await Promise.all([
      sharded
        ? unsubscribe(channels.broadcast)
        : this.#sub.punsubscribe(channels.broadcast + "*").catch(() => {}),
      unsubscribe(channels.request),
      unsubscribe(channels.response),
      unsubscribe(channels.specificResponse),
      ...[...this.#roomChannels].map(unsubscribe),
    ]);
    this.#roomChannels.clear();
  }
}
