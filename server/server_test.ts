// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { nextEvent, test, until } from "../tests/harness.ts";
import { Engine, Server } from "./mod.ts";

import { setupServer as setup } from "../tests/server_setup.ts";

test("server: dynamic namespaces from a RegExp and a function; cleanup of empty children", async () => {
  const ctx = await setup({ cleanupEmptyChildNamespaces: true });
  try {
    const created: string[] = [];
    ctx.io.on("new_namespace", (nsp: any) => created.push(nsp.name));
    const parent = ctx.io.of(/^\/room-\d+$/);
    parent.use((socket, next) => (socket.handshake.auth.ok ? next() : next(new Error("no"))));
    parent.on("connection", (socket) => socket.emit("where", socket.nsp.name));
    ctx.io.of((name, auth, next) => next(null, name === "/fn" && auth.token === "t"))
      .on("connection", (socket) => socket.emit("where", socket.nsp.name));
    const a = ctx.client("/room-1", { auth: { ok: true } });
    assert.deepEqual(await nextEvent(a, "where"), ["/room-1"]);
    const refused = ctx.client("/room-2");
    assert.equal((await nextEvent<[Error]>(refused, "connect_error"))[0].message, "no");
    const fn = ctx.client("/fn", { auth: { token: "t" } });
    assert.deepEqual(await nextEvent(fn, "where"), ["/fn"]);
    const unknown = ctx.client("/room-x");
    assert.equal(
      (await nextEvent<[Error]>(unknown, "connect_error"))[0].message,
      "Invalid namespace",
    );
    assert.ok(created.includes("/room-1") && created.includes("/fn"));
    parent.emit("to-children", 1);
    assert.ok(ctx.io.namespaces.has("/room-1"));
    a.disconnect();
    await until(() => !ctx.io.namespaces.has("/room-1"), 3000, "empty child removed");
  } finally {
    await ctx.close();
  }
});

test("server: socketsJoin, socketsLeave, except, disconnectSockets and fetchSockets", async () => {
  const ctx = await setup();
  try {
    ctx.io.on("connection", (socket) => {
      socket.data = { name: socket.handshake.auth.name };
    });
    const [a, b, c] = ["a", "b", "c"].map((name) => ctx.client("", { auth: { name } }));
    await Promise.all([a, b, c].map((s) => nextEvent(s, "connect")));
    ctx.io.socketsJoin("all");
    ctx.io.in(a.id!).socketsJoin(["va", "vab"]);
    ctx.io.in(b.id!).socketsJoin("vab");
    const inVab = await ctx.io.in("vab").fetchSockets();
    assert.deepEqual(new Set(inVab.map((s) => s.data.name)), new Set(["a", "b"]));
    assert.ok(inVab.find((s) => s.data.name === "a")!.rooms.has("va"));
    const heardByC = nextEvent(c, "msg");
    ctx.io.to("all").except("vab").emit("msg", "only c");
    assert.deepEqual(await heardByC, ["only c"]);
    ctx.io.in("vab").socketsLeave("vab");
    assert.equal((await ctx.io.in("vab").fetchSockets()).length, 0);
    const gone = nextEvent<[string]>(c, "disconnect");
    ctx.io.in(c.id!).disconnectSockets();
    assert.equal((await gone)[0], "io server disconnect");
    const ids = await ctx.io.allSockets();
    assert.deepEqual(ids, new Set([a.id, b.id]));
    const remote = (await ctx.io.fetchSockets()).find((s) => s.id === a.id)!;
    const direct = nextEvent(a, "direct");
    remote.emit("direct", 1);
    assert.deepEqual(await direct, [1]);
  } finally {
    await ctx.close();
  }
});

test("server: reserved names are refused, single-node serverSideEmit, socket acks release on disconnect", async () => {
  const ctx = await setup();
  try {
    const result = Promise.withResolvers<Error | null>();
    ctx.io.on("connection", (socket) => {
      assert.throws(() => socket.emit("disconnect" as never), /reserved event name/);
      assert.throws(() => ctx.io.emit("connect" as never), /reserved event name/);
      socket.timeout(5000).emit("never-acked", (error: Error | null) => result.resolve(error));
      socket.disconnect();
    });
    assert.deepEqual(await ctx.io.serverSideEmitWithAck("ping"), []);
    assert.equal(ctx.io.serverSideEmit("ping"), true);
    ctx.client();
    const error = await result.promise;
    assert.equal(error?.message, "socket has been disconnected");
  } finally {
    await ctx.close();
  }
});

test("server: errors thrown by handlers are reported, not lost", async () => {
  const ctx = await setup();
  try {
    const reported: string[] = [];
    ctx.io.onError = (error) => reported.push(error.message);
    ctx.io.on("connection", (socket) => {
      socket.on("sync", () => {
        throw new Error("sync boom");
      });
      socket.on("async", async () => {
        await Promise.resolve();
        throw new Error("async boom");
      });
    });
    ctx.io.on("connection", () => {
      throw new Error("connection boom");
    });
    const c = ctx.client();
    await nextEvent(c, "connect");
    c.emit("sync");
    c.emit("async");
    await until(() => reported.length === 3, 3000, "three reports");
    assert.deepEqual(reported.sort(), ["async boom", "connection boom", "sync boom"]);
  } finally {
    await ctx.close();
  }
});

test(
  "server: no session, socket or room remains after many connect/disconnect cycles",
  async () => {
    const ctx = await setup({ connectionStateRecovery: {} });
    try {
      ctx.io.on("connection", (socket) => socket.join("room"));
      for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
        for (let i = 0; i < 15; i++) {
          const c = ctx.client("", { transports });
          await nextEvent(c, "connect");
          c.disconnect();
        }
      }
      await until(() => ctx.io.engine.clientsCount === 0, 5000, "sessions released");
      assert.equal(ctx.io.sockets.sockets.size, 0);
      assert.equal(ctx.io.sockets.adapter.rooms.size, 0);
      assert.equal(ctx.io.sockets.adapter.sids.size, 0);
    } finally {
      await ctx.close();
    }
  },
  { timeout: 30_000 },
);

test("server: a session store that fails while restoring gives a fresh session, not a lost client", async () => {
  const ctx = await setup({ connectionStateRecovery: {} });
  try {
    const reported: string[] = [];
    ctx.io.onError = (error) => reported.push(error.message);
    const adapter = ctx.io.sockets.adapter as any;
    let lookups = 0;
    adapter.restoreSession = () => {
      lookups++;
      return Promise.reject(new Error("store down"));
    };
    const recovered = Promise.withResolvers<boolean>();
    ctx.io.on("connection", (socket) => recovered.resolve(socket.recovered));
    const c = ctx.client("", { auth: { pid: "gone", offset: "0-1" } });
    await nextEvent(c, "connect");
    assert.equal(await recovered.promise, false);
    assert.equal(lookups, 1);
    assert.equal(ctx.io.sockets.sockets.size, 1);
    // The failure is not swallowed: the server's reporter has it.
    assert.deepEqual(reported, ["store down"]);
  } finally {
    await ctx.close();
  }
});

test("server: io.engine is an Engine, on the host runtime unless one is given", () => {
  const io = new Server();
  try {
    assert.ok(io.engine instanceof Engine);
    assert.ok(new Engine() instanceof Engine);
    assert.ok(!({} instanceof Engine));
  } finally {
    io.close();
  }
});
