/**
 * The Redis Cluster of the `cluster-fanout-rc` scenarios: the tests' six-node
 * cluster (`tests/redis_cluster_server.ts`: three masters, one replica each),
 * every node pinned to the servers' core like the single Redis of the other
 * cross-node scenarios, so that the load generator keeps its core to itself.
 *
 * @module
 */

import { redisCli, RedisCluster } from "../../tests/redis_cluster_server.ts";
import { output, SERVER_CORE } from "./processes.ts";

/** Runs `fn` with a fresh Redis Cluster (its nodes' ports); stops it afterwards. */
export async function withRedisCluster<T>(
  fn: (ports: number[]) => Promise<T>,
): Promise<T> {
  const cluster = await RedisCluster.start();
  try {
    for (const port of cluster.ports) {
      const pid = /process_id:(\d+)/.exec(
        await redisCli(port, "INFO", "server"),
      )?.[1];
      if (!pid) {
        throw new Error(`Cannot pin the Redis node on ${port}: no process_id`);
      }
      // -a: every thread of the node (redis-server runs I/O and background threads).
      const [code] = await output("taskset", [
        "-a",
        "-p",
        "-c",
        String(SERVER_CORE),
        pid,
      ]);
      if (code !== 0) {
        throw new Error(`Cannot pin the Redis node on ${port} (pid ${pid})`);
      }
    }
    return await fn(cluster.ports);
  } finally {
    await cluster.stop();
  }
}
