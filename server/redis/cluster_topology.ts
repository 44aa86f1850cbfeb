/**
 * What a Redis Cluster client knows of the cluster, and how it reads it:
 * the slot map from `CLUSTER SHARDS` (Redis 7) or `CLUSTER SLOTS` (older),
 * `MOVED`/`ASK` redirections, and which node a command goes to. Pure: no I/O.
 * Spec: https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/
 *
 * @module
 */

import { keySlot, SLOT_COUNT } from "./cluster_slots.ts";
import { RedisReplyError, type RespArgument, type RespReply } from "./resp.ts";

/** A node's address as the client keys it: `"host:port"`. */
export type ClusterNodeKey = string;

/** The slot map: which master serves each slot. */
export interface ClusterTopology {
  /** The master of each slot (`undefined` for a slot nobody serves). */
  readonly slots: readonly (ClusterNodeKey | undefined)[];
  /** Every master that serves at least one slot, in the order the cluster listed them. */
  readonly masters: readonly ClusterNodeKey[];
}

/** A `MOVED` or `ASK` error reply, read. */
export interface ClusterRedirect {
  kind: "MOVED" | "ASK";
  slot: number;
  node: ClusterNodeKey;
}

/** Where a command goes: by a key's slot, to any one master, or to every master (summed). */
export type ClusterRoute =
  | { kind: "key"; key: RespArgument }
  | { kind: "any" }
  | { kind: "numsub" };

/** The key of the node on `host`:`port` (IPv6 hosts keep their colons: the port is last). */
export function nodeKey(host: string, port: number): ClusterNodeKey {
  return `${host}:${port}`;
}

/** Splits a {@linkcode ClusterNodeKey} into host and port. */
export function splitNodeKey(key: ClusterNodeKey): { hostname: string; port: number } {
  const colon = key.lastIndexOf(":");
  return { hostname: key.slice(0, colon), port: Number(key.slice(colon + 1)) };
}

const decoder = new TextDecoder();

function text(value: RespReply | undefined): string {
  if (value instanceof Uint8Array) return decoder.decode(value);
  return value === undefined || value === null ? "" : String(value);
}

/** A RESP3 map or a RESP2 flat array of name/value pairs, as a Map. */
function fields(value: RespReply): Map<string, RespReply> {
  const map = new Map<string, RespReply>();
  if (value instanceof Map) {
    for (const [k, v] of value) map.set(text(k), v);
  } else if (Array.isArray(value)) {
    for (let i = 0; i + 1 < value.length; i += 2) map.set(text(value[i]), value[i + 1]);
  }
  return map;
}

function malformed(what: string): TypeError {
  return new TypeError(`Cannot read the cluster topology: ${what}`);
}

/** The address a node announces: its endpoint, or its IP when the endpoint is unknown. */
function address(node: Map<string, RespReply>, port: number): ClusterNodeKey {
  const endpoint = text(node.get("endpoint"));
  const host = endpoint !== "" && endpoint !== "?" ? endpoint : text(node.get("ip"));
  if (host === "" || !Number.isInteger(port) || port <= 0) throw malformed("a node has no address");
  return nodeKey(host, port);
}

class TopologyBuilder {
  slots: (ClusterNodeKey | undefined)[] = new Array(SLOT_COUNT);
  masters: ClusterNodeKey[] = [];

  assign(master: ClusterNodeKey, start: number, end: number): void {
    if (!(0 <= start && start <= end && end < SLOT_COUNT)) {
      throw malformed("a slot is out of range");
    }
    if (!this.masters.includes(master)) this.masters.push(master);
    for (let slot = start; slot <= end; slot++) this.slots[slot] = master;
  }

  done(): ClusterTopology {
    if (this.masters.length === 0) throw malformed("no node serves any slot");
    return { slots: this.slots, masters: this.masters };
  }
}

/**
 * Reads a `CLUSTER SHARDS` reply (Redis 7+): each shard's slot ranges and its
 * master; failed masters stay in place until a replica takes over.
 *
 * @throws {TypeError} When the reply is not a slot map.
 *
 * @example
 * ```ts
 * import { parseClusterShards } from "./cluster_topology.ts";
 * const topology = parseClusterShards([[
 *   "slots", [0, 16383],
 *   "nodes", [["id", "a", "port", 7000, "ip", "10.0.0.1", "endpoint", "10.0.0.1", "role", "master"]],
 * ]]);
 * console.log(topology.masters); // ["10.0.0.1:7000"]
 * ```
 */
export function parseClusterShards(reply: RespReply): ClusterTopology {
  if (!Array.isArray(reply)) throw malformed("CLUSTER SHARDS did not answer an array");
  const builder = new TopologyBuilder();
  for (const raw of reply) {
    const shard = fields(raw);
    const ranges = shard.get("slots");
    const nodes = shard.get("nodes");
    if (!Array.isArray(ranges) || !Array.isArray(nodes)) throw malformed("a shard without slots");
    if (ranges.length === 0) continue;
    const master = nodes.map(fields).find((node) => text(node.get("role")) === "master");
    if (!master) continue; // Nobody serves these slots right now.
    const key = address(master, Number(master.get("port") ?? master.get("tls-port")));
    for (let i = 0; i + 1 < ranges.length; i += 2) {
      builder.assign(key, Number(ranges[i]), Number(ranges[i + 1]));
    }
  }
  return builder.done();
}

/**
 * Reads a `CLUSTER SLOTS` reply (deprecated in Redis 7, the fallback before
 * it): `[start, end, [host, port, id], replicas...]` per range.
 *
 * @throws {TypeError} When the reply is not a slot map.
 *
 * @example
 * ```ts
 * import { parseClusterSlots } from "./cluster_topology.ts";
 * const topology = parseClusterSlots([[0, 16383, ["10.0.0.1", 7000, "a"]]]);
 * console.log(topology.slots[42]); // "10.0.0.1:7000"
 * ```
 */
export function parseClusterSlots(reply: RespReply): ClusterTopology {
  if (!Array.isArray(reply)) throw malformed("CLUSTER SLOTS did not answer an array");
  const builder = new TopologyBuilder();
  for (const range of reply) {
    if (!Array.isArray(range) || range.length < 3 || !Array.isArray(range[2])) {
      throw malformed("a slot range without a master");
    }
    const [host, port] = range[2];
    const key = address(new Map([["ip", host]]), Number(port));
    builder.assign(key, Number(range[0]), Number(range[1]));
  }
  return builder.done();
}

/**
 * Reads the slot map through `send`: `CLUSTER SHARDS`, or `CLUSTER SLOTS`
 * where that is unknown (before Redis 7) or `slotsCommand` says so already.
 *
 * @returns The map, and whether `CLUSTER SLOTS` is the command to use from now on.
 */
export async function readTopology(
  send: (command: string[]) => Promise<RespReply>,
  slotsCommand: boolean,
): Promise<{ topology: ClusterTopology; slotsCommand: boolean }> {
  if (!slotsCommand) {
    try {
      return { topology: parseClusterShards(await send(["CLUSTER", "SHARDS"])), slotsCommand };
    } catch (error) {
      // Before Redis 7: "ERR Unknown subcommand".
      if (!(error instanceof RedisReplyError) || error.code !== "ERR") throw error;
    }
  }
  return { topology: parseClusterSlots(await send(["CLUSTER", "SLOTS"])), slotsCommand: true };
}

/**
 * The `PUBSUB NUMSUB` answer of a cluster: each node counts only the clients
 * subscribed on it, so the counts of every master's reply are summed.
 *
 * @param command `["PUBSUB", "NUMSUB", ...channels]`.
 * @param replies The masters' replies (`[channel, count, ...]`).
 */
export function sumNumsub(command: readonly RespArgument[], replies: RespReply[]): RespReply[] {
  const sums: RespReply[] = [];
  for (let i = 2; i < command.length; i++) {
    let count = 0;
    for (const reply of replies) {
      if (Array.isArray(reply)) count += Number(reply[(i - 2) * 2 + 1] ?? 0);
    }
    sums.push(word(command[i]), count);
  }
  return sums;
}

/**
 * Reads a `MOVED <slot> <host>:<port>` or `ASK ...` error; a node that does
 * not know its own address answers `:port` or `?:port`, meaning the host of
 * the node that replied (`replier`).
 *
 * @returns The redirection, or null for any other error.
 */
export function parseRedirect(
  error: RedisReplyError,
  replier: ClusterNodeKey,
): ClusterRedirect | null {
  if (error.code !== "MOVED" && error.code !== "ASK") return null;
  const [, slot, target] = error.message.split(" ");
  const colon = target?.lastIndexOf(":") ?? -1;
  const number = Number(slot);
  if (colon === -1 || !Number.isInteger(number) || number < 0 || number >= SLOT_COUNT) return null;
  let host = target.slice(0, colon);
  if (host === "" || host === "?") host = splitNodeKey(replier).hostname;
  return { kind: error.code, slot: number, node: nodeKey(host, Number(target.slice(colon + 1))) };
}

/** Commands that name no key: any master answers them. */
const KEYLESS = new Set([
  "ACL",
  "CLIENT",
  "CLUSTER",
  "COMMAND",
  "CONFIG",
  "DBSIZE",
  "ECHO",
  "FUNCTION",
  "INFO",
  "LASTSAVE",
  "LATENCY",
  "MEMORY",
  "MODULE",
  "PING",
  "RANDOMKEY",
  "ROLE",
  "SCRIPT",
  "SLOWLOG",
  "TIME",
]);

/** Commands whose first key follows a key count: the index of that count. */
const NUMKEYS_AT: Record<string, number> = {
  EVAL: 2,
  EVALSHA: 2,
  EVAL_RO: 2,
  EVALSHA_RO: 2,
  FCALL: 2,
  FCALL_RO: 2,
  ZUNION: 1,
  ZINTER: 1,
  ZDIFF: 1,
  ZINTERCARD: 1,
  SINTERCARD: 1,
  LMPOP: 1,
  ZMPOP: 1,
  BLMPOP: 2,
  BZMPOP: 2,
};

/** Commands whose key follows a subcommand (`XGROUP CREATE key ...`). */
const KEY_AFTER_SUBCOMMAND = new Set(["XGROUP", "XINFO", "OBJECT"]);

/** Commands a cluster client cannot route one by one. */
const UNROUTABLE = new Set(["MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"]);

function word(value: RespArgument | undefined): string {
  return value instanceof Uint8Array ? decoder.decode(value) : String(value ?? "");
}

/**
 * Where `command` goes in a cluster: by the slot of its first key (for most
 * commands the argument after the name; `PUBLISH` and `SPUBLISH` by their
 * channel; `PUBSUB SHARDNUMSUB` by its first channel), to any master when it
 * names no key, or to every master with the counts summed for
 * `PUBSUB NUMSUB` (each node counts only its own subscribers).
 *
 * @throws {TypeError} For transactions (`MULTI`, `WATCH`...), which need one connection.
 */
export function routeOf(command: readonly RespArgument[]): ClusterRoute {
  const name = word(command[0]).toUpperCase();
  if (UNROUTABLE.has(name)) {
    throw new TypeError(
      `Cannot send ${name} through a cluster client: commands are routed one by one`,
    );
  }
  const key = (index: number): ClusterRoute =>
    command.length > index ? { kind: "key", key: command[index] } : { kind: "any" };
  if (KEYLESS.has(name)) return { kind: "any" };
  if (name === "PUBSUB") {
    const sub = word(command[1]).toUpperCase();
    if (sub === "NUMSUB") return { kind: "numsub" };
    return sub === "SHARDNUMSUB" ? key(2) : { kind: "any" };
  }
  if (name === "XREAD" || name === "XREADGROUP") {
    const at = command.findIndex((arg) => word(arg).toUpperCase() === "STREAMS");
    return at === -1 ? { kind: "any" } : key(at + 1);
  }
  if (KEY_AFTER_SUBCOMMAND.has(name)) return key(2);
  const numkeysAt = NUMKEYS_AT[name];
  if (numkeysAt !== undefined) {
    return Number(word(command[numkeysAt])) > 0 ? key(numkeysAt + 1) : { kind: "any" };
  }
  return key(1);
}

/** The slot of a routed key. */
export function slotOf(key: RespArgument): number {
  return keySlot(typeof key === "string" || key instanceof Uint8Array ? key : String(key));
}
