/**
 * A REAL Redis Cluster for tests: six redis-server processes on free loopback
 * ports (three masters, one replica each) in a temporary directory, joined by
 * `redis-cli --cluster create`. Tests can kill a node, force a failover and
 * migrate a slot while clients run. {@linkcode withRedisCluster} stops every
 * process and deletes the directory, also on failure.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, RedisServer } from "./redis_server.ts";

/** One node as `CLUSTER NODES` describes it. */
export interface ClusterNodeInfo {
  id: string;
  port: number;
  role: "master" | "replica";
  /** Marked failing (`fail` or `fail?`) by the node asked. */
  failing: boolean;
  /** The id of its master, for a replica. */
  masterId: string | null;
  /** Owned slot ranges, inclusive. */
  slots: [number, number][];
}

/** A slot being moved between two masters, step by step. */
export interface SlotMigration {
  readonly slot: number;
  readonly from: number;
  readonly to: number;
  /** MIGRATEs every key of the slot still on the source; resolves with how many moved. */
  moveKeys(): Promise<number>;
  /** Moves the remaining keys, then gives the slot to the target on every master. */
  finish(): Promise<void>;
}

/** Runs `redis-cli -p port args...` and resolves with its output (errors included). */
export function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "redis-cli",
      ["-h", "127.0.0.1", "-p", String(port), ...args],
      { timeout: 10_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`redis-cli ${args.join(" ")}: ${error.message} ${stderr}`));
        else resolve(String(stdout).trim());
      },
    );
  });
}

async function bounded(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function parseNodes(text: string): ClusterNodeInfo[] {
  const nodes: ClusterNodeInfo[] = [];
  for (const line of text.split("\n")) {
    const parts = line.trim().split(" ");
    if (parts.length < 8) continue;
    const flags = parts[2].split(",");
    const slots: [number, number][] = [];
    for (const range of parts.slice(8)) {
      if (range.startsWith("[")) continue; // A slot being migrated or imported.
      const [start, end] = range.split("-").map(Number);
      slots.push([start, end ?? start]);
    }
    nodes.push({
      id: parts[0],
      port: Number(parts[1].split(":")[1].split("@")[0]),
      role: flags.includes("master") ? "master" : "replica",
      failing: flags.includes("fail") || flags.includes("fail?"),
      masterId: parts[3] === "-" ? null : parts[3],
      slots,
    });
  }
  return nodes;
}

/** A running six-node Redis Cluster; see the module documentation. */
export class RedisCluster {
  #servers: Map<number, RedisServer>;
  #dir: string;

  private constructor(servers: Map<number, RedisServer>, dir: string) {
    this.#servers = servers;
    this.#dir = dir;
  }

  /** The ports of every node started (killed ones included). */
  get ports(): number[] {
    return [...this.#servers.keys()];
  }

  /** Starts the nodes and creates the cluster; waits until every node says `cluster_state:ok`. */
  static async start(): Promise<RedisCluster> {
    const dir = await mkdtemp(join(tmpdir(), "webio-redis-cluster-"));
    const servers = new Map<number, RedisServer>();
    const cluster = new RedisCluster(servers, dir);
    try {
      const starts: Promise<void>[] = [];
      for (let i = 0; i < 6; i++) {
        const [port, busPort] = [await freePort(), await freePort()];
        starts.push(
          RedisServer.start(port, [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            join(dir, `nodes-${port}.conf`),
            // The bus port must be given: an ephemeral port plus 10000 may not exist.
            "--cluster-port",
            String(busPort),
            "--cluster-node-timeout",
            "1000",
            "--dir",
            dir,
            // Replicas sync at once (the default waits 5 s for more replicas to share a transfer).
            "--repl-diskless-sync-delay",
            "0",
          ]).then((server) => void servers.set(port, server)),
        );
      }
      const started = await Promise.allSettled(starts);
      const failed = started.find((s) => s.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
      await new Promise<void>((resolve, reject) => {
        execFile(
          "redis-cli",
          [
            "--cluster",
            "create",
            ...cluster.ports.map((port) => `127.0.0.1:${port}`),
            "--cluster-replicas",
            "1",
            "--cluster-yes",
          ],
          { timeout: 20_000 },
          (error, _stdout, stderr) =>
            error
              ? reject(new Error(`Cannot create cluster: ${error.message} ${stderr}`))
              : resolve(),
        );
      });
      await cluster.waitHealthy();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** The nodes still running. */
  get alive(): number[] {
    return this.ports.filter((port) => this.#servers.get(port)?.running);
  }

  /**
   * Waits (bounded) until every running node says `cluster_state:ok` and sees
   * 3 masters, and every running replica has synced with its master (a replica
   * that never synced cannot take over).
   */
  async waitHealthy(ms = 15_000): Promise<void> {
    await bounded("cluster_state:ok on every node", ms, async () => {
      for (const port of this.alive) {
        if (!(await redisCli(port, "CLUSTER", "INFO")).includes("cluster_state:ok")) return false;
        const nodes = await this.nodes(port);
        const masters = nodes.filter((n) =>
          n.role === "master" && n.slots.length > 0 && !n.failing
        );
        if (masters.length !== 3) return false;
        const self = nodes.find((n) => n.port === port);
        const replication = await redisCli(port, "INFO", "replication");
        if (self?.role === "replica" && !replication.includes("master_link_status:up")) {
          return false;
        }
      }
      return true;
    });
  }

  /** Every node as `port` (default: the first running node) sees it. */
  async nodes(port: number = this.alive[0]): Promise<ClusterNodeInfo[]> {
    return parseNodes(await redisCli(port, "CLUSTER", "NODES"));
  }

  /** The ports of the masters that own slots, as a running node sees them. */
  async masters(): Promise<number[]> {
    const nodes = await this.nodes();
    return nodes.filter((n) => n.role === "master" && n.slots.length > 0 && !n.failing)
      .map((n) => n.port).sort((a, b) => a - b);
  }

  /** The port of the master that owns `slot`. */
  async ownerOf(slot: number): Promise<number> {
    const owner = (await this.nodes()).find((n) =>
      n.role === "master" && !n.failing && n.slots.some(([a, b]) => a <= slot && slot <= b)
    );
    if (!owner) throw new Error(`Cannot find the owner of slot ${slot}`);
    return owner.port;
  }

  /**
   * The port of a replica of the master on `masterPort`, once the node asked
   * sees one (gossip may not have told it yet).
   */
  async replicaOf(masterPort: number, ms = 10_000): Promise<number> {
    let port = 0;
    await bounded(`a replica of ${masterPort}`, ms, async () => {
      const nodes = await this.nodes();
      const master = nodes.find((n) => n.port === masterPort);
      const replica = master && nodes.find((n) => n.masterId === master.id && !n.failing);
      if (replica) port = replica.port;
      return replica !== undefined;
    });
    return port;
  }

  /** Kills the node on `port` (SIGKILL) and waits for its exit. */
  async kill(port: number): Promise<void> {
    await this.#servers.get(port)?.stop();
  }

  /**
   * Promotes the replica on `replicaPort` with `CLUSTER FAILOVER` (its master
   * must be up), and waits until every running node sees it as a master.
   */
  async failover(replicaPort: number, ms = 15_000): Promise<void> {
    await bounded(
      `replica ${replicaPort} in sync`,
      ms,
      async () =>
        (await redisCli(replicaPort, "INFO", "replication")).includes("master_link_status:up"),
    );
    const reply = await redisCli(replicaPort, "CLUSTER", "FAILOVER");
    if (reply !== "OK") throw new Error(`Cannot fail over to ${replicaPort}: ${reply}`);
    await this.waitRole(replicaPort, "master", ms);
  }

  /** Waits until every running node sees the node on `port` in `role`, owning slots if master. */
  async waitRole(port: number, role: "master" | "replica", ms = 15_000): Promise<void> {
    await bounded(`${port} seen as ${role}`, ms, async () => {
      for (const at of this.alive) {
        const node = (await this.nodes(at)).find((n) => n.port === port);
        if (!node || node.role !== role || (role === "master" && node.slots.length === 0)) {
          return false;
        }
      }
      return true;
    });
    await this.waitHealthy(ms);
  }

  /**
   * Starts moving `slot` to the master on `toPort`: IMPORTING on the target,
   * MIGRATING on the source. Keys stay where they are until `moveKeys`.
   */
  async startMigration(slot: number, toPort: number): Promise<SlotMigration> {
    const nodes = await this.nodes();
    const fromPort = await this.ownerOf(slot);
    const id = (port: number) => nodes.find((n) => n.port === port)!.id;
    const [fromId, toId] = [id(fromPort), id(toPort)];
    if (fromPort === toPort) throw new Error(`Cannot migrate slot ${slot}: already on ${toPort}`);
    const ok = async (port: number, ...args: string[]) => {
      const reply = await redisCli(port, ...args);
      if (reply !== "OK" && reply !== "NOKEY") {
        throw new Error(`Cannot migrate slot ${slot}: ${args.join(" ")} -> ${reply}`);
      }
    };
    await ok(toPort, "CLUSTER", "SETSLOT", String(slot), "IMPORTING", fromId);
    await ok(fromPort, "CLUSTER", "SETSLOT", String(slot), "MIGRATING", toId);
    const moveKeys = async () => {
      let moved = 0;
      for (let round = 0; round < 1000; round++) {
        const keys = (await redisCli(fromPort, "CLUSTER", "GETKEYSINSLOT", String(slot), "100"))
          .split("\n").filter((k) => k !== "");
        if (keys.length === 0) return moved;
        await ok(
          fromPort,
          "MIGRATE",
          "127.0.0.1",
          String(toPort),
          "",
          "0",
          "5000",
          "KEYS",
          ...keys,
        );
        moved += keys.length;
      }
      throw new Error(`Cannot migrate slot ${slot}: keys keep coming`);
    };
    const finish = async () => {
      await moveKeys();
      // The target first, then the source, then the other masters (as redis-cli does).
      const masters = (await this.masters()).filter((p) => p !== toPort && p !== fromPort);
      for (const port of [toPort, fromPort, ...masters]) {
        await ok(port, "CLUSTER", "SETSLOT", String(slot), "NODE", toId);
      }
    };
    return { slot, from: fromPort, to: toPort, moveKeys, finish };
  }

  /** Moves `slot` with its keys to the master on `toPort`. */
  async migrateSlot(slot: number, toPort: number): Promise<void> {
    await (await this.startMigration(slot, toPort)).finish();
  }

  /** Stops every node and deletes the directory. */
  async stop(): Promise<void> {
    await Promise.all([...this.#servers.values()].map((server) => server.stop()));
    await rm(this.#dir, { recursive: true, force: true });
  }
}

/** Runs `fn` with a fresh cluster; stops it and deletes its directory afterwards. */
export async function withRedisCluster(
  fn: (cluster: RedisCluster) => Promise<void>,
): Promise<void> {
  const cluster = await RedisCluster.start();
  try {
    await fn(cluster);
  } finally {
    await cluster.stop();
  }
}
