// deno-lint-ignore-file no-explicit-any
// webio and the reference in one cluster: a webio node (this runtime) and a
// socket.io 4.8 node on Node.js with @socket.io/redis-adapter 8.3, on one real
// redis-server. Also: our adapter on the npm `redis` and `ioredis` clients.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createClient } from "redis";
import { Redis } from "ioredis";
import { deferred, test, until, withTimeout } from "../harness.ts";
import { type ServerProcess, startServer } from "../conformance/spawn.ts";
import { withRedis } from "../redis_server.ts";
import type { Socket } from "../../client/mod.ts";
import { ask, connectUser } from "../cluster/user.ts";
import { createRedisAdapter, type RedisAdapter, Server } from "../../mod.ts";

const WEBIO_NODE = fileURLToPath(new URL("../cluster/node.ts", import.meta.url));
const NODE_NODE = fileURLToPath(new URL("./redis_node.mjs", import.meta.url));
const opts = { sanitize: false, timeout: 60_000 };

test(
  "redis interop: a webio node and a Node socket.io + @socket.io/redis-adapter node serve one cluster",
  async () => {
    await withRedis(async (port) => {
      const env = { REDIS_PORT: String(port) };
      const nodes: ServerProcess[] = [];
      const clients: Socket[] = [];
      try {
        nodes.push(await startServer(WEBIO_NODE, { env: { ...env, NODE_NAME: "webio" } }));
        nodes.push(
          await startServer(NODE_NODE, { runtime: "node", env: { ...env, NODE_NAME: "node" } }),
        );
        const client = async (node: number, user: string) => {
          const c = await connectUser(nodes[node].url, user);
          clients.push(c);
          return c;
        };
        const users = [
          await client(0, "w0"),
          await client(1, "n0"),
          await client(0, "w1"),
          await client(1, "n1"),
        ];
        for (const u of users) {
          await until(async () => (await ask(u, "servers")).ok === 2, 10_000, "2 servers");
        }
        assert.deepEqual(await Promise.all(users.map((u) => ask(u, "whoami"))), [
          "webio",
          "node",
          "webio",
          "node",
        ]);
        await ask(users[0], "join", "red");
        await ask(users[1], "join", "red");

        // Broadcasts both ways, rooms included, each delivered once.
        const got = users.map(() => [] as unknown[]);
        users.forEach((u, i) => u.on("news", (p: unknown, from: string) => got[i].push([p, from])));
        users[0].emit("to", "red", "news", "from webio to red");
        users[3].emit("to", "red", "news", "from node to red");
        users[2].emit("to", "", "news", "from webio to all");
        users[1].emit("to", "", "news", "from node to all");
        await until(() => got[0].length === 4 && got[1].length === 4, 5000, "red members");
        await until(() => got[2].length === 2 && got[3].length === 2, 5000, "others");
        const barrier = users.map(() => 0);
        users.forEach((u, i) => u.on("barrier", () => barrier[i]++));
        users[3].emit("to", "", "barrier", null);
        await until(() => barrier.every((b) => b === 1), 5000, "barrier");
        assert.deepEqual(got.map((g) => g.length), [4, 4, 2, 2]);
        assert.ok(got[0].some((g: any) => g[0] === "from node to red" && g[1] === "node"));
        assert.ok(got[1].some((g: any) => g[0] === "from webio to red" && g[1] === "webio"));

        // fetchSockets both ways, with rooms and data.
        for (const asker of [users[0], users[1]]) {
          const fetched = (await ask(asker, "fetch", "red")).ok;
          const byUser = new Map(fetched.map((s: any) => [s.data.user, s]));
          assert.deepEqual([...byUser.keys()].sort(), ["n0", "w0"]);
          assert.equal((byUser.get("n0") as any).data.node, "node");
          assert.ok((byUser.get("w0") as any).rooms.includes("red"));
        }
        // Broadcast acks gathered across both implementations.
        for (const asker of [users[2], users[3]]) {
          const answers = await ask(asker, "askAll", "");
          assert.deepEqual([...answers.ok].sort(), ["n0", "n1", "w0", "w1"]);
        }
        // serverSideEmitWithAck both ways.
        assert.deepEqual((await ask(users[0], "serverSideEmit")).ok, ["node greets webio"]);
        assert.deepEqual((await ask(users[1], "serverSideEmit")).ok, ["webio greets node"]);
        // disconnectSockets from the Node node reaches the webio node's member.
        const gone = deferred<string>();
        users[0].once("disconnect", (reason: string) => gone.resolve(reason));
        users[3].emit("disconnectRoom", "red");
        assert.equal(
          await withTimeout(gone.promise, 5000, "w0 disconnected"),
          "io server disconnect",
        );
      } finally {
        for (const c of clients) c.disconnect();
        for (const n of nodes) await n.stop();
      }
    });
  },
  opts,
);

test(
  "redis interop: our adapter on user-supplied npm redis and ioredis clients",
  async () => {
    await withRedis(async (port) => {
      const url = `redis://127.0.0.1:${port}`;
      const pub = createClient({ url });
      const sub = pub.duplicate();
      await Promise.all([pub.connect(), sub.connect()]);
      const ioPub = new Redis(url);
      const ioSub = new Redis(url);
      const a = new Server({ adapter: createRedisAdapter(pub, sub) });
      const b = new Server({ adapter: createRedisAdapter(ioPub, ioSub) });
      try {
        await Promise.all([a, b].map((s) => (s.of("/").adapter as RedisAdapter).ready));
        assert.equal(await a.of("/").adapter.serverCount(), 2);
        assert.equal(await b.of("/").adapter.serverCount(), 2);
        const gotA = deferred<unknown>();
        const gotB = deferred<unknown>();
        a.on("ping" as any, (v: unknown, ack: (r: string) => void) => {
          gotA.resolve(v);
          ack?.("a");
        });
        b.on("ping" as any, (v: unknown, ack: (r: string) => void) => {
          gotB.resolve(v);
          ack?.("b");
        });
        a.serverSideEmit("ping", { from: "redis" });
        b.serverSideEmit("ping", new Uint8Array([1, 2]).length);
        assert.deepEqual(await withTimeout(gotB.promise, 3000, "b"), { from: "redis" });
        assert.equal(await withTimeout(gotA.promise, 3000, "a"), 2);
        assert.deepEqual(await a.serverSideEmitWithAck("ping", 1), ["b"]);
        assert.deepEqual(await b.serverSideEmitWithAck("ping", 1), ["a"]);
      } finally {
        await a.close();
        await b.close();
        await Promise.allSettled([pub.quit(), sub.quit()]);
        ioPub.disconnect();
        ioSub.disconnect();
      }
    });
  },
  opts,
);
