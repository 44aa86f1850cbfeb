// The slot map readers, redirections and command routing of cluster_topology.ts (pure).
import assert from "node:assert/strict";
import { test } from "../../tests/harness.ts";
import {
  parseClusterShards,
  parseClusterSlots,
  parseRedirect,
  readTopology,
  routeOf,
  sumNumsub,
} from "./cluster_topology.ts";
import { RedisReplyError, type RespReply } from "./resp.ts";

const node = (port: number, role: string, health = "online") => [
  "id",
  `id-${port}`,
  "port",
  port,
  "ip",
  "10.0.0.1",
  "endpoint",
  port === 7002 ? "?" : "10.0.0.1",
  "role",
  role,
  "replication-offset",
  0,
  "health",
  health,
];

test("cluster topology: CLUSTER SHARDS gives each slot its master, failed ones included", () => {
  const topology = parseClusterShards([
    ["slots", [0, 99, 200, 16383], "nodes", [node(7003, "replica"), node(7000, "master")]],
    ["slots", [100, 199], "nodes", [node(7002, "master", "fail"), node(7004, "replica")]],
    ["slots", [], "nodes", [node(7005, "master")]], // Serves nothing: not a master to route to.
  ]);
  assert.deepEqual(topology.masters, ["10.0.0.1:7000", "10.0.0.1:7002"]);
  assert.equal(topology.slots[0], "10.0.0.1:7000");
  assert.equal(topology.slots[150], "10.0.0.1:7002"); // Endpoint "?": the IP.
  assert.equal(topology.slots[16383], "10.0.0.1:7000");
  // RESP3 maps read the same.
  const map = new Map<RespReply, RespReply>([["slots", [0, 16383]], ["nodes", [
    new Map<RespReply, RespReply>([["port", 7000], ["ip", "h"], ["role", "master"]]),
  ]]]);
  assert.equal(parseClusterShards([map]).slots[5], "h:7000");
  assert.throws(() => parseClusterShards("nope"), TypeError);
  assert.throws(() => parseClusterShards([]), TypeError);
  assert.throws(() => parseClusterShards([["slots", [0, 20000], "nodes", [node(1, "master")]]]));
});

test("cluster topology: CLUSTER SLOTS, and the fallback to it before Redis 7", async () => {
  const slots = [[0, 8191, ["a", 1, "x"], ["b", 2, "y"]], [8192, 16383, ["c", 3, "z"]]];
  const topology = parseClusterSlots(slots);
  assert.deepEqual(topology.masters, ["a:1", "c:3"]);
  assert.equal(topology.slots[8192], "c:3");
  assert.throws(() => parseClusterSlots([[0, 1]]), TypeError);
  const sent: string[] = [];
  const old = (command: string[]) => {
    sent.push(command.join(" "));
    return command[1] === "SHARDS"
      ? Promise.reject(new RedisReplyError("ERR Unknown subcommand 'SHARDS'"))
      : Promise.resolve(slots as RespReply);
  };
  const read = await readTopology(old, false);
  assert.equal(read.slotsCommand, true);
  assert.deepEqual(sent, ["CLUSTER SHARDS", "CLUSTER SLOTS"]);
  await readTopology(old, true);
  assert.deepEqual(sent.slice(2), ["CLUSTER SLOTS"]);
  const down = () => Promise.reject(new RedisReplyError("CLUSTERDOWN The cluster is down"));
  await assert.rejects(readTopology(down, false), RedisReplyError);
});

test("cluster topology: MOVED and ASK redirections", () => {
  const replier = "10.0.0.9:7000";
  assert.deepEqual(parseRedirect(new RedisReplyError("MOVED 3999 127.0.0.1:6381"), replier), {
    kind: "MOVED",
    slot: 3999,
    node: "127.0.0.1:6381",
  });
  assert.deepEqual(parseRedirect(new RedisReplyError("ASK 1 :6381"), replier), {
    kind: "ASK",
    slot: 1,
    node: "10.0.0.9:6381",
  });
  assert.equal(
    parseRedirect(new RedisReplyError("MOVED 3999 ?:6381"), replier)?.node,
    "10.0.0.9:6381",
  );
  assert.equal(
    parseRedirect(new RedisReplyError("MOVED 3999 ::1:6381"), replier)?.node,
    "::1:6381",
  );
  assert.equal(parseRedirect(new RedisReplyError("ERR wrong"), replier), null);
  assert.equal(parseRedirect(new RedisReplyError("MOVED 99999 a:1"), replier), null);
  assert.equal(parseRedirect(new RedisReplyError("MOVED"), replier), null);
});

test("cluster topology: which argument routes a command", () => {
  const table: [RespReply[], unknown][] = [
    [["GET", "k"], { kind: "key", key: "k" }],
    [["SET", "k", "v"], { kind: "key", key: "k" }],
    [["SPUBLISH", "ch", "m"], { kind: "key", key: "ch" }],
    [["PUBLISH", "ch", "m"], { kind: "key", key: "ch" }],
    [["PUBSUB", "SHARDNUMSUB", "ch"], { kind: "key", key: "ch" }],
    [["pubsub", "numsub", "ch"], { kind: "numsub" }],
    [["PUBSUB", "CHANNELS"], { kind: "any" }],
    [["PING"], { kind: "any" }],
    [["CLUSTER", "INFO"], { kind: "any" }],
    [["EVAL", "return 1", "0"], { kind: "any" }],
    [["EVAL", "return 1", "1", "k"], { kind: "key", key: "k" }],
    [["XREAD", "COUNT", "2", "STREAMS", "s", "0"], { kind: "key", key: "s" }],
    [["XREADGROUP", "GROUP", "g", "c", "streams", "s", ">"], { kind: "key", key: "s" }],
    [["XGROUP", "CREATE", "s", "g", "$"], { kind: "key", key: "s" }],
    [["BLMPOP", "0", "2", "a", "b", "LEFT"], { kind: "key", key: "a" }],
  ];
  for (const [command, route] of table) {
    assert.deepEqual(routeOf(command as string[]), route, String(command));
  }
  for (const name of ["MULTI", "exec", "WATCH"]) assert.throws(() => routeOf([name]), TypeError);
});

test("cluster topology: NUMSUB counts summed over the masters", () => {
  const replies: RespReply[] = [["a", 1, "b", 0], ["a", 2, "b", 0], ["a", 0, "b", 3]];
  assert.deepEqual(sumNumsub(["PUBSUB", "NUMSUB", "a", "b"], replies), ["a", 3, "b", 3]);
  assert.deepEqual(sumNumsub(["PUBSUB", "NUMSUB"], replies), []);
});
