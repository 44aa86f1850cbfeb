// deno-lint-ignore-file no-explicit-any
// Parsers written for socket.io, as their npm packages export them (an object with Encoder and
// Decoder classes), given as the `parser` option of webio's server and client: the official
// socket.io-client with the same npm parser against a webio server, and webio's client with it
// against the reference server (npm socket.io 4.8) and against webio's, for
// socket.io-msgpack-parser and socket.io-parser itself.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Server as RefServer } from "socket.io";
import { io as officialIo } from "socket.io-client";
import * as msgpackModule from "socket.io-msgpack-parser";
import * as socketIoParserModule from "socket.io-parser";
import { deferred, nextEvent, test, until, withTimeout } from "../harness.ts";
import { serve } from "../serve.ts";
import { io as webioIo } from "../../client/mod.ts";
import { Server } from "../../mod.ts";

const opts = { sanitize: false, timeout: 20_000 };

/** What `require(name)` returns: the CommonJS exports object. */
const required = (module: any) => module.default?.Encoder ? module.default : module;

const PARSERS: Array<[string, any]> = [
  ["socket.io-msgpack-parser", required(msgpackModule)],
  ["socket.io-parser", required(socketIoParserModule)],
];

interface Target {
  url: string;
  io: any;
  close(): Promise<void>;
}

async function reference(parser: any): Promise<Target> {
  const http = createServer();
  const io = new RefServer(http, { pingInterval: 500, pingTimeout: 400, parser });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  const { port } = http.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    io,
    close: () =>
      new Promise<void>((resolve) => {
        io.close(() => resolve());
        http.closeAllConnections?.();
      }),
  };
}

async function webio(parser: any): Promise<Target> {
  const io = new Server({ pingInterval: 500, pingTimeout: 400, parser });
  const http = await serve(io.handler());
  return {
    url: http.url,
    io,
    close: async () => {
      await io.close();
      await http.close();
    },
  };
}

/** The bytes of a binary value, whichever form the parser and runtime decoded it in. */
function bytes(value: unknown): number[] {
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  if (ArrayBuffer.isView(value)) {
    return [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
  }
  throw new Error(`not binary: ${Object.prototype.toString.call(value)}`);
}

/** The same handlers on either server (their APIs agree). */
function listen(io: any): void {
  io.use((socket: any, next: (e?: Error) => void) => {
    if (!socket.handshake.auth.refuse) return next();
    next(Object.assign(new Error("refused"), { data: { code: 7 } }));
  });
  io.on("connection", (socket: any) => {
    socket.join("room");
    socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value));
    socket.on("broadcast", () => io.to("room").emit("news", 9, new Uint8Array([9])));
    socket.emit(
      "welcome",
      { n: 1, bin: new Uint8Array([1, 2, 3]) },
      (reply: unknown) => socket.emit("thanks", reply),
    );
  });
  io.of("/admin").on("connection", (socket: any) => socket.emit("admin", socket.nsp.name));
}

/** One client's view of the server: events, acks both ways, binaries, rooms, namespaces. */
async function scenario(connect: (path: string, options: any) => any): Promise<void> {
  const clients: any[] = [];
  const make = (path: string, options: any = {}) => {
    const c = connect(path, options);
    clients.push(c);
    return c;
  };
  try {
    const c = make("/");
    c.on("welcome", (data: any, ack: (v: unknown) => void) => {
      assert.equal(data.n, 1);
      assert.deepEqual(bytes(data.bin), [1, 2, 3]);
      ack("got it");
    });
    const thanks = deferred<string>();
    c.on("thanks", (reply: string) => thanks.resolve(reply));
    await nextEvent(c, "connect", 5000);
    assert.equal(await withTimeout(thanks.promise, 5000, "thanks"), "got it");
    const reply = await c.timeout(3000).emitWithAck("echo", {
      s: "x",
      bin: new Uint8Array([4, 5]),
    });
    assert.equal(reply.s, "x");
    assert.deepEqual(bytes(reply.bin), [4, 5]);
    const news = nextEvent<[number, unknown]>(c, "news", 5000);
    c.emit("broadcast");
    const [n, bin] = await news;
    assert.equal(n, 9);
    assert.deepEqual(bytes(bin), [9]);
    const admin = make("/admin");
    assert.deepEqual(await nextEvent(admin, "admin", 5000), ["/admin"]);
    const refused = make("/", { auth: { refuse: true } });
    const [error] = await nextEvent<[any]>(refused, "connect_error", 5000);
    assert.equal(error.message, "refused");
    assert.deepEqual(error.data, { code: 7 });
  } finally {
    for (const c of clients) c.disconnect();
    // Both clients' engines are done before the server goes.
    await until(
      () => clients.every((c) => !c.io.engine || c.io.engine.readyState === "closed"),
      3000,
      "clients closed",
    );
  }
}

for (const [name, parser] of PARSERS) {
  for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
    const label = transports.join("+");
    test(`npm ${name} [${label}]: the official client against a webio server`, async () => {
      const target = await webio(parser);
      try {
        listen(target.io);
        await withTimeout(
          scenario((path, options) =>
            officialIo(target.url + path, {
              forceNew: true,
              reconnection: false,
              transports,
              parser,
              ...options,
            })
          ),
          15_000,
          "scenario",
        );
      } finally {
        await target.close();
      }
    }, opts);

    for (const [serverName, start] of [["reference", reference], ["webio", webio]] as const) {
      test(`npm ${name} [${label}]: webio's client against the ${serverName} server`, async () => {
        const target = await start(parser);
        try {
          listen(target.io);
          await withTimeout(
            scenario((path, options) =>
              webioIo(target.url + path, {
                forceNew: true,
                reconnection: false,
                transports: transports as any,
                parser,
                ...options,
              })
            ),
            15_000,
            "scenario",
          );
        } finally {
          await target.close();
        }
      }, opts);
    }
  }
}

test("npm parsers: a malformed message closes the webio session with a parse error", async () => {
  const parser = required(msgpackModule);
  const target = await webio(parser);
  try {
    const closed = deferred<string>();
    const reported: Error[] = [];
    target.io.onError = (error: Error) => reported.push(error);
    target.io.on("connection", (socket: any) => {
      socket.on("disconnect", (reason: string) => closed.resolve(reason));
    });
    const sid = await fetch(`${target.url}/socket.io/?EIO=4&transport=polling`)
      .then((r) => r.text()).then((t) => JSON.parse(t.slice(1)).sid);
    const ws = new WebSocket(
      `${target.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket&sid=${sid}`,
    );
    ws.binaryType = "arraybuffer";
    await new Promise((resolve) => (ws.onopen = resolve));
    ws.send("2probe");
    await new Promise((resolve) => (ws.onmessage = resolve));
    ws.send("5");
    // CONNECT as the npm encoder writes it, then a byte that is no MessagePack at all.
    ws.send(new parser.Encoder().encode({ type: 0, nsp: "/" })[0]);
    ws.send(new Uint8Array([0xc1]));
    assert.equal(await withTimeout(closed.promise, 5000), "parse error");
    // What the npm decoder threw reaches the server's reporter as a ProtocolError.
    assert.equal(reported.length, 1);
    assert.equal(reported[0].name, "ProtocolError");
    assert.match(reported[0].message, /^Cannot decode packet: /);
    ws.close();
  } finally {
    await target.close();
  }
}, opts);
