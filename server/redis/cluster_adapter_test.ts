// deno-lint-ignore-file no-explicit-any
// The cluster protocol between webio servers in this process, over an
// in-memory transport (a bus) that encodes every message as the sharded
// Redis adapter does and hands it to every adapter of the namespace, as pub/sub
// would: the plain ClusterAdapter (server count from the bus) and the
// heartbeat variant (server count from the messages heard).
import assert from "node:assert/strict";
import { deferred, nextEvent, test, until, withTimeout } from "../../tests/harness.ts";
import { collect, startNodes } from "../../tests/redis_nodes.ts";
import type { AdapterNamespace, ServerOptions } from "../mod.ts";
import {
  ClusterAdapter,
  ClusterAdapterWithHeartbeat,
  type ClusterAdapterWithHeartbeatOptions,
  type ClusterMessage,
  type ClusterResponse,
  decodeClusterMessage,
  encodeClusterMessage,
  MessageType,
} from "./cluster_adapter.ts";

/** What the bus hands a message to: an adapter's protected hooks, as a transport calls them. */
function receive(peer: ClusterAdapter, raw: string | Uint8Array, offset?: string): void {
  peer["onMessage"](decodeClusterMessage(raw) as ClusterMessage, offset);
}

function receiveResponse(peer: ClusterAdapter, raw: string | Uint8Array): void {
  peer["onResponse"](decodeClusterMessage(raw) as ClusterResponse);
}

/** Pub/sub within the process: each message encoded, delivered to every peer (self too). */
class Bus {
  peers = new Set<ClusterAdapter>();
  sent: unknown[] = [];
  offsets = false;
  #offset = 0;
  /** When set, messages to this uid are dropped (a node that stopped answering). */
  deaf = new Set<string>();
  /** Messages from these uids are dropped (a node cut from the transport). */
  mute = new Set<string>();

  join(peer: ClusterAdapter): this {
    this.peers.add(peer);
    return this;
  }

  publish(message: ClusterMessage): Promise<string | undefined> {
    const raw = encodeClusterMessage(message);
    this.sent.push(decodeClusterMessage(raw));
    const offset = this.offsets ? `bus-${++this.#offset}` : undefined;
    if (this.mute.has(message.uid)) return Promise.resolve(offset);
    const peers = [...this.peers].filter((p) => p.nsp.name === message.nsp);
    queueMicrotask(() => {
      for (const p of peers) if (!this.deaf.has(p.uid)) receive(p, raw, offset);
    });
    return Promise.resolve(offset);
  }

  respond(uid: string, response: ClusterResponse): Promise<void> {
    const raw = encodeClusterMessage(response);
    const peer = [...this.peers].find((p) => p.uid === uid);
    queueMicrotask(() => peer && receiveResponse(peer, raw));
    return Promise.resolve();
  }

  count(nsp: string): number {
    return [...this.peers].filter((p) => p.nsp.name === nsp).length;
  }
}

class BusAdapter extends ClusterAdapter {
  bus: Bus;
  constructor(nsp: AdapterNamespace, bus: Bus) {
    super(nsp, { requestsTimeout: 500 });
    this.bus = bus.join(this);
  }
  protected doPublish(message: ClusterMessage): Promise<string | undefined> {
    return this.bus.publish(message);
  }
  protected doPublishResponse(uid: string, response: ClusterResponse): Promise<void> {
    return this.bus.respond(uid, response);
  }
  protected override assignsOffsets(): boolean {
    return this.bus.offsets;
  }
  override serverCount(): Promise<number> {
    return Promise.resolve(this.bus.count(this.nsp.name));
  }
  override close(): void {
    this.bus.peers.delete(this);
    super.close();
  }
}

class HeartbeatAdapter extends ClusterAdapterWithHeartbeat {
  bus: Bus;
  constructor(nsp: AdapterNamespace, bus: Bus, opts: ClusterAdapterWithHeartbeatOptions) {
    super(nsp, { requestsTimeout: 500, ...opts });
    this.bus = bus.join(this);
  }
  protected doPublish(message: ClusterMessage): Promise<string | undefined> {
    return this.bus.publish(message);
  }
  protected doPublishResponse(uid: string, response: ClusterResponse): Promise<void> {
    return this.bus.respond(uid, response);
  }
  override close(): void {
    // The goodbye goes out first; then the bus forgets this peer.
    super.close();
    this.bus.peers.delete(this);
  }
}

/** `count` servers on one bus, each with the adapter `adapter` makes for it. */
async function cluster(
  count: number,
  adapter: (bus: Bus) => (nsp: AdapterNamespace) => ClusterAdapter,
  server: ServerOptions = {},
) {
  const bus = new Bus();
  return { bus, ...await startNodes({ count, adapter: () => adapter(bus), server }) };
}

const plain = (bus: Bus) => (nsp: AdapterNamespace) => new BusAdapter(nsp, bus);

test("cluster adapter: broadcasts to all, to rooms and except reach every node once; local stays", async () => {
  const ctx = await cluster(3, plain);
  try {
    const clients = await Promise.all([0, 1, 2, 0, 1, 2].map((n) => ctx.connected(n)));
    for (let i = 0; i < 3; i++) ctx.socketOf(i, clients[i]).join("news");
    const news = collect(clients, "news");
    const all = collect(clients, "all");
    ctx.nodes[1].io.to("news").emit("news", "n1");
    ctx.nodes[2].io.except("news").emit("all", "a1");
    ctx.nodes[0].io.emit("all", "a2", new Uint8Array([1, 2, 3]));
    const local = collect(clients, "local");
    ctx.nodes[0].io.local.emit("local");
    const barrier = collect(clients, "barrier");
    ctx.nodes[2].io.emit("barrier");
    await until(() => barrier.every((g) => g.length === 1), 3000, "barrier");
    assert.deepEqual(news.map((g) => g.length), [1, 1, 1, 0, 0, 0]);
    assert.deepEqual(all.map((g) => g.length), [1, 1, 1, 2, 2, 2]);
    assert.deepEqual(local.map((g) => g.length), [1, 0, 0, 1, 0, 0]);
    const binary = all[1].find((args) => args[0] === "a2")!;
    assert.deepEqual([...new Uint8Array(binary[1] as ArrayBuffer)], [1, 2, 3]);
    // The binary broadcast went as MessagePack, with the reference's field names.
    const sent = ctx.bus.sent.find((m: any) => m.data?.packet?.data?.[1] === "a2") as any;
    assert.equal(sent.type, MessageType.BROADCAST);
    assert.deepEqual(sent.data.opts, { rooms: [], except: [], flags: {} });
    assert.equal(sent.nsp, "/");
    assert.equal(typeof sent.uid, "string");
    assert.ok(sent.data.packet.data[2] instanceof Uint8Array);
  } finally {
    await ctx.close();
  }
});

test("cluster adapter: broadcast acks come from every node; a timeout reports what came", async () => {
  const ctx = await cluster(3, plain);
  try {
    const clients = await Promise.all([0, 1, 2].map((n) => ctx.connected(n)));
    clients.forEach((c, i) => c.on("q", (ack: (v: unknown) => void) => ack(`c${i}`)));
    const responses = await ctx.nodes[0].io.timeout(2000).emitWithAck("q") as string[];
    assert.deepEqual([...responses].sort(), ["c0", "c1", "c2"]);
    clients[2].off("q");
    clients[2].on("q", () => {});
    const done = deferred<[Error | null, string[]]>();
    ctx.nodes[1].io.timeout(300).emit("q", (e: Error | null, r: string[]) => done.resolve([e, r]));
    const [error, partial] = await withTimeout(done.promise, 3000, "ack timeout");
    assert.ok(error instanceof Error);
    assert.deepEqual([...partial].sort(), ["c0", "c1"]);
  } finally {
    await ctx.close();
  }
});

test("cluster adapter: fetchSockets, socketsJoin/Leave, disconnectSockets, serverSideEmit", async () => {
  const ctx = await cluster(3, plain);
  try {
    const clients = await Promise.all([0, 1, 2].map((n) => ctx.connected(n)));
    clients.forEach((c, i) => {
      const socket = ctx.socketOf(i, c);
      socket.data = { node: i };
      socket.join(`room-${i}`);
    });
    const sockets = await ctx.nodes[0].io.fetchSockets();
    assert.deepEqual(sockets.map((s) => s.id).sort(), clients.map((c) => c.id).sort());
    const remote = sockets.find((s) => s.id === clients[2].id)!;
    assert.deepEqual(remote.data, { node: 2 });
    assert.ok(remote.rooms.has("room-2"));
    assert.equal(typeof remote.handshake.time, "string");
    const hello = nextEvent(clients[2], "hello", 3000);
    remote.emit("hello", "from node 0");
    assert.deepEqual(await hello, ["from node 0"]);

    ctx.nodes[2].io.in(["room-0", "room-1"]).socketsJoin("joined");
    await until(() => ctx.socketOf(0, clients[0]).rooms.has("joined"), 3000, "join on node 0");
    await until(() => ctx.socketOf(1, clients[1]).rooms.has("joined"), 3000, "join on node 1");
    assert.equal((await ctx.nodes[2].io.in("joined").fetchSockets()).length, 2);
    ctx.nodes[0].io.in("joined").socketsLeave("joined");
    await until(() => !ctx.socketOf(1, clients[1]).rooms.has("joined"), 3000, "leave");

    const got: string[] = [];
    ctx.nodes.forEach((n, i) =>
      n.io.on("hi" as any, (...args: any[]) => {
        const last = args[args.length - 1];
        if (typeof last === "function") last(`node${i}:${args[0]}`);
        else got.push(`node${i}:${args[0]}`);
      })
    );
    ctx.nodes[0].io.serverSideEmit("hi", "x");
    await until(() => got.length === 2, 3000, "serverSideEmit");
    assert.deepEqual(got.sort(), ["node1:x", "node2:x"]);
    const answers = await ctx.nodes[1].io.serverSideEmitWithAck("hi", "y");
    assert.deepEqual((answers as string[]).sort(), ["node0:y", "node2:y"]);

    const gone = nextEvent(clients[1], "disconnect", 3000);
    ctx.nodes[0].io.in("room-1").disconnectSockets();
    assert.equal((await gone)[0], "io server disconnect");
  } finally {
    await ctx.close();
  }
});

test("cluster adapter: a node that does not answer fails fetchSockets and serverSideEmitWithAck in time", async () => {
  const ctx = await cluster(2, plain);
  try {
    const uid = (ctx.nodes[1].io.of("/").adapter as ClusterAdapter).uid;
    ctx.bus.deaf.add(uid);
    await assert.rejects(ctx.nodes[0].io.fetchSockets(), /timeout reached: only 0 responses/);
    await assert.rejects(ctx.nodes[0].io.serverSideEmitWithAck("hi"), /timeout reached/);
  } finally {
    await ctx.close();
  }
});

test("cluster adapter: recovery with the transport's offsets, after broadcasts from another node", async () => {
  const ctx = await cluster(2, (bus) => {
    bus.offsets = true;
    return plain(bus);
  }, { connectionStateRecovery: { maxDisconnectionDuration: 5000 } });
  const client = ctx.client(0, {
    reconnection: true,
    reconnectionDelay: 50,
    reconnectionDelayMax: 50,
  });
  try {
    await nextEvent(client, "connect", 3000);
    ctx.socketOf(0, client).join("room");
    const seen: unknown[] = [];
    const offsets: unknown[] = [];
    client.on("msg", (v: unknown, offset: unknown) => {
      seen.push(v);
      offsets.push(offset);
    });
    ctx.nodes[1].io.to("room").emit("msg", 1);
    await until(() => seen.length === 1, 3000, "first message");
    ctx.socketOf(0, client).conn.close();
    await nextEvent(client, "disconnect", 3000);
    ctx.nodes[0].io.to("room").emit("msg", 2);
    ctx.nodes[1].io.emit("msg", 3);
    ctx.nodes[1].io.to("elsewhere").emit("msg", 99);
    await nextEvent(client, "connect", 5000);
    assert.equal(client.recovered, true);
    await until(() => seen.length === 3, 3000, "missed messages");
    // 2 (logged once its offset came back) and 3 (received meanwhile) have no order between them.
    assert.deepEqual([...seen].sort(), [1, 2, 3]);
    // The offsets are the transport's, appended by each node: none travels in a message.
    assert.ok(offsets.every((o) => typeof o === "string" && /^bus-\d+$/.test(o)), String(offsets));
    assert.equal(new Set(offsets).size, 3);
    const wire = JSON.stringify(ctx.bus.sent.filter((m: any) => m.type === MessageType.BROADCAST));
    assert.ok(!wire.includes("bus-"), wire);
  } finally {
    await ctx.close();
  }
});

test("cluster adapter: garbage from the transport is reported, never thrown", async () => {
  const ctx = await cluster(2, plain);
  try {
    const a = await ctx.connected(0);
    const adapter = ctx.nodes[0].io.of("/").adapter as ClusterAdapter;
    const bad: unknown[] = [
      null,
      42,
      { type: 3, uid: "x", nsp: "/" },
      { type: 3, uid: "x", nsp: "/", data: { packet: { type: 2, data: "nope" } } },
      { type: 9, uid: "x", nsp: "/", data: { packet: [{ not: "a name" }] } },
      { type: 7, uid: "x", nsp: "/", data: { opts: {} } },
      { type: 8, uid: "x", nsp: "/", data: { requestId: "r", sockets: "none" } },
    ];
    for (const message of bad) receive(adapter, JSON.stringify(message));
    assert.equal(ctx.nodes[0].errors.length, bad.length);
    // Well-formed but from another namespace, or unknown requests: ignored quietly.
    receive(adapter, JSON.stringify({ type: 4, uid: "x", nsp: "/other", data: {} }));
    receiveResponse(adapter, JSON.stringify({ type: 12, data: { requestId: "nope", packet: 1 } }));
    assert.equal(ctx.nodes[0].errors.length, bad.length);
    const hello = nextEvent(a, "hello", 3000);
    ctx.nodes[1].io.emit("hello", "still fine");
    assert.deepEqual(await hello, ["still fine"]);
  } finally {
    await ctx.close();
  }
});

const beating =
  (opts: ClusterAdapterWithHeartbeatOptions) => (bus: Bus) => (nsp: AdapterNamespace) =>
    new HeartbeatAdapter(nsp, bus, opts);

test("cluster adapter with heartbeat: nodes count each other, leave on close, time out when silent", async () => {
  const ctx = await cluster(
    3,
    beating({ heartbeatInterval: 50, heartbeatTimeout: 200, requestsTimeout: 2000 }),
  );
  try {
    const count = (i: number) => ctx.nodes[i].io.of("/").adapter.serverCount();
    await until(async () => (await count(0)) === 3 && (await count(2)) === 3, 3000, "3 nodes");
    // Heartbeats keep silent nodes counted past the timeout.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await count(1), 3);
    const types = new Set(ctx.bus.sent.map((m: any) => m.type));
    assert.ok(types.has(MessageType.INITIAL_HEARTBEAT) && types.has(MessageType.HEARTBEAT));

    const a = await ctx.connected(0);
    ctx.socketOf(0, a).data = "a";
    // A node that goes deaf and mute: requests wait for it by name, until it times out.
    const adapter2 = ctx.nodes[2].io.of("/").adapter as HeartbeatAdapter;
    ctx.bus.deaf.add(adapter2.uid);
    ctx.bus.mute.add(adapter2.uid);
    const fetched = await ctx.nodes[1].io.fetchSockets();
    assert.deepEqual(fetched.map((s) => s.data), ["a"]);
    await until(async () => (await count(0)) === 2, 3000, "silent node gone");

    // A node that closes says goodbye at once.
    await ctx.nodes[1].io.close();
    await until(async () => (await count(0)) === 1, 1000, "closed node gone");
    assert.deepEqual(await ctx.nodes[0].io.serverSideEmitWithAck("hi"), []);
  } finally {
    await ctx.close();
  }
});

test("cluster adapter with heartbeat: serverSideEmitWithAck stops waiting for a node that leaves", async () => {
  const ctx = await cluster(3, beating({ heartbeatInterval: 100, heartbeatTimeout: 5000 }));
  try {
    const count = (i: number) => ctx.nodes[i].io.of("/").adapter.serverCount();
    await until(async () => (await count(0)) === 3, 3000, "3 nodes");
    ctx.nodes[1].io.on("hi" as any, (ack: (v: string) => void) => ack("one"));
    // Node 2 never answers; its goodbye ends the wait well before the 500 ms timeout.
    ctx.nodes[2].io.on("hi" as any, () => {});
    const started = Date.now();
    const answers = ctx.nodes[0].io.serverSideEmitWithAck("hi");
    await new Promise((r) => setTimeout(r, 20));
    await ctx.nodes[2].io.close();
    assert.deepEqual(await answers, ["one"]);
    assert.ok(Date.now() - started < 450);
  } finally {
    await ctx.close();
  }
});
