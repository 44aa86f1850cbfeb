// deno-lint-ignore-file no-explicit-any
// Broadcast delivery with the runtime's pub/sub (Bun: WebSocket sockets take
// whole-namespace and single-room broadcasts through one native publish) and
// without it (Deno): the same observable behaviour, each recipient exactly once.
import assert from "node:assert/strict";
import { nextEvent, runtime, test, until } from "../tests/harness.ts";
import { serve } from "../tests/serve.ts";
import { io as connect, type Socket as ClientSocket } from "../client/mod.ts";
import { Server, type Socket } from "./mod.ts";

/** Whether broadcasts reach the socket through the runtime's pub/sub (never on Deno). */
const published = (socket: Socket) => socket.nsp.pubsub?.reaches(socket.id) ?? false;

test("broadcasts: WebSocket, polling and upgrading clients each get every broadcast exactly once", async () => {
  const io = new Server({ pingInterval: 1000, pingTimeout: 1000 });
  io.of("/other");
  const http = await serve(io.handler());
  const clients: ClientSocket[] = [];
  const make = (transports: ("polling" | "websocket")[], path = "") => {
    const c = connect(http.url + path, { forceNew: true, reconnection: false, transports });
    clients.push(c);
    return c;
  };
  try {
    const ws = make(["websocket"]);
    const poll = make(["polling"]);
    const up = make(["polling", "websocket"]);
    const other = make(["websocket"], "/other");
    await Promise.all(clients.map((c) => nextEvent(c, "connect", 5000)));
    await until(() => up.io.engine?.transport?.name === "websocket", 5000, "upgrade");
    const server = (c: ClientSocket) => io.of("/").sockets.get(c.id!)!;
    if (runtime === "bun") {
      await until(() => published(server(up)), 3000, "upgraded socket published");
      assert.equal(published(server(ws)), true);
      assert.equal(published(server(poll)), false);
    }
    server(ws).join("red");
    server(poll).join("red");
    const got = new Map<ClientSocket, unknown[]>(clients.map((c) => [c, []]));
    for (const c of clients) c.onAny((...args: unknown[]) => got.get(c)!.push(args));
    io.emit("all", 1);
    io.to("red").emit("red", 2);
    io.to("red").to(up.id!).emit("multi", 3); // several rooms: the loop
    io.except("red").emit("notRed", 4); // except: the loop
    io.emit("bin", new Uint8Array([1, 2, 3]));
    server(ws).leave("red");
    io.to("red").emit("red", 5);
    io.of("/other").emit("elsewhere", 6);
    io.emit("end");
    await until(
      () => [ws, poll, up].every((c) => got.get(c)!.some((a: any) => a[0] === "end")),
      5000,
      "end marker",
    );
    await until(() => got.get(other)!.length === 1, 3000, "other namespace");
    const names = (c: ClientSocket) => got.get(c)!.map((a: any) => a[0]);
    assert.deepEqual(names(ws), ["all", "red", "multi", "bin", "end"]);
    assert.deepEqual(names(poll), ["all", "red", "multi", "bin", "red", "end"]);
    assert.deepEqual(names(up), ["all", "multi", "notRed", "bin", "end"]);
    assert.deepEqual(names(other), ["elsewhere"]);
    assert.deepEqual([...new Uint8Array((got.get(ws)![3] as any)[1])], [1, 2, 3]);
    // An outgoing catch-all listener sees broadcasts: the socket leaves pub/sub for it.
    const seen: unknown[] = [];
    server(ws).onAnyOutgoing((...args: unknown[]) => seen.push(args[0]));
    assert.equal(published(server(ws)), false);
    io.emit("watched");
    await until(() => names(ws).includes("watched"), 3000, "watched");
    assert.deepEqual(seen, ["watched"]);
    server(ws).offAnyOutgoing();
    assert.equal(published(server(ws)), runtime === "bun");
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
});

test("broadcasts: a socket's own room (no topic of its own) reaches it, and others who joined it, once", async () => {
  const io = new Server({ pingInterval: 1000, pingTimeout: 1000 });
  const http = await serve(io.handler());
  const a = connect(http.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
  const b = connect(http.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
  try {
    await Promise.all([nextEvent(a, "connect", 5000), nextEvent(b, "connect", 5000)]);
    const server = (c: ClientSocket) => io.of("/").sockets.get(c.id!)!;
    if (runtime === "bun") {
      await until(() => published(server(a)) && published(server(b)), 3000, "published");
    }
    const got = { a: [] as unknown[], b: [] as unknown[] };
    a.onAny((event: string, n: number) => got.a.push(`${event}${n}`));
    b.onAny((event: string, n: number) => got.b.push(`${event}${n}`));
    io.to(a.id!).emit("dm", 1); // a's own room
    server(b).join(a.id!); // b in a's room: the room is still a socket id, so the loop serves it
    io.to(a.id!).emit("dm", 2);
    server(a).join("pair");
    server(b).join("pair");
    io.to("pair").emit("pair", 3); // a shared room: one publish on Bun
    assert.deepEqual([...server(a).rooms].sort(), [a.id!, "pair"].sort());
    // a leaves its own room: "pair" is then its one room, and keeps its topic when a leaves
    // pub/sub (an outgoing catch-all listener) and comes back.
    server(a).leave(a.id!);
    const listener = () => {};
    server(a).onAnyOutgoing(listener);
    io.to("pair").emit("pair", 5); // a out of pub/sub: through the loop only, once
    server(a).offAnyOutgoing(listener);
    assert.equal(published(server(a)), runtime === "bun");
    io.to("pair").emit("pair", 6); // and back in: through the topic, once
    io.emit("end", 4);
    await until(() => got.a.includes("end4") && got.b.includes("end4"), 5000, "end marker");
    assert.deepEqual(got.a, ["dm1", "dm2", "pair3", "pair5", "pair6", "end4"]);
    assert.deepEqual(got.b, ["dm2", "pair3", "pair5", "pair6", "end4"]);
    assert.deepEqual([...server(a).rooms], ["pair"]);
  } finally {
    a.disconnect();
    b.disconnect();
    await until(
      () => [a, b].every((c) => !c.io.engine || c.io.engine.readyState === "closed"),
      3000,
      "clients closed",
    );
    await io.close();
    await http.close();
  }
});

// Deno has no native pub/sub (every broadcast goes through the loop): nothing to fail there.
test(
  "broadcasts: a native publish that throws is reported and the loop delivers instead (Bun only)",
  async () => {
    const io = new Server({ pingInterval: 1000, pingTimeout: 1000 });
    const reported: string[] = [];
    io.onError = (error) => reported.push(error.message);
    const bun = (globalThis as any).Bun;
    const server = bun.serve({ port: 0, hostname: "127.0.0.1", ...io.handler() });
    const url = `http://127.0.0.1:${server.port}`;
    const make = () =>
      connect(url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    const clients = [make(), make()];
    const publish = server.publish;
    try {
      await Promise.all(clients.map((c) => nextEvent(c, "connect", 5000)));
      const sockets = clients.map((c) => io.of("/").sockets.get(c.id!)!);
      await until(() => sockets.every((s) => published(s)), 3000, "published");
      for (const s of sockets) s.join("room");
      const got = clients.map(() => [] as unknown[]);
      clients.forEach((c, i) =>
        c.onAny((event: string, value: unknown) =>
          got[i].push(value instanceof ArrayBuffer ? [...new Uint8Array(value)] : [event, value])
        )
      );
      // Every publish fails: the whole broadcast goes through the loop.
      server.publish = () => {
        throw new Error("publish failed");
      };
      io.emit("all", 1);
      io.to("room").emit("room", 2);
      // Only binary frames fail: the header went out published, the attachment through the loop.
      server.publish = (topic: string, data: unknown, compress?: boolean) => {
        if (typeof data !== "string") throw new Error("binary publish failed");
        return publish.call(server, topic, data, compress);
      };
      io.emit("bin", new Uint8Array([7, 8, 9]));
      server.publish = publish;
      io.emit("end", 3);
      await until(() => got.every((g) => g.length === 4), 5000, "four events each");
      for (const g of got) assert.deepEqual(g, [["all", 1], ["room", 2], [7, 8, 9], ["end", 3]]);
      assert.deepEqual(reported, ["publish failed", "publish failed", "binary publish failed"]);
    } finally {
      server.publish = publish;
      for (const c of clients) c.disconnect();
      await until(
        () => clients.every((c) => !c.io.engine || c.io.engine.readyState === "closed"),
        3000,
        "clients closed",
      );
      await io.close();
      await server.stop(true);
    }
  },
  { ignore: runtime !== "bun" },
);

test("broadcasts: a room broadcast reaches its members even after the adapter's listeners are removed", async () => {
  const io = new Server({ pingInterval: 1000, pingTimeout: 1000 });
  const http = await serve(io.handler());
  const client = connect(http.url, {
    forceNew: true,
    reconnection: false,
    transports: ["websocket"],
  });
  try {
    await nextEvent(client, "connect", 5000);
    const socket = io.of("/").sockets.get(client.id!)!;
    if (runtime === "bun") await until(() => published(socket), 3000, "socket published");
    // A user's clean-up of the adapter's events must not unhook what delivers broadcasts.
    io.of("/").adapter.removeAllListeners();
    socket.join("blue");
    const got = nextEvent<[number]>(client, "blue", 3000);
    io.to("blue").emit("blue", 7);
    assert.deepEqual(await got, [7]);
  } finally {
    client.disconnect();
    io.close();
    await http.close();
  }
});
