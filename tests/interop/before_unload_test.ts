// deno-lint-ignore-file no-explicit-any
// `closeOnBeforeunload`, our client and the official socket.io-client 4.8
// (engine.io-client 6.6.3, which registers its listener wherever the global
// scope has addEventListener: Deno and Bun too) in the same scenario against
// the official server: what each client reports, and what the server sees.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Server as RefServer } from "socket.io";
import { io as officialIo } from "socket.io-client";
import { nextEvent, test, until } from "../harness.ts";
import { io } from "../../client/mod.ts";

const opts = { sanitize: false, timeout: 15_000 };

async function referenceServer() {
  const http = createServer();
  const server = new RefServer(
    http,
    { pingInterval: 150, pingTimeout: 150 } as any,
  );
  const serverReasons: string[] = [];
  let connections = 0;
  server.on("connection", (socket: any) => {
    connections++;
    socket.on("disconnect", (reason: string) => serverReasons.push(reason));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  const { port } = http.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    serverReasons,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        http.closeAllConnections?.();
      }),
  };
}

interface Observed {
  /** Right after the event was dispatched. */
  sync: { connected: boolean; events: string[] };
  /** Once the server saw the client leave. */
  serverReasons: string[];
  eventsWhenServerSawIt: string[];
  /** After the missing pings ended the session and the client reconnected. */
  eventsAfterReconnect: string[];
  connections: number;
}

async function scenario(
  make: (url: string, options: Record<string, unknown>) => any,
  transport: "polling" | "websocket",
): Promise<Observed> {
  const server = await referenceServer();
  const socket = make(server.url, {
    forceNew: true,
    transports: [transport],
    closeOnBeforeunload: true,
    reconnectionDelay: 10,
    reconnectionDelayMax: 20,
  });
  try {
    await nextEvent(socket, "connect");
    const events: string[] = [];
    socket.on(
      "disconnect",
      (reason: string) => events.push(`disconnect:${reason}`),
    );
    socket.on("connect", () => events.push("connect"));
    socket.io.on("close", (reason: string) => events.push(`close:${reason}`));
    socket.io.on("reconnect_attempt", () => events.push("reconnect_attempt"));
    globalThis.dispatchEvent(new Event("beforeunload"));
    const sync = { connected: socket.connected, events: events.slice() };
    await until(
      () => server.serverReasons.length > 0,
      5000,
      "the server's disconnect",
    );
    const eventsWhenServerSawIt = events.slice();
    await until(() => events.includes("connect"), 5000, "the reconnection");
    return {
      sync,
      serverReasons: server.serverReasons.slice(),
      eventsWhenServerSawIt,
      eventsAfterReconnect: events.slice(),
      connections: server.connections(),
    };
  } finally {
    socket.disconnect();
    await server.close();
  }
}

for (const transport of ["polling", "websocket"] as const) {
  test(
    `closeOnBeforeunload (${transport}): our client behaves as socket.io-client 4.8`,
    async () => {
      const reference = await scenario(officialIo, transport);
      const ours = await scenario(io, transport);
      // What the reference does, spelled out: a silent close, then "ping timeout" later.
      assert.deepEqual(reference.sync, { connected: true, events: [] });
      assert.deepEqual(reference.serverReasons, ["transport close"]);
      assert.deepEqual(reference.eventsWhenServerSawIt, []);
      assert.deepEqual(reference.eventsAfterReconnect, [
        "disconnect:ping timeout",
        "close:ping timeout",
        "reconnect_attempt",
        "connect",
      ]);
      assert.equal(reference.connections, 2);
      assert.deepEqual(ours, reference);
    },
    opts,
  );
}
