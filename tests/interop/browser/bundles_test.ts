// deno-lint-ignore-file no-explicit-any
// Cross-implementation in the browser: the official socket.io-client bundle
// (npm) against our server, and our bundle against the official Node server.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { Server as RefServer } from "socket.io";
import { test } from "../../harness.ts";
import { serve } from "../../serve.ts";
import { msgpackParser, Server } from "../../../mod.ts";
import { FILES } from "../../../server/static/client_bundle.ts";
import { launch } from "./chromium.ts";

const opts = { sanitize: false, timeout: 30_000 };
const OFFICIAL = readFileSync(
  new URL("../node_modules/socket.io-client/dist/socket.io.min.js", import.meta.url),
  "utf8",
);
const page = (script: string) =>
  `<!doctype html><meta charset="utf-8"><title>t</title><script src="${script}"></script>`;

/** In the page: connect with `io`, ask for an ack with binary, report the transport. */
async function roundTrip(browser: any, url: string): Promise<unknown> {
  const tab = await browser.newPage();
  await tab.goto(url);
  return await tab.evaluate(() =>
    new Promise((resolve, reject) => {
      const socket = (globalThis as any).io({ forceNew: true });
      const timer = setTimeout(() => reject(new Error("timeout")), 10_000);
      socket.on("connect", () => {
        socket.emit("echo", { text: "hi", bytes: new Uint8Array([1, 2, 3]) }, (reply: any) => {
          const finish = () => {
            clearTimeout(timer);
            resolve({
              text: reply.text,
              bytes: Array.from(new Uint8Array(reply.bytes)),
              transport: socket.io.engine.transport.name,
            });
            socket.disconnect();
          };
          if (socket.io.engine.transport.name === "websocket") finish();
          else socket.io.engine.once("upgrade", finish);
        });
      });
    })
  );
}

test("browser: the official socket.io-client bundle talks to our server", async () => {
  const io = new Server();
  io.on(
    "connection",
    (socket) => socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value)),
  );
  const http = await serve(io.handler((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/official.js") {
      return new Response(OFFICIAL, { headers: { "content-type": "text/javascript" } });
    }
    return new Response(page("/official.js"), { headers: { "content-type": "text/html" } });
  }));
  const browser = await launch();
  try {
    assert.deepEqual(await roundTrip(browser, http.url), {
      text: "hi",
      bytes: [1, 2, 3],
      transport: "websocket",
    });
  } finally {
    await browser.close();
    await io.close();
    await http.close();
  }
}, opts);

test("browser: our bundle talks to the official Node server", async () => {
  const http = createServer((req, res) => {
    if (req.url?.startsWith("/webio.js")) {
      res.writeHead(200, { "content-type": "text/javascript" });
      res.end(FILES["socket.io.min.js"]);
    } else if (!req.url?.startsWith("/socket.io/")) {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(page("/webio.js"));
    }
  });
  const io = new RefServer(http, { serveClient: false });
  io.on(
    "connection",
    (socket: any) => socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value)),
  );
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  const { port } = http.address() as { port: number };
  const browser = await launch();
  try {
    assert.deepEqual(await roundTrip(browser, `http://127.0.0.1:${port}/`), {
      text: "hi",
      bytes: [1, 2, 3],
      transport: "websocket",
    });
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => io.close(() => resolve()));
    http.closeAllConnections?.();
  }
}, opts);

/** A webio server answering "echo" with an ack, serving its client files and `html` at "/". */
async function echoServer(html: string, options: { parser?: typeof msgpackParser } = {}) {
  const io = new Server(options);
  io.on(
    "connection",
    (socket) => socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value)),
  );
  const http = await serve(
    io.handler(() => new Response(html, { headers: { "content-type": "text/html" } })),
  );
  return {
    url: http.url,
    close: async () => {
      await io.close();
      await http.close();
    },
  };
}

test(
  "browser: socket.io.msgpack.min.js talks to a webio server with the msgpack parser",
  async () => {
    const server = await echoServer(page("/socket.io/socket.io.msgpack.min.js"), {
      parser: msgpackParser,
    });
    const browser = await launch();
    try {
      // The server decodes msgpack only: an ack coming back proves the bundle's default parser.
      assert.deepEqual(await roundTrip(browser, server.url), {
        text: "hi",
        bytes: [1, 2, 3],
        transport: "websocket",
      });
    } finally {
      await browser.close();
      await server.close();
    }
  },
  opts,
);

test("browser: the ESM bundle's default export is io", async () => {
  const server = await echoServer(`<!doctype html><meta charset="utf-8"><title>t</title>`);
  const browser = await launch();
  try {
    const tab = await browser.newPage();
    await tab.goto(server.url);
    const result = await tab.evaluate(async () => {
      const module = await import("/socket.io/socket.io.esm.min.js" as string);
      const io = module.default;
      const socket = io({ forceNew: true, transports: ["websocket"] });
      const reply = await new Promise((resolve) =>
        socket.on("connect", () => socket.emit("echo", "default", resolve))
      );
      socket.disconnect();
      return {
        sameAsNamed: io === module.io,
        connect: module.connect === module.io,
        protocol: module.protocol,
        reply,
      };
    });
    assert.deepEqual(result, { sameAsNamed: true, connect: true, protocol: 5, reply: "default" });
  } finally {
    await browser.close();
    await server.close();
  }
}, opts);

/** In the page: an ack callback throws; the next ack still arrives on the same session. */
function throwingAck(transport: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const errors: string[] = [];
    addEventListener("error", (event: any) => {
      event.preventDefault();
      errors.push(event.error?.message);
    });
    const socket = (globalThis as any).io({ forceNew: true, transports: [transport] });
    const disconnects: string[] = [];
    const timer = setTimeout(() => reject(new Error("timeout")), 10_000);
    socket.on("disconnect", (reason: string) => disconnects.push(reason));
    socket.once("connect", () => {
      const id = socket.id;
      socket.emit("echo", "first", () => {
        throw new Error("ack bug");
      });
      socket.emit("echo", "second", (value: string) => {
        clearTimeout(timer);
        resolve({ errors, disconnects: [...disconnects], sameId: socket.id === id, value });
        socket.disconnect();
      });
    });
  });
}

for (const transport of ["polling", "websocket"]) {
  test(
    `browser ${transport}: a throwing ack reaches the page's error event, the session goes on`,
    async () => {
      const server = await echoServer(page("/socket.io/socket.io.min.js"));
      const browser = await launch();
      try {
        const tab = await browser.newPage();
        await tab.goto(server.url);
        assert.deepEqual(await tab.evaluate(throwingAck, transport), {
          errors: ["ack bug"],
          disconnects: [],
          sameId: true,
          value: "second",
        });
      } finally {
        await browser.close();
        await server.close();
      }
    },
    opts,
  );
}
