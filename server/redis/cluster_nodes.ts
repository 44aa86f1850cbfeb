/**
 * The node clients of a Redis Cluster client: one {@linkcode RedisClient} per
 * master, made and connected on first use, their events reported with the
 * node they are about, and closed when the node stops serving slots (which
 * also ends the reconnection loop to a dead node).
 *
 * @module
 */

import { RedisClient, type RedisClientEvents } from "./client.ts";
import type { RedisClientOptions } from "./config.ts";
import { type ClusterNodeKey, splitNodeKey } from "./cluster_topology.ts";
import { RedisConnectionError } from "./link.ts";

/** How the node clients report, each event with its node. */
export interface ClusterNodeHooks {
  /** A node's connection dropped, failed to come back, or could not be opened. */
  error: (
    node: ClusterNodeKey,
    ...args: Parameters<RedisClientEvents["error"]>
  ) => void;
  reconnecting: (
    node: ClusterNodeKey,
    ...args: Parameters<RedisClientEvents["reconnecting"]>
  ) => void;
  reconnect: (node: ClusterNodeKey, ...args: Parameters<RedisClientEvents["reconnect"]>) => void;
  listenerError: RedisClientEvents["listenerError"];
  /** Redis ended the sharded subscription to `channel` on `node`. */
  shardLost: (node: ClusterNodeKey, channel: string) => void;
  /** A node could not be reached: the slot map may be stale. */
  unreachable: (node: ClusterNodeKey) => void;
}

/** State of {@linkcode ClusterNodes}. */
export type ClusterNodesState = "open" | "closed";

/** The clients of the nodes a cluster client talks to. */
export class ClusterNodes {
  #state: ClusterNodesState = "open";
  #clients = new Map<ClusterNodeKey, RedisClient>();
  #options: RedisClientOptions;
  #hooks: ClusterNodeHooks;

  /**
   * @param options The options of every node's client (host and port are the node's).
   * @param hooks Where the clients' events go.
   */
  constructor(options: RedisClientOptions, hooks: ClusterNodeHooks) {
    this.#options = options;
    this.#hooks = hooks;
  }

  /** The client of `node`, when there is one. */
  get(node: ClusterNodeKey): RedisClient | undefined {
    return this.#clients.get(node);
  }

  /** Whether every client's command connection is up. */
  get healthy(): boolean {
    for (const client of this.#clients.values()) if (client.state !== "ready") return false;
    return true;
  }

  /** The nodes whose command connection is up, with their clients. */
  ready(): [ClusterNodeKey, RedisClient][] {
    return [...this.#clients].filter(([, client]) => client.state === "ready");
  }

  /**
   * The connected client of `node`, made on first use; a node that cannot be
   * reached is forgotten (and reported as unreachable).
   *
   * @throws {RedisConnectionError} When the node cannot be reached or the clients were closed.
   */
  async client(node: ClusterNodeKey): Promise<RedisClient> {
    if (this.#state === "closed") {
      throw new RedisConnectionError("Cannot send command: the client was closed");
    }
    let client = this.#clients.get(node);
    if (!client) {
      client = this.make(node);
      this.#clients.set(node, client);
    }
    if (client.state === "idle") {
      try {
        await client.connect();
      } catch (error) {
        if (this.#clients.get(node) === client) this.#clients.delete(node);
        await client.close();
        this.#hooks.unreachable(node);
        throw error;
      }
    }
    return client;
  }

  /** A new client of `node`, reporting through the hooks, not kept (see `adopt`). */
  make(node: ClusterNodeKey): RedisClient {
    const client = new RedisClient({ ...this.#options, ...splitNodeKey(node) });
    const hooks = this.#hooks;
    client.on("error", (error, info) => hooks.error(node, error, info));
    client.on("reconnecting", (info) => hooks.reconnecting(node, info));
    client.on("reconnect", (info) => hooks.reconnect(node, info));
    client.on("listenerError", (error, channel) => hooks.listenerError(error, channel));
    client.on("shardLost", (channel) => hooks.shardLost(node, channel));
    return client;
  }

  /** Keeps `client` (from `make`) as `node`'s; false when closed or `node` has one. */
  adopt(node: ClusterNodeKey, client: RedisClient): boolean {
    if (this.#state === "closed" || this.#clients.has(node)) return false;
    this.#clients.set(node, client);
    return true;
  }

  /** Closes the clients of the nodes not in `masters`. */
  retain(masters: readonly ClusterNodeKey[]): void {
    for (const [node, client] of this.#clients) {
      if (masters.includes(node)) continue;
      this.#clients.delete(node);
      void client.close();
    }
  }

  /** Closes every client (after QUIT when `quit`). */
  async close(quit: boolean): Promise<void> {
    this.#state = "closed";
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map((c) => quit ? c.quit().catch(() => c.close()) : c.close()));
  }
}
