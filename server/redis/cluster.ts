/**
 * A Redis Cluster client over the built-in {@linkcode RedisClient}: one client
 * per master, commands routed by key slot, `MOVED` and `ASK` followed, the slot
 * map refreshed (on `MOVED`, when a node's connection drops, and periodically),
 * and subscriptions kept on the right node through resharding and failover.
 *
 * The slot map is `cluster_map.ts`'s, the routing rules `cluster_topology.ts`'s,
 * the slot hash `cluster_slots.ts`'s, the subscriptions `cluster_subscriptions.ts`'s.
 *
 * @module
 */

import { Emitter } from "../../common/emitter.ts";
import type { RedisLinkName, RedisSendOptions } from "./client.ts";
import { type RedisClientOptions, resolveRedisConfig } from "./config.ts";
import { keySlot } from "./cluster_slots.ts";
import { ClusterSlotMap } from "./cluster_map.ts";
import { ClusterNodes } from "./cluster_nodes.ts";
import { ClusterRefresh } from "./cluster_refresh.ts";
import { ClusterSubscriptions } from "./cluster_subscriptions.ts";
import {
  type ClusterNodeKey,
  type ClusterRedirect,
  nodeKey,
  parseRedirect,
  routeOf,
  slotOf,
  sumNumsub,
} from "./cluster_topology.ts";
import { RedisConnectionError } from "./link.ts";
import { RedisReplyError, type RespArgument, type RespReply } from "./resp.ts";
import type { RedisMessageListener, RedisSubscribeOptions } from "./subscriptions.ts";

export { keySlot } from "./cluster_slots.ts";
export type { ClusterNodeKey } from "./cluster_topology.ts";

/** Options of {@linkcode RedisClusterClient}: those of every node's client, and the seeds. */
export interface RedisClusterClientOptions extends RedisClientOptions {
  /** Seed nodes (`redis://` URLs), tried in order after `url`. @default [] */
  urls?: string[];
  /** Milliseconds between two refreshes of the slot map; 0 for none. @default 5000 */
  refreshInterval?: number;
  /** Most `MOVED`/`ASK` redirections followed for one command. @default 16 */
  maxRedirections?: number;
}

/** Options of {@linkcode RedisClusterClient.send}. */
export interface RedisClusterSendOptions extends RedisSendOptions {
  /** Route by this key instead of the command's own first key. @default undefined */
  key?: RespArgument;
}

/** State of a {@linkcode RedisClusterClient}. */
export type RedisClusterClientState = "idle" | "connecting" | "ready" | "closed";

/** Events of {@linkcode RedisClusterClient}: those of RedisClient, with the node they are about. */
export type RedisClusterClientEvents = {
  /** A node's connection dropped or failed to come back, or the slot map could not be read. */
  error: (
    error: RedisConnectionError,
    info: { link: RedisLinkName; lost: number; node: ClusterNodeKey | null },
  ) => void;
  /** A node's client schedules a reconnection. */
  reconnecting: (
    info: { link: RedisLinkName; attempt: number; delay: number; node: ClusterNodeKey },
  ) => void;
  /** A node's connection is back. */
  reconnect: (info: { link: RedisLinkName; node: ClusterNodeKey }) => void;
  /** A message listener threw `error`. */
  listenerError: (error: unknown, channel: string) => void;
  /** The slot map changed; `masters` serve the slots now. */
  topology: (info: { masters: ClusterNodeKey[] }) => void;
};

/**
 * A Redis Cluster client with the surface of {@linkcode RedisClient}. Give it
 * one or more seed nodes; it reads the slot map (`CLUSTER SHARDS`, or
 * `CLUSTER SLOTS` before Redis 7) and keeps one RedisClient per master.
 *
 * - Keyed commands go to the master of the key's slot (`routeOf` in
 *   `cluster_topology.ts` says which argument is the key); `MOVED` updates the
 *   map and retries there, `ASK` sends `ASKING` and the command to the target
 *   once. `PUBSUB NUMSUB` asks every master and sums; `PUBSUB SHARDNUMSUB`
 *   goes to its channel's master; commands without a key go to one master.
 * - `publish` goes to the master of the channel's slot (Redis Cluster forwards
 *   plain messages to every node, and the count it answers is that node's);
 *   `spublish` and `ssubscribe` to the channel's master. Plain subscriptions
 *   stay on one master until it stops being one; sharded ones follow their
 *   slot (resharding, failover) and are subscribed again where it went.
 * - A node's connection loss is reported (`"error"`, with the node) and the map
 *   is read again until the cluster has healed; commands sent to a node that
 *   is down reject with {@linkcode RedisConnectionError}, as RedisClient's do.
 *
 * Blocking commands hold their node's one command connection: use a client of
 * their own for them. Transactions (`MULTI`) are refused.
 *
 * @example Commands and sharded pub/sub on a cluster
 * ```ts ignore
 * import { RedisClusterClient } from "./cluster.ts";
 * const redis = new RedisClusterClient({ urls: ["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"] });
 * await redis.connect();
 * await redis.send(["SET", "{user1}.name", "Ada"]);
 * await redis.ssubscribe("news", (message) => console.log(message));
 * await redis.spublish("news", "hello");
 * await redis.close();
 * ```
 */
export class RedisClusterClient extends Emitter<RedisClusterClientEvents> {
  #state: RedisClusterClientState = "idle";
  #options: RedisClusterClientOptions;
  #map: ClusterSlotMap;
  #nodes: ClusterNodes;
  #subscriptions: ClusterSubscriptions;
  #refresh: ClusterRefresh;
  #connecting: Promise<void> | null = null;

  /**
   * Creates the client; nothing connects until {@linkcode RedisClusterClient.connect}, a
   * command or a subscribe.
   *
   * @param options Seeds (`url`, `urls`, or `hostname`/`port`) and the options of each node's
   * client; credentials and TLS of the first seed apply to every node.
   * @throws {TypeError} When a seed URL is invalid.
   */
  constructor(options: RedisClusterClientOptions | string = {}) {
    super();
    const opts = typeof options === "string" ? { url: options } : options;
    this.#options = opts;
    const { urls = [], ...single } = opts;
    const seeds = [
      ...(opts.url !== undefined || urls.length === 0 ? [resolveRedisConfig(single)] : []),
      ...urls.map((url) => resolveRedisConfig({ ...single, url })),
    ];
    const { tls, username, password } = seeds[0];
    this.#nodes = new ClusterNodes({ ...single, url: undefined, tls, username, password, db: 0 }, {
      error: (node, error, info) => {
        this.emit("error", error, { ...info, node });
        this.#refresh.soon();
      },
      reconnecting: (node, info) => this.emit("reconnecting", { ...info, node }),
      reconnect: (node, info) => this.emit("reconnect", { ...info, node }),
      listenerError: (error, channel) => this.emit("listenerError", error, channel),
      shardLost: (node, channel) => {
        this.#subscriptions.lost(node, channel);
        this.#refresh.soon();
      },
      unreachable: () => this.#refresh.soon(),
    });
    this.#map = new ClusterSlotMap(
      seeds.map((seed) => nodeKey(seed.hostname, seed.port)),
      this.#nodes,
      {
        closed: () => this.#state === "closed",
        applied: (changed) => {
          // A node that serves no slot any more (a failed master replaced, a replica): its
          // client, and with it any reconnection loop to a dead node, goes.
          this.#nodes.retain(this.#map.masters);
          this.#subscriptions.reconcile();
          if (changed) this.emit("topology", { masters: [...this.#map.masters] });
        },
      },
    );
    this.#subscriptions = new ClusterSubscriptions({
      home: (kind, name, current) => {
        const masters = this.#map.masters;
        if (kind !== "shard" && current !== null && masters.includes(current)) return current;
        return this.#map.nodeOf(keySlot(name)) ?? (kind === "shard" ? null : masters[0] ?? null);
      },
      client: (node) => this.#nodes.client(node),
      existing: (node) => this.#nodes.get(node),
      redirected: (error, node) => this.#redirected(error, node),
      onError: (error, name) =>
        this.#report(new RedisConnectionError(`Cannot subscribe to ${name}: ${error.message}`)),
      onListenerError: (error, channel) => this.emit("listenerError", error, channel),
    });
    this.#refresh = new ClusterRefresh({
      read: () => this.#map.discover(),
      healthy: () => this.#nodes.healthy,
      onError: (error) => this.#report(error as RedisConnectionError),
    }, opts.refreshInterval ?? 5000);
  }

  /** The client's state. */
  get state(): RedisClusterClientState {
    return this.#state;
  }

  /** The masters that serve slots, as `"host:port"`. */
  get masters(): readonly ClusterNodeKey[] {
    return this.#map.masters;
  }

  /** The master that serves `key`'s slot, as far as the client knows. */
  nodeOf(key: string | Uint8Array): ClusterNodeKey | undefined {
    return this.#map.nodeOf(keySlot(key));
  }

  #setState(next: RedisClusterClientState): void {
    this.#state = next;
    if (next === "ready") this.#refresh.start();
  }

  /**
   * Reads the slot map from the first seed that answers. A failed attempt
   * leaves the client idle, so it may be called again.
   *
   * @throws {RedisConnectionError} When no seed answers, or the client was closed.
   */
  connect(): Promise<void> {
    if (this.#state === "closed") {
      return Promise.reject(new RedisConnectionError("Cannot connect: the client was closed"));
    }
    if (this.#state === "ready") return Promise.resolve();
    this.#connecting ??= this.#connect().finally(() => this.#connecting = null);
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    this.#setState("connecting");
    try {
      await this.#refresh.read();
    } catch (error) {
      if (this.#state === "connecting") this.#setState("idle");
      throw error;
    }
    if (this.#state !== "connecting") {
      throw new RedisConnectionError("Cannot connect: the client was closed");
    }
    this.#setState("ready");
  }

  /**
   * Sends one command to the node that serves it, following redirections.
   *
   * @param command The command name and arguments.
   * @param options Reply format, and a routing key for commands this client cannot read.
   * @returns The reply (an error reply rejects with {@linkcode RedisReplyError}).
   * @throws {RedisConnectionError} When the node is unreachable.
   * @throws {TypeError} For `MULTI`/`EXEC`/`WATCH`, which one routed command cannot carry.
   */
  async send(
    command: readonly RespArgument[],
    options: RedisClusterSendOptions = {},
  ): Promise<RespReply> {
    const route = options.key !== undefined
      ? { kind: "key" as const, key: options.key }
      : routeOf(command);
    await this.connect();
    if (route.kind === "numsub") return await this.#numsub(command);
    let node = (route.kind === "key" ? this.#map.nodeOf(slotOf(route.key)) : undefined) ??
      this.#map.nextMaster();
    let asking = false;
    const max = this.#options.maxRedirections ?? 16;
    for (let hop = 0;; hop++) {
      const client = await this.#nodes.client(node);
      try {
        if (!asking) return await client.send(command, options);
        const [, reply] = await Promise.all([
          client.send(["ASKING"]),
          client.send(command, options),
        ]);
        return reply;
      } catch (error) {
        if (!(error instanceof RedisReplyError) || hop >= max) {
          if (error instanceof RedisConnectionError) this.#refresh.soon();
          throw error;
        }
        if (error.code === "CLUSTERDOWN") this.#refresh.soon();
        const redirect = this.#redirected(error, node);
        if (!redirect) throw error;
        node = redirect.node;
        asking = redirect.kind === "ASK";
      }
    }
  }

  /** Publishes on a plain channel (from the master of its slot); resolves with that node's count. */
  async publish(channel: string, message: string | Uint8Array): Promise<number> {
    return Number(await this.send(["PUBLISH", channel, message]));
  }

  /** Publishes on a sharded channel, on the master of its slot. */
  async spublish(channel: string, message: string | Uint8Array): Promise<number> {
    return Number(await this.send(["SPUBLISH", channel, message]));
  }

  /** Subscribes `listener` to plain `channels` (on one master each). */
  async subscribe(
    channels: string | string[],
    listener: RedisMessageListener,
    options: RedisSubscribeOptions = {},
  ): Promise<void> {
    await this.connect();
    await this.#subscriptions.subscribe("channel", channels, listener, options);
  }

  /** Subscribes `listener` to glob `patterns`; it receives the pattern as third argument. */
  async psubscribe(
    patterns: string | string[],
    listener: RedisMessageListener,
    options: RedisSubscribeOptions = {},
  ): Promise<void> {
    await this.connect();
    await this.#subscriptions.subscribe("pattern", patterns, listener, options);
  }

  /** Subscribes `listener` to sharded `channels`, each on the master of its slot. */
  async ssubscribe(
    channels: string | string[],
    listener: RedisMessageListener,
    options: RedisSubscribeOptions = {},
  ): Promise<void> {
    await this.connect();
    await this.#subscriptions.subscribe("shard", channels, listener, options);
  }

  /** Removes `listener` (or every listener) from `channels`; unsubscribes when none is left. */
  unsubscribe(channels: string | string[], listener?: RedisMessageListener): Promise<void> {
    return this.#subscriptions.unsubscribe("channel", channels, listener);
  }

  /** Pattern counterpart of {@linkcode RedisClusterClient.unsubscribe}. */
  punsubscribe(patterns: string | string[], listener?: RedisMessageListener): Promise<void> {
    return this.#subscriptions.unsubscribe("pattern", patterns, listener);
  }

  /** Sharded counterpart of {@linkcode RedisClusterClient.unsubscribe}. */
  sunsubscribe(channels: string | string[], listener?: RedisMessageListener): Promise<void> {
    return this.#subscriptions.unsubscribe("shard", channels, listener);
  }

  /** Sends QUIT to every node, then closes. */
  async quit(): Promise<void> {
    await this.#shutdown(true);
  }

  /** Closes every connection at once; pending commands are rejected. Releases every timer. */
  async close(): Promise<void> {
    await this.#shutdown(false);
  }

  async #shutdown(quit: boolean): Promise<void> {
    if (this.#state === "closed") return;
    this.#setState("closed");
    this.#subscriptions.close();
    await Promise.all([this.#nodes.close(quit), this.#refresh.stop()]);
  }

  #redirected(error: RedisReplyError, node: ClusterNodeKey): ClusterRedirect | null {
    const redirect = parseRedirect(error, node);
    if (redirect?.kind !== "MOVED") return redirect;
    this.#map.moved(redirect.slot, redirect.node);
    this.#refresh.soon();
    return redirect;
  }

  /** `PUBSUB NUMSUB`: every master counts its own subscribers; the counts are summed. */
  async #numsub(command: readonly RespArgument[]): Promise<RespReply> {
    const results = await Promise.allSettled(
      this.#map.masters.map(async (node) => (await this.#nodes.client(node)).send(command)),
    );
    const replies = results.filter((r) => r.status === "fulfilled").map((r) => r.value);
    // A master that is down has no subscriber left: the others' counts are the answer.
    if (replies.length === 0) throw (results[0] as PromiseRejectedResult).reason;
    return sumNumsub(command, replies);
  }

  #report(error: RedisConnectionError): void {
    this.emit("error", error, { link: "command", lost: 0, node: null });
  }
}
