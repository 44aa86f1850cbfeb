/**
 * A small Redis client for the scale-out adapter: pipelined commands on one
 * connection, pub/sub (plain, pattern and sharded) on a second one, automatic
 * reconnection with backoff and resubscription.
 *
 * The jobs live apart: URL and options in config.ts, the connection and its
 * reconnection in link.ts, reply correlation in replies.ts, the subscriber
 * side in subscriptions.ts. This file holds the client and re-exports their
 * public names.
 *
 * @module
 */

import { Emitter } from "../../common/emitter.ts";
import { type RedisClientOptions, resolveRedisConfig } from "./config.ts";
import { Link, type LinkHooks, RedisConnectionError } from "./link.ts";
import type { RespArgument, RespReply } from "./resp.ts";
import {
  type RedisMessageListener,
  type RedisSubscribeOptions,
  Subscriptions,
} from "./subscriptions.ts";

export { parseRedisUrl, type RedisClientOptions, type RedisConnectionConfig } from "./config.ts";
export { RedisConnectionError } from "./link.ts";
export type { RedisMessageListener, RedisSubscribeOptions } from "./subscriptions.ts";

/** State of a {@linkcode RedisClient}. */
export type RedisClientState = "idle" | "connecting" | "ready" | "reconnecting" | "closed";

/** Which of the client's two connections an event is about. */
export type RedisLinkName = "command" | "subscriber";

/** Events of {@linkcode RedisClient}. */
export type RedisClientEvents = {
  /** A connection dropped (`lost` commands were rejected) or a reconnection attempt failed. */
  error: (error: RedisConnectionError, info: { link: RedisLinkName; lost: number }) => void;
  /** A reconnection attempt is scheduled in `delay` ms. */
  reconnecting: (info: { link: RedisLinkName; attempt: number; delay: number }) => void;
  /** A connection is back (and, for the subscriber, every subscription is restored). */
  reconnect: (info: { link: RedisLinkName }) => void;
  /** A message listener threw `error` (the other listeners still ran). */
  listenerError: (error: unknown, channel: string) => void;
  /**
   * Redis ended the sharded subscription to `channel` itself (Redis 7 does when the channel's
   * slot moves to another node of a cluster), or refused it on resubscription; its listeners
   * were dropped. A cluster client subscribes again on the slot's new owner.
   */
  shardLost: (channel: string) => void;
};

/** Options for {@linkcode RedisClient.send}. */
export interface RedisSendOptions {
  /** Keep bulk strings in the reply as `Uint8Array`. @default false */
  bytes?: boolean;
}

/**
 * A Redis client: pipelined commands, pub/sub on a separate connection, and
 * automatic reconnection. After a drop, pending commands are rejected with a
 * {@linkcode RedisConnectionError} (an `"error"` event reports how many), the
 * client reconnects with exponential backoff, restores every subscription and
 * emits `"reconnect"`. Commands sent while reconnecting are rejected at once.
 *
 * @example Publish and subscribe
 * ```ts ignore
 * import { RedisClient } from "./client.ts";
 * const redis = new RedisClient({ url: "redis://127.0.0.1:6379" });
 * await redis.connect();
 * await redis.subscribe("news", (message, channel) => console.log(channel, message));
 * await redis.publish("news", "hello");
 * console.log(await redis.send(["PING"])); // "PONG"
 * await redis.close();
 * ```
 */
export class RedisClient extends Emitter<RedisClientEvents> {
  #command: Link;
  #subscriptions: Subscriptions;
  #closed = false;

  /**
   * Creates a client; nothing connects until {@linkcode RedisClient.connect} or a subscribe.
   *
   * @param options A URL and/or explicit settings; see {@linkcode RedisClientOptions}.
   */
  constructor(options: RedisClientOptions | string = {}) {
    super();
    const opts = typeof options === "string" ? { url: options } : options;
    const config = resolveRedisConfig(opts);
    this.#command = new Link(config, opts, this.#hooks("command"));
    this.#subscriptions = new Subscriptions(
      config,
      opts,
      this.#hooks("subscriber"),
      (error, channel) => this.emit("listenerError", error, channel),
      (channel) => this.emit("shardLost", channel),
    );
  }

  #hooks(link: RedisLinkName): LinkHooks {
    return {
      error: (error, lost) => this.emit("error", error, { link, lost }),
      reconnecting: (attempt, delay) => this.emit("reconnecting", { link, attempt, delay }),
      reconnect: () => this.emit("reconnect", { link }),
    };
  }

  /** The command connection's state (`"closed"` after {@linkcode RedisClient.close}). */
  get state(): RedisClientState {
    return this.#closed ? "closed" : this.#command.state;
  }

  /**
   * Opens the command connection (AUTH and SELECT included).
   *
   * @throws {Error} When Redis cannot be reached or AUTH/SELECT fail.
   */
  async connect(): Promise<void> {
    if (this.#closed) throw new RedisConnectionError("Cannot connect: the client was closed");
    await this.#command.connect();
  }

  /**
   * Sends one command; replies come back in order, so calls may be pipelined
   * without awaiting each other.
   *
   * @param command The command name and arguments, e.g. `["SET", "k", "v"]`.
   * @param options Reply format.
   * @returns The reply (an error reply rejects with {@linkcode RedisReplyError}).
   * @throws {RedisConnectionError} When the connection is not ready or drops before the reply.
   */
  send(command: readonly RespArgument[], options: RedisSendOptions = {}): Promise<RespReply> {
    return this.#command.send(command, 1, options.bytes ?? false);
  }

  /**
   * Publishes `message` on `channel`.
   *
   * @returns How many subscribers received it (on this node).
   */
  async publish(channel: string, message: string | Uint8Array): Promise<number> {
    return Number(await this.send(["PUBLISH", channel, message]));
  }

  /**
   * Publishes on a sharded channel (`SPUBLISH`, Redis 7+).
   *
   * @returns How many subscribers received it.
   */
  async spublish(channel: string, message: string | Uint8Array): Promise<number> {
    return Number(await this.send(["SPUBLISH", channel, message]));
  }

  /** Subscribes `listener` to `channels` (opens the subscriber connection on first use). */
  subscribe(
    channels: string | string[],
    listener: RedisMessageListener,
    options: RedisSubscribeOptions = {},
  ): Promise<void> {
    return this.#subscriptions.subscribe("channel", channels, listener, options);
  }

  /** Subscribes `listener` to glob `patterns`; it receives the pattern as third argument. */
  psubscribe(
    patterns: string | string[],
    listener: RedisMessageListener,
    options: RedisSubscribeOptions = {},
  ): Promise<void> {
    return this.#subscriptions.subscribe("pattern", patterns, listener, options);
  }

  /** Subscribes `listener` to sharded `channels` (`SSUBSCRIBE`, Redis 7+). */
  ssubscribe(
    channels: string | string[],
    listener: RedisMessageListener,
    options: RedisSubscribeOptions = {},
  ): Promise<void> {
    return this.#subscriptions.subscribe("shard", channels, listener, options);
  }

  /** Removes `listener` (or every listener) from `channels`; unsubscribes when none is left. */
  unsubscribe(channels: string | string[], listener?: RedisMessageListener): Promise<void> {
    return this.#subscriptions.unsubscribe("channel", channels, listener);
  }

  /** Pattern counterpart of {@linkcode RedisClient.unsubscribe}. */
  punsubscribe(patterns: string | string[], listener?: RedisMessageListener): Promise<void> {
    return this.#subscriptions.unsubscribe("pattern", patterns, listener);
  }

  /** Sharded counterpart of {@linkcode RedisClient.unsubscribe}. */
  sunsubscribe(channels: string | string[], listener?: RedisMessageListener): Promise<void> {
    return this.#subscriptions.unsubscribe("shard", channels, listener);
  }

  /** Sends QUIT on both connections, then closes them. */
  async quit(): Promise<void> {
    await this.#shutdown(true);
  }

  /** Closes both connections at once; pending commands are rejected. Releases every timer. */
  async close(): Promise<void> {
    await this.#shutdown(false);
  }

  async #shutdown(quit: boolean): Promise<void> {
    this.#closed = true;
    await Promise.all([this.#command.close(quit), this.#subscriptions.close(quit)]);
  }
}
