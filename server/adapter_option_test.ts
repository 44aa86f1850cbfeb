// deno-lint-ignore-file no-explicit-any
// The `adapter` option in both forms: a class constructed with `new Adapter(namespace)`, as
// socket.io takes it, and webio's factory function.
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { nextEvent, test, until } from "../tests/harness.ts";
import { serve } from "../tests/serve.ts";
import { io as connect, type Socket as ClientSocket } from "../client/mod.ts";
import {
  type Adapter,
  type AdapterNamespace,
  type BroadcastOptions,
  InMemoryAdapter,
  Server,
  type ServerOptions,
} from "./mod.ts";
import type { Packet } from "../protocol/parser.ts";

/** Broadcasts seen by the adapters of every test, by adapter kind. */
const seen: string[] = [];

/** A subclass of the in-memory adapter, as users of socket.io-adapter write them. */
class CountingAdapter extends InMemoryAdapter {
  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    seen.push("subclass");
    super.broadcast(packet, opts);
  }
}

/**
 * An adapter class in the style of npm adapters: its own event emitter (Node's), its own room
 * maps, constructed with the namespace; the delivery is left to an in-memory adapter it holds.
 */
class NpmStyleAdapter extends EventEmitter {
  readonly nsp: AdapterNamespace;
  #inner: InMemoryAdapter;
  constructor(nsp: AdapterNamespace) {
    super();
    this.nsp = nsp;
    this.#inner = new InMemoryAdapter(nsp);
  }
  get rooms() {
    return this.#inner.rooms;
  }
  get sids() {
    return this.#inner.sids;
  }
  init() {}
  close() {}
  serverCount() {
    return Promise.resolve(1);
  }
  addAll(id: string, rooms: Set<string>) {
    this.#inner.addAll(id, rooms);
  }
  del(id: string, room: string) {
    this.#inner.del(id, room);
  }
  delAll(id: string) {
    this.#inner.delAll(id);
  }
  broadcast(packet: Packet, opts: BroadcastOptions) {
    seen.push("npm-style");
    this.#inner.broadcast(packet, opts);
  }
  broadcastWithAck(...args: Parameters<Adapter["broadcastWithAck"]>) {
    this.#inner.broadcastWithAck(...args);
  }
  sockets(rooms: Set<string>) {
    return this.#inner.sockets(rooms);
  }
  socketRooms(id: string) {
    return this.#inner.socketRooms(id);
  }
  fetchSockets(opts: BroadcastOptions) {
    return this.#inner.fetchSockets(opts);
  }
  addSockets(opts: BroadcastOptions, rooms: string[]) {
    this.#inner.addSockets(opts, rooms);
  }
  delSockets(opts: BroadcastOptions, rooms: string[]) {
    this.#inner.delSockets(opts, rooms);
  }
  disconnectSockets(opts: BroadcastOptions, close: boolean) {
    this.#inner.disconnectSockets(opts, close);
  }
  serverSideEmit() {}
  persistSession() {}
  restoreSession() {
    return Promise.resolve(null);
  }
}

/**
 * A constructor written with `function` and a prototype, as adapters compiled to ES5 are: it
 * works only under `new` (`this` is undefined otherwise, in a module).
 */
function LegacyAdapter(this: any, nsp: AdapterNamespace) {
  this.inner = new CountingAdapter(nsp);
  this.nsp = nsp;
}
for (const name of Object.getOwnPropertyNames(InMemoryAdapter.prototype)) {
  if (name === "constructor") continue;
  (LegacyAdapter.prototype as any)[name] = function (this: any, ...args: unknown[]) {
    if (name === "broadcast") seen.push("legacy");
    return this.inner[name](...args);
  };
}
for (const name of ["on", "off", "once", "emit", "hasListeners"]) {
  (LegacyAdapter.prototype as any)[name] = function (this: any, ...args: unknown[]) {
    return this.inner[name](...args);
  };
}
for (const name of ["rooms", "sids"]) {
  Object.defineProperty(LegacyAdapter.prototype, name, {
    get(this: any) {
      return this.inner[name];
    },
  });
}

async function roundTrip(adapter: ServerOptions["adapter"]): Promise<Adapter> {
  const io = new Server({ pingInterval: 1000, pingTimeout: 500, adapter });
  const http = await serve(io.handler());
  const clients: ClientSocket[] = [];
  try {
    io.on("connection", (socket) => socket.join("room"));
    for (let i = 0; i < 2; i++) {
      clients.push(connect(http.url + "/chat", {
        forceNew: true,
        reconnection: false,
        transports: ["websocket"],
      }));
    }
    io.of("/chat").on("connection", (socket) => socket.join("room"));
    await Promise.all(clients.map((c) => nextEvent(c, "connect")));
    const got = clients.map(() => [] as unknown[]);
    clients.forEach((c, i) => c.on("news", (n: unknown) => got[i].push(n)));
    io.of("/chat").to("room").emit("news", 1);
    io.of("/chat").emit("news", 2);
    await until(() => got.every((g) => g.length === 2), 3000, "broadcasts");
    assert.deepEqual(got, [[1, 2], [1, 2]]);
    assert.equal(io.of("/chat").adapter.rooms.get("room")?.size, 2);
    return io.of("/chat").adapter;
  } finally {
    for (const c of clients) c.disconnect();
    await until(
      () => clients.every((c) => !c.io.engine || c.io.engine.readyState === "closed"),
      3000,
      "clients closed",
    );
    await io.close();
    await http.close();
  }
}

test("adapter option: a class is constructed with new, as socket.io does", async () => {
  seen.length = 0;
  const adapter = await roundTrip(CountingAdapter);
  assert.ok(adapter instanceof CountingAdapter);
  assert.deepEqual(seen, ["subclass", "subclass"]);
});

test("adapter option: an npm-style adapter class (its own emitter) and an ES5 constructor", async () => {
  seen.length = 0;
  const adapter = await roundTrip(NpmStyleAdapter as any);
  assert.ok(adapter instanceof NpmStyleAdapter);
  assert.deepEqual(seen, ["npm-style", "npm-style"]);
  seen.length = 0;
  const legacy = await roundTrip(LegacyAdapter as any);
  assert.ok(legacy instanceof (LegacyAdapter as any));
  assert.deepEqual(seen, ["legacy", "subclass", "legacy", "subclass"]);
});

test("adapter option: factory functions, arrow or not, are still taken", async () => {
  seen.length = 0;
  const namespaces: string[] = [];
  const adapter = await roundTrip((nsp) => {
    namespaces.push(nsp.name);
    return new CountingAdapter(nsp);
  });
  assert.ok(adapter instanceof CountingAdapter);
  assert.deepEqual(namespaces, ["/", "/chat"]);
  seen.length = 0;
  const made = await roundTrip(function (nsp: AdapterNamespace) {
    return new CountingAdapter(nsp);
  });
  assert.ok(made instanceof CountingAdapter);
  assert.deepEqual(seen, ["subclass", "subclass"]);
});

test("adapter option: something that makes no adapter is refused with a TypeError", () => {
  assert.throws(() => new Server({ adapter: (() => undefined) as any }), TypeError);
  assert.throws(() => new Server({ adapter: {} as any }), TypeError);
});
