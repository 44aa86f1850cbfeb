// deno-lint-ignore-file no-explicit-any
// webio and the reference on one Redis stream: a webio node in this process (this runtime, the
// streams adapter's built-in client) and a socket.io 4.8 node on Node.js with
// @socket.io/redis-streams-adapter 0.2.3 and node-redis (redis_streams_node.mjs), on one real
// redis-server. Also: our adapter on user-supplied npm redis and ioredis clients.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createClient } from "redis";
import { Redis } from "ioredis";
import { deferred, nextEvent, test, until, withTimeout } from "../harness.ts";
import { type ServerProcess, startServer } from "../conformance/spawn.ts";
import { withRedis } from "../redis_server.ts";
import { serve, type TestServer } from "../serve.ts";
import { ask, connectUser } from "../cluster/user.ts";
import { io as connect, type Socket } from "../../client/mod.ts";
import { createRedisStreamsAdapter, type RedisStreamsAdapter } from "../../server/redis/streams.ts";
import { Server } from "../../mod.ts";

const NODE_NODE = fileURLToPath(
  new URL("./redis_streams_node.mjs", import.meta.url),
);
const opts = { sanitize: false, timeout: 60_000 };

/** The webio node: the control events of redis_streams_node.mjs, in this process. */
async function webioNode(
  redisPort: number,
): Promise<{ io: Server; http: TestServer }> {
  const name = "webio";
  const io = new Server({
    pingInterval: 1000,
    pingTimeout: 1000,
    connectionStateRecovery: { maxDisconnectionDuration: 60_000 },
    adapter: createRedisStreamsAdapter({
      port: redisPort,
      heartbeatInterval: 500,
      heartbeatTimeout: 2000,
    }),
  });
  io.onError = (error) => console.error(`[${name}]`, error);
  const result = async (
    fn: () => Promise<unknown>,
    ack: (r: unknown) => void,
  ) => {
    try {
      ack({ ok: await fn() });
    } catch (error) {
      ack({ error: (error as Error).message });
    }
  };
  io.on("connection", (socket: any) => {
    socket.data = { node: name, user: socket.handshake.auth.user };
    socket.on(
      "whoami",
      (ack: any) => ack({ name, recovered: socket.recovered }),
    );
    socket.on("join", (room: string, ack: any) => {
      socket.join(room);
      ack();
    });
    socket.on("to", (room: string, event: string, payload: unknown) => {
      (room ? io.to(room) : io).emit(event, payload, name);
    });
    socket.on(
      "binary",
      (event: string) => io.emit(event, new Uint8Array([1, 2, 3]), name),
    );
    socket.on(
      "askAll",
      (room: string, ack: any) =>
        result(
          () =>
            (room ? io.to(room) : io).timeout(1500).emitWithAck(
              "question",
              name,
            ),
          ack,
        ),
    );
    socket.on(
      "fetch",
      (room: string, ack: any) =>
        result(
          async () =>
            (await (room ? io.in(room) : io).fetchSockets()).map((s) => ({
              id: s.id,
              rooms: [...s.rooms],
              data: s.data,
            })),
          ack,
        ),
    );
    socket.on(
      "disconnectRoom",
      (room: string) => io.in(room).disconnectSockets(),
    );
    socket.on(
      "servers",
      (ack: any) => result(() => io.of("/").adapter.serverCount(), ack),
    );
    socket.on("serverSideEmit", (ack: any) => {
      result(() => io.serverSideEmitWithAck("hello", name), ack);
    });
  });
  io.on(
    "hello" as any,
    (from: string, ack: (v: string) => void) => ack(`${name} greets ${from}`),
  );
  const http = await serve(io.handler());
  await (io.of("/").adapter as RedisStreamsAdapter).ready;
  return { io, http };
}

/** A webio node and a Node node on one stream, with users connected to them. */
async function mixed(
  port: number,
  fn: (urls: string[], users: Socket[]) => Promise<void>,
) {
  const webio = await webioNode(port);
  let node: ServerProcess | null = null;
  const users: Socket[] = [];
  try {
    node = await startServer(NODE_NODE, {
      runtime: "node",
      env: { REDIS_PORT: String(port), NODE_NAME: "node" },
    });
    const urls = [webio.http.url, node.url];
    for (
      const [i, user] of [[0, "w0"], [1, "n0"], [0, "w1"], [1, "n1"]] as const
    ) {
      users.push(await connectUser(urls[i], user));
    }
    for (const u of users) {
      await until(
        async () => (await ask(u, "servers")).ok === 2,
        10_000,
        "2 servers",
      );
    }
    await fn(urls, users);
  } finally {
    for (const u of users) u.disconnect();
    await node?.stop();
    await webio.io.close();
    await webio.http.close();
  }
}

test(
  "redis streams interop: a webio node and a Node @socket.io/redis-streams-adapter node",
  async () => {
    await withRedis(async (port) => {
      await mixed(port, async (_urls, users) => {
        assert.deepEqual(
          (await Promise.all(users.map((u) => ask(u, "whoami")))).map((w) => w.name),
          ["webio", "node", "webio", "node"],
        );
        await ask(users[0], "join", "red");
        await ask(users[1], "join", "red");

        // Broadcasts both ways, rooms and binary included, each delivered once.
        const got = users.map(() => [] as unknown[][]);
        users.forEach((u, i) => u.on("news", (...args: unknown[]) => got[i].push(args)));
        users[0].emit("to", "red", "news", "from webio to red");
        users[3].emit("to", "red", "news", "from node to red");
        users[2].emit("to", "", "news", "from webio to all");
        users[1].emit("to", "", "news", "from node to all");
        users[2].emit("binary", "news");
        users[3].emit("binary", "news");
        await until(
          () => got[0].length === 6 && got[1].length === 6,
          5000,
          "red members",
        );
        await until(
          () => got[2].length === 4 && got[3].length === 4,
          5000,
          "others",
        );
        const barrier = users.map(() => 0);
        users.forEach((u, i) => u.on("barrier", () => barrier[i]++));
        users[3].emit("to", "", "barrier", null);
        await until(() => barrier.every((b) => b === 1), 5000, "barrier");
        assert.deepEqual(got.map((g) => g.length), [6, 6, 4, 4]);
        assert.ok(
          got[0].some((g) => g[0] === "from node to red" && g[1] === "node"),
        );
        assert.ok(
          got[1].some((g) => g[0] === "from webio to red" && g[1] === "webio"),
        );
        for (const g of got) {
          const binaries = g.filter((args) => typeof args[0] !== "string");
          assert.deepEqual(
            binaries.map((
              args,
            ) => [[...new Uint8Array(args[0] as ArrayBuffer)], args[1]]).sort(),
            [[[1, 2, 3], "node"], [[1, 2, 3], "webio"]],
          );
        }

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
        assert.deepEqual((await ask(users[0], "serverSideEmit")).ok, [
          "node greets webio",
        ]);
        assert.deepEqual((await ask(users[1], "serverSideEmit")).ok, [
          "webio greets node",
        ]);
        // disconnectSockets from the Node node reaches the webio node's member.
        const gone = deferred<string>();
        users[0].once("disconnect", (reason: string) => gone.resolve(reason));
        users[3].emit("disconnectRoom", "red");
        assert.equal(
          await withTimeout(gone.promise, 5000, "w0 disconnected"),
          "io server disconnect",
        );
      });
    });
  },
  opts,
);

test(
  "redis streams interop: a client leaves one implementation and is recovered by the other",
  async () => {
    await withRedis(async (port) => {
      await mixed(port, async (urls, users) => {
        for (const [from, to] of [[1, 0], [0, 1]]) {
          const client = connect(urls[from], {
            forceNew: true,
            transports: ["websocket"],
            reconnectionDelay: 300,
            reconnectionDelayMax: 300,
            auth: { user: `r${from}` },
          });
          try {
            await nextEvent(client, "connect", 5000);
            const id = client.id;
            await withTimeout(
              client.timeout(4000).emitWithAck("join", "blue"),
              5000,
              "join",
            );
            const seen: unknown[] = [];
            client.on("msg", (v: unknown) => seen.push(v));
            users[to].emit("to", "blue", "msg", "before");
            await until(() => seen.length === 1, 5000, "first message");
            // The client comes back on the other node, where its session is restored.
            (client.io as any).uri = urls[to];
            const back = nextEvent(client, "connect", 5000);
            const left = nextEvent(client, "disconnect", 3000);
            client.io.engine!.close();
            await left;
            users[from].emit("to", "blue", "msg", "missed 1");
            users[to].emit("to", "", "msg", "missed 2");
            users[to].emit("to", "elsewhere", "msg", "not for it");
            await back;
            assert.equal(
              client.recovered,
              true,
              `recovered from ${from} on ${to}`,
            );
            assert.equal(client.id, id);
            await until(() => seen.length === 3, 5000, "missed messages");
            // The two missed broadcasts come from two nodes: either may be first in the stream.
            assert.equal(seen[0], "before");
            assert.deepEqual(seen.slice(1).sort(), ["missed 1", "missed 2"]);
            const whoami = await withTimeout(
              client.timeout(4000).emitWithAck("whoami"),
              5000,
              "who",
            );
            assert.deepEqual(whoami, {
              name: to === 0 ? "webio" : "node",
              recovered: true,
            });
          } finally {
            client.disconnect();
          }
        }
      });
    });
  },
  opts,
);

test(
  "redis streams interop: our adapter on user-supplied npm redis and ioredis clients",
  async () => {
    await withRedis(async (port) => {
      const url = `redis://127.0.0.1:${port}`;
      const redis = createClient({ url });
      await redis.connect();
      const ioredis = new Redis(url);
      const a = new Server({
        adapter: createRedisStreamsAdapter(redis, { heartbeatInterval: 200 }),
      });
      const b = new Server({
        adapter: createRedisStreamsAdapter(ioredis, { heartbeatInterval: 200 }),
      });
      try {
        await Promise.all(
          [a, b].map((s) => (s.of("/").adapter as RedisStreamsAdapter).ready),
        );
        await until(
          async () => await a.of("/").adapter.serverCount() === 2,
          3000,
          "a counts 2",
        );
        await until(
          async () => await b.of("/").adapter.serverCount() === 2,
          3000,
          "b counts 2",
        );
        a.on(
          "ping" as any,
          (_v: unknown, ack: (r: string) => void) => ack("a"),
        );
        b.on(
          "ping" as any,
          (_v: unknown, ack: (r: string) => void) => ack("b"),
        );
        assert.deepEqual(
          await a.serverSideEmitWithAck("ping", new Uint8Array([1])),
          ["b"],
        );
        assert.deepEqual(await b.serverSideEmitWithAck("ping", { x: 1 }), [
          "a",
        ]);
      } finally {
        await a.close();
        await b.close();
        await redis.quit();
        ioredis.disconnect();
      }
    });
  },
  opts,
);
