// Tests against a REAL redis-server started here on a free port (CI installs it with
// `apt-get install -y redis-server`). Without it these tests fail on purpose.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { deferred, nextEvent, test, until, withTimeout } from "../../tests/harness.ts";
import { freePort, RedisServer, redisVersion, withRedis } from "../../tests/redis_server.ts";
import { parseRedisUrl, RedisClient, RedisConnectionError } from "./client.ts";
import { RedisReplyError } from "./resp.ts";

test("redis: redis-server is installed", () => {
  const [major] = redisVersion();
  assert.ok(major >= 5, `redis-server ${major} is too old`);
});

test("redis: parseRedisUrl reads user, password, host, port, db and TLS", () => {
  assert.deepEqual(parseRedisUrl("redis://u%40x:p%3Aw@example.com:6380/4"), {
    hostname: "example.com",
    port: 6380,
    tls: false,
    username: "u@x",
    password: "p:w",
    db: 4,
  });
  const defaults = parseRedisUrl("rediss://localhost");
  assert.equal(defaults.port, 6379);
  assert.equal(defaults.tls, true);
  assert.equal(defaults.db, 0);
  assert.equal(defaults.password, undefined);
  assert.throws(() => parseRedisUrl("http://x"), TypeError);
  assert.throws(() => parseRedisUrl("redis://x/abc"), TypeError);
  assert.throws(() => parseRedisUrl("not a url"), TypeError);
});

test("redis: commands, pipelining, error replies, bytes and SELECT", async () => {
  await withRedis(async (port) => {
    const redis = new RedisClient({ port });
    await redis.connect();
    assert.equal(redis.state, "ready");
    assert.equal(await redis.send(["PING"]), "PONG");
    assert.equal(await redis.send(["SET", "k", "v"]), "OK");
    assert.equal(await redis.send(["GET", "k"]), "v");
    assert.equal(await redis.send(["GET", "missing"]), null);
    // 200 pipelined commands, written before any reply arrives, answered in order.
    const replies = await Promise.all(
      Array.from({ length: 200 }, () => redis.send(["INCR", "counter"])),
    );
    assert.deepEqual(replies, Array.from({ length: 200 }, (_, i) => i + 1));
    // An error reply rejects only its own command.
    const [bad, good] = await Promise.allSettled([
      redis.send(["LPUSH", "k", "x"]),
      redis.send(["GET", "k"]),
    ]);
    assert.equal(bad.status, "rejected");
    assert.ok(bad.status === "rejected" && bad.reason instanceof RedisReplyError);
    assert.equal((bad as PromiseRejectedResult).reason.code, "WRONGTYPE");
    assert.deepEqual(good, { status: "fulfilled", value: "v" });
    // Binary-safe values.
    const blob = new Uint8Array([0, 1, 255, 13, 10]);
    await redis.send(["SET", "blob", blob]);
    assert.deepEqual(await redis.send(["GET", "blob"], { bytes: true }), blob);
    // Arrays come back as strings unless bytes are asked for.
    await redis.send(["RPUSH", "list", "a", "b"]);
    assert.deepEqual(await redis.send(["LRANGE", "list", 0, -1]), ["a", "b"]);
    // SELECT from the URL's db.
    const db3 = new RedisClient(`redis://127.0.0.1:${port}/3`);
    await db3.connect();
    assert.equal(await db3.send(["GET", "k"]), null);
    await db3.send(["SET", "k", "in-db-3"]);
    assert.equal(await redis.send(["GET", "k"]), "v");
    assert.equal(await db3.send(["GET", "k"]), "in-db-3");
    await db3.quit();
    await redis.quit();
    assert.equal(redis.state, "closed");
    await assert.rejects(redis.send(["PING"]), RedisConnectionError);
  });
});

test("redis: AUTH from the URL, and a wrong password fails connect()", async () => {
  await withRedis(async (port) => {
    const admin = new RedisClient({ port });
    await admin.connect();
    await admin.send(["CONFIG", "SET", "requirepass", "s3cret"]);
    const authed = new RedisClient(`redis://:s3cret@127.0.0.1:${port}`);
    await authed.connect();
    assert.equal(await authed.send(["PING"]), "PONG");
    const user = new RedisClient(`redis://default:s3cret@127.0.0.1:${port}/1`);
    await user.connect();
    assert.equal(await user.send(["PING"]), "PONG");
    const wrong = new RedisClient(`redis://:nope@127.0.0.1:${port}`);
    await assert.rejects(wrong.connect(), RedisReplyError);
    assert.equal(wrong.state, "closed");
    await Promise.all([admin.close(), authed.close(), user.close(), wrong.close()]);
  });
});

test("redis: connect() to a closed port rejects", async () => {
  const port = await freePort();
  const redis = new RedisClient({ port });
  await assert.rejects(redis.connect());
  await redis.close();
});

test("redis: publish/subscribe, bytes mode, patterns and unsubscribe", async () => {
  await withRedis(async (port) => {
    const redis = new RedisClient({ port });
    await redis.connect();
    const got: unknown[][] = [];
    const listener = (message: unknown, channel: string, pattern?: string) =>
      got.push([message, channel, pattern]);
    await redis.subscribe(["news", "sport"], listener);
    await redis.subscribe("bin", listener, { bytes: true });
    await redis.psubscribe("room:*", listener);
    assert.equal(await redis.publish("news", "hello"), 1);
    await redis.publish("sport", "goal");
    await redis.publish("bin", new Uint8Array([0, 255]));
    await redis.publish("room:42", "hi room");
    await until(() => got.length === 4, 3000, "4 messages");
    assert.deepEqual(got, [
      ["hello", "news", undefined],
      ["goal", "sport", undefined],
      [new Uint8Array([0, 255]), "bin", undefined],
      ["hi room", "room:42", "room:*"],
    ]);
    // Server-side view of the subscriber connection.
    assert.deepEqual(await redis.send(["PUBSUB", "NUMSUB", "news", "nobody"]), [
      "news",
      1,
      "nobody",
      0,
    ]);
    await redis.unsubscribe("news");
    await redis.punsubscribe("room:*");
    assert.equal(await redis.publish("news", "dropped"), 0);
    assert.equal(await redis.publish("room:1", "dropped"), 0);
    await redis.publish("sport", "still here");
    await until(() => got.length === 5, 3000, "5th message");
    assert.deepEqual(got[4], ["still here", "sport", undefined]);
    // A throwing listener is reported, and the others still run.
    const reported = nextEvent(redis, "listenerError", 3000);
    await redis.subscribe("boom", () => {
      throw new Error("listener bug");
    });
    await redis.subscribe("boom", listener);
    await redis.publish("boom", "x");
    const [error, channel] = await reported;
    assert.equal((error as Error).message, "listener bug");
    assert.equal(channel, "boom");
    await until(() => got.length === 6, 3000, "6th message");
    await redis.close();
  });
});

test("redis: sharded pub/sub (Redis 7+)", async () => {
  const [major] = redisVersion();
  await withRedis(async (port) => {
    const redis = new RedisClient({ port });
    await redis.connect();
    if (major < 7) {
      // No SSUBSCRIBE before 7.0: the server's error reply reaches the caller.
      await assert.rejects(redis.spublish("s", "x"), RedisReplyError);
      await redis.close();
      return;
    }
    const got = deferred<[unknown, string]>();
    await redis.ssubscribe("shard-ch", (message, channel) => got.resolve([message, channel]));
    assert.equal(await redis.spublish("shard-ch", "sharded hello"), 1);
    assert.deepEqual(await withTimeout(got.promise, 3000, "smessage"), [
      "sharded hello",
      "shard-ch",
    ]);
    await redis.sunsubscribe("shard-ch");
    assert.equal(await redis.spublish("shard-ch", "gone"), 0);
    await redis.close();
  });
});

test("redis: drop rejects pending commands, then reconnect resubscribes", async () => {
  const port = await freePort();
  let server = await RedisServer.start(port);
  const redis = new RedisClient({ port, reconnectMinDelay: 20, reconnectMaxDelay: 200 });
  try {
    await redis.connect();
    const messages: string[] = [];
    await redis.subscribe("ch", (m) => messages.push(m as string));
    await redis.psubscribe("p:*", (m) => messages.push(`p ${m}`));
    const sharded = redisVersion()[0] >= 7;
    if (sharded) await redis.ssubscribe("s", (m) => messages.push(`s ${m}`));
    await redis.publish("ch", "before");
    await until(() => messages.length === 1, 3000, "message before restart");

    // A blocked command is pending when the server dies: it must be rejected, not lost.
    const blocked = assert.rejects(redis.send(["BLPOP", "nothing", 0]), RedisConnectionError);
    const errors: { link: string; lost: number }[] = [];
    redis.on("error", (_error, info) => errors.push(info));
    await server.stop();
    await blocked;
    await until(() => errors.some((e) => e.link === "command" && e.lost === 1), 3000, "error");
    assert.equal(redis.state === "reconnecting" || redis.state === "connecting", true);
    await assert.rejects(redis.send(["PING"]), RedisConnectionError);

    const reconnected = new Set<string>();
    redis.on("reconnect", ({ link }) => reconnected.add(link));
    server = await RedisServer.start(port);
    await until(() => reconnected.size === 2, 5000, "both links reconnected");
    assert.equal(redis.state, "ready");
    assert.equal(await redis.send(["PING"]), "PONG");
    await redis.publish("ch", "after");
    await redis.publish("p:1", "after");
    if (sharded) await redis.spublish("s", "after");
    const expected = ["before", "after", "p after", ...(sharded ? ["s after"] : [])];
    await until(() => messages.length === expected.length, 3000, "messages after restart");
    assert.deepEqual(messages, expected);
  } finally {
    await redis.close();
    await server.stop();
  }
});

test("redis: close() while reconnecting releases the retry timer", async () => {
  const port = await freePort();
  const server = await RedisServer.start(port);
  const redis = new RedisClient({
    port,
    reconnectMinDelay: 10_000,
    reconnectMaxDelay: 10_000,
  });
  await redis.connect();
  const reconnecting = nextEvent(redis, "reconnecting", 3000);
  await server.stop();
  const [info] = await reconnecting;
  assert.equal((info as { delay: number }).delay, 10_000);
  await redis.close();
  assert.equal(redis.state, "closed");
  // A 10 s timer left behind would keep the test runner alive past the bounded timeout.
});

test("redis: garbage from the server rejects pending commands with a typed error", async () => {
  // A fake "Redis" that answers every command with bytes that are not RESP.
  const server = createServer((socket) => socket.on("data", () => socket.write("?garbage\r\n")));
  const listening = deferred();
  server.listen(0, "127.0.0.1", () => listening.resolve());
  await listening.promise;
  const port = (server.address() as { port: number }).port;
  const redis = new RedisClient({ port, reconnect: false });
  const errors: Error[] = [];
  redis.on("error", (error) => errors.push(error));
  await redis.connect();
  await assert.rejects(redis.send(["PING"]), RedisConnectionError);
  assert.ok(errors.some((e) => /Cannot decode reply: Cannot decode RESP/.test(e.message)));
  await until(() => redis.state === "closed", 3000, "closed state");
  await redis.close();
  const closed = deferred();
  server.close(() => closed.resolve());
  await closed.promise;
});

test("redis: a command that cannot be encoded fails alone; the next reply is the next command's", async () => {
  await withRedis(async (port) => {
    const redis = new RedisClient({ port });
    await redis.connect();
    try {
      await assert.rejects(redis.send([]), TypeError);
      assert.equal(await redis.send(["PING"]), "PONG");
      assert.equal(await redis.send(["ECHO", "after"]), "after");
    } finally {
      await redis.quit();
    }
  });
});
