// deno-lint-ignore-file no-explicit-any
// The official socket.io-client 4.8 (npm) against our server, in the same
// process, on whichever runtime runs the test.
import assert from "node:assert/strict";
import { io as officialIo, type Socket as ClientSocket } from "socket.io-client";
import * as msgpackParserModule from "socket.io-msgpack-parser";
import * as ioV2Module from "socket.io-client-v2";
import { deferred, nextEvent, test, withTimeout } from "../harness.ts";
import { serve, type TestServer } from "../serve.ts";
import { msgpackParser, Server, type ServerOptions } from "../../mod.ts";

const opts = { sanitize: false, timeout: 15_000 };

async function setup(
  options: ServerOptions = {},
): Promise<{ io: Server; http: TestServer; clients: ClientSocket[] }> {
  const io = new Server({ pingInterval: 500, pingTimeout: 400, ...options });
  const http = await serve(io.handler());
  return { io, http, clients: [] };
}

async function teardown(
  ctx: { io: Server; http: TestServer; clients: ClientSocket[] },
): Promise<void> {
  for (const c of ctx.clients) c.disconnect();
  await ctx.io.close();
  await ctx.http.close();
}

function client(
  ctx: { http: TestServer; clients: ClientSocket[] },
  path = "",
  options = {},
): ClientSocket {
  const socket = officialIo(ctx.http.url + path, {
    forceNew: true,
    reconnectionDelay: 50,
    reconnectionDelayMax: 100,
    ...options,
  });
  ctx.clients.push(socket);
  return socket;
}

for (
  const transports of [["polling"], ["websocket"], ["polling", "websocket"]]
) {
  test(
    `official client [${transports.join("+")}]: connect, events and acks both ways`,
    async () => {
      const ctx = await setup();
      try {
        ctx.io.on("connection", (socket) => {
          socket.on(
            "hello",
            (name: string, ack: (r: string) => void) => ack(`hi ${name}`),
          );
          socket.emit(
            "welcome",
            socket.id,
            (reply: string) => socket.emit("got", reply),
          );
        });
        const c = client(ctx, "", { transports });
        const [id] = await nextEvent<[string]>(c, "welcome") as unknown as [
          string,
        ];
        assert.equal(typeof id, "string");
        const got = deferred<string>();
        c.on("got", (r: string) => got.resolve(r));
        c.on("welcome", () => {});
        // The server's ack callback: the client answers the "welcome" emit.
        c.off("welcome");
        c.on(
          "welcome",
          (_id: string, ack: (r: string) => void) => ack("thanks"),
        );
        assert.equal(
          await c.timeout(2000).emitWithAck("hello", "ada"),
          "hi ada",
        );
        if (transports.length === 2) {
          await withTimeout(
            new Promise<void>((resolve) => {
              if (c.io.engine.transport.name === "websocket") resolve();
              else c.io.engine.once("upgrade", () => resolve());
            }),
            3000,
            "upgrade",
          );
          assert.equal(c.io.engine.transport.name, "websocket");
          assert.equal(
            await c.timeout(2000).emitWithAck("hello", "bob"),
            "hi bob",
          );
        }
      } finally {
        await teardown(ctx);
      }
    },
    opts,
  );
}

test(
  "official client: the server's emit with ack gets the client's answer",
  async () => {
    const ctx = await setup();
    try {
      const answer = deferred<unknown>();
      ctx.io.on("connection", async (socket) => {
        answer.resolve(await socket.timeout(2000).emitWithAck("question", 41));
      });
      const c = client(ctx);
      c.on("question", (n: number, ack: (v: number) => void) => ack(n + 1));
      assert.equal(await withTimeout(answer.promise, 3000), 42);
    } finally {
      await teardown(ctx);
    }
  },
  opts,
);

test("official client: ack timeout on the server side", async () => {
  const ctx = await setup();
  try {
    const result = deferred<Error | null>();
    ctx.io.on("connection", (socket) => {
      socket.timeout(100).emit(
        "ignored",
        (err: Error | null) => result.resolve(err),
      );
    });
    client(ctx);
    const err = await withTimeout(result.promise, 3000);
    assert.ok(err instanceof Error);
    assert.equal(err.message, "operation has timed out");
  } finally {
    await teardown(ctx);
  }
}, opts);

test("official client: namespaces, multiplexing and auth", async () => {
  const ctx = await setup();
  try {
    ctx.io.of("/admin").on(
      "connection",
      (socket) => socket.emit("auth", socket.handshake.auth),
    );
    const main = client(ctx);
    await nextEvent(main, "connect");
    const admin = officialIo(ctx.http.url + "/admin", {
      auth: { token: "abc" },
    });
    ctx.clients.push(admin);
    const [auth] = await nextEvent(admin, "auth");
    assert.deepEqual(auth, { token: "abc" });
    const unknown = officialIo(ctx.http.url + "/nope", {
      forceNew: true,
      reconnection: false,
    });
    ctx.clients.push(unknown);
    const [error] = await nextEvent<[Error]>(unknown, "connect_error");
    assert.equal(error.message, "Invalid namespace");
  } finally {
    await teardown(ctx);
  }
}, opts);

test(
  "official client: rooms and broadcasts reach the right sockets",
  async () => {
    const ctx = await setup();
    try {
      ctx.io.on("connection", (socket) => {
        socket.on("join", (room: string, ack: () => void) => {
          socket.join(room);
          ack();
        });
        socket.on(
          "shout",
          (room: string, text: string) => socket.to(room).emit("heard", text),
        );
      });
      const [a, b, c] = [client(ctx), client(ctx), client(ctx)];
      await Promise.all([a, b, c].map((s) => nextEvent(s, "connect")));
      await a.emitWithAck("join", "r1");
      await b.emitWithAck("join", "r1");
      const cHeard: string[] = [];
      const aHeard: string[] = [];
      c.on("heard", (t: string) => cHeard.push(t));
      a.on("heard", (t: string) => aHeard.push(t));
      const heard = nextEvent(b, "heard");
      a.emit("shout", "r1", "hello room");
      assert.deepEqual(await heard, ["hello room"]);
      // Broadcast to all with acks from every client.
      for (const s of [a, b, c]) {
        s.on("poll", (ack: (v: string) => void) => ack(s.id!));
      }
      const responses = await ctx.io.timeout(2000).emitWithAck(
        "poll",
      ) as string[];
      assert.deepEqual(new Set(responses), new Set([a.id, b.id, c.id]));
      assert.deepEqual(cHeard, []);
      assert.deepEqual(aHeard, []);
      const sockets = await ctx.io.in("r1").fetchSockets();
      assert.deepEqual(
        new Set(sockets.map((s) => s.id)),
        new Set([a.id, b.id]),
      );
    } finally {
      await teardown(ctx);
    }
  },
  opts,
);

test("official client: binary both ways", async () => {
  const ctx = await setup();
  try {
    ctx.io.on("connection", (socket) => {
      socket.on(
        "upload",
        (
          file: { name: string; data: Uint8Array },
          ack: (r: unknown) => void,
        ) => {
          assert.ok(file.data instanceof Uint8Array);
          ack({
            size: file.data.byteLength,
            echo: file.data,
            extra: new Uint8Array([9, 8]),
          });
        },
      );
    });
    const c = client(ctx);
    await nextEvent(c, "connect");
    const reply = await c.timeout(2000).emitWithAck("upload", {
      name: "a",
      data: new Uint8Array([1, 2, 3]),
    }) as {
      size: number;
      echo: ArrayBuffer | Uint8Array;
      extra: ArrayBuffer | Uint8Array;
    };
    assert.equal(reply.size, 3);
    assert.deepEqual([...new Uint8Array(reply.echo as ArrayBuffer)], [1, 2, 3]);
    assert.deepEqual([...new Uint8Array(reply.extra as ArrayBuffer)], [9, 8]);
  } finally {
    await teardown(ctx);
  }
}, opts);

test(
  "official client: a middleware error reaches connect_error with data",
  async () => {
    const ctx = await setup();
    try {
      ctx.io.use((_socket, next) =>
        next(Object.assign(new Error("not authorized"), { data: { code: 42 } }))
      );
      const c = client(ctx, "", { reconnection: false });
      const [error] = await nextEvent<[Error & { data?: unknown }]>(
        c,
        "connect_error",
      );
      assert.equal(error.message, "not authorized");
      assert.deepEqual(error.data, { code: 42 });
    } finally {
      await teardown(ctx);
    }
  },
  opts,
);

test(
  "official client: server-side disconnect, and reconnection after a transport close",
  async () => {
    const ctx = await setup();
    try {
      let connections = 0;
      ctx.io.on("connection", (socket) => {
        connections++;
        socket.on("kick", () => socket.disconnect());
        socket.on("drop", () => socket.conn.close());
      });
      const c = client(ctx, "", { transports: ["websocket"] });
      await nextEvent(c, "connect");
      const dropped = nextEvent<[string]>(c, "disconnect");
      c.emit("drop");
      assert.equal((await dropped)[0], "transport close");
      await nextEvent(c, "connect");
      assert.equal(connections, 2);
      const kicked = nextEvent<[string]>(c, "disconnect");
      c.emit("kick");
      assert.equal((await kicked)[0], "io server disconnect");
    } finally {
      await teardown(ctx);
    }
  },
  opts,
);

test(
  "official client: connection state recovery restores id, rooms and missed events",
  async () => {
    const ctx = await setup({
      connectionStateRecovery: { maxDisconnectionDuration: 10_000 },
    });
    try {
      ctx.io.on("connection", (socket) => {
        if (!socket.recovered) socket.join("news");
        socket.on("drop", () => socket.conn.close());
      });
      const c = client(ctx, "", { transports: ["websocket"] });
      await nextEvent(c, "connect");
      const firstId = c.id;
      const first = nextEvent(c, "news");
      ctx.io.to("news").emit("news", 1);
      await first;
      const disconnected = nextEvent(c, "disconnect");
      c.emit("drop");
      await disconnected;
      ctx.io.to("news").emit("news", 2); // missed while away
      const got = nextEvent<[number, string]>(c, "news");
      await nextEvent(c, "connect");
      assert.equal(c.recovered, true);
      assert.equal(c.id, firstId);
      // Like the reference, the offset travels as an extra last argument.
      const [value, offset] = await got;
      assert.equal(value, 2);
      assert.equal(typeof offset, "string");
      const sockets = await ctx.io.in("news").fetchSockets();
      assert.deepEqual(sockets.map((s) => s.id), [firstId]);
    } finally {
      await teardown(ctx);
    }
  },
  opts,
);

test("official client: msgpack parser on both sides", async () => {
  const ctx = await setup({ parser: msgpackParser });
  try {
    ctx.io.on("connection", (socket) => {
      socket.on(
        "echo",
        (value: unknown, ack: (v: unknown) => void) => ack(value),
      );
    });
    const parser = (msgpackParserModule as any).default ?? msgpackParserModule;
    const c = client(ctx, "", { parser });
    await nextEvent(c, "connect");
    const value = {
      n: 1,
      s: "x",
      list: [true, null],
      bin: new Uint8Array([5, 6]),
    };
    const reply = await c.timeout(2000).emitWithAck(
      "echo",
      value,
    ) as typeof value;
    assert.equal(reply.n, 1);
    assert.deepEqual([...new Uint8Array(reply.bin as unknown as ArrayBuffer)], [
      5,
      6,
    ]);
  } finally {
    await teardown(ctx);
  }
}, opts);

test(
  "socket.io-client 2.x (Engine.IO v3) against a server with allowEIO3",
  async () => {
    const ctx = await setup({ allowEIO3: true });
    try {
      ctx.io.on("connection", (socket) => {
        socket.on(
          "hello",
          (name: string, ack: (r: string) => void) => ack(`hi ${name}`),
        );
        socket.emit("welcome", "v2");
      });
      const ioV2 = ((ioV2Module as any).default ?? ioV2Module) as (
        url: string,
        o?: object,
      ) => any;
      for (const transports of [["websocket"], ["polling"]]) {
        const c = ioV2(ctx.http.url, {
          transports,
          forceNew: true,
          reconnection: false,
        });
        try {
          const [text] = await nextEvent<[string]>(c, "welcome");
          assert.equal(text, "v2");
          const reply = await withTimeout(
            new Promise((resolve) => c.emit("hello", "old", resolve)),
            3000,
            "v2 ack",
          );
          assert.equal(reply, "hi old");
        } finally {
          c.close();
        }
      }
    } finally {
      await teardown(ctx);
    }
  },
  opts,
);
