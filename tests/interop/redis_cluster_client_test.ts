// npm `redis` cluster clients (createCluster, 4.7.0) in webio's sharded adapter, next to a
// webio server on its built-in RedisClusterClient, on a REAL Redis Cluster
// (tests/redis_cluster_server.ts): rooms hashed to every master, broadcasts both ways.
import assert from "node:assert/strict";
import { createCluster } from "redis";
import { nextEvent, test, until } from "../harness.ts";
import { withRedisCluster } from "../redis_cluster_server.ts";
import { serve, type TestServer } from "../serve.ts";
import { io as connect, type Socket as ClientSocket } from "../../client/mod.ts";
import { createRedisAdapter, Server } from "../../mod.ts";
import { keySlot } from "../../server/redis/cluster_slots.ts";
import { normalizeRedisClient } from "../../server/redis/normalize.ts";
import type { ShardedRedisAdapter } from "../../server/redis/sharded.ts";

test(
  "redis cluster interop: a webio server on node-redis createCluster and one on the built-in client",
  async () => {
    await withRedisCluster(async (cluster) => {
      const [seed] = await cluster.masters();
      const url = `redis://127.0.0.1:${seed}`;
      const masters = (await cluster.nodes()).filter((n) => n.role === "master" && n.slots.length);
      const ownerOf = (name: string) => {
        const slot = keySlot(name);
        return masters.find((n) => n.slots.some(([a, b]) => a <= slot && slot <= b))!.port;
      };
      const rooms = new Map<number, string>();
      for (let i = 0; rooms.size < 3 && i < 1000; i++) {
        rooms.set(ownerOf(`socket.io#/#r${i}#`), `r${i}`);
      }
      const pub = createCluster({ rootNodes: [{ url }] });
      const sub = pub.duplicate();
      await Promise.all([pub.connect(), sub.connect()]);
      const nodes: { io: Server; http: TestServer; errors: Error[] }[] = [];
      const clients: ClientSocket[] = [];
      try {
        // The wrapper routes node-redis' cluster commands by key and sums NUMSUB over masters.
        const wrapped = normalizeRedisClient(pub);
        assert.equal(await wrapped.sendCommand(["SET", "{x}k", "v"]), "OK");
        assert.equal(await wrapped.sendCommand(["GET", "{x}k"]), "v");
        assert.deepEqual(
          await wrapped.sendCommand(["PUBSUB", "NUMSUB", "none"]),
          ["none", 0],
        );
        const adapters = [
          createRedisAdapter({ url, sharded: true, requestsTimeout: 2000 }),
          createRedisAdapter(pub, sub, {
            sharded: true,
            requestsTimeout: 2000,
          }),
        ];
        for (const adapter of adapters) {
          const errors: Error[] = [];
          const io = new Server({
            pingInterval: 1000,
            pingTimeout: 500,
            adapter,
          });
          io.onError = (error) => errors.push(error);
          nodes.push({ io, http: await serve(io.handler()), errors });
        }
        await Promise.all(
          nodes.map((n) => (n.io.of("/").adapter as ShardedRedisAdapter).ready),
        );
        assert.equal(await nodes[1].io.of("/").adapter.serverCount(), 2);
        const got: string[][] = [];
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
            got.push(list);
            client.on("news", (text: string) => list.push(text));
          }
        }
        // Both servers follow each room's channel on its master before anything is sent.
        for (const room of rooms.values()) {
          await until(
            async () => {
              const reply = await wrapped.sendCommand([
                "PUBSUB",
                "SHARDNUMSUB",
                `socket.io#/#${room}#`,
              ]);
              return Array.isArray(reply) && Number(reply[1]) === 2;
            },
            5000,
            `both servers follow ${room}`,
          );
        }
        for (const room of rooms.values()) {
          nodes[0].io.to(room).emit("news", `${room}:webio`);
          nodes[1].io.to(room).emit("news", `${room}:node-redis`);
        }
        await until(() => got.every((list) => list.length === 2), 5000, "news");
        for (const room of rooms.values()) {
          nodes[0].io.to(room).emit("news", "end");
        }
        await until(
          () => got.every((list) => list.length === 3),
          5000,
          "barrier",
        );
        const roomOf = [...rooms.values()].flatMap((room) => [room, room]);
        got.forEach((list, i) => {
          assert.deepEqual(list.sort(), [
            "end",
            `${roomOf[i]}:node-redis`,
            `${roomOf[i]}:webio`,
          ]);
        });
        assert.equal((await nodes[1].io.fetchSockets()).length, clients.length);
        assert.deepEqual(nodes.flatMap((n) => n.errors), []);
      } finally {
        for (const client of clients) client.disconnect();
        for (const node of nodes) {
          await node.io.close();
          await node.http.close();
        }
        await Promise.all([pub.quit(), sub.quit()]);
      }
    });
  },
  { sanitize: false, timeout: 60_000 },
);
