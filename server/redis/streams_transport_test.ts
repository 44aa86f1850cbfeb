// The streams transport and sessions on a REAL redis-server (tests/redis_server.ts). The adapter
// on top, with a node cut from Redis through a TCP proxy, is in streams_test.ts.
import assert from "node:assert/strict";
import { test, until } from "../../tests/harness.ts";
import { withRedis } from "../../tests/redis_server.ts";
import { RedisClient } from "./client.ts";
import type { RedisAdapterError } from "./errors.ts";
import { encodeStreamMessage, type StreamEntry } from "./streams_codec.ts";
import { StreamSessions } from "./streams_sessions.ts";
import { StreamsTransport, type StreamsTransportOptions } from "./streams_transport.ts";

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const STREAM: StreamsTransportOptions = {
  streamName: "test-stream",
  maxLen: 10_000,
  readCount: 10,
  blockTime: 500,
};

/**
 * A transport on its own two clients, collecting entries. `cut()` kills the reader's
 * connection and fails its reads until `restore()`: the reader is away from Redis.
 */
async function transport(port: number, options = STREAM) {
  const writer = new RedisClient({ port });
  const reader = new RedisClient({ port, reconnectMaxDelay: 200 });
  await Promise.all([writer.connect(), reader.connect()]);
  const readerId = Number(await reader.send(["CLIENT", "ID"]));
  let state: "open" | "cut" = "open";
  const entries: StreamEntry[] = [];
  const errors: RedisAdapterError[] = [];
  const read = (args: string[]) =>
    state === "cut" ? Promise.reject(new Error("Cannot read: cut")) : reader.send(args);
  const t = new StreamsTransport((a) => writer.send(a), read, options, {
    onEntry: (entry) => entries.push(entry),
    onError: (error) => errors.push(error),
  });
  const cut = async () => {
    state = "cut";
    await writer.send(["CLIENT", "KILL", "ID", String(readerId)]);
  };
  const restore = () => state = "open";
  const close = async () => {
    t.stop();
    await Promise.all([writer.close(), reader.close()]);
    await t.ended;
  };
  return { t, writer, entries, errors, cut, restore, close };
}

test("streams transport: entries published after start are read once, in order", async () => {
  await withRedis(async (port) => {
    const a = await transport(port);
    const b = await transport(port);
    try {
      // Entries from before the start are not read: reading starts at the stream's end.
      await a.t.publish(["n", "old"]);
      await Promise.all([a.t.start(), b.t.start()]);
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) ids.push(await a.t.publish(["n", String(i), "x", "é"]));
      await until(() => b.entries.length === 25 && a.entries.length === 25, 3000, "25 entries");
      assert.deepEqual(b.entries.map((e) => e.id), ids);
      assert.deepEqual(b.entries.map((e) => e.fields.n), ids.map((_, i) => String(i)));
      assert.equal(b.entries[0].fields.x, "é");
      assert.equal(b.t.offset, ids[24]);
      assert.deepEqual((await a.t.range(ids[3], ids[5], 10)).map((e) => e.id), ids.slice(3, 6));
      assert.deepEqual([...a.errors, ...b.errors], []);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

test(
  "streams transport: a reader cut from Redis for 2 s gets every missed entry once, in order",
  async () => {
    await withRedis(async (port) => {
      const writer = await transport(port);
      const away = await transport(port);
      try {
        await away.t.start();
        await writer.t.publish(["n", "0"]);
        await until(() => away.entries.length === 1, 3000, "first entry");
        await away.cut();
        await until(() => away.errors.length === 1, 3000, "the outage reported");
        assert.equal(away.errors[0].operation, "read");
        const outage = delay(2000);
        for (let i = 1; i <= 100; i++) await writer.t.publish(["n", String(i)]);
        await outage;
        assert.equal(away.entries.length, 1);
        away.restore();
        await until(() => away.entries.length === 101, 5000, "caught up");
        assert.deepEqual(away.entries.map((e) => Number(e.fields.n)), [...Array(101).keys()]);
        // One report per outage, however many retries it took; reading again.
        assert.equal(away.errors.length, 1);
        assert.equal(away.t.state, "reading");
        await writer.t.publish(["n", "101"]);
        await until(() => away.entries.length === 102, 3000, "after the outage");
      } finally {
        await writer.close();
        await away.close();
      }
    });
  },
  { timeout: 20_000 },
);

test("streams transport: MAXLEN ~ keeps the stream near maxLen", async () => {
  await withRedis(async (port) => {
    const a = await transport(port, { ...STREAM, maxLen: 100 });
    try {
      for (let i = 0; i < 1000; i++) void a.t.publish(["n", String(i)]);
      await a.t.publish(["n", "last"]);
      const length = Number(await a.writer.send(["XLEN", STREAM.streamName]));
      // Almost exact trimming removes whole nodes of 100 entries (stream-node-max-entries).
      assert.ok(length >= 100 && length <= 200, `length ${length}`);
    } finally {
      await a.close();
    }
  });
});

test("streams transport: stop ends the loop and releases its retry timer", async () => {
  await withRedis(async (port) => {
    const a = await transport(port);
    await a.t.start();
    assert.equal(a.t.state, "reading");
    // Redis gone: the loop retries on a timer until stopped.
    await a.writer.send(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
    await until(() => a.errors.length === 1, 3000, "failure reported");
    await a.close();
    assert.equal(a.t.state, "stopped");
  });
});

test("streams sessions: stored with an expiry, restored once with the broadcasts it missed", async () => {
  await withRedis(async (port) => {
    const a = await transport(port);
    const sessions = new StreamSessions(
      (args) => a.writer.send(args),
      a.t,
      "sio:session:",
      "/",
      (error) => a.errors.push(error),
    );
    const broadcast = (data: unknown[], opts: Record<string, unknown> = {}, extra = {}) =>
      a.t.publish(encodeStreamMessage({
        uid: "other",
        nsp: "/",
        type: 3,
        data: {
          packet: { type: 2, data, nsp: "/" },
          opts: { rooms: [], except: [], flags: {}, ...opts },
          ...extra,
        },
      }));
    try {
      const offset = await broadcast(["seen"]);
      const ids = [
        await broadcast(["toRoom", 1], { rooms: ["r"] }),
        await broadcast(["toOther"], { rooms: ["other"] }),
        await broadcast(["exceptRoom"], { except: ["r"] }),
        await broadcast(["withAck"], {}, { requestId: "q1" }),
        await broadcast(["volatile"], { flags: { volatile: true } }),
        await a.t.publish(encodeStreamMessage({ uid: "x", nsp: "/", type: 2 })),
        await a.t.publish(
          encodeStreamMessage({
            uid: "x",
            nsp: "/chat",
            type: 3,
            data: { packet: { type: 2, data: ["otherNsp"] }, opts: { rooms: [], except: [] } },
          }),
        ),
        await broadcast(["binary", new Uint8Array([7, 8])]),
      ];
      sessions.persist({ sid: "s1", pid: "p1", rooms: ["s1", "r"], data: { user: "u" } }, 5000);
      await until(async () => await a.writer.send(["EXISTS", "sio:session:p1"]) === 1, 2000, "set");
      const ttl = Number(await a.writer.send(["PTTL", "sio:session:p1"]));
      assert.ok(ttl > 0 && ttl <= 5000, `ttl ${ttl}`);
      // A malformed or unknown offset restores nothing and leaves the session in place.
      assert.equal(await sessions.restore("p1", "not-an-id"), null);
      assert.equal(await a.writer.send(["EXISTS", "sio:session:p1"]), 1);
      const session = await sessions.restore("p1", offset);
      assert.deepEqual(session, {
        sid: "s1",
        pid: "p1",
        rooms: ["s1", "r"],
        data: { user: "u" },
        missedPackets: [["toRoom", 1, ids[0]], ["binary", new Uint8Array([7, 8]), ids[7]]],
      });
      // Taken once.
      assert.equal(await sessions.restore("p1", offset), null);
      // An offset no longer in the stream (trimmed away) cannot be restored from.
      sessions.persist({ sid: "s2", pid: "p2", rooms: [], data: null }, 5000);
      await until(async () => await a.writer.send(["EXISTS", "sio:session:p2"]) === 1, 2000, "set");
      assert.equal(await sessions.restore("p2", "1-0"), null);
      assert.deepEqual(a.errors, []);
    } finally {
      await a.close();
    }
  });
});
