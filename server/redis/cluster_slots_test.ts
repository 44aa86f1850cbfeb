// Key slots against the spec's examples, and against a REAL Redis Cluster's CLUSTER KEYSLOT
// (tests/redis_cluster_server.ts starts one).
import assert from "node:assert/strict";
import { seededRandom, test } from "../../tests/harness.ts";
import { redisCli, withRedisCluster } from "../../tests/redis_cluster_server.ts";
import { crc16, keySlot, SLOT_COUNT } from "./cluster_slots.ts";

test("cluster slots: CRC16 XMODEM check value and known slots", () => {
  assert.equal(crc16(new TextEncoder().encode("123456789")), 0x31c3);
  assert.equal(keySlot("foo"), 12182);
  assert.equal(keySlot("bar"), 5061);
  assert.equal(keySlot("123456789"), 0x31c3 % SLOT_COUNT);
  assert.equal(keySlot(new TextEncoder().encode("foo")), 12182);
});

test("cluster slots: hash tags", () => {
  const table: [string, string][] = [
    ["{user1000}.following", "user1000"],
    ["{user1000}.followers", "user1000"],
    ["foo{bar}{zap}", "bar"], // The first tag only.
    ["foo{{bar}}zap", "{bar"], // From the first "{" to the first "}" after it.
    ["{}", "{}"], // An empty tag is no tag: the whole key.
    ["foo{}{bar}", "foo{}{bar}"],
    ["{", "{"],
    ["}{", "}{"],
    ["", ""],
  ];
  for (const [key, hashed] of table) {
    assert.equal(keySlot(key), crc16(new TextEncoder().encode(hashed)) % SLOT_COUNT, key);
  }
  assert.equal(keySlot("{user1000}.following"), keySlot("{user1000}.followers"));
  assert.equal(keySlot(""), 0);
});

test("cluster slots: the same slots as CLUSTER KEYSLOT of a real cluster", async () => {
  await withRedisCluster(async (cluster) => {
    const random = seededRandom(25);
    const keys = ["", "{}", "foo{}{bar}", "foo{{bar}}zap", "é{ü}x", "socket.io#/#room#"];
    for (let i = 0; i < 40; i++) {
      const length = Math.floor(random() * 12);
      let key = "";
      for (let j = 0; j < length; j++) key += "ab{}cé#/"[Math.floor(random() * 8)];
      keys.push(key);
    }
    const port = cluster.ports[0];
    for (const key of keys) {
      assert.equal(keySlot(key), Number(await redisCli(port, "CLUSTER", "KEYSLOT", key)), key);
    }
  });
}, { timeout: 30_000 });
