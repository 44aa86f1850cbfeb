// A listener of the client that throws is a bug of the program, not a network
// failure: the error is reported as uncaught and the connection goes on, on
// both transports (the same session: same socket id, no disconnect).
import assert from "node:assert/strict";
import { catchUncaught, deferred, nextEvent, test, until, withTimeout } from "./harness.ts";
import { serve } from "./serve.ts";
import { io, type Socket } from "../client/mod.ts";
import { Server, type Socket as ServerSocket } from "../server/mod.ts";

async function start() {
  const server = new Server({ pingInterval: 2000, pingTimeout: 1000 });
  const connections: ServerSocket[] = [];
  server.on("connection", (socket) => {
    connections.push(socket);
    socket.on("ping-me", (ack: (v: string) => void) => ack("pong"));
    socket.on("send", (event: string) => socket.emit(event, "payload"));
  });
  const http = await serve(server.handler());
  return {
    server,
    url: http.url,
    connections,
    close: async () => {
      await server.close();
      await http.close();
    },
  };
}

/** Connects with one transport only and waits for the connection. */
async function connect(url: string, transport: "polling" | "websocket"): Promise<Socket> {
  const socket = io(url, { forceNew: true, transports: [transport], reconnectionDelay: 20 });
  await nextEvent(socket, "connect");
  return socket;
}

/** The connection survives: a round trip on the same session, no disconnect seen. */
async function assertSameSession(socket: Socket, id: string, disconnects: unknown[]) {
  const reply = await withTimeout(socket.emitWithAck("ping-me"), 3000, "round trip");
  assert.equal(reply, "pong");
  assert.equal(socket.id, id);
  assert.equal(socket.connected, true);
  assert.deepEqual(disconnects, []);
}

for (const transport of ["polling", "websocket"] as const) {
  test(
    `client ${transport}: a throwing event listener is reported, the session goes on`,
    async () => {
      const s = await start();
      const caught = catchUncaught();
      try {
        const socket = await connect(s.url, transport);
        const id = socket.id!;
        const disconnects: unknown[] = [];
        socket.on("disconnect", (reason) => disconnects.push(reason));
        const boom = new Error("listener bug");
        const second = deferred<string>();
        socket.on("first", () => {
          throw boom;
        });
        // A later listener of the same event still runs.
        socket.on("first", (value: string) => second.resolve(value));
        socket.emit("send", "first");
        assert.equal(await withTimeout(second.promise, 3000, "second listener"), "payload");
        const next = nextEvent(socket, "next");
        socket.emit("send", "next");
        await next;
        await until(() => caught.errors.length > 0, 3000, "the reported error");
        assert.deepEqual(caught.errors, [boom]);
        await assertSameSession(socket, id, disconnects);
        socket.disconnect();
      } finally {
        caught.restore();
        await s.close();
      }
    },
  );

  test(
    `client ${transport}: throwing catch-all, ack and Manager listeners are reported`,
    async () => {
      const s = await start();
      const caught = catchUncaught();
      try {
        const socket = await connect(s.url, transport);
        const id = socket.id!;
        const disconnects: unknown[] = [];
        socket.on("disconnect", (reason) => disconnects.push(reason));
        const errors = [new Error("any"), new Error("ack"), new Error("packet"), new Error("out")];
        const onAny = () => {
          throw errors[0];
        };
        socket.onAny(onAny);
        const got = nextEvent(socket, "a");
        socket.emit("send", "a");
        await got;
        socket.offAny(onAny);
        const acked = deferred<void>();
        socket.emit("ping-me", () => {
          acked.resolve();
          throw errors[1];
        });
        await withTimeout(acked.promise, 3000, "ack");
        const onPacket = () => {
          throw errors[2];
        };
        socket.io.on("packet", onPacket);
        const b = nextEvent(socket, "b");
        socket.emit("send", "b");
        await b;
        socket.io.off("packet", onPacket);
        const onOut = () => {
          throw errors[3];
        };
        socket.onAnyOutgoing(onOut);
        const c = nextEvent(socket, "c");
        socket.emit("send", "c");
        await c;
        socket.offAnyOutgoing(onOut);
        await until(() => caught.errors.length >= 4, 3000, "the reported errors");
        assert.deepEqual(caught.errors, errors);
        await assertSameSession(socket, id, disconnects);
        socket.disconnect();
      } finally {
        caught.restore();
        await s.close();
      }
    },
  );

  test(`client ${transport}: a throwing connect listener is reported`, async () => {
    const s = await start();
    const caught = catchUncaught();
    try {
      const socket = io(s.url, { forceNew: true, transports: [transport] });
      const boom = new Error("connect bug");
      socket.on("connect", () => {
        throw boom;
      });
      await nextEvent(socket, "connect");
      const id = socket.id!;
      const disconnects: unknown[] = [];
      socket.on("disconnect", (reason) => disconnects.push(reason));
      await assertSameSession(socket, id, disconnects);
      assert.deepEqual(caught.errors, [boom]);
      socket.disconnect();
    } finally {
      caught.restore();
      await s.close();
    }
  });

  test(
    `client ${transport}: a throwing reconnect_attempt listener does not stop reconnection`,
    async () => {
      const s = await start();
      const caught = catchUncaught();
      try {
        const socket = await connect(s.url, transport);
        const boom = new Error("reconnect_attempt bug");
        socket.io.on("reconnect_attempt", () => {
          throw boom;
        });
        const reconnected = nextEvent(socket.io, "reconnect", 5000);
        s.connections[0].conn.close();
        await reconnected;
        await nextEvent(socket, "connect");
        assert.deepEqual(caught.errors, [boom]);
        socket.disconnect();
      } finally {
        caught.restore();
        await s.close();
      }
    },
  );
}
