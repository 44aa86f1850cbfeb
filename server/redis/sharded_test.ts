// deno-lint-ignore-file no-explicit-any
// The sharded Redis adapter between webio servers in this process, each with
// its own built-in Redis client, against a REAL redis-server 7: the channels
// of each subscription mode, the wire format a raw subscriber sees, recovery,
// and garbage on the channels. Mixed clusters with Node's createShardedAdapter
// are in tests/interop/redis_sharded_test.ts.
import assert from "node:assert/strict";
import { nextEvent, test, until } from "../../tests/harness.ts";
import { startNodes } from "../../tests/redis_nodes.ts";
import { redisVersion, withRedis } from "../../tests/redis_server.ts";
import { Server, type ServerOptions } from "../mod.ts";
import { decodeMsgpack } from "../../protocol/msgpack.ts";
import { RedisClient } from "./client.ts";
import { createRedisAdapter } from "./factory.ts";
import {
  createShardedAdapter,
  ShardedRedisAdapter,
  type ShardedRedisAdapterOptions,
} from "./sharded.ts";

function needsRedis7(): void {
  if (redisVersion()[0] < 7) throw new Error("sharded pub/sub needs redis-server 7 or newer");
}

/** `count` servers on one Redis, each with its own client, subscriptions in place. */
function cluster(
  port: number,
  count: number,
  adapterOptions: ShardedRedisAdapterOptions = {},
  server: ServerOptions = {},
) {
  return startNodes({
    count,
    adapter: () =>
      createRedisAdapter({ port, requestsTimeout: 1000, sharded: true, ...adapterOptions }),
    server,
    ready: (nodes) =>
      Promise.all(nodes.map((n) => (n.io.of("/").adapter as ShardedRedisAdapter).ready)),
  });
}

/** The sharded channels subscribed on the server, sorted. */
async function shardChannels(redis: RedisClient): Promise<string[]> {
  const reply = await redis.send(["PUBSUB", "SHARDCHANNELS", "*"]) as unknown[];
  return reply.map(String).sort();
}

/** Waits until someone follows the sharded `channel`. */
async function subscribed(port: number, channel: string): Promise<void> {
  const probe = new RedisClient({ port });
  try {
    await probe.connect();
    await until(
      async () => {
        const reply = await probe.send(["PUBSUB", "SHARDNUMSUB", channel]) as unknown[];
        return Number(reply[1]) > 0;
      },
      3000,
      `a subscriber of ${channel}`,
    );
  } finally {
    await probe.quit();
  }
}

for (const mode of ["static", "dynamic", "dynamic-private"] as const) {
  test(`sharded adapter (${mode}): channels, room broadcasts, requests across two nodes`, async () => {
    needsRedis7();
    await withRedis(async (port) => {
      const ctx = await cluster(port, 2, { subscriptionMode: mode });
      const probe = new RedisClient({ port });
      try {
        await probe.connect();
        assert.equal(await ctx.nodes[0].io.of("/").adapter.serverCount(), 2);
        const [a, b] = await Promise.all([ctx.connected(0), ctx.connected(1)]);
        ctx.socketOf(1, b).join("blue");
        const uids = ctx.nodes.map((n) => (n.io.of("/").adapter as ShardedRedisAdapter).uid);
        const expected = ["socket.io#/#", ...uids.map((u) => `socket.io#/#${u}#`)];
        if (mode !== "static") expected.push("socket.io#/#blue#");
        if (mode === "dynamic-private") {
          expected.push(`socket.io#/#${a.id}#`, `socket.io#/#${b.id}#`);
        }
        await until(
          async () => (await shardChannels(probe)).join() === expected.sort().join(),
          3000,
          "channels of the mode",
        );
        const blue = nextEvent(b, "blue", 3000);
        ctx.nodes[0].io.to("blue").emit("blue", "sky");
        assert.deepEqual(await blue, ["sky"]);
        const direct = nextEvent(a, "direct", 3000);
        ctx.nodes[1].io.to(a.id!).emit("direct", 1);
        assert.deepEqual(await direct, [1]);
        const fetched = await ctx.nodes[0].io.in("blue").fetchSockets();
        assert.deepEqual(fetched.map((s) => s.id), [b.id]);
        // The room's channel is let go when the room empties (no recovery).
        ctx.socketOf(1, b).leave("blue");
        await until(
          async () => !(await shardChannels(probe)).includes("socket.io#/#blue#"),
          3000,
          "room channel released",
        );
      } finally {
        await probe.quit();
        await ctx.close();
      }
    });
  });
}

test("sharded adapter: the wire format is createShardedAdapter's (JSON, MessagePack for binary)", async () => {
  needsRedis7();
  await withRedis(async (port) => {
    const ctx = await cluster(port, 1, { channelPrefix: "app" });
    const spy = new RedisClient({ port });
    try {
      const seen: { channel: string; message: Uint8Array }[] = [];
      await spy.ssubscribe(
        ["app#/#", "app#/#red#"],
        (message, channel) => seen.push({ channel, message: message as Uint8Array }),
        { bytes: true },
      );
      const uid = (ctx.nodes[0].io.of("/").adapter as ShardedRedisAdapter).uid;
      ctx.nodes[0].io.emit("hello", 1);
      ctx.nodes[0].io.to("red").emit("bin", new Uint8Array([7]));
      ctx.nodes[0].io.in("red").socketsJoin("blue");
      await until(() => seen.length === 3, 3000, "three messages");
      const text = new TextDecoder().decode(seen[0].message);
      assert.equal(seen[0].channel, "app#/#");
      assert.deepEqual(JSON.parse(text), {
        type: 3,
        data: {
          packet: { type: 2, nsp: "/", data: ["hello", 1] },
          opts: { rooms: [], except: [], flags: {} },
        },
        uid,
        nsp: "/",
      });
      assert.equal(seen[1].channel, "app#/#red#");
      const binary = decodeMsgpack(seen[1].message) as any;
      assert.equal(binary.type, 3);
      assert.deepEqual([...binary.data.packet.data[1]], [7]);
      assert.equal(seen[2].channel, "app#/#");
      assert.deepEqual(JSON.parse(new TextDecoder().decode(seen[2].message)).data, {
        opts: { rooms: ["red"], except: [], flags: {} },
        rooms: ["blue"],
      });
    } finally {
      await spy.quit();
      await ctx.close();
    }
  });
});

test("sharded adapter: recovery on the node a client left, with what another node sent", async () => {
  needsRedis7();
  await withRedis(async (port) => {
    const ctx = await cluster(port, 2, {}, {
      connectionStateRecovery: { maxDisconnectionDuration: 2000 },
    });
    const client = ctx.client(0, {
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 100,
    });
    try {
      await nextEvent(client, "connect", 3000);
      ctx.socketOf(0, client).join("room");
      await subscribed(port, "socket.io#/#room#");
      const seen: unknown[] = [];
      client.on("msg", (v: unknown) => seen.push(v));
      ctx.nodes[1].io.to("room").emit("msg", 1);
      await until(() => seen.length === 1, 3000, "first message");
      // The room empties on node 0 while the client is away; its channel stays followed.
      ctx.socketOf(0, client).conn.close();
      await nextEvent(client, "disconnect", 3000);
      ctx.nodes[1].io.to("room").emit("msg", 2);
      await nextEvent(client, "connect", 5000);
      assert.equal(client.recovered, true);
      await until(() => seen.length === 2, 3000, "missed message");
      assert.deepEqual(seen, [1, 2]);
    } finally {
      await ctx.close();
    }
  });
});

test("sharded adapter: garbage on its channels is reported, never thrown; user clients", async () => {
  needsRedis7();
  await withRedis(async (port) => {
    const pubs = [new RedisClient({ port }), new RedisClient({ port })];
    const errors: Error[] = [];
    const nodes = pubs.map((pub) => {
      const io = new Server({ adapter: createShardedAdapter(pub, pub) });
      io.onError = (error) => errors.push(error);
      return io;
    });
    try {
      await Promise.all(nodes.map((n) => (n.of("/").adapter as ShardedRedisAdapter).ready));
      assert.ok(nodes[0].of("/").adapter instanceof ShardedRedisAdapter);
      assert.equal(await nodes[1].of("/").adapter.serverCount(), 2);
      await pubs[0].spublish("socket.io#/#", new Uint8Array([0xc1]));
      await pubs[0].spublish("socket.io#/#", "{not json");
      await pubs[0].spublish("socket.io#/#", JSON.stringify({ type: 3, uid: "x", nsp: "/" }));
      await until(() => errors.length === 6, 3000, "errors reported on both nodes");
      const got: unknown[] = [];
      nodes[1].on("ping" as any, (v: unknown, ack: (r: string) => void) => {
        got.push(v);
        ack("pong");
      });
      assert.deepEqual(await nodes[0].serverSideEmitWithAck("ping", 42), ["pong"]);
      assert.deepEqual(got, [42]);
    } finally {
      for (const n of nodes) await n.close();
      for (const p of pubs) await p.quit();
    }
  });
});
