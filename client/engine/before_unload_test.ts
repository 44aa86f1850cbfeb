// `closeOnBeforeunload`: on the global "beforeunload" event the client closes
// its transport without telling the layers above, as engine.io-client does:
// the server sees the client leave, the sockets emit no "disconnect" and the
// Manager does not reconnect. tests/interop/before_unload_test.ts holds the
// reference client to the same scenario.
import assert from "node:assert/strict";
import { nextEvent, test, until } from "../../tests/harness.ts";
import { serve } from "../../tests/serve.ts";
import { io, type Socket } from "../mod.ts";
import { Server } from "../../server/mod.ts";

async function start(pingInterval: number, pingTimeout: number) {
  const server = new Server({ pingInterval, pingTimeout });
  const serverReasons: string[] = [];
  let connections = 0;
  server.on("connection", (socket) => {
    connections++;
    socket.on("disconnect", (reason) => serverReasons.push(reason));
  });
  const http = await serve(server.handler());
  return {
    url: http.url,
    serverReasons,
    connections: () => connections,
    close: async () => {
      await server.close();
      await http.close();
    },
  };
}

/** What the client reports: its socket's and its Manager's events, in order. */
function record(socket: Socket): string[] {
  const events: string[] = [];
  socket.on("disconnect", (reason) => events.push(`disconnect:${reason}`));
  socket.on("connect", () => events.push("connect"));
  socket.io.on("close", (reason) => events.push(`close:${reason}`));
  socket.io.on("reconnect_attempt", () => events.push("reconnect_attempt"));
  return events;
}

for (const transport of ["polling", "websocket"] as const) {
  test(`closeOnBeforeunload (${transport}): the transport closes silently, no disconnect, no reconnection`, async () => {
    const server = await start(10_000, 5_000);
    const socket = io(server.url, {
      forceNew: true,
      transports: [transport],
      closeOnBeforeunload: true,
      reconnectionDelay: 10,
      reconnectionDelayMax: 20,
    });
    try {
      await nextEvent(socket, "connect");
      const engine = socket.io.engine!;
      const events = record(socket);
      globalThis.dispatchEvent(new Event("beforeunload"));
      // Nothing was reported up: the Manager scheduled nothing.
      assert.deepEqual(events, []);
      assert.equal(socket.connected, true);
      assert.equal(engine.readyState, "open");
      assert.equal(engine.transport!.state, "closed");
      // The server sees the client leave.
      await until(() => server.serverReasons.length === 1, 5000, "the server's disconnect");
      assert.deepEqual(server.serverReasons, ["transport close"]);
      // Still nothing on the client, and no second connection reached the server.
      assert.deepEqual(events, []);
      assert.equal(socket.io.engine, engine);
      assert.equal(server.connections(), 1);
      // An emit goes nowhere, quietly.
      socket.emit("after unload");
      assert.deepEqual(events, []);
    } finally {
      socket.disconnect();
      await server.close();
    }
  });

  test(`closeOnBeforeunload (${transport}): if the program goes on, the missing pings end the session ("ping timeout") and the Manager reconnects`, async () => {
    const server = await start(100, 100);
    const socket = io(server.url, {
      forceNew: true,
      transports: [transport],
      closeOnBeforeunload: true,
      reconnectionDelay: 10,
      reconnectionDelayMax: 20,
    });
    try {
      await nextEvent(socket, "connect");
      const events = record(socket);
      globalThis.dispatchEvent(new Event("beforeunload"));
      await nextEvent(socket, "connect", 5000);
      assert.deepEqual(events.slice(0, 2), ["disconnect:ping timeout", "close:ping timeout"]);
      assert.equal(events.at(-1), "connect");
      assert.equal(server.connections(), 2);
      assert.deepEqual(server.serverReasons, ["transport close"]);
    } finally {
      socket.disconnect();
      await server.close();
    }
  });
}

test("closeOnBeforeunload: the listener is gone once the connection is closed", async () => {
  const server = await start(10_000, 5_000);
  const socket = io(server.url, { forceNew: true, closeOnBeforeunload: true });
  const quiet = io(server.url, { forceNew: true });
  try {
    await Promise.all([nextEvent(socket, "connect"), nextEvent(quiet, "connect")]);
    socket.disconnect();
    await until(() => server.serverReasons.length === 1, 5000, "the server's disconnect");
    assert.equal(server.serverReasons[0], "client namespace disconnect");
    // A later beforeunload touches neither the closed client nor one without the option.
    globalThis.dispatchEvent(new Event("beforeunload"));
    assert.equal(quiet.connected, true);
    assert.equal(quiet.io.engine!.transport!.state, "open");
  } finally {
    socket.disconnect();
    quiet.disconnect();
    await server.close();
  }
});
