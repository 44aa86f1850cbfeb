// The Redis streams adapter on a REAL Redis Cluster (tests/redis_cluster_server.ts): two webio
// servers whose built-in clients are seeded at masters that do not own the stream's slot, so every
// XADD, XRANGE and XREAD must be routed (a single-node client would get MOVED). Broadcasts both
// ways, connection state recovery on the other node, and the stream's master killed.
import assert from "node:assert/strict";
import { nextEvent, test, until } from "../../tests/harness.ts";
import { startNodes, type TestNode } from "../../tests/redis_nodes.ts";
import { redisCli, type RedisCluster, withRedisCluster } from "../../tests/redis_cluster_server.ts";
import type { ServerOptions } from "../mod.ts";
import { keySlot } from "./cluster_slots.ts";
import { createRedisStreamsAdapter, type RedisStreamsAdapter } from "./streams.ts";

const opts = { sanitize: false, timeout: 90_000 };

function adapter(node: TestNode): RedisStreamsAdapter {
  return node.io.of("/").adapter as RedisStreamsAdapter;
}

/** The stream's master, and the two masters that do not own it (the seeds). */
async function layout(cluster: RedisCluster) {
  const owner = await cluster.ownerOf(keySlot("socket.io"));
  const others = (await cluster.masters()).filter((port) => port !== owner);
  assert.equal(others.length, 2);
  return { owner, others };
}

/** Two servers on the stream, node i seeded at `seeds[i]`; ready once they count each other. */
function nodes(seeds: number[], server: ServerOptions = {}) {
  return startNodes({
    count: seeds.length,
    adapter: (i) =>
      createRedisStreamsAdapter({
        url: `redis://127.0.0.1:${seeds[i]}`,
        reconnectMaxDelay: 200,
        heartbeatInterval: 300,
        heartbeatTimeout: 10_000,
        requestsTimeout: 2000,
        blockTime: 1000,
      }),
    server,
    ready: async (list) => {
      await Promise.all(list.map((n) => adapter(n).ready));
      const counts = () => Promise.all(list.map((n) => adapter(n).serverCount()));
      await until(async () => (await counts()).every((c) => c === seeds.length), 5000, "counted");
    },
  });
}

test(
  "redis streams on a cluster: broadcasts both ways, routed to the stream's master",
  async () => {
    await withRedisCluster(async (cluster) => {
      const { owner, others } = await layout(cluster);
      const ctx = await nodes(others);
      try {
        const clients = await Promise.all([0, 1, 0, 1].map((n) => ctx.connected(n)));
        for (const i of [0, 1]) ctx.nodes[i].io.of("/").sockets.get(clients[i].id!)!.join("news");
        const got = clients.map(() => [] as string[]);
        clients.forEach((c, i) => c.on("m", (text: string) => got[i].push(text)));
        ctx.nodes[0].io.to("news").emit("m", "0 to news");
        ctx.nodes[1].io.to("news").emit("m", "1 to news");
        ctx.nodes[0].io.emit("m", "0 to all");
        ctx.nodes[1].io.except("news").emit("m", "1 except news");
        await until(() => got[0].length === 3 && got[1].length === 3, 5000, "news members");
        await until(() => got[2].length === 2 && got[3].length === 2, 5000, "the others");
        ctx.nodes[1].io.emit("m", "end");
        await until(() => got.every((g) => g.at(-1) === "end"), 5000, "barrier");
        for (const i of [0, 1]) {
          assert.deepEqual(got[i].sort(), ["0 to all", "0 to news", "1 to news", "end"]);
        }
        for (const i of [2, 3]) {
          assert.deepEqual(got[i].sort(), ["0 to all", "1 except news", "end"]);
        }
        // Acks and fetchSockets across the nodes, through the one stream.
        clients.forEach((c, i) => c.on("q", (ack: (v: number) => void) => ack(i)));
        const answers = await ctx.nodes[1].io.timeout(2000).emitWithAck("q") as number[];
        assert.deepEqual([...answers].sort(), [0, 1, 2, 3]);
        assert.equal((await ctx.nodes[0].io.in("news").fetchSockets()).length, 2);
        // The stream lives on its slot's master only.
        assert.ok(Number(await redisCli(owner, "XLEN", "socket.io")) > 0);
        assert.match(await redisCli(others[0], "XLEN", "socket.io"), /MOVED/);
        assert.deepEqual(
          ctx.nodes.flatMap((n) => n.errors),
          [],
        );
      } finally {
        await ctx.close();
      }
    });
  },
  opts,
);

test("redis streams on a cluster: a session is restored on the other node", async () => {
  await withRedisCluster(async (cluster) => {
    const { others } = await layout(cluster);
    const ctx = await nodes(others, {
      connectionStateRecovery: { maxDisconnectionDuration: 5000 },
    });
    // One address in front of both nodes, switched by the test: the client comes back elsewhere.
    const front = await ctx.front();
    const client = ctx.client(front.url, {
      reconnection: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 50,
    });
    try {
      await nextEvent(client, "connect", 3000);
      const id = client.id;
      const socket = ctx.nodes[0].io.of("/").sockets.get(id!)!;
      socket.join("room");
      const seen: unknown[] = [];
      client.on("msg", (v: unknown) => seen.push(v));
      ctx.nodes[1].io.to("room").emit("msg", 1);
      await until(() => seen.length === 1, 3000, "first message");
      front.switchTo(1);
      const back = nextEvent(client, "connect", 5000);
      socket.conn.close();
      await nextEvent(client, "disconnect", 3000);
      ctx.nodes[0].io.to("room").emit("msg", 2);
      ctx.nodes[1].io.emit("msg", 3);
      ctx.nodes[1].io.to("elsewhere").emit("msg", 99);
      await back;
      assert.equal(client.recovered, true);
      assert.equal(client.id, id);
      await until(() => seen.length === 3, 3000, "missed messages");
      assert.deepEqual([...seen].sort(), [1, 2, 3]);
      assert.ok(ctx.nodes[1].io.of("/").sockets.get(id!)!.rooms.has("room"));
      assert.deepEqual(ctx.nodes.flatMap((n) => n.errors), []);
    } finally {
      await ctx.close();
    }
  });
}, opts);

test(
  "redis streams on a cluster: the stream's master dies, its replica takes over",
  async () => {
    await withRedisCluster(async (cluster) => {
      const { owner, others } = await layout(cluster);
      const replica = await cluster.replicaOf(owner);
      const ctx = await nodes(others);
      let sending: ReturnType<typeof setInterval> | undefined;
      try {
        const receiver = await ctx.connected(1);
        const got: number[] = [];
        receiver.on("n", (n: number) => got.push(n));
        // A numbered packet every 20 ms, from before the failure until the end.
        let next = 0;
        sending = setInterval(() => ctx.nodes[0].io.emit("n", next++), 20);
        await until(() => got.length > 5, 3000, "before the failure");
        await cluster.kill(owner);
        await cluster.waitRole(replica, "master", 20_000);
        const promoted = next;
        await until(() => got.some((n) => n >= promoted), 5000, "delivery resumes");
        // The window: a packet sent later than 1 s after the promotion is never lost.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const recovered = next;
        const last = next + 25; // about half a second more
        await until(() => got.includes(last), 5000, "packets after recovery");
        clearInterval(sending);
        // Losses only in the window: every packet sent after the new master took over arrived.
        const after = got.filter((n) => n >= recovered && n <= last);
        assert.deepEqual(after, [...Array(last - recovered + 1).keys()].map((i) => recovered + i));
        // Never twice, always in order.
        assert.deepEqual(got, [...got].sort((a, b) => a - b));
        assert.equal(new Set(got).size, got.length);
        // The failure was reported through io.onError, never thrown.
        assert.ok(ctx.nodes.some((node) => node.errors.length > 0));
        for (const e of ctx.nodes.flatMap((node) => node.errors)) {
          assert.equal(e.name, "RedisAdapterError");
        }
      } finally {
        clearInterval(sending);
        await ctx.close();
      }
    });
  },
  opts,
);
