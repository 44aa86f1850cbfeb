// deno-lint-ignore-file no-explicit-any
// Our client against the official Node server (npm socket.io 4.8, run in
// this process over node:http) and against our own server: the same
// scenarios for both.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Server as RefServer } from "socket.io";
import * as refMsgpack from "socket.io-msgpack-parser";
import { deferred, nextEvent, test, withTimeout } from "../harness.ts";
import { serve } from "../serve.ts";
import {
  io,
  type IoOptions,
  msgpackParser as clientMsgpack,
  type Socket,
} from "../../client/mod.ts";
import { msgpackParser, Server } from "../../mod.ts";

const opts = { sanitize: false, timeout: 15_000 };

/** What a scenario needs of a server, whichever implementation runs it. */
interface Target {
  url: string;
  io: any;
  close(): Promise<void>;
}

async function reference(options: Record<string, unknown> = {}): Promise<Target> {
  const http = createServer();
  const server = new RefServer(http, { pingInterval: 500, pingTimeout: 400, ...options } as any);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  const { port } = http.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    io: server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        http.closeAllConnections?.();
      }),
  };
}

async function ours(options: Record<string, unknown> = {}): Promise<Target> {
  const server = new Server({ pingInterval: 500, pingTimeout: 400, ...options } as any);
  const http = await serve(server.handler());
  return {
    url: http.url,
    io: server,
    close: async () => {
      await server.close();
      await http.close();
    },
  };
}

const TARGETS: Array<[string, (o?: Record<string, unknown>) => Promise<Target>]> = [
  ["reference", reference],
  ["webio", ours],
];

function connect(target: Target, path = "", options: IoOptions = {}): Socket {
  return io(target.url + path, {
    forceNew: true,
    reconnectionDelay: 50,
    reconnectionDelayMax: 100,
    ...options,
  });
}

for (const [name, start] of TARGETS) {
  const t = (title: string, fn: () => Promise<void>) =>
    test(`our client -> ${name} server: ${title}`, fn, opts);

  for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]] as const) {
    t(`${transports.join("+")}: connect, events, acks both ways`, async () => {
      const target = await start();
      const socket = connect(target, "", { transports: [...transports] });
      try {
        target.io.on("connection", (s: any) => {
          s.on("hello", (who: string, ack: (r: string) => void) => ack(`hi ${who}`));
          s.emit("question", 1, (answer: number) => s.emit("answer-was", answer));
        });
        socket.on("question", (n: number, ack: (v: number) => void) => ack(n + 1));
        const answer = nextEvent<[number]>(socket, "answer-was");
        await nextEvent(socket, "connect");
        assert.equal(typeof socket.id, "string");
        assert.deepEqual(await answer, [2]);
        assert.equal(await socket.timeout(2000).emitWithAck("hello", "ada"), "hi ada");
        if (transports.length === 2) {
          const engine = socket.io.engine!;
          if (engine.transport!.name !== "websocket") await nextEvent(engine, "upgrade", 3000);
          assert.equal(engine.transport!.name, "websocket");
          assert.equal(await socket.timeout(2000).emitWithAck("hello", "bob"), "hi bob");
        }
      } finally {
        socket.disconnect();
        await target.close();
      }
    });
  }

  t("namespaces share one connection; auth and query arrive", async () => {
    const target = await start();
    target.io.of("/admin").on(
      "connection",
      (s: any) => s.emit("info", s.handshake.auth, s.handshake.query.room),
    );
    const main = io(target.url, { reconnection: false, forceNew: true });
    const admin = main.io.socket("/admin", { auth: { token: "abc" } });
    try {
      const [auth, room] = await withTimeout(
        new Promise<unknown[]>((resolve) => admin.on("info", (...a: unknown[]) => resolve(a))),
        3000,
      );
      assert.deepEqual(auth, { token: "abc" });
      assert.equal(room ?? null, null); // undefined travels as null in JSON
      assert.equal(admin.io, main.io);
      const q = io(target.url + "/admin?room=r1", { forceNew: true, reconnection: false });
      const [, room2] = await nextEvent<[unknown, string]>(q, "info");
      assert.equal(room2, "r1");
      q.disconnect();
    } finally {
      main.disconnect();
      admin.disconnect();
      await target.close();
    }
  });

  t("extraHeaders reach the server on both transports", async () => {
    const target = await start();
    try {
      for (const transports of [["polling"], ["websocket"]] as const) {
        const got = deferred<string | undefined>();
        const listener = (s: any) => got.resolve(s.handshake.headers["x-webio"]);
        target.io.on("connection", listener);
        const socket = connect(target, "", {
          transports: [...transports],
          extraHeaders: { "x-webio": "yes" },
        });
        assert.equal(await withTimeout(got.promise, 3000), "yes");
        socket.disconnect();
        target.io.off("connection", listener);
      }
    } finally {
      await target.close();
    }
  });

  t("binary both ways", async () => {
    const target = await start();
    target.io.on("connection", (s: any) => {
      s.on(
        "up",
        (data: Uint8Array, ack: (r: unknown) => void) =>
          ack({ got: data.byteLength, back: new Uint8Array([7, 7]) }),
      );
    });
    const socket = connect(target);
    try {
      await nextEvent(socket, "connect");
      const reply = await socket.timeout(2000).emitWithAck("up", new Uint8Array([1, 2, 3])) as any;
      assert.equal(reply.got, 3);
      assert.ok(reply.back instanceof ArrayBuffer);
      assert.deepEqual([...new Uint8Array(reply.back)], [7, 7]);
      // A Blob is read, then sent as an attachment; emits after it keep their order.
      const order: number[] = [];
      const blobReply = socket.timeout(2000).emitWithAck("up", new Blob([new Uint8Array([4, 5])]))
        .then((r: any) => {
          order.push(1);
          return r;
        });
      const after = socket.timeout(2000).emitWithAck("up", new Uint8Array([6])).then(() =>
        order.push(2)
      );
      assert.equal((await blobReply).got, 2);
      await after;
      assert.deepEqual(order, [1, 2]);
    } finally {
      socket.disconnect();
      await target.close();
    }
  });

  t("middleware rejection: connect_error with message and data", async () => {
    const target = await start();
    target.io.use((_s: unknown, next: (e?: Error) => void) =>
      next(Object.assign(new Error("nope"), { data: { why: "test" } }))
    );
    const socket = connect(target, "", { reconnection: false });
    try {
      const [error] = await nextEvent<[Error & { data?: unknown }]>(socket, "connect_error");
      assert.equal(error.message, "nope");
      assert.deepEqual(error.data, { why: "test" });
      assert.equal(socket.active, false);
    } finally {
      socket.disconnect();
      await target.close();
    }
  });

  t("server-side disconnect; reconnection after a transport close", async () => {
    const target = await start();
    target.io.on("connection", (s: any) => {
      s.on("kick", () => s.disconnect());
      s.on("drop", () => s.conn.close());
    });
    const socket = connect(target, "", { transports: ["websocket"] });
    try {
      await nextEvent(socket, "connect");
      const dropped = nextEvent<[string]>(socket, "disconnect");
      socket.emit("drop");
      assert.equal((await dropped)[0], "transport close");
      await nextEvent(socket, "connect");
      const kicked = nextEvent<[string]>(socket, "disconnect");
      socket.emit("kick");
      assert.equal((await kicked)[0], "io server disconnect");
      assert.equal(socket.active, false);
    } finally {
      socket.disconnect();
      await target.close();
    }
  });

  t("offline buffering, volatile and acks with timeouts", async () => {
    const target = await start();
    const received: string[] = [];
    target.io.on("connection", (s: any) => s.on("note", (n: string) => received.push(n)));
    const socket = connect(target, "", { autoConnect: false });
    try {
      socket.emit("note", "buffered");
      socket.volatile.emit("note", "dropped-offline");
      assert.equal(socket.sendBuffer.length, 1);
      socket.connect();
      await nextEvent(socket, "connect");
      const timedOut = await socket.timeout(100).emitWithAck("nobody-acks").then(
        () => null,
        (e: Error) => e,
      );
      assert.equal(timedOut?.message, "operation has timed out");
      assert.deepEqual(received, ["buffered"]);
    } finally {
      socket.disconnect();
      await target.close();
    }
  });

  t("retries: an emit is sent again until acked", async () => {
    const target = await start();
    let attempts = 0;
    target.io.on("connection", (s: any) => {
      s.on("flaky", (ack: (r: string) => void) => {
        attempts++;
        if (attempts >= 3) ack("finally");
      });
    });
    const socket = connect(target, "", { retries: 5, ackTimeout: 100 });
    try {
      const reply = await withTimeout(socket.emitWithAck("flaky"), 5000);
      assert.equal(reply, "finally");
      assert.equal(attempts, 3);
    } finally {
      socket.disconnect();
      await target.close();
    }
  });

  t("connection state recovery after a short cut", async () => {
    const target = await start({ connectionStateRecovery: { maxDisconnectionDuration: 10_000 } });
    target.io.on("connection", (s: any) => {
      if (!s.recovered) s.join("r");
      s.on("drop", () => s.conn.close());
    });
    const socket = connect(target, "", { transports: ["websocket"] });
    try {
      await nextEvent(socket, "connect");
      const id = socket.id;
      const first = nextEvent(socket, "news");
      target.io.to("r").emit("news", 1);
      await first;
      const gone = nextEvent(socket, "disconnect");
      socket.emit("drop");
      await gone;
      target.io.to("r").emit("news", 2);
      const missed = nextEvent<[number, string]>(socket, "news");
      await nextEvent(socket, "connect");
      assert.equal(socket.recovered, true);
      assert.equal(socket.id, id);
      assert.equal((await missed)[0], 2);
    } finally {
      socket.disconnect();
      await target.close();
    }
  });

  t("msgpack parser", async () => {
    const parser = name === "reference"
      ? ((refMsgpack as any).default ?? refMsgpack)
      : msgpackParser;
    const target = await start({ parser });
    target.io.on(
      "connection",
      (s: any) => s.on("echo", (v: unknown, ack: (v: unknown) => void) => ack(v)),
    );
    const socket = connect(target, "", { parser: clientMsgpack });
    try {
      await nextEvent(socket, "connect");
      const value = { a: 1, b: [true, null, "x"], bin: new Uint8Array([1, 2]) };
      const reply = await socket.timeout(2000).emitWithAck("echo", value) as any;
      assert.equal(reply.a, 1);
      assert.deepEqual(reply.b, [true, null, "x"]);
      assert.deepEqual([...new Uint8Array(reply.bin)], [1, 2]);
    } finally {
      socket.disconnect();
      await target.close();
    }
  });
}

test("our client: the server restarts on the same port and the client reconnects", async () => {
  const first = new Server({ pingInterval: 500, pingTimeout: 400 });
  const http = await serve(first.handler());
  const socket = io(http.url, {
    forceNew: true,
    reconnectionDelay: 50,
    reconnectionDelayMax: 100,
    transports: ["websocket"],
  });
  try {
    await nextEvent(socket, "connect");
    const down = nextEvent<[string]>(socket, "disconnect");
    await first.close();
    await http.close();
    await down;
    // Same port, new server.
    const second = new Server({ pingInterval: 500, pingTimeout: 400 });
    const again = await serveOn(second, http.port);
    try {
      await nextEvent(socket, "connect", 5000);
      assert.equal(socket.connected, true);
    } finally {
      socket.disconnect();
      await second.close();
      await again.close();
    }
  } finally {
    socket.disconnect();
  }
}, opts);

function serveOn(server: Server, port: number): Promise<{ close(): Promise<void> }> {
  const runtime = globalThis as any;
  if (runtime.Bun) {
    const s = runtime.Bun.serve({ port, hostname: "127.0.0.1", ...server.handler() });
    return Promise.resolve({ close: async () => await s.stop(true) });
  }
  const s = Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, server.handler());
  return Promise.resolve({ close: async () => await s.shutdown() });
}
