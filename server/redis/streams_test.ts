// deno-lint-ignore-file no-explicit-any
// The Redis streams adapter: webio servers in this process, each with its own built-in client,
// on a REAL redis-server (tests/redis_server.ts). A node is cut from Redis through a TCP proxy
// that drops its connections and refuses new ones. The transport alone is tested in
// streams_transport_test.ts; a mixed cluster with Node socket.io in tests/interop/.
import assert from "node:assert/strict";
import net from "node:net";
import { deferred, nextEvent, test, until, withTimeout } from "../../tests/harness.ts";
import { collect, startNodes, type TestNode } from "../../tests/redis_nodes.ts";
import { freePort, RedisServer, withRedis } from "../../tests/redis_server.ts";
import { Server, type ServerOptions } from "../mod.ts";
import { RedisClient } from "./client.ts";
import { createRedisStreamsAdapter, type RedisStreamsAdapter } from "./streams.ts";

/** A TCP proxy to Redis that can cut every connection through it and refuse new ones. */
class CutProxy {
  #server: net.Server;
  #sockets = new Set<net.Socket>();
  #state: "open" | "cut" = "open";
  readonly port: number;

  private constructor(server: net.Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  static async start(target: number): Promise<CutProxy> {
    let proxy: CutProxy | null = null;
    const server = net.createServer((client) => proxy!.#accept(client, target));
    const listening = deferred();
    server.listen(0, "127.0.0.1", () => listening.resolve());
    await withTimeout(listening.promise, 3000, "proxy listens");
    proxy = new CutProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  #accept(client: net.Socket, target: number): void {
    if (this.#state === "cut") {
      client.destroy();
      return;
    }
    const upstream = net.connect(target, "127.0.0.1");
    for (const [a, b] of [[client, upstream], [upstream, client]]) {
      this.#sockets.add(a);
      a.on("data", (chunk) => b.write(chunk));
      a.on("close", () => {
        this.#sockets.delete(a);
        b.destroy();
      });
      a.on("error", () => a.destroy());
    }
  }

  /** Drops every connection and refuses new ones until {@linkcode CutProxy.restore}. */
  cut(): void {
    this.#state = "cut";
    for (const socket of this.#sockets) socket.destroy();
  }

  restore(): void {
    this.#state = "open";
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** `count` servers on the stream; node i reaches Redis on `redisPorts[i]` (a proxy) when given. */
function cluster(
  redisPort: number,
  count: number,
  server: ServerOptions = {},
  redisPorts: number[] = [],
) {
  return startNodes({
    count,
    adapter: (i) =>
      createRedisStreamsAdapter({
        port: redisPorts[i] ?? redisPort,
        reconnectMaxDelay: 200,
        heartbeatInterval: 300,
        heartbeatTimeout: 5000,
        requestsTimeout: 2000,
        blockTime: 1000,
      }),
    server,
    ready: async (nodes) => {
      await Promise.all(nodes.map((n) => adapter(n).ready));
      await until(
        async () =>
          (await Promise.all(nodes.map((n) => adapter(n).serverCount()))).every((c) => c === count),
        3000,
        "the nodes count each other",
      );
    },
  });
}

function adapter(node: TestNode): RedisStreamsAdapter {
  return node.io.of("/").adapter as RedisStreamsAdapter;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test("redis streams: broadcasts to all, rooms and except reach each member once", async () => {
  await withRedis(async (port) => {
    const ctx = await cluster(port, 2);
    try {
      const clients = await Promise.all([0, 1, 0, 1].map((n) => ctx.connected(n)));
      for (const i of [0, 1]) ctx.nodes[i].io.of("/").sockets.get(clients[i].id!)!.join("news");
      const news = collect(clients, "news");
      const all = collect(clients, "all");
      ctx.nodes[1].io.to("news").emit("news", "n1");
      ctx.nodes[0].io.except("news").emit("all", "a1");
      ctx.nodes[0].io.emit("all", "a2", new Uint8Array([1, 2, 3]));
      const barrier = collect(clients, "barrier");
      ctx.nodes[1].io.emit("barrier");
      await until(() => barrier.every((g) => g.length === 1), 3000, "barrier");
      await until(() => all.every((g, i) => g.length === (i < 2 ? 1 : 2)), 3000, "all");
      assert.deepEqual(news.map((g) => g.length), [1, 1, 0, 0]);
      assert.deepEqual(news[0][0], ["n1"]);
      assert.deepEqual(all.map((g) => g.length), [1, 1, 2, 2]);
      const binary = all[1].find((args) => args[0] === "a2")!;
      assert.deepEqual([...new Uint8Array(binary[1] as ArrayBuffer)], [1, 2, 3]);
      // `local` stays on its node.
      const local = collect(clients, "local");
      ctx.nodes[0].io.local.emit("local");
      ctx.nodes[0].io.emit("barrier");
      await until(() => barrier.every((g) => g.length === 2), 3000, "second barrier");
      assert.deepEqual(local.map((g) => g.length), [1, 0, 1, 0]);
      assert.deepEqual(ctx.nodes.flatMap((n) => n.errors), []);
    } finally {
      await ctx.close();
    }
  });
});

test("redis streams: fetchSockets, serverSideEmit with acks, broadcast acks, server count", async () => {
  await withRedis(async (port) => {
    const ctx = await cluster(port, 2);
    try {
      const [c0, c1] = await Promise.all([ctx.connected(0), ctx.connected(1)]);
      ctx.nodes[1].io.of("/").sockets.get(c1.id!)!.join("room-1");
      ctx.nodes[1].io.of("/").sockets.get(c1.id!)!.data = { user: "u1" };
      const sockets = await ctx.nodes[0].io.fetchSockets();
      assert.deepEqual(sockets.map((s) => s.id).sort(), [c0.id, c1.id].sort());
      const remote = (await ctx.nodes[0].io.in("room-1").fetchSockets()) as any[];
      assert.deepEqual(remote.map((s) => [s.id, s.data]), [[c1.id, { user: "u1" }]]);
      assert.ok(new Set(remote[0].rooms).has("room-1"));
      // socketsJoin from node 0 reaches node 1's socket.
      ctx.nodes[0].io.socketsJoin("joined");
      await until(
        async () => (await ctx.nodes[1].io.in("joined").fetchSockets()).length === 2,
        3000,
        "joined",
      );
      // serverSideEmit, with and without acks.
      const got: unknown[] = [];
      ctx.nodes[1].io.on("hello" as any, (v: unknown, ack?: (r: string) => void) => {
        got.push(v);
        ack?.("from 1");
      });
      ctx.nodes[0].io.serverSideEmit("hello", "x");
      await until(() => got.length === 1, 3000, "serverSideEmit");
      assert.deepEqual(await ctx.nodes[0].io.serverSideEmitWithAck("hello", "y"), ["from 1"]);
      // Broadcast acks gathered from both nodes' clients.
      c0.on("q", (ack: (v: string) => void) => ack("c0"));
      c1.on("q", (ack: (v: string) => void) => ack("c1"));
      const answers = await ctx.nodes[1].io.timeout(2000).emitWithAck("q") as string[];
      assert.deepEqual([...answers].sort(), ["c0", "c1"]);
      // A node that closes says goodbye: the other counts one server again.
      assert.equal(await adapter(ctx.nodes[0]).serverCount(), 2);
      await ctx.nodes[1].io.close();
      await until(async () => await adapter(ctx.nodes[0]).serverCount() === 1, 3000, "goodbye");
      assert.deepEqual(ctx.nodes.flatMap((n) => n.errors), []);
    } finally {
      await ctx.close();
    }
  });
});

test(
  "redis streams: a node cut from Redis for 2 s gets the 100 packets it missed, in order, once",
  async () => {
    await withRedis(async (port) => {
      const proxy = await CutProxy.start(port);
      const ctx = await cluster(port, 2, {}, [port, proxy.port]);
      try {
        const [, away] = await Promise.all([ctx.connected(0), ctx.connected(1)]);
        const got: number[] = [];
        away.on("n", (n: number) => got.push(n));
        ctx.nodes[0].io.emit("n", 0);
        await until(() => got.length === 1, 3000, "before the cut");
        proxy.cut();
        await until(() => ctx.nodes[1].errors.length > 0, 3000, "the cut reported");
        const outage = delay(2000);
        for (let i = 1; i <= 100; i++) ctx.nodes[0].io.emit("n", i);
        await outage;
        assert.deepEqual(got, [0]);
        proxy.restore();
        await until(() => got.length === 101, 5000, "caught up");
        ctx.nodes[0].io.emit("n", 101);
        await until(() => got.length === 102, 3000, "after the cut");
        assert.deepEqual(got, [...Array(102).keys()]);
        assert.ok(ctx.nodes[1].errors.every((e) => e.name === "RedisAdapterError"));
        assert.deepEqual(ctx.nodes[0].errors, []);
      } finally {
        await ctx.close();
        await proxy.close();
      }
    });
  },
  { sanitize: false, timeout: 20_000 },
);

test("redis streams: connection state recovery on another node, with the missed packets", async () => {
  await withRedis(async (port) => {
    const ctx = await cluster(port, 2, {
      connectionStateRecovery: { maxDisconnectionDuration: 5000 },
    });
    const redis = new RedisClient({ port });
    try {
      // One address in front of both nodes, switched by the test: the client comes back elsewhere.
      const front = await ctx.front();
      const client = ctx.client(front.url, {
        reconnection: true,
        reconnectionDelay: 50,
        reconnectionDelayMax: 50,
      });
      await redis.connect();
      await nextEvent(client, "connect", 3000);
      const id = client.id;
      const socket = ctx.nodes[0].io.of("/").sockets.get(id!)!;
      socket.join("room");
      const seen: unknown[] = [];
      client.on("msg", (v: unknown) => seen.push(v));
      ctx.nodes[1].io.to("room").emit("msg", 1);
      await until(() => seen.length === 1, 3000, "first message");
      // The transport drops; node 1 takes over while the client is away.
      front.switchTo(1);
      const away = nextEvent(client, "connect", 5000);
      socket.conn.close();
      await nextEvent(client, "disconnect", 3000);
      ctx.nodes[0].io.to("room").emit("msg", 2);
      ctx.nodes[1].io.emit("msg", 3);
      ctx.nodes[1].io.to("elsewhere").emit("msg", 99);
      ctx.nodes[0].io.except("room").emit("msg", 98);
      await away;
      assert.equal(client.recovered, true);
      assert.equal(client.id, id);
      await until(() => seen.length === 3, 3000, "missed messages");
      // Both orders are possible between nodes; each node's own emits keep theirs.
      assert.deepEqual([...seen].sort(), [1, 2, 3]);
      const restored = ctx.nodes[1].io.of("/").sockets.get(id!)!;
      assert.equal(restored.recovered, true);
      assert.ok(restored.rooms.has("room"));
      // The session was taken from Redis: nothing left under its key.
      const keys = await redis.send(["KEYS", "sio:session:*"]);
      assert.deepEqual(keys, []);
    } finally {
      await redis.close();
      await ctx.close();
    }
  });
});

test("redis streams: MAXLEN bounds the stream; a bad offset restores nothing", async () => {
  await withRedis(async (port) => {
    const io = new Server({
      adapter: createRedisStreamsAdapter({ port, maxLen: 100, streamName: "bounded" }),
      connectionStateRecovery: {},
    });
    const redis = new RedisClient({ port });
    try {
      await redis.connect();
      await adapter({ io } as TestNode).ready;
      for (let i = 0; i < 1000; i++) io.emit("n", i);
      await until(
        async () => {
          const last = await redis.send(["XREVRANGE", "bounded", "+", "-", "COUNT", "1"]) as any;
          return last.length === 1 && String(last[0][1]).includes("999");
        },
        5000,
        "all published",
      );
      const length = Number(await redis.send(["XLEN", "bounded"]));
      assert.ok(length >= 100 && length <= 200, `length ${length}`);
      assert.equal(await adapter({ io } as TestNode).restoreSession("pid", "nope"), null);
    } finally {
      await redis.close();
      await io.close();
    }
  });
});

test("redis streams: the client forms of createRedisStreamsAdapter", async () => {
  assert.throws(
    () => createRedisStreamsAdapter(new RedisClient({ port: 1 }), {}),
    /readClient/,
  );
  assert.throws(() => createRedisStreamsAdapter({ send: () => {} }, {}), TypeError);
  await withRedis(async (port) => {
    const [command, reader] = [new RedisClient({ port }), new RedisClient({ port })];
    await Promise.all([command.connect(), reader.connect()]);
    const a = new Server({ adapter: createRedisStreamsAdapter(command, { readClient: reader }) });
    const b = new Server({ adapter: createRedisStreamsAdapter({ port, heartbeatInterval: 200 }) });
    try {
      await Promise.all([a, b].map((io) => adapter({ io } as TestNode).ready));
      const got = deferred<unknown>();
      a.on("ping" as any, (v: unknown) => got.resolve(v));
      b.serverSideEmit("ping", { from: "b" });
      assert.deepEqual(await withTimeout(got.promise, 3000, "ping"), { from: "b" });
    } finally {
      await a.close();
      await b.close();
      await Promise.all([command.close(), reader.close()]);
    }
  });
});

test(
  "redis streams: Redis down at the start is reported; the node joins once it is up",
  async () => {
    const port = await freePort();
    const errors: Error[] = [];
    const options = { port, reconnectMaxDelay: 200, heartbeatInterval: 200, connectTimeout: 500 };
    const a = new Server({ adapter: createRedisStreamsAdapter(options) });
    a.onError = (error) => errors.push(error);
    let b: Server | null = null;
    let redis: RedisServer | null = null;
    try {
      await until(() => errors.length > 0, 3000, "the failure reported");
      assert.ok(errors.every((e) => e.name === "RedisAdapterError"), String(errors));
      redis = await RedisServer.start(port);
      b = new Server({ adapter: createRedisStreamsAdapter(options) });
      await adapter({ io: b } as TestNode).ready;
      await until(async () => await a.of("/").adapter.serverCount() === 2, 5000, "a counts b");
      await until(async () => await b!.of("/").adapter.serverCount() === 2, 5000, "b counts a");
      const got = deferred<unknown>();
      a.on("ping" as any, (v: unknown) => got.resolve(v));
      b.serverSideEmit("ping", "up");
      assert.equal(await withTimeout(got.promise, 3000, "ping"), "up");
    } finally {
      await a.close();
      await b?.close();
      await redis?.stop();
    }
  },
  { timeout: 20_000 },
);
