/**
 * The sharded Redis adapter: the cluster protocol (`cluster_adapter.ts`)
 * over Redis 7 sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`), wire-compatible
 * with npm `@socket.io/redis-adapter` 8.3's `createShardedAdapter`, so webio
 * nodes on Deno or Bun and socket.io nodes on Node.js serve one cluster.
 *
 * ## Channels (prefix `channelPrefix`, default `"socket.io"`, namespace `nsp`)
 * - `prefix#nsp#`: every message; every node subscribes to it. The number of
 *   its subscribers is the number of servers (`PUBSUB SHARDNUMSUB`).
 * - `prefix#nsp#uid#`: the responses to the node `uid`.
 * - `prefix#nsp#room#`: with `subscriptionMode` `"dynamic"` (the default), a
 *   broadcast without acks to one public room (a room that is not a socket's
 *   own; a 20-character name counts as a socket id when sending), which only
 *   the nodes hosting that room subscribe to; `"dynamic-private"` does the
 *   same for private rooms too; `"static"` sends everything on the first
 *   channel.
 *
 * Messages are JSON, or MessagePack when their payload carries binary.
 *
 * ## On a Redis Cluster: failover and resharding
 * Each channel lives on the master of its slot. With a `RedisClusterClient`
 * (what `createRedisAdapter({ url, sharded: true })` makes on a cluster),
 * subscriptions follow their slot to a promoted replica or a new owner, and
 * publishes follow `MOVED`; nothing restarts. The window of loss: when a
 * master dies, what is published to its channels from its failure until
 * about 1 s after its replica is promoted (Redis takes about twice
 * `cluster-node-timeout` to promote it) is lost, each failed publish
 * reported through `io.onError`; a migrated slot loses at most the messages
 * in flight while its subscribers move. Delivery stays in order and once
 * (tested in `sharded_cluster_test.ts`).
 *
 * ## Connection state recovery
 * The reference has none in this mode (its `ClusterAdapter` keeps no
 * sessions, and sharded pub/sub assigns no offsets). Here each node keeps
 * the in-memory adapter's sessions and log, under offsets of its own: a
 * client is restored by the node it left (sticky sessions), with what that
 * node received meanwhile. With recovery on, a room channel stays subscribed
 * for `maxDisconnectionDuration` after the room empties, so that a client
 * that was its last member misses nothing while away.
 *
 * @module
 */

import type { AdapterNamespace, Room } from "../adapter.ts";
import {
  ClusterAdapter,
  type ClusterAdapterOptions,
  type ClusterMessage,
  type ClusterResponse,
  decodeClusterMessage,
  encodeClusterMessage,
  MessageType,
} from "./cluster_adapter.ts";
import { RedisAdapterError } from "./errors.ts";
import { type NormalizedRedisClient, normalizeRedisClient } from "./normalize.ts";
import { replyText } from "./wire.ts";

/** Which channels a node subscribes to besides the namespace's (see the module documentation). */
export type ShardedSubscriptionMode = "static" | "dynamic" | "dynamic-private";

/** Options of a {@linkcode ShardedRedisAdapter}, as npm `createShardedAdapter` takes them. */
export interface ShardedRedisAdapterOptions extends ClusterAdapterOptions {
  /** Prefix of every channel. @default "socket.io" */
  channelPrefix?: string;
  /** Which rooms get a channel of their own. @default "dynamic" */
  subscriptionMode?: ShardedSubscriptionMode;
}

/** A socket id has 20 characters: the reference sends such rooms on the namespace's channel. */
function looksLikeASocketId(room: Room): boolean {
  return room.length === 20;
}

/**
 * A cluster adapter over Redis sharded pub/sub, speaking npm
 * `createShardedAdapter`'s wire format; see the module documentation.
 */
export class ShardedRedisAdapter extends ClusterAdapter {
  /** Resolves when the namespace's channels are subscribed. */
  readonly ready: Promise<void>;
  #pub: NormalizedRedisClient;
  #sub: NormalizedRedisClient;
  #mode: ShardedSubscriptionMode;
  #channel: string;
  #responseChannel: string;
  /** Room channels subscribed, and for those whose room emptied, the timer that unsubscribes. */
  #roomChannels = new Map<Room, ReturnType<typeof setTimeout> | null>();
  #state: "idle" | "starting" | "open" | "closed" = "idle";
  #onRelease: () => void;
  #readyResolve!: () => void;

  /**
   * Makes the adapter of one namespace; `createShardedAdapter` (or
   * `createRedisAdapter` with `sharded: true`) makes these for a server.
   *
   * @param nsp The namespace.
   * @param pub The client used to publish and send commands.
   * @param sub The client used to subscribe (may be `pub` for our own client).
   * @param opts Options.
   * @param onRelease Called once when the adapter closes.
   */
  constructor(
    nsp: AdapterNamespace,
    pub: NormalizedRedisClient,
    sub: NormalizedRedisClient,
    opts: ShardedRedisAdapterOptions = {},
    onRelease: () => void = () => {},
  ) {
    super(nsp, opts);
    this.#pub = pub;
    this.#sub = sub;
    this.#mode = opts.subscriptionMode ?? "dynamic";
    this.#channel = `${opts.channelPrefix ?? "socket.io"}#${nsp.name}#`;
    this.#responseChannel = `${this.#channel}${this.uid}#`;
    this.#onRelease = onRelease;
    this.ready = new Promise((resolve) => this.#readyResolve = resolve);
    if (this.#mode !== "static") {
      this.on("create-room", (room) => {
        if (this.#hasOwnChannel(room)) this.#follow(room);
      });
      this.on("delete-room", (room) => {
        if (this.#hasOwnChannel(room)) this.#unfollowLater(room);
      });
    }
  }

  /**
   * Subscribes to the namespace's channel and this node's response channel.
   *
   * @throws {RedisAdapterError} When Redis refuses (also reported as an `error` event).
   */
  override async init(): Promise<void> {
    super.init();
    if (this.#state !== "idle") return;
    this.#state = "starting";
    try {
      await this.#pub.connect();
      await this.#sub.ssubscribe(this.#responseChannel, this.#onRaw);
      // Last: once subscribed here, other nodes count this one and expect its answers.
      await this.#sub.ssubscribe(this.#channel, this.#onRaw);
    } catch (error) {
      const failure = new RedisAdapterError("subscribe", "Cannot subscribe to Redis", {
        cause: error,
      });
      this.emit("error", failure);
      throw failure;
    }
    if (this.#state === "starting") this.#state = "open";
    this.#readyResolve();
  }

  /** Unsubscribes, fails pending requests and releases timers. */
  override async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closed";
    super.close();
    const channels = [this.#channel, this.#responseChannel];
    for (const [room, timer] of this.#roomChannels) {
      clearTimeout(timer ?? undefined);
      channels.push(this.#roomChannel(room));
    }
    this.#roomChannels.clear();
    // Failures are ignored: the connection may be gone.
    await Promise.all(channels.map((channel) => this.#sub.sunsubscribe(channel).catch(() => {})));
    this.#onRelease();
  }

  /** How many servers share the namespace: the subscribers of its channel. */
  override async serverCount(): Promise<number> {
    const reply = await this.#pub.sendCommand(["PUBSUB", "SHARDNUMSUB", this.#channel]);
    if (!Array.isArray(reply) || reply.length < 2) return 1;
    const count = Number(reply[1] instanceof Uint8Array ? replyText(reply[1]) : reply[1]);
    return Number.isFinite(count) && count > 0 ? count : 1;
  }

  /** Sharded pub/sub assigns no offsets: each node logs broadcasts under its own. */
  protected override assignsOffsets(): boolean {
    return false;
  }

  /** Publishes on the namespace's channel, or on a room's (see the module documentation). */
  protected async doPublish(message: ClusterMessage): Promise<string | undefined> {
    await this.#pub.spublish(this.#channelOf(message), encodeClusterMessage(message));
    return undefined;
  }

  /** Publishes on the requester's response channel. */
  protected async doPublishResponse(
    requesterUid: string,
    response: ClusterResponse,
  ): Promise<void> {
    await this.#pub.spublish(`${this.#channel}${requesterUid}#`, encodeClusterMessage(response));
  }

  #channelOf(message: ClusterMessage): string {
    // A broadcast with acks goes to every node: each answers with its client count.
    if (
      message.type !== MessageType.BROADCAST || message.data.requestId !== undefined ||
      message.data.opts.rooms.length !== 1 || this.#mode === "static"
    ) return this.#channel;
    const room = message.data.opts.rooms[0];
    if (this.#mode === "dynamic" && looksLikeASocketId(room)) return this.#channel;
    return this.#roomChannel(room);
  }

  #roomChannel(room: Room): string {
    return `${this.#channel}${room}#`;
  }

  /** Whether `room` has a channel of its own that this node follows while it hosts the room. */
  #hasOwnChannel(room: Room): boolean {
    return this.#mode === "dynamic-private" || !this.sids.has(room);
  }

  #follow(room: Room): void {
    if (this.#state === "closed") return;
    if (this.#roomChannels.has(room)) {
      // Still subscribed: the room came back before its channel was let go.
      clearTimeout(this.#roomChannels.get(room) ?? undefined);
      this.#roomChannels.set(room, null);
      return;
    }
    this.#roomChannels.set(room, null);
    this.#sub.ssubscribe(this.#roomChannel(room), this.#onRaw).catch((error) =>
      this.emit(
        "error",
        new RedisAdapterError("subscribe", `Cannot follow room ${room}`, { cause: error }),
      )
    );
  }

  #unfollowLater(room: Room): void {
    if (!this.#roomChannels.has(room)) return;
    const recovery = this.nsp.recovery;
    if (!recovery) return this.#unfollow(room);
    // Released by #follow (the room is back) or close().
    const timer = setTimeout(() => this.#unfollow(room), recovery.maxDisconnectionDuration);
    this.#roomChannels.set(room, timer);
  }

  #unfollow(room: Room): void {
    this.#roomChannels.delete(room);
    this.#sub.sunsubscribe(this.#roomChannel(room)).catch(() => {});
  }

  #onRaw = (raw: Uint8Array, channel: string): void => {
    let message: unknown;
    try {
      message = decodeClusterMessage(raw);
    } catch (error) {
      this.emit("error", new RedisAdapterError("receive", "Malformed message", { cause: error }));
      return;
    }
    if (channel === this.#responseChannel) this.onResponse(message as ClusterResponse);
    else this.onMessage(message as ClusterMessage);
  };
}

/**
 * Makes a sharded Redis adapter factory for the `adapter` option, from the
 * clients you bring (npm `redis` v4+ with `subClient = pubClient.duplicate()`,
 * `ioredis`, or webio's `RedisClient` as both); you close them. The same as
 * `createRedisAdapter(pubClient, subClient, { sharded: true, ...options })`.
 *
 * @example
 * ```ts ignore
 * import { Server } from "@webio/socketio";
 * import { createShardedRedisAdapter } from "./sharded.ts";
 * const io = new Server({ adapter: createShardedRedisAdapter(pub, sub, { subscriptionMode: "dynamic" }) });
 * ```
 */
export function createShardedRedisAdapter(
  pubClient: unknown,
  subClient: unknown,
  options: ShardedRedisAdapterOptions = {},
): (nsp: AdapterNamespace) => ShardedRedisAdapter {
  const pub = normalizeRedisClient(pubClient);
  const sub = subClient === pubClient ? pub : normalizeRedisClient(subClient);
  return (nsp) => new ShardedRedisAdapter(nsp, pub, sub, options);
}

/** npm `@socket.io/redis-adapter`'s name for {@linkcode createShardedRedisAdapter}. */
export const createShardedAdapter: typeof createShardedRedisAdapter = createShardedRedisAdapter;
