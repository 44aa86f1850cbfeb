/**
 * The slot map of a Redis Cluster client: which master serves each slot, the
 * masters in the order the cluster listed them, and how the map is read: from
 * a connected master first, else from the seeds and the masters known, each
 * through a probe client that is kept when the node turns out to be a master.
 *
 * @module
 */

import type { RedisClient } from "./client.ts";
import type { ClusterNodes } from "./cluster_nodes.ts";
import { type ClusterNodeKey, type ClusterTopology, readTopology } from "./cluster_topology.ts";
import { RedisConnectionError } from "./link.ts";

/** What a {@linkcode ClusterSlotMap} asks of its cluster client. */
export interface ClusterSlotMapHooks {
  /** Whether the client was closed (a map read then is dropped). */
  closed: () => boolean;
  /** A map was read and applied; `changed` when a slot or the set of masters moved. */
  applied: (changed: boolean) => void;
}

/** The slot map of one cluster client, and its reading. */
export class ClusterSlotMap {
  #slots: (ClusterNodeKey | undefined)[] = [];
  #masters: ClusterNodeKey[] = [];
  #seeds: readonly ClusterNodeKey[];
  #nodes: ClusterNodes;
  #hooks: ClusterSlotMapHooks;
  /** Whether `CLUSTER SLOTS` is the command to read (before Redis 7). */
  #useSlots = false;
  #next = 0;

  /**
   * @param seeds The nodes to ask when no connected master answers.
   * @param nodes The node clients (probes are made and adopted through it).
   * @param hooks The client's state and what to do once a map is applied.
   */
  constructor(seeds: readonly ClusterNodeKey[], nodes: ClusterNodes, hooks: ClusterSlotMapHooks) {
    this.#seeds = seeds;
    this.#nodes = nodes;
    this.#hooks = hooks;
  }

  /** The masters that serve slots. */
  get masters(): readonly ClusterNodeKey[] {
    return this.#masters;
  }

  /** The master of `slot`, as far as the map knows. */
  nodeOf(slot: number): ClusterNodeKey | undefined {
    return this.#slots[slot];
  }

  /** The masters in turn, for commands that any master may serve. */
  nextMaster(): ClusterNodeKey {
    return this.#masters[this.#next++ % this.#masters.length];
  }

  /** A `MOVED` reply: `slot` is served by `node` now. */
  moved(slot: number, node: ClusterNodeKey): void {
    this.#slots[slot] = node;
    if (!this.#masters.includes(node)) this.#masters.push(node);
  }

  /**
   * Asks the connected masters, then the seeds and known masters, for the
   * slot map, and applies the first answer.
   *
   * @throws {RedisConnectionError} When no node answers.
   */
  async discover(): Promise<void> {
    const failures: string[] = [];
    for (const [node, client] of this.#nodes.ready()) {
      try {
        return this.#apply(await this.#read(client));
      } catch (error) {
        failures.push(`${node}: ${(error as Error).message}`);
      }
    }
    const candidates = new Set([...this.#seeds, ...this.#masters]);
    for (const node of candidates) {
      if (this.#nodes.get(node)?.state === "ready" || this.#hooks.closed()) continue;
      const probe = this.#nodes.make(node);
      let adopted = false;
      try {
        await probe.connect();
        const topology = await this.#read(probe);
        if (this.#hooks.closed()) break;
        adopted = topology.masters.includes(node) && this.#nodes.adopt(node, probe);
        return this.#apply(topology);
      } catch (error) {
        failures.push(`${node}: ${(error as Error).message}`);
      } finally {
        if (!adopted) await probe.close();
      }
    }
    throw new RedisConnectionError(
      `Cannot read the cluster's slot map: ${failures.join("; ") || "the client was closed"}`,
    );
  }

  async #read(client: RedisClient): Promise<ClusterTopology> {
    const read = await readTopology((command) => client.send(command), this.#useSlots);
    this.#useSlots = read.slotsCommand;
    return read.topology;
  }

  #apply(topology: ClusterTopology): void {
    if (this.#hooks.closed()) return;
    const changed = topology.masters.length !== this.#masters.length ||
      topology.slots.some((node, slot) => node !== this.#slots[slot]);
    this.#slots = [...topology.slots];
    this.#masters = [...topology.masters];
    this.#hooks.applied(changed);
  }
}
