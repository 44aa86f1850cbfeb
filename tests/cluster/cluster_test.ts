// deno-lint-ignore-file no-explicit-any
// Three webio processes (Deno, Bun, Deno) on one real redis-server, with
// clients of our own spread over them.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { test, until } from "../harness.ts";
import { type ServerProcess, startServer } from "../conformance/spawn.ts";
import { withRedis } from "../redis_server.ts";
import type { Socket } from "../../client/mod.ts";
import { ask, connectUser } from "./user.ts";

const NODE = fileURLToPath(new URL("./node.ts", import.meta.url));
const opts = { timeout: 60_000 };

async function startCluster(redisPort: number) {
  const runtimes = ["deno", "bun", "deno"] as const;
  const nodes: ServerProcess[] = [];
  const clients: Socket[] = [];
  try {
    for (const [i, runtime] of runtimes.entries()) {
      nodes.push(
        await startServer(NODE, {
          runtime,
          env: {
            REDIS_PORT: String(redisPort),
            NODE_NAME: `n${i}-${runtime}`,
            REQUESTS_TIMEOUT: "700",
          },
        }),
      );
    }
  } catch (error) {
    for (const n of nodes) await n.stop();
    throw error;
  }
  const client = async (node: number, user: string) => {
    const c = await connectUser(nodes[node].url, user);
    clients.push(c);
    return c;
  };
  const stop = async () => {
    for (const c of clients) c.disconnect();
    for (const n of nodes) await n.stop();
  };
  return { nodes, client, ask, stop };
}

test(
  "cluster: three processes (Deno, Bun, Deno) over Redis: broadcasts, acks, fetchSockets, disconnectSockets",
  async () => {
    await withRedis(async (port) => {
      const cluster = await startCluster(port);
      try {
        // Two clients per node; the even ones join "red".
        const users: Socket[] = [];
        for (let i = 0; i < 6; i++) users.push(await cluster.client(i % 3, `u${i}`));
        await until(
          async () => (await cluster.ask(users[0], "servers")).ok === 3,
          10_000,
          "3 servers",
        );
        assert.deepEqual(await Promise.all(users.map((u) => cluster.ask(u, "whoami"))), [
          "n0-deno",
          "n1-bun",
          "n2-deno",
          "n0-deno",
          "n1-bun",
          "n2-deno",
        ]);
        for (let i = 0; i < 6; i += 2) await cluster.ask(users[i], "join", "red");

        // A room broadcast from the Bun node reaches each member exactly once.
        const got = users.map(() => [] as unknown[]);
        users.forEach((u, i) =>
          u.on("news", (payload: unknown, from: string) => got[i].push([payload, from]))
        );
        users[1].emit("to", "red", "news", { n: 1 });
        users[5].emit("to", "", "news", { n: 2 });
        await until(
          () => got.every((g, i) => g.length === (i % 2 === 0 ? 2 : 1)),
          5000,
          "broadcasts delivered",
        );
        // A barrier broadcast: nothing arrives twice, late.
        const barrier = users.map(() => 0);
        users.forEach((u, i) => u.on("barrier", () => barrier[i]++));
        users[3].emit("to", "", "barrier", null);
        await until(() => barrier.every((b) => b === 1), 5000, "barrier");
        assert.deepEqual(got.map((g) => g.length), [2, 1, 2, 1, 2, 1]);
        assert.deepEqual(got[2].find((g: any) => g[0].n === 1), [{ n: 1 }, "n1-bun"]);

        // Acks from every node's clients.
        const answers = await cluster.ask(users[2], "askAll", "");
        assert.deepEqual([...answers.ok].sort(), ["u0", "u1", "u2", "u3", "u4", "u5"]);
        const red = await cluster.ask(users[1], "askAll", "red");
        assert.deepEqual([...red.ok].sort(), ["u0", "u2", "u4"]);

        // fetchSockets sees remote sockets with their rooms and data.
        const fetched = await cluster.ask(users[4], "fetch", "red");
        const byUser = new Map(fetched.ok.map((s: any) => [s.data.user, s]));
        assert.deepEqual([...byUser.keys()].sort(), ["u0", "u2", "u4"]);
        assert.equal((byUser.get("u0") as any).data.node, "n0-deno");
        assert.equal((byUser.get("u2") as any).data.node, "n2-deno");
        assert.ok((byUser.get("u0") as any).rooms.includes("red"));

        // disconnectSockets from the Bun node disconnects red members on every node.
        const reasons = users.map(() => "");
        users.forEach((u, i) => u.on("disconnect", (reason: string) => reasons[i] = reason));
        users[1].emit("disconnectRoom", "red");
        await until(() => [0, 2, 4].every((i) => reasons[i] !== ""), 5000, "red disconnected");
        assert.deepEqual(reasons, [
          "io server disconnect",
          "",
          "io server disconnect",
          "",
          "io server disconnect",
          "",
        ]);
        assert.equal((await cluster.ask(users[3], "fetch", "")).ok.length, 3);
      } finally {
        await cluster.stop();
      }
    });
  },
  opts,
);

test(
  "cluster: a frozen node makes requests time out cleanly; a killed node leaves; broadcasts go on",
  async () => {
    await withRedis(async (port) => {
      const cluster = await startCluster(port);
      try {
        const users: Socket[] = [];
        for (let i = 0; i < 3; i++) users.push(await cluster.client(i, `u${i}`));
        await until(
          async () => (await cluster.ask(users[0], "servers")).ok === 3,
          10_000,
          "3 servers",
        );
        // Node 2 freezes: still subscribed (Redis counts it), but it answers nothing.
        cluster.nodes[2].signal("SIGSTOP");
        const fetched = await cluster.ask(users[0], "fetch", "");
        assert.match(fetched.error, /timeout reached: only 1 responses received out of 2/);
        const news = [0, 0];
        users[0].on("news", () => news[0]++);
        users[1].on("news", () => news[1]++);
        users[1].emit("to", "", "news", 1);
        await until(() => news[0] === 1 && news[1] === 1, 5000, "broadcast despite a frozen node");
        // Killed: Redis drops its subscriptions, the cluster is two nodes again.
        cluster.nodes[2].signal("SIGKILL");
        await until(
          async () => (await cluster.ask(users[0], "servers")).ok === 2,
          10_000,
          "2 servers",
        );
        const after = await cluster.ask(users[1], "fetch", "");
        assert.deepEqual(after.ok.map((s: any) => s.data.user).sort(), ["u0", "u1"]);
        const answers = await cluster.ask(users[0], "askAll", "");
        assert.deepEqual([...answers.ok].sort(), ["u0", "u1"]);
      } finally {
        await cluster.stop();
      }
    });
  },
  opts,
);
