// deno-lint-ignore-file no-explicit-any
// webio and the reference on one REAL Redis Cluster (tests/redis_cluster_server.ts): a webio
// node (this runtime, this process; createRedisAdapter({ url: <one node>, sharded: true }), so
// the built-in RedisClusterClient) and a socket.io 4.8 node on Node.js with
// @socket.io/redis-adapter 8.3's createShardedAdapter on node-redis 4.7 createCluster clients
// (redis_sharded_node.mjs with REDIS_CLUSTER=1). Rooms whose channels hash to each of the three
// masters get every broadcast exactly once, both ways; fetchSockets, serverSideEmit with acks
// and broadcast acks cross the two implementations.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { test, until } from "../harness.ts";
import { type ServerProcess, startServer } from "../conformance/spawn.ts";
import { type RedisCluster, withRedisCluster } from "../redis_cluster_server.ts";
import { serve, type TestServer } from "../serve.ts";
import type { Socket } from "../../client/mod.ts";
import { ask } from "../cluster/user.ts";
import { createRedisAdapter, keySlot, RedisClusterClient, Server } from "../../mod.ts";
import type { ShardedRedisAdapter } from "../../server/redis/sharded.ts";
import { connectMixedUsers, controls } from "./redis_sharded_controls.ts";

const NODE_NODE = fileURLToPath(new URL("./redis_sharded_node.mjs", import.meta.url));

/** One room per master: the first `r<i>` whose channel's slot that master owns. */
async function roomPerMaster(cluster: RedisCluster): Promise<string[]> {
  const byMaster = new Map<number, string>();
  for (let i = 0; byMaster.size < 3 && i < 1000; i++) {
    const owner = await cluster.ownerOf(keySlot(`socket.io#/#r${i}#`));
    if (!byMaster.has(owner)) byMaster.set(owner, `r${i}`);
  }
  assert.equal(byMaster.size, 3);
  return [...byMaster.values()];
}

test(
  "redis cluster interop: webio and Node createShardedAdapter on createCluster share a Redis Cluster",
  async () => {
    await withRedisCluster(async (cluster) => {
      const rooms = await roomPerMaster(cluster);
      const [seed] = await cluster.masters();
      const io = new Server({
        pingInterval: 1000,
        pingTimeout: 1000,
        adapter: createRedisAdapter({
          url: `redis://127.0.0.1:${seed}`,
          sharded: true,
          requestsTimeout: 2000,
        }),
      });
      const errors: Error[] = [];
      io.onError = (error) => errors.push(error);
      controls(io, "webio");
      let http: TestServer | undefined;
      let node: ServerProcess | undefined;
      const users: Socket[] = [];
      const probe = new RedisClusterClient({ url: `redis://127.0.0.1:${seed}` });
      try {
        http = await serve(io.handler());
        await (io.of("/").adapter as ShardedRedisAdapter).ready;
        node = await startServer(NODE_NODE, {
          runtime: "node",
          env: { REDIS_PORT: String(seed), REDIS_CLUSTER: "1", NODE_NAME: "node" },
        });
        const [w0, n0, w1, n1] = await connectMixedUsers(http.url, node.url, users);
        // w0 and n0 join a room on each master; both nodes follow each room's channel (dynamic
        // mode), which PUBSUB SHARDNUMSUB counts on the channel's master.
        for (const room of rooms) {
          await ask(w0, "join", room);
          await ask(n0, "join", room);
        }
        for (const room of rooms) {
          await until(
            async () => {
              const reply = await probe.send(["PUBSUB", "SHARDNUMSUB", `socket.io#/#${room}#`]);
              return Array.isArray(reply) && Number(reply[1]) === 2;
            },
            5000,
            `both nodes follow ${room}`,
          );
        }

        // To each room from both sides; to all except the rooms; each delivered once.
        const got = users.map(() => [] as string[]);
        users.forEach((u, i) =>
          u.on("news", (text: string, from: string) => got[i].push(`${text} by ${from}`))
        );
        for (const room of rooms) {
          w1.emit("to", room, "", "news", room);
          n1.emit("to", room, "", "news", room);
        }
        w0.emit("to", "", rooms[0], "news", "not r");
        n0.emit("to", "", rooms[1], "news", "not r");
        await until(() => got[0].length === 6 && got[1].length === 6, 5000, "room members");
        await until(() => got[2].length === 2 && got[3].length === 2, 5000, "the others");
        w1.emit("to", "", "", "news", "end");
        n1.emit("to", "", "", "news", "end");
        await until(
          () =>
            got.every((g) => g.length >= 4 && g.filter((t) => t.startsWith("end")).length === 2),
          5000,
          "barrier",
        );
        const expected = rooms.flatMap((room) => [`${room} by node`, `${room} by webio`]);
        for (const i of [0, 1]) {
          assert.deepEqual(got[i].sort(), [...expected, "end by node", "end by webio"].sort());
        }
        for (const i of [2, 3]) {
          assert.deepEqual(got[i].sort(), [
            "end by node",
            "end by webio",
            "not r by node",
            "not r by webio",
          ]);
        }

        // fetchSockets both ways, with rooms and data.
        for (const asker of [w1, n1]) {
          for (const room of rooms) {
            const fetched = (await ask(asker, "fetch", room)).ok;
            const byUser = new Map<string, any>(fetched.map((s: any) => [s.data.user, s]));
            assert.deepEqual([...byUser.keys()].sort(), ["n0", "w0"]);
            assert.equal(byUser.get("n0").data.node, "node");
            assert.ok(byUser.get("w0").rooms.includes(room));
          }
          assert.equal((await ask(asker, "fetch", "")).ok.length, 4);
        }
        // Broadcast acks gathered across both implementations.
        for (const asker of [w1, n1]) {
          assert.deepEqual([...(await ask(asker, "askAll", "")).ok].sort(), [
            "n0",
            "n1",
            "w0",
            "w1",
          ]);
          assert.deepEqual([...(await ask(asker, "askAll", rooms[2])).ok].sort(), ["n0", "w0"]);
        }
        // serverSideEmitWithAck both ways.
        assert.deepEqual((await ask(w0, "serverSideEmit")).ok, ["node greets webio"]);
        assert.deepEqual((await ask(n0, "serverSideEmit")).ok, ["webio greets node"]);
        assert.deepEqual(errors, []);
      } finally {
        for (const u of users) u.disconnect();
        await node?.stop();
        await io.close();
        await http?.close();
        await probe.close();
      }
    });
  },
  { sanitize: false, timeout: 90_000 },
);
