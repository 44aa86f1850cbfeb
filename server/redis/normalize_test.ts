// normalizeRedisClient against FAKE objects shaped like npm `redis` v4+ and `ioredis`
// (no npm import here: the real clients are only for tests/interop/).
import assert from "node:assert/strict";
import { test } from "../../tests/harness.ts";
import { RedisClient } from "./client.ts";
import { normalizeRedisClient } from "./normalize.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

type Listener = (message: Uint8Array, channel: string) => void;

/** Shaped like node-redis v4: camelCase pSubscribe, listener(message, channel), bufferMode flag. */
class FakeNodeRedis {
  calls: unknown[][] = [];
  channels = new Map<string, Listener>();
  patterns = new Map<string, Listener>();
  publish(channel: string, message: string | Uint8Array): Promise<number> {
    this.calls.push(["publish", channel, message]);
    return Promise.resolve(1);
  }
  subscribe(channel: string, listener: Listener, bufferMode?: boolean): Promise<void> {
    this.calls.push(["subscribe", channel, bufferMode]);
    this.channels.set(channel, listener);
    return Promise.resolve();
  }
  pSubscribe(pattern: string, listener: Listener, bufferMode?: boolean): Promise<void> {
    this.calls.push(["pSubscribe", pattern, bufferMode]);
    this.patterns.set(pattern, listener);
    return Promise.resolve();
  }
  unsubscribe(channel: string): Promise<void> {
    this.calls.push(["unsubscribe", channel]);
    this.channels.delete(channel);
    return Promise.resolve();
  }
  pUnsubscribe(pattern: string): Promise<void> {
    this.calls.push(["pUnsubscribe", pattern]);
    this.patterns.delete(pattern);
    return Promise.resolve();
  }
  sendCommand(args: string[]): Promise<unknown> {
    this.calls.push(["sendCommand", args]);
    return Promise.resolve([args[2], 3]);
  }
}

/** Shaped like ioredis: variadic subscribe, messages as "messageBuffer" events, call(). */
class FakeIoredis {
  calls: unknown[][] = [];
  handlers = new Map<string, ((...args: unknown[]) => void)[]>();
  on(event: string, handler: (...args: unknown[]) => void): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return this;
  }
  emit(event: string, ...args: unknown[]): void {
    for (const handler of this.handlers.get(event) ?? []) handler(...args);
  }
  publish(channel: string, message: string | Uint8Array): Promise<number> {
    this.calls.push(["publish", channel, message]);
    return Promise.resolve(2);
  }
  subscribe(...channels: string[]): Promise<number> {
    this.calls.push(["subscribe", ...channels]);
    return Promise.resolve(channels.length);
  }
  psubscribe(...patterns: string[]): Promise<number> {
    this.calls.push(["psubscribe", ...patterns]);
    return Promise.resolve(patterns.length);
  }
  unsubscribe(...channels: string[]): Promise<number> {
    this.calls.push(["unsubscribe", ...channels]);
    return Promise.resolve(0);
  }
  punsubscribe(...patterns: string[]): Promise<number> {
    this.calls.push(["punsubscribe", ...patterns]);
    return Promise.resolve(0);
  }
  call(command: string, ...args: string[]): Promise<unknown> {
    this.calls.push(["call", command, ...args]);
    return Promise.resolve([args[1], 5]);
  }
}

test("normalize: node-redis v4 shape", async () => {
  const fake = new FakeNodeRedis();
  const client = normalizeRedisClient(fake);
  assert.equal(client.kind, "redis");
  assert.equal(await client.publish("ch", "hello"), 1);
  const got: unknown[][] = [];
  await client.subscribe(
    "ch",
    (message, channel, pattern) => got.push([message, channel, pattern]),
  );
  await client.psubscribe(
    "p:*",
    (message, channel, pattern) => got.push([message, channel, pattern]),
  );
  // node-redis in buffer mode hands Buffers (Uint8Arrays); strings are converted too.
  fake.channels.get("ch")!(new Uint8Array([1, 2]), "ch");
  fake.patterns.get("p:*")!(enc.encode("x") as Uint8Array, "p:1");
  assert.deepEqual(got, [
    [new Uint8Array([1, 2]), "ch", undefined],
    [enc.encode("x"), "p:1", "p:*"],
  ]);
  assert.deepEqual(await client.sendCommand(["PUBSUB", "NUMSUB", "ch"]), ["ch", 3]);
  await client.unsubscribe("ch");
  await client.punsubscribe("p:*");
  assert.deepEqual(fake.calls, [
    ["publish", "ch", "hello"],
    ["subscribe", "ch", true],
    ["pSubscribe", "p:*", true],
    ["sendCommand", ["PUBSUB", "NUMSUB", "ch"]],
    ["unsubscribe", "ch"],
    ["pUnsubscribe", "p:*"],
  ]);
});

test("normalize: ioredis shape", async () => {
  const fake = new FakeIoredis();
  const client = normalizeRedisClient(fake);
  assert.equal(client.kind, "ioredis");
  assert.equal(await client.publish("ch", enc.encode("bin")), 2);
  const got: unknown[][] = [];
  await client.subscribe("a", (message, channel) => got.push(["a", dec.decode(message), channel]));
  await client.subscribe("b", (message, channel) => got.push(["b", dec.decode(message), channel]));
  await client.psubscribe(
    "r:*",
    (message, channel, pattern) => got.push(["p", dec.decode(message), channel, pattern]),
  );
  // ioredis emits Buffers for channel names and payloads on the *Buffer events.
  fake.emit("messageBuffer", enc.encode("a"), enc.encode("one"));
  fake.emit("messageBuffer", enc.encode("b"), enc.encode("two"));
  fake.emit("messageBuffer", enc.encode("other"), enc.encode("ignored"));
  fake.emit("pmessageBuffer", enc.encode("r:*"), enc.encode("r:9"), enc.encode("three"));
  assert.deepEqual(got, [
    ["a", "one", "a"],
    ["b", "two", "b"],
    ["p", "three", "r:9", "r:*"],
  ]);
  // One listener per event however many subscriptions.
  assert.equal(fake.handlers.get("messageBuffer")!.length, 1);
  assert.deepEqual(await client.sendCommand(["PUBSUB", "NUMSUB", "a"]), ["a", 5]);
  await client.unsubscribe("a");
  fake.emit("messageBuffer", enc.encode("a"), enc.encode("late"));
  assert.equal(got.length, 3);
  await client.punsubscribe("r:*");
  assert.deepEqual(fake.calls.map((c) => c[0]), [
    "publish",
    "subscribe",
    "subscribe",
    "psubscribe",
    "call",
    "unsubscribe",
    "punsubscribe",
  ]);
});

test("normalize: our RedisClient is recognised", async () => {
  const ours = new RedisClient("redis://127.0.0.1:1");
  const client = normalizeRedisClient(ours);
  assert.equal(client.kind, "webio");
  // Not connected: commands reject with a typed error rather than hanging.
  await assert.rejects(client.sendCommand(["PING"]));
  await ours.close();
});

test("normalize: anything else is a TypeError that names the supported shapes", () => {
  for (const value of [null, 42, "redis", {}, { publish() {}, subscribe() {} }]) {
    assert.throws(() => normalizeRedisClient(value), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, /^Cannot use Redis client/);
      return true;
    });
  }
});
