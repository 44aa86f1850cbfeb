// deno-lint-ignore-file no-explicit-any
// The Redis adapter with three servers in this process, each with its own
// built-in Redis client, against a REAL redis-server (see tests/redis_server.ts).
// Multi-process clusters (Deno and Bun mixed, a node killed) are in
// tests/cluster/; the mixed cluster with Node socket.io is in tests/interop/.
import assert from "node:assert/strict";
import { deferred, nextEvent, test, until, withTimeout } from "../../tests/harness.ts";
import { collect, startNodes } from "../../tests/redis_nodes.ts";
import { freePort, RedisServer, redisVersion, withRedis } from "../../tests/redis_server.ts";
import { Server, type ServerOptions } from "../mod.ts";
import { type RedisAdapter, RedisAdapterError } from "./adapter.ts";
import { createRedisAdapter } from "./factory.ts";
import { RedisClient } from "./client.ts";
import { encodeMsgpack } from "../../protocol/msgpack.ts";

/** `count` servers on one Redis, each with its own client, subscriptions in place. */
function cluster(
  redisPort: number,
  count: number,
  server: ServerOptions = {},
  adapterOptions: Record<string, unknown> = {},
) {
  return startNodes({
    count,
    adapter: () =>
      createRedisAdapter({ port: redisPort, requestsTimeout: 1000, ...adapterOptions }),
    server,
    ready: (nodes) => Promise.all(nodes.map((n) => (n.io.of("/").adapter as RedisAdapter).ready)),
  });
}

test("redis adapter: three nodes count each other; room broadcasts reach every member exactly once", async () => {
  await withRedis(async (port) => {
    const ctx = await cluster(port, 3);
    try {
      assert.equal(await ctx.nodes[0].io.of("/").adapter.serverCount(), 3);
      const clients = await Promise.all([0, 1, 2, 0, 1, 2].map((n) => ctx.connected(n)));
      // Clients 0..2 join "news" on their own node; 3..5 stay out.
      for (let i = 0; i < 3; i++) {
        const socket = ctx.nodes[i].io.of("/").sockets.get(clients[i].id!)!;
        socket.join("news");
      }
      const news = collect(clients, "news");
      const all = collect(clients, "all");
      ctx.nodes[1].io.to("news").emit("news", "n1");
      ctx.nodes[2].io.except("news").emit("all", "a1");
      ctx.nodes[0].io.emit("all", "a2", new Uint8Array([1, 2, 3]));
      await until(
        () =>
          news.slice(0, 3).every((g) => g.length === 1) && all.slice(3).every((g) =>
            g.length === 2
          ) &&
          all.slice(0, 3).every((g) => g.length === 1),
        3000,
        "broadcasts delivered",
      );
      // A last broadcast as a barrier: nothing else arrives late.
      const barrier = collect(clients, "barrier");
      ctx.nodes[2].io.emit("barrier");
      await until(() => barrier.every((g) => g.length === 1), 3000, "barrier");
      assert.deepEqual(news.map((g) => g.length), [1, 1, 1, 0, 0, 0]);
      assert.deepEqual(all.map((g) => g.length), [1, 1, 1, 2, 2, 2]);
      assert.deepEqual(news[0][0], ["n1"]);
      const binary = all[1].find((args: any) => args[0] === "a2") as any[];
      assert.deepEqual([...new Uint8Array(binary[1])], [1, 2, 3]);
      // `local` stays on its node.
      const local = collect(clients, "local");
      ctx.nodes[0].io.local.emit("local");
      ctx.nodes[0].io.emit("barrier");
      await until(() => barrier.every((g) => g.length === 2), 3000, "second barrier");
      assert.deepEqual(local.map((g) => g.length), [1, 0, 0, 1, 0, 0]);
    } finally {
      await ctx.close();
    }
  });
});

test("redis adapter: broadcast acks come from every node; timeouts report what came", async () => {
  await withRedis(async (port) => {
    const ctx = await cluster(port, 3);
    try {
      const clients = await Promise.all([0, 1, 2].map((n) => ctx.connected(n)));
      clients.forEach((c, i) => c.on("q", (ack: (v: unknown) => void) => ack(`c${i}`)));
      const responses = await ctx.nodes[0].io.timeout(2000).emitWithAck("q") as string[];
      assert.deepEqual([...responses].sort(), ["c0", "c1", "c2"]);
      // One client never answers: the others' responses come with the timeout error.
      clients[2].off("q");
      clients[2].on("q", () => {});
      const done = deferred<[Error | null, string[]]>();
      ctx.nodes[1].io.timeout(300).emit(
        "q",
        (error: Error | null, r: string[]) => done.resolve([error, r]),
      );
      const [error, partial] = await withTimeout(done.promise, 3000, "ack timeout");
      assert.ok(error instanceof Error);
      assert.deepEqual([...partial].sort(), ["c0", "c1"]);
    } finally {
      await ctx.close();
    }
  });
});

test("redis adapter: fetchSockets, socketsJoin/Leave and disconnectSockets across nodes", async () => {
  await withRedis(async (port) => {
    const ctx = await cluster(port, 3);
    try {
      const clients = await Promise.all([0, 1, 2].map((n) => ctx.connected(n)));
      clients.forEach((c, i) => {
        const socket = ctx.nodes[i].io.of("/").sockets.get(c.id!)!;
        socket.data = { node: i };
        socket.join(`room-${i}`);
      });
      const sockets = await ctx.nodes[0].io.fetchSockets();
      assert.equal(sockets.length, 3);
      const byId = new Map(sockets.map((s) => [s.id, s]));
      for (let i = 0; i < 3; i++) {
        const s = byId.get(clients[i].id!)!;
        assert.deepEqual(s.data, { node: i });
        assert.ok(s.rooms.has(`room-${i}`) && s.rooms.has(s.id));
        assert.equal(typeof s.handshake.time, "string");
      }
      assert.deepEqual(
        (await ctx.nodes[1].io.in("room-2").fetchSockets()).map((s) => s.id),
        [clients[2].id],
      );
      // A remote socket's emit reaches it.
      const hello = nextEvent(clients[2], "hello", 3000);
      byId.get(clients[2].id!)!.emit("hello", "from node 0");
      assert.deepEqual(await hello, ["from node 0"]);
      // socketsJoin from node 2 reaches the sockets of nodes 0 and 1.
      ctx.nodes[2].io.in(["room-0", "room-1"]).socketsJoin("joined");
      await until(
        async () => (await ctx.nodes[2].io.in("joined").fetchSockets()).length === 2,
        3000,
        "socketsJoin",
      );
      ctx.nodes[0].io.in("joined").socketsLeave("joined");
      await until(
        async () => (await ctx.nodes[1].io.in("joined").fetchSockets()).length === 0,
        3000,
        "socketsLeave",
      );
      assert.deepEqual([...await ctx.nodes[0].io.of("/").adapter.sockets(new Set(["room-1"]))], [
        clients[1].id,
      ]);
      const rooms = await (ctx.nodes[0].io.of("/").adapter as RedisAdapter).allRooms();
      assert.ok(rooms.has("room-0") && rooms.has("room-1") && rooms.has("room-2"));
      // disconnectSockets from node 0 disconnects a client of node 1.
      const gone = nextEvent(clients[1], "disconnect", 3000);
      ctx.nodes[0].io.in("room-1").disconnectSockets();
      assert.equal((await gone)[0], "io server disconnect");
      await until(
        async () => (await ctx.nodes[2].io.fetchSockets()).length === 2,
        3000,
        "two sockets left",
      );
    } finally {
      await ctx.close();
    }
  });
});

test("redis adapter: serverSideEmit and serverSideEmitWithAck reach the other nodes only", async () => {
  await withRedis(async (port) => {
    const ctx = await cluster(port, 3);
    try {
      const got: string[] = [];
      ctx.nodes.forEach((n, i) =>
        n.io.on("hello" as any, (...args: any[]) => {
          const last = args[args.length - 1];
          if (typeof last === "function") last(`node${i}:${args[0]}`);
          else got.push(`node${i}:${args[0]}`);
        })
      );
      ctx.nodes[0].io.serverSideEmit("hello", "x");
      await until(() => got.length === 2, 3000, "serverSideEmit");
      assert.deepEqual(got.sort(), ["node1:x", "node2:x"]);
      const responses = await ctx.nodes[1].io.serverSideEmitWithAck("hello", "y");
      assert.deepEqual((responses as string[]).sort(), ["node0:y", "node2:y"]);
      assert.throws(() => ctx.nodes[0].io.serverSideEmit("connect"), /reserved/);
    } finally {
      await ctx.close();
    }
  });
});

test("redis adapter: connection state recovery on another node, with the missed packets", async () => {
  await withRedis(async (port) => {
    const ctx = await cluster(port, 2, {
      connectionStateRecovery: { maxDisconnectionDuration: 5000 },
    });
    try {
      // One address in front of both nodes, switched by the test: the client comes back elsewhere.
      const front = await ctx.front();
      const client = ctx.client(front.url, {
        reconnection: true,
        reconnectionDelay: 50,
        reconnectionDelayMax: 50,
      });
      await nextEvent(client, "connect", 3000);
      const socket = ctx.nodes[0].io.of("/").sockets.get(client.id!)!;
      socket.join("room");
      const seen: unknown[] = [];
      client.on("msg", (v: unknown) => seen.push(v));
      ctx.nodes[1].io.to("room").emit("msg", 1);
      await until(() => seen.length === 1, 3000, "first message");
      // The transport drops; node 1 takes over while the client is away.
      front.switchTo(1);
      socket.conn.close();
      await nextEvent(client, "disconnect", 3000);
      ctx.nodes[0].io.to("room").emit("msg", 2);
      ctx.nodes[1].io.emit("msg", 3);
      ctx.nodes[1].io.to("elsewhere").emit("msg", 99);
      await nextEvent(client, "connect", 5000);
      assert.equal(client.recovered, true);
      await until(() => seen.length === 3, 3000, "missed messages");
      // 2 (from node 0, through Redis) and 3 (emitted on node 1) have no order between them.
      assert.equal(seen[0], 1);
      assert.deepEqual([...seen].sort(), [1, 2, 3]);
      const restored = ctx.nodes[1].io.of("/").sockets.get(client.id!)!;
      assert.ok(restored.rooms.has("room"));
    } finally {
      await ctx.close();
    }
  });
});

test("redis adapter: Redis restarts; a publish while it is down is reported; broadcasts resume", async () => {
  const port = await freePort();
  let redis = await RedisServer.start(port);
  const ctx = await cluster(port, 2);
  try {
    const a = await ctx.connected(0);
    const b = await ctx.connected(1);
    const seen = collect([a, b], "m");
    await redis.stop();
    await until(
      () => {
        ctx.nodes[0].io.emit("m", "while down");
        return ctx.nodes[0].errors.some((e) => e instanceof RedisAdapterError);
      },
      3000,
      "publish failure reported",
    );
    const error = ctx.nodes[0].errors.find((e) => e instanceof RedisAdapterError)!;
    assert.match(error.message, /not sent/);
    redis = await RedisServer.start(port);
    // Both nodes reconnect and resubscribe; then cross-node broadcasts flow again.
    await until(
      async () => {
        try {
          return await ctx.nodes[0].io.of("/").adapter.serverCount() === 2;
        } catch {
          return false;
        }
      },
      8000,
      "both nodes subscribed again",
    );
    const before = seen[1].length;
    ctx.nodes[0].io.emit("m", "back");
    await until(() => seen[1].length === before + 1, 3000, "broadcast after restart");
  } finally {
    await ctx.close();
    await redis.stop();
  }
});

test("redis adapter: user-supplied clients (our RedisClient as pub and sub); key prefix", async () => {
  await withRedis(async (port) => {
    const pubs = [new RedisClient({ port }), new RedisClient({ port })];
    const nodes = pubs.map((pub) =>
      new Server({ adapter: createRedisAdapter(pub, pub, { key: "app" }) })
    );
    try {
      await Promise.all(nodes.map((n) => (n.of("/").adapter as RedisAdapter).ready));
      assert.equal(await nodes[0].of("/").adapter.serverCount(), 2);
      const channels = await pubs[0].send(["PUBSUB", "CHANNELS", "app-request*"]);
      assert.deepEqual(channels, ["app-request#/#"]);
      const got = deferred<unknown>();
      nodes[1].on("ping" as any, (v: unknown) => got.resolve(v));
      nodes[0].serverSideEmit("ping", 42);
      assert.equal(await withTimeout(got.promise, 3000, "serverSideEmit"), 42);
    } finally {
      for (const n of nodes) await n.close();
      for (const p of pubs) await p.quit();
    }
  });
});

test("redis adapter: sharded pub/sub (Redis 7) carries broadcasts, rooms and requests", async () => {
  if (redisVersion()[0] < 7) throw new Error("sharded pub/sub needs redis-server 7 or newer");
  await withRedis(async (port) => {
    const ctx = await cluster(port, 2, {}, { sharded: true });
    try {
      assert.equal(await ctx.nodes[0].io.of("/").adapter.serverCount(), 2);
      const [a, b] = await Promise.all([ctx.connected(0), ctx.connected(1)]);
      ctx.nodes[1].io.of("/").sockets.get(b.id!)!.join("blue");
      const blue = nextEvent(b, "blue", 3000);
      // The room channel is followed once the room exists on node 1.
      const probe = new RedisClient({ port });
      await probe.connect();
      try {
        await until(
          async () => {
            const r = await probe.send(["PUBSUB", "SHARDCHANNELS", "*blue*"]);
            return Array.isArray(r) && r.length === 1;
          },
          3000,
          "room channel",
        );
      } finally {
        await probe.quit();
      }
      ctx.nodes[0].io.to("blue").emit("blue", "sky");
      assert.deepEqual(await blue, ["sky"]);
      const all = nextEvent(a, "all", 3000);
      ctx.nodes[1].io.emit("all", 1);
      assert.deepEqual(await all, [1]);
      assert.equal((await ctx.nodes[0].io.fetchSockets()).length, 2);
    } finally {
      await ctx.close();
    }
  });
});

test("redis adapter: garbage on the cluster's channels is reported, never thrown; the node keeps working", async () => {
  await withRedis(async (port) => {
    const ctx = await cluster(port, 2);
    const raw = new RedisClient({ port });
    try {
      await raw.connect();
      const a = await ctx.connected(0);
      const before = ctx.nodes[0].errors.length;
      const bad: (string | Uint8Array)[] = [
        new Uint8Array([0xc1]), // not msgpack
        new Uint8Array([0x93, 0xa1, 0x78, 0x01, 0x80]), // ["x", 1, {}]: no packet
        encodeMsgpack(["x", { type: 2, nsp: "/", data: "nope" }, {}]),
        // A well-formed event with odd flags is delivered (flags ignored): not an error.
        encodeMsgpack(["x", { type: 2, nsp: "/", data: ["odd"] }, { flags: "weird" }]),
        encodeMsgpack(["x", { type: 2, nsp: "/", data: [{ not: "an event name" }] }, {
          flags: "weird",
        }]),
      ];
      for (const message of bad) await raw.publish("socket.io#/#", message);
      await raw.publish("socket.io-request#/#", "{not json");
      await raw.publish(
        "socket.io-request#/#",
        JSON.stringify({ type: 5, requestId: "r", opts: 7 }),
      );
      await until(() => ctx.nodes[0].errors.length >= before + 4, 3000, "errors reported");
      assert.ok(ctx.nodes[0].errors.every((e) => e instanceof RedisAdapterError));
      const hello = nextEvent(a, "hello", 3000);
      ctx.nodes[1].io.emit("hello", "still fine");
      assert.deepEqual(await hello, ["still fine"]);
    } finally {
      await raw.quit();
      await ctx.close();
    }
  });
});
