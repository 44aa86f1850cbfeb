// The client's "close" and "disconnect" events around sockets that are not
// (or not yet) connected, as socket.io-client 4.8 emits them: the Manager
// reports "forced close" on every `disconnect()`, also when already closed,
// and a socket subscribed to its Manager reports every close of the
// connection, also before it ever connected. The same cases run against the
// npm reference in tests/interop/differential_client_test.ts (Deno only);
// these run webio's client against webio's server under Deno and Bun.
import assert from "node:assert/strict";
import { deferred, nextEvent, test, withTimeout } from "./harness.ts";
import { serve } from "./serve.ts";
import { io } from "../client/mod.ts";
import { Server } from "../server/mod.ts";

async function start() {
  const server = new Server({ pingInterval: 1000, pingTimeout: 500 });
  server.of("/guarded").use((_socket, next) => next(new Error("not allowed")));
  const http = await serve(server.handler());
  return {
    url: http.url,
    close: async () => {
      await server.close();
      await http.close();
    },
  };
}

// deno-lint-ignore no-explicit-any
function record(socket: any): unknown[] {
  const log: unknown[] = [];
  socket.on("connect", () => log.push("connect"));
  socket.on("disconnect", (reason: string) => log.push(`disconnect: ${reason}`));
  socket.on("connect_error", (error: Error) => log.push(`connect_error: ${error.message}`));
  socket.io.on("close", (reason: string) => log.push(`manager close: ${reason}`));
  return log;
}

const base = { forceNew: true, reconnectionDelay: 50, reconnectionDelayMax: 50 };

test("client: every disconnect() of a socket reports the Manager's forced close", async () => {
  const s = await start();
  try {
    const socket = io(s.url, base);
    const log = record(socket);
    await nextEvent(socket, "connect");
    socket.disconnect();
    socket.disconnect();
    socket.disconnect();
    assert.deepEqual(log, [
      "connect",
      "manager close: forced close",
      "disconnect: io client disconnect",
      "manager close: forced close",
      "manager close: forced close",
    ]);
    assert.equal(socket.active, false);
  } finally {
    await s.close();
  }
});

test("client: disconnect() after a middleware refusal reports forced close again", async () => {
  const s = await start();
  try {
    const socket = io(s.url + "/guarded", base);
    const log = record(socket);
    await nextEvent(socket, "connect_error");
    socket.disconnect();
    assert.deepEqual(log, [
      "manager close: forced close",
      "connect_error: not allowed",
      "manager close: forced close",
    ]);
  } finally {
    await s.close();
  }
});

test("client: the Manager closed while a socket connects: disconnect without connect", async () => {
  const s = await start();
  try {
    const socket = io(s.url, base);
    const log = record(socket);
    socket.io.disconnect();
    assert.deepEqual(log, ["disconnect: forced close", "manager close: forced close"]);
    assert.equal(socket.connected, false);
    assert.equal(socket.active, true);
    socket.disconnect();
    assert.deepEqual(log.slice(2), ["manager close: forced close"]);
    assert.equal(socket.active, false);
  } finally {
    await s.close();
  }
});

test("client: the connection closes before CONNECT: disconnect, then reconnection", async () => {
  const s = await start();
  try {
    let answer: ((data: Record<string, unknown>) => void) | undefined;
    const asked = deferred();
    const socket = io(s.url, {
      ...base,
      auth: (callback) => {
        answer = callback;
        asked.resolve();
      },
    });
    const log = record(socket);
    await withTimeout(asked.promise, 3000, "auth asked");
    const reconnected = nextEvent(socket.io, "reconnect");
    socket.io.engine!.close();
    assert.deepEqual(log, ["disconnect: forced close", "manager close: forced close"]);
    assert.equal(socket.active, true);
    await reconnected;
    const connected = nextEvent(socket, "connect");
    answer!({});
    await connected;
    socket.disconnect();
    assert.deepEqual(log.slice(2), [
      "connect",
      "manager close: forced close",
      "disconnect: io client disconnect",
    ]);
  } finally {
    await s.close();
  }
});

test("client: an unreachable server: connect_error, no close and no disconnect", async () => {
  const s = await start();
  const url = s.url;
  await s.close();
  const socket = io(url, { ...base, reconnection: false });
  const log = record(socket);
  await nextEvent(socket, "connect_error");
  assert.equal(log.length, 1);
  assert.match(String(log[0]), /^connect_error: /);
  assert.equal(socket.active, true);
  socket.disconnect();
  assert.deepEqual(log.slice(1), ["manager close: forced close"]);
});
