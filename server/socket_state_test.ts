// The server socket's life cycle: connecting, connected, disconnecting,
// disconnected, as `connected` / `disconnected` and rooms show it.
import assert from "node:assert/strict";
import { deferred, nextEvent, test, until, withTimeout } from "../tests/harness.ts";
import { serve } from "../tests/serve.ts";
import { io as connect } from "../client/mod.ts";
import { Server, type Socket } from "./mod.ts";

const opts = {};

test("socket state: connected from CONNECT to the disconnect event", async () => {
  const io = new Server({ pingInterval: 1000, pingTimeout: 500 });
  const http = await serve(io.handler());
  const client = connect(http.url, { forceNew: true, reconnection: false });
  try {
    const seen: string[] = [];
    const done = deferred<void>();
    io.use((socket, next) => {
      seen.push(`middleware:${socket.connected}:${socket.disconnected}`);
      next();
    });
    io.on("connection", (socket: Socket) => {
      seen.push(`connection:${socket.connected}:${socket.disconnected}`);
      socket.join("r");
      socket.on("disconnecting", () => {
        seen.push(`disconnecting:${socket.connected}:${socket.rooms.has("r")}`);
        // Already on its way out: no second close, no second "disconnecting".
        socket.disconnect();
      });
      socket.on("disconnect", () => {
        seen.push(`disconnect:${socket.connected}:${socket.disconnected}:${socket.rooms.size}`);
        // Gone for good: a join does nothing.
        socket.join("late");
        seen.push(`late:${io.of("/").adapter.rooms.has("late")}`);
        done.resolve();
      });
      socket.on("bye", () => socket.disconnect());
    });
    await nextEvent(client, "connect");
    client.emit("bye");
    await withTimeout(done.promise, 3000, "disconnect");
    assert.deepEqual(seen, [
      "middleware:false:true",
      "connection:true:false",
      "disconnecting:true:true",
      "disconnect:false:true:0",
      "late:false",
    ]);
  } finally {
    client.disconnect();
    await io.close();
    await http.close();
  }
}, opts);

test(
  "socket state: a socket whose connection closes in a middleware leaves its rooms",
  async () => {
    const io = new Server({ pingInterval: 1000, pingTimeout: 500 });
    const http = await serve(io.handler());
    const client = connect(http.url, { forceNew: true, reconnection: false });
    try {
      const entered = deferred<void>();
      const release = deferred<void>();
      io.use(async (socket, next) => {
        socket.join("waiting");
        entered.resolve();
        await release.promise;
        next();
      });
      let connections = 0;
      io.on("connection", () => connections++);
      await withTimeout(entered.promise, 3000, "middleware");
      assert.ok(io.of("/").adapter.rooms.has("waiting"));
      client.disconnect();
      await until(() => io.engine.clientsCount === 0, 3000, "connection closed");
      release.resolve();
      await until(() => !io.of("/").adapter.rooms.has("waiting"), 3000, "room left");
      assert.equal(connections, 0);
    } finally {
      client.disconnect();
      await io.close();
      await http.close();
    }
  },
  opts,
);
