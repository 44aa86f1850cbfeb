// deno-lint-ignore-file no-explicit-any
// webio and the reference in one sharded cluster: a webio node (this
// runtime, in this process) and a socket.io 4.8 node on Node.js with
// @socket.io/redis-adapter 8.3's createShardedAdapter (node-redis 4), on one
// real redis-server 7, in each subscription mode. The webio node uses our
// built-in client, npm redis and ioredis in turn.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createClient } from "redis";
import { Redis } from "ioredis";
import { deferred, test, until, withTimeout } from "../harness.ts";
import { type ServerProcess, startServer } from "../conformance/spawn.ts";
import { redisVersion, withRedis } from "../redis_server.ts";
import { serve } from "../serve.ts";
import type { Socket } from "../../client/mod.ts";
import { ask } from "../cluster/user.ts";
import { createRedisAdapter, RedisClient, Server } from "../../mod.ts";
import { connectMixedUsers, controls } from "./redis_sharded_controls.ts";
import { createShardedAdapter, type ShardedRedisAdapter } from "../../server/redis/sharded.ts";

const NODE_NODE = fileURLToPath(new URL("./redis_sharded_node.mjs", import.meta.url));
const opts = { sanitize: false, timeout: 60_000 };
type Mode = "static" | "dynamic" | "dynamic-private";

/** The webio node's adapter, on one of the three clients webio takes; closes what it opened. */
async function webioAdapter(port: number, mode: Mode, client: "webio" | "redis" | "ioredis") {
  const url = `redis://127.0.0.1:${port}`;
  if (client === "webio") {
    return {
      adapter: createRedisAdapter({ port, sharded: true, subscriptionMode: mode }),
      close: async () => {},
    };
  }
  if (client === "redis") {
    const pub = createClient({ url });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    return {
      adapter: createShardedAdapter(pub, sub, { subscriptionMode: mode }),
      close: async () => void await Promise.allSettled([pub.quit(), sub.quit()]),
    };
  }
  const pub = new Redis(url);
  const sub = new Redis(url);
  return {
    adapter: createShardedAdapter(pub, sub, { subscriptionMode: mode }),
    close: () => {
      pub.disconnect();
      sub.disconnect();
      return Promise.resolve();
    },
  };
}

/**
 * Waits until `count` nodes follow the room's channel (dynamic modes): a
 * broadcast published before a node subscribes never reaches it, with the
 * reference as with webio.
 */
async function followed(port: number, mode: Mode, room: string, count: number): Promise<void> {
  if (mode === "static") return;
  const probe = new RedisClient({ port });
  try {
    await probe.connect();
    const channel = `socket.io#/#${room}#`;
    await until(
      async () => {
        const reply = await probe.send(["PUBSUB", "SHARDNUMSUB", channel]) as unknown[];
        return Number(reply[1]) === count;
      },
      5000,
      `${count} followers of ${channel}`,
    );
  } finally {
    await probe.quit();
  }
}

const cases: [Mode, "webio" | "redis" | "ioredis"][] = [
  ["dynamic", "webio"],
  ["static", "redis"],
  ["dynamic-private", "ioredis"],
];

for (const [mode, client] of cases) {
  test(
    `redis sharded interop (${mode}, webio on ${client}): webio and Node createShardedAdapter serve one cluster`,
    async () => {
      if (redisVersion()[0] < 7) throw new Error("sharded pub/sub needs redis-server 7 or newer");
      await withRedis(async (port) => {
        const made = await webioAdapter(port, mode, client);
        const io = new Server({ pingInterval: 1000, pingTimeout: 1000, adapter: made.adapter });
        const errors: Error[] = [];
        io.onError = (error) => errors.push(error);
        controls(io, "webio");
        const http = await serve(io.handler());
        let node: ServerProcess | undefined;
        const users: Socket[] = [];
        try {
          await (io.of("/").adapter as ShardedRedisAdapter).ready;
          node = await startServer(NODE_NODE, {
            runtime: "node",
            env: { REDIS_PORT: String(port), NODE_NAME: "node", SUBSCRIPTION_MODE: mode },
          });
          const [w0, n0, w1, n1] = await connectMixedUsers(http.url, node.url, users);
          await ask(w0, "join", "red");
          await ask(n0, "join", "red");
          await followed(port, mode, "red", 2);

          // Broadcasts both ways: to a room, to all, to all except a room; each delivered once.
          const got = users.map(() => [] as unknown[][]);
          users.forEach((u, i) =>
            u.on("news", (p: unknown, from: string) => got[i].push([p, from]))
          );
          w0.emit("to", "red", "", "news", "webio to red");
          n1.emit("to", "red", "", "news", "node to red");
          w1.emit("to", "", "", "news", "webio to all");
          n0.emit("to", "", "", "news", "node to all");
          w0.emit("to", "", "red", "news", "webio except red");
          n0.emit("to", "", "red", "news", "node except red");
          const barrier = users.map(() => 0);
          users.forEach((u, i) => u.on("barrier", () => barrier[i]++));
          await until(() => got[0].length === 4 && got[1].length === 4, 5000, "red members");
          await until(() => got[2].length === 4 && got[3].length === 4, 5000, "the others");
          n1.emit("to", "", "", "barrier", null);
          w1.emit("to", "", "", "barrier", null);
          await until(() => barrier.every((b) => b === 2), 5000, "barriers");
          assert.deepEqual(got.map((g) => g.length), [4, 4, 4, 4]);
          const texts = got.map((g) => g.map((m) => m[0]).sort());
          assert.deepEqual(texts[0], [
            "node to all",
            "node to red",
            "webio to all",
            "webio to red",
          ]);
          assert.deepEqual(texts[1], texts[0]);
          assert.deepEqual(texts[2], [
            "node except red",
            "node to all",
            "webio except red",
            "webio to all",
          ]);
          assert.deepEqual(texts[3], texts[2]);
          assert.ok(got[0].some((m) => m[0] === "node to red" && m[1] === "node"));
          assert.ok(got[1].some((m) => m[0] === "webio to red" && m[1] === "webio"));

          // fetchSockets both ways, with rooms and data.
          for (const asker of [w0, n0]) {
            const fetched = (await ask(asker, "fetch", "red")).ok;
            const byUser = new Map<string, any>(fetched.map((s: any) => [s.data.user, s]));
            assert.deepEqual([...byUser.keys()].sort(), ["n0", "w0"]);
            assert.equal(byUser.get("n0").data.node, "node");
            assert.ok(byUser.get("w0").rooms.includes("red"));
            const all = (await ask(asker, "fetch", "")).ok;
            assert.equal(all.length, 4);
          }
          // Broadcast acks gathered across both implementations.
          for (const asker of [w1, n1]) {
            const answers = await ask(asker, "askAll", "");
            assert.deepEqual([...answers.ok].sort(), ["n0", "n1", "w0", "w1"]);
            const red = await ask(asker, "askAll", "red");
            assert.deepEqual([...red.ok].sort(), ["n0", "w0"]);
          }
          // serverSideEmitWithAck both ways.
          assert.deepEqual((await ask(w0, "serverSideEmit")).ok, ["node greets webio"]);
          assert.deepEqual((await ask(n0, "serverSideEmit")).ok, ["webio greets node"]);
          // socketsJoin both ways, then a broadcast to the joined room from the other side.
          await ask(n1, "socketsJoin", "red", "green");
          await ask(w1, "socketsJoin", "red", "blue");
          for (const u of [w0, n0]) {
            await until(
              async () => {
                const rooms = await ask(u, "rooms");
                return rooms.includes("green") && rooms.includes("blue");
              },
              5000,
              "joined green and blue",
            );
          }
          await followed(port, mode, "green", 2);
          const green = users.map(() => 0);
          users.forEach((u, i) => u.on("green", () => green[i]++));
          w1.emit("to", "green", "", "green", null);
          n1.emit("to", "green", "", "green", null);
          await until(() => green[0] === 2 && green[1] === 2, 5000, "green members");
          // disconnectSockets both ways reaches the other side's member, and only it.
          await ask(w0, "join", "solo-w");
          await ask(n0, "join", "solo-n");
          const gone = deferred<string>();
          w0.once("disconnect", (reason: string) => gone.resolve(reason));
          n1.emit("disconnectRoom", "solo-w");
          assert.equal(await withTimeout(gone.promise, 5000, "w0 gone"), "io server disconnect");
          const goneNode = deferred<string>();
          n0.once("disconnect", (reason: string) => goneNode.resolve(reason));
          w1.emit("disconnectRoom", "solo-n");
          assert.equal(
            await withTimeout(goneNode.promise, 5000, "n0 gone"),
            "io server disconnect",
          );
          assert.ok(w1.connected && n1.connected);
          assert.deepEqual(green.slice(2), [0, 0]);
          assert.deepEqual(errors, []);
        } finally {
          for (const u of users) u.disconnect();
          await node?.stop();
          await io.close();
          await http.close();
          await made.close();
        }
      });
    },
    opts,
  );
}
