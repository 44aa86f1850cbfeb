// The sharded adapter on a REAL Redis Cluster (tests/redis_cluster_server.ts) while the cluster
// changes under a stream of broadcasts: two webio servers (createRedisAdapter({ url, sharded:
// true }), the built-in RedisClusterClient), one broadcasting a numbered packet every 20 ms to a
// room whose member is on the other. The master owning the room channel's slot is killed (its
// replica is promoted), or the slot is migrated to another master. Delivery resumes with no
// restart, losses stay within the window the adapter documents (1 s after the cluster has
// settled), nothing arrives twice or out of order, and failures go to io.onError.
import assert from "node:assert/strict";
import { test, until } from "../../tests/harness.ts";
import { startNodes } from "../../tests/redis_nodes.ts";
import { type RedisCluster, withRedisCluster } from "../../tests/redis_cluster_server.ts";
import { keySlot } from "./cluster_slots.ts";
import { createRedisAdapter } from "./factory.ts";
import type { ShardedRedisAdapter } from "./sharded.ts";

/** Milliseconds after the cluster settles from which no packet may be lost (the README's). */
const WINDOW = 1000;

/** A room whose channel's slot is on a master that does not own the namespace's channel. */
async function pickRoom(cluster: RedisCluster) {
  const nspOwner = await cluster.ownerOf(keySlot("socket.io#/#"));
  for (let i = 0; i < 1000; i++) {
    const slot = keySlot(`socket.io#/#r${i}#`);
    const owner = await cluster.ownerOf(slot);
    if (owner !== nspOwner) return { room: `r${i}`, slot, owner, nspOwner };
  }
  throw new Error("Cannot find a room on another master");
}

/**
 * Runs the scenario: `change` alters the cluster while packets flow and resolves when the
 * cluster has settled; resolves with what the servers reported through `onError`.
 */
async function underChange(
  cluster: RedisCluster,
  change: (picked: Awaited<ReturnType<typeof pickRoom>>) => Promise<void>,
): Promise<Error[]> {
  const picked = await pickRoom(cluster);
  const seed = `redis://127.0.0.1:${picked.nspOwner}`;
  const ctx = await startNodes({
    count: 2,
    adapter: () => createRedisAdapter({ url: seed, sharded: true, requestsTimeout: 2000 }),
    ready: (nodes) =>
      Promise.all(nodes.map((n) => (n.io.of("/").adapter as ShardedRedisAdapter).ready)),
  });
  const nodes = ctx.nodes;
  let sending: ReturnType<typeof setInterval> | undefined;
  try {
    const receiver = await ctx.connected(1);
    ctx.socketOf(1, receiver).join(picked.room);
    const got: number[] = [];
    receiver.on("n", (n: number) => got.push(n));
    let next = 0;
    sending = setInterval(() => nodes[0].io.to(picked.room).emit("n", next++), 20);
    // The receiving node follows the room's channel once its subscription is through.
    await until(() => got.length > 5, 5000, "packets before the change");
    await change(picked);
    const settled = next;
    await until(() => got.some((n) => n >= settled), 5000, "delivery resumes");
    await new Promise((resolve) => setTimeout(resolve, WINDOW));
    const recovered = next;
    const last = recovered + 25; // about half a second more
    await until(() => got.includes(last), 5000, "packets after the window");
    clearInterval(sending);
    // Losses only within the window: every packet sent after it arrived.
    const after = got.filter((n) => n >= recovered && n <= last);
    assert.deepEqual(after, [...Array(last - recovered + 1).keys()].map((i) => recovered + i));
    // Never twice, always in order, and the servers never restarted.
    assert.deepEqual(got, [...got].sort((a, b) => a - b));
    assert.equal(new Set(got).size, got.length);
    assert.ok(receiver.connected);
    const errors = nodes.flatMap((n) => n.errors);
    for (const error of errors) assert.equal(error.name, "RedisAdapterError");
    return errors;
  } finally {
    clearInterval(sending);
    await ctx.close();
  }
}

test(
  "sharded adapter on a cluster: the room channel's master dies while broadcasting",
  async () => {
    await withRedisCluster(async (cluster) => {
      const errors = await underChange(cluster, async ({ owner }) => {
        const replica = await cluster.replicaOf(owner);
        await cluster.kill(owner);
        await cluster.waitRole(replica, "master", 20_000);
      });
      // Publishing to the dead master failed, and said so.
      assert.ok(errors.length > 0);
    });
  },
  { sanitize: false, timeout: 90_000 },
);

test(
  "sharded adapter on a cluster: the room channel's slot migrates while broadcasting",
  async () => {
    await withRedisCluster(async (cluster) => {
      await underChange(cluster, async ({ slot, owner, nspOwner }) => {
        const target = (await cluster.masters()).find((p) => p !== owner && p !== nspOwner)!;
        await cluster.migrateSlot(slot, target);
        await until(async () => await cluster.ownerOf(slot) === target, 5000, "slot moved");
      });
    });
  },
  { sanitize: false, timeout: 90_000 },
);
