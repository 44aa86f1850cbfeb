// createRedisAdapter's built-in client on a REAL Redis Cluster (tests/redis_cluster_server.ts):
// the cluster is detected (or chosen), and two webio servers with the sharded adapter share
// rooms whose channels live on every master.
import assert from "node:assert/strict";
import { nextEvent, test, until } from "../../tests/harness.ts";
import { redisCli, type RedisCluster, withRedisCluster } from "../../tests/redis_cluster_server.ts";
import { withRedis } from "../../tests/redis_server.ts";
import { serve, type TestServer } from "../../tests/serve.ts";
import { io as connect, type Socket as ClientSocket } from "../../client/mod.ts";
import { Server } from "../mod.ts";
import { keySlot } from "./cluster_slots.ts";
import { builtInRedisClient } from "./cluster_detect.ts";
import { createRedisAdapter } from "./factory.ts";
import type { ShardedRedisAdapter } from "./sharded.ts";

const CLUSTER_TEST = { timeout: 60_000 };

/** The master port of each slot range, read once. */
async function ownerFinder(cluster: RedisCluster): Promise<(name: string) => number> {
  const masters = (await cluster.nodes()).filter((n) => n.role === "master" && n.slots.length);
  return (name) => {
    const slot = keySlot(name);
    return masters.find((n) => n.slots.some(([a, b]) => a <= slot && slot <= b))!.port;
  };
}

test(
  "cluster detect: INFO cluster picks the cluster client; cluster: false keeps one node",
  async () => {
    await withRedisCluster(async (cluster) => {
      const owner = await ownerFinder(cluster);
      const [seed] = await cluster.masters();
      const keys = new Map<number, string>();
      for (let i = 0; keys.size < 3 && i < 1000; i++) keys.set(owner(`k${i}`), `k${i}`);
      const detected = builtInRedisClient({ url: `redis://127.0.0.1:${seed}` });
      const single = builtInRedisClient({ port: seed, cluster: false });
      try {
        await detected.client.connect();
        for (const key of keys.values()) {
          assert.equal(await detected.client.sendCommand(["SET", key, key]), "OK");
          assert.equal(await detected.client.sendCommand(["GET", key]), key);
        }
        // One node only: keys of the other masters are redirected, not followed.
        await single.client.connect();
        const elsewhere = [...keys].find(([port]) => port !== seed)![1];
        await assert.rejects(single.client.sendCommand(["GET", elsewhere]), /MOVED/);
      } finally {
        await Promise.all([detected.release(), single.release()]);
      }
      // Released while still choosing: nothing is left open (Deno's sanitizers check).
      const early = builtInRedisClient({ urls: [`redis://127.0.0.1:${seed}`] });
      const connecting = early.client.connect();
      await early.release();
      await assert.rejects(connecting);
    });
    // A standalone Redis says cluster_enabled:0: the plain client.
    await withRedis(async (port) => {
      const plain = builtInRedisClient({ port });
      try {
        await plain.client.connect();
        assert.equal(await plain.client.sendCommand(["SET", "k", "v"]), "OK");
        await assert.rejects(plain.client.sendCommand(["CLUSTER", "SHARDS"]), /cluster support/);
      } finally {
        await plain.release();
      }
    });
  },
  CLUSTER_TEST,
);

test(
  "cluster detect: two servers, sharded adapter on a Redis Cluster, rooms on every master",
  async () => {
    await withRedisCluster(async (cluster) => {
      const owner = await ownerFinder(cluster);
      const [seed] = await cluster.masters();
      // One room per master: the room's channel (npm createShardedAdapter's name) hashes there.
      const rooms = new Map<number, string>();
      for (let i = 0; rooms.size < 3 && i < 1000; i++) {
        rooms.set(owner(`socket.io#/#room-${i}#`), `room-${i}`);
      }
      assert.equal(rooms.size, 3);
      const nodes: { io: Server; http: TestServer; errors: Error[] }[] = [];
      const clients: ClientSocket[] = [];
      try {
        for (let i = 0; i < 2; i++) {
          const errors: Error[] = [];
          const io = new Server({
            pingInterval: 1000,
            pingTimeout: 500,
            adapter: createRedisAdapter({
              url: `redis://127.0.0.1:${seed}`,
              sharded: true,
              requestsTimeout: 2000,
            }),
          });
          io.onError = (error) => errors.push(error);
          nodes.push({ io, http: await serve(io.handler()), errors });
        }
        await Promise.all(nodes.map((n) => (n.io.of("/").adapter as ShardedRedisAdapter).ready));
        assert.equal(await nodes[0].io.of("/").adapter.serverCount(), 2);
        // Two clients per room, one on each server.
        const got = new Map<ClientSocket, string[]>();
        for (const room of rooms.values()) {
          for (const node of [0, 1]) {
            const client = connect(nodes[node].http.url, {
              forceNew: true,
              reconnection: false,
              transports: ["websocket"],
            });
            clients.push(client);
            await nextEvent(client, "connect", 3000);
            nodes[node].io.of("/").sockets.get(client.id!)!.join(room);
            const list: string[] = [];
            got.set(client, list);
            client.on("news", (text: string) => list.push(text));
          }
        }
        // Each room's channel is subscribed by both servers on the master that owns it.
        for (const [port, room] of rooms) {
          await until(
            async () => {
              const reply = await redisCli(port, "PUBSUB", "SHARDNUMSUB", `socket.io#/#${room}#`);
              return reply.endsWith("\n2");
            },
            5000,
            `both servers follow ${room} on ${port}`,
          );
        }
        for (const room of rooms.values()) {
          nodes[0].io.to(room).emit("news", `${room} from 0`);
          nodes[1].io.to(room).emit("news", `${room} from 1`);
        }
        await until(() => [...got.values()].every((list) => list.length === 2), 5000, "news");
        // A last message per room as a barrier: nothing arrives twice.
        for (const room of rooms.values()) nodes[1].io.to(room).emit("news", "end");
        await until(() => [...got.values()].every((list) => list.length === 3), 5000, "barrier");
        const roomOf = [...rooms.values()].flatMap((room) => [room, room]);
        [...got.values()].forEach((list, i) => {
          assert.deepEqual(list.sort(), ["end", `${roomOf[i]} from 0`, `${roomOf[i]} from 1`]);
        });
        const sockets = await nodes[0].io.fetchSockets();
        assert.deepEqual(sockets.map((s) => s.id).sort(), clients.map((c) => c.id).sort());
        assert.deepEqual(nodes.flatMap((n) => n.errors), []);
      } finally {
        for (const client of clients) client.disconnect();
        for (const node of nodes) {
          await node.io.close();
          await node.http.close();
        }
      }
    });
  },
  CLUSTER_TEST,
);
