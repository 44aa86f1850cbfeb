// RedisClusterClient against a REAL Redis Cluster of six nodes (tests/redis_cluster_server.ts):
// routing, sharded pub/sub, MOVED and ASK during a slot migration, failover, close.
import assert from "node:assert/strict";
import { test, until } from "../../tests/harness.ts";
import { type RedisCluster, withRedisCluster } from "../../tests/redis_cluster_server.ts";
import { keySlot } from "./cluster_slots.ts";
import { RedisClusterClient } from "./cluster.ts";
import { RedisConnectionError } from "./link.ts";
import { RedisReplyError } from "./resp.ts";

const CLUSTER_TEST = { timeout: 60_000 };

/** One name per master: `prefix + i` for the first i whose slot that master owns. */
async function namesByMaster(cluster: RedisCluster, prefix: string): Promise<Map<number, string>> {
  const nodes = (await cluster.nodes()).filter((n) => n.role === "master" && n.slots.length > 0);
  const names = new Map<number, string>();
  for (let i = 0; names.size < nodes.length && i < 10_000; i++) {
    const name = `${prefix}${i}`;
    const slot = keySlot(name);
    const owner = nodes.find((n) => n.slots.some(([a, b]) => a <= slot && slot <= b))!;
    if (!names.has(owner.port)) names.set(owner.port, name);
  }
  assert.equal(names.size, 3);
  return names;
}

/** A client seeded with one node, its errors collected; closed by `use`'s end. */
async function withClient(
  port: number,
  use: (client: RedisClusterClient, errors: Error[]) => Promise<void>,
  options: { refreshInterval?: number } = {},
): Promise<void> {
  const client = new RedisClusterClient({ port, reconnectMaxDelay: 500, ...options });
  const errors: Error[] = [];
  client.on("error", (error) => errors.push(error));
  try {
    await use(client, errors);
  } finally {
    await client.close();
  }
}

test(
  "redis cluster client: commands reach the masters of all three slots from one seed",
  async () => {
    await withRedisCluster(async (cluster) => {
      const masters = await cluster.masters();
      // Seeded with a replica: the client still finds the masters.
      const replica = await cluster.replicaOf(masters[0]);
      await withClient(replica, async (client, errors) => {
        await client.connect();
        assert.equal(client.state, "ready");
        assert.deepEqual([...client.masters].sort(), masters.map((p) => `127.0.0.1:${p}`).sort());
        const keys = await namesByMaster(cluster, "key");
        for (const [port, key] of keys) {
          assert.equal(client.nodeOf(key), `127.0.0.1:${port}`);
          assert.equal(await client.send(["SET", key, `v-${port}`]), "OK");
        }
        for (const [port, key] of keys) assert.equal(await client.send(["GET", key]), `v-${port}`);
        // Hash tags keep keys together; bytes replies; error replies pass through.
        assert.equal(await client.send(["SET", "{user1000}.following", "a"]), "OK");
        assert.equal(await client.send(["APPEND", "{user1000}.followers", "b"]), 1);
        const bytes = await client.send(["GET", "{user1000}.following"], { bytes: true });
        assert.deepEqual(bytes, new TextEncoder().encode("a"));
        await client.send(["LPUSH", "list", "x"]);
        await assert.rejects(client.send(["GET", "list"]), RedisReplyError);
        await assert.rejects(client.send(["MULTI"]), TypeError);
        assert.equal(await client.send(["PING"]), "PONG");
        assert.deepEqual(errors, []);
      });
    });
  },
  CLUSTER_TEST,
);

test(
  "redis cluster client: sharded and plain pub/sub across every master, exactly once",
  async () => {
    await withRedisCluster(async (cluster) => {
      const [first, second] = await cluster.masters();
      await withClient(first, (subscriber, errors) =>
        withClient(second, async (publisher) => {
          const channels = [...(await namesByMaster(cluster, "room-")).values()];
          const got: string[] = [];
          await subscriber.ssubscribe(
            channels,
            (message, channel) => got.push(`${channel}:${message}`),
          );
          const plain: string[] = [];
          await subscriber.subscribe("plain", (message) => plain.push(String(message)));
          await subscriber.psubscribe(
            "pat-*",
            (message, channel, pattern) => plain.push(`${pattern}:${channel}:${message}`),
          );
          for (const channel of channels) {
            assert.equal(await publisher.spublish(channel, "hi"), 1);
            // Counted on the channel's master.
            assert.deepEqual(await publisher.send(["PUBSUB", "SHARDNUMSUB", channel]), [
              channel,
              1,
            ]);
          }
          // Plain messages reach every node; NUMSUB sums the masters' counts.
          assert.deepEqual(await publisher.send(["PUBSUB", "NUMSUB", "plain", "none"]), [
            "plain",
            1,
            "none",
            0,
          ]);
          await publisher.publish("plain", "p1");
          await publisher.publish("pat-1", "p2");
          await until(() => got.length === 3 && plain.length === 2, 5000, "messages");
          // A barrier on every channel: nothing arrives twice.
          for (const channel of channels) await publisher.spublish(channel, "end");
          await until(() => got.length === 6, 5000, "barrier");
          assert.deepEqual(got.sort(), channels.flatMap((c) => [`${c}:end`, `${c}:hi`]).sort());
          assert.deepEqual(plain.sort(), ["p1", "pat-*:pat-1:p2"]);
          await subscriber.sunsubscribe(channels);
          assert.deepEqual(await publisher.send(["PUBSUB", "SHARDNUMSUB", channels[0]]), [
            channels[0],
            0,
          ]);
          assert.deepEqual(errors, []);
        }));
    });
  },
  CLUSTER_TEST,
);

test(
  "redis cluster client: ASK while a slot migrates, MOVED after; sharded subscription follows",
  async () => {
    await withRedisCluster(async (cluster) => {
      const [first, second] = await cluster.masters();
      await withClient(first, (client, errors) =>
        withClient(second, async (publisher) => {
          const key = "{moving}.a";
          const channel = "{moving}.news";
          const slot = keySlot(key);
          const from = await cluster.ownerOf(slot);
          const to = (await cluster.masters()).find((p) => p !== from)!;
          await client.send(["SET", key, "1"]);
          const got: string[] = [];
          await client.ssubscribe(channel, (message) => got.push(String(message)));
          const migration = await cluster.startMigration(slot, to);
          assert.equal(await client.send(["GET", key]), "1"); // Still on the source.
          assert.equal(await migration.moveKeys(), 1);
          // The source answers ASK for keys it no longer has: ASKING + GET on the target.
          assert.equal(await client.send(["GET", key]), "1");
          assert.equal(await client.send(["SET", "{moving}.b", "2"]), "OK");
          assert.equal(client.nodeOf(key), `127.0.0.1:${from}`); // ASK does not change the map.
          await migration.finish();
          // MOVED: the map is updated and the command retried on the new owner.
          assert.equal(await client.send(["GET", "{moving}.b"]), "2");
          assert.equal(client.nodeOf(key), `127.0.0.1:${to}`);
          // Redis unsubscribed the client from the moved slot; it subscribed again on the target.
          await until(
            async () =>
              (await publisher.send(["PUBSUB", "SHARDNUMSUB", channel]) as unknown[])[1] === 1,
            5000,
            "resubscribed on the new owner",
          );
          assert.equal(await publisher.spublish(channel, "after"), 1);
          await until(() => got.length === 1, 5000, "message after the move");
          assert.deepEqual(got, ["after"]);
          assert.deepEqual(errors, []);
        }));
    });
  },
  CLUSTER_TEST,
);

test(
  "redis cluster client: a killed master's replica takes over; commands and subscriptions resume",
  async () => {
    await withRedisCluster(async (cluster) => {
      const masters = await cluster.masters();
      const channels = await namesByMaster(cluster, "fo-");
      const keys = await namesByMaster(cluster, "fk-");
      const victim = masters[1];
      const seed = masters[0];
      await withClient(seed, (client, errors) =>
        withClient(seed, async (publisher) => {
          const got: string[] = [];
          await client.ssubscribe([...channels.values()], (m, ch) => got.push(`${ch}:${m}`));
          for (const key of keys.values()) await client.send(["SET", key, "before"]);
          const replica = await cluster.replicaOf(victim);
          await cluster.kill(victim);
          const key = keys.get(victim)!;
          const channel = channels.get(victim)!;
          // The loss is reported, then the promoted replica serves the slot: no restart needed.
          await until(() => errors.some((e) => e instanceof RedisConnectionError), 5000, "error");
          await until(
            async () => {
              try {
                return await client.send(["GET", key]) === "before";
              } catch {
                return false;
              }
            },
            15_000,
            "commands on the promoted replica",
          );
          assert.equal(client.nodeOf(key), `127.0.0.1:${replica}`);
          await until(
            async () => {
              try {
                return await publisher.spublish(channel, "after") === 1;
              } catch {
                return false;
              }
            },
            15_000,
            "sharded subscription on the promoted replica",
          );
          for (const ch of channels.values()) if (ch !== channel) await publisher.spublish(ch, "x");
          await until(() => got.length === 3, 5000, "messages after the failover");
          assert.deepEqual(
            got.sort(),
            [...channels.values()].map((ch) => ch === channel ? `${ch}:after` : `${ch}:x`).sort(),
          );
          assert.ok(!client.masters.includes(`127.0.0.1:${victim}`));
        }));
    });
  },
  CLUSTER_TEST,
);

test(
  "redis cluster client: a manual failover moves sharded subscriptions to the new master",
  async () => {
    await withRedisCluster(async (cluster) => {
      const masters = await cluster.masters();
      const channels = await namesByMaster(cluster, "mf-");
      await withClient(masters[0], (client, errors) =>
        withClient(masters[0], async (publisher) => {
          const got: string[] = [];
          await client.ssubscribe([...channels.values()], (m, ch) => got.push(`${ch}:${m}`));
          const old = masters[2];
          const replica = await cluster.replicaOf(old);
          await cluster.failover(replica);
          const channel = channels.get(old)!;
          await until(
            async () => {
              const reply = await publisher.send(["PUBSUB", "SHARDNUMSUB", channel]) as unknown[];
              return reply[1] === 1;
            },
            15_000,
            "resubscribed on the new master",
          );
          assert.equal(client.nodeOf(channel), `127.0.0.1:${replica}`);
          assert.equal(await publisher.spublish(channel, "m"), 1);
          await until(() => got.length === 1, 5000, "message");
          assert.deepEqual(got, [`${channel}:m`]);
          assert.deepEqual(errors, []);
        }));
    });
  },
  CLUSTER_TEST,
);

test(
  "redis cluster client: close releases every node, timer and subscription; no seed fails",
  async () => {
    await withRedisCluster(async (cluster) => {
      const [seed] = await cluster.masters();
      const client = new RedisClusterClient({ urls: [`redis://127.0.0.1:${seed}`] });
      await client.ssubscribe("a", () => {});
      await client.subscribe("b", () => {});
      await client.send(["SET", "k", "v"]);
      await client.quit();
      assert.equal(client.state, "closed");
      await assert.rejects(client.send(["GET", "k"]), RedisConnectionError);
      await assert.rejects(client.connect(), RedisConnectionError);
    });
    // Nothing answers: connect rejects, the client may try again (and is idle meanwhile).
    const client = new RedisClusterClient({ url: "redis://127.0.0.1:1", connectTimeout: 500 });
    await assert.rejects(client.connect(), RedisConnectionError);
    assert.equal(client.state, "idle");
    await client.close();
  },
  CLUSTER_TEST,
);
