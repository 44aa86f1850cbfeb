// The examples people copy, each started as its own process on a free port (PORT, or
// `deno serve --port`) and reached by webio's client over long-polling and over WebSocket: it
// emits, the example answers. Under `deno test` the Deno examples run, under `bun test` the Bun
// ones; the examples that run on either runtime run under both.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runtime, test, withTimeout } from "./harness.ts";
import { type ServerProcess, startServer } from "./conformance/spawn.ts";
import { io, type Socket } from "../client/mod.ts";

type Transport = "polling" | "websocket";

interface Example {
  /** The file under examples/. */
  file: string;
  /** The runtime that serves it. */
  on: "deno" | "bun";
  /** Served by `deno serve` (its default export). */
  denoServe?: boolean;
  /** Extra environment of the process. */
  env?: Record<string, string>;
  /** What the example answers to `hello` with "webio". */
  greeting: string;
}

// Under Bun, bare imports of the examples (hono) resolve from the pinned test packages.
const TEST_MODULES = fileURLToPath(new URL("./interop/node_modules", import.meta.url));

const EXAMPLES: Example[] = [
  { file: "deno_server.ts", on: "deno", greeting: "hello webio" },
  { file: "default_export.ts", on: "deno", denoServe: true, greeting: "hello webio" },
  { file: "hono/deno.ts", on: "deno", greeting: "hello webio from Hono" },
  { file: "bun_server.ts", on: "bun", greeting: "hello webio" },
  { file: "default_export.ts", on: "bun", greeting: "hello webio" },
  {
    file: "hono/bun.ts",
    on: "bun",
    env: { NODE_PATH: TEST_MODULES },
    greeting: "hello webio from Hono",
  },
];

const path = (file: string) => fileURLToPath(new URL(`../examples/${file}`, import.meta.url));

/** A client of `url` on one transport only, connected. */
async function connected(
  url: string,
  transport: Transport,
  auth?: Record<string, string>,
): Promise<Socket> {
  const socket = io(url, { forceNew: true, reconnection: false, transports: [transport], auth });
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("connect_error", reject);
      }),
      10_000,
      `a ${transport} connection to ${url}`,
    );
  } catch (error) {
    socket.disconnect();
    throw error;
  }
  assert.equal(socket.io.engine?.transport?.name, transport);
  return socket;
}

async function withServer(
  example: Pick<Example, "file" | "on" | "denoServe" | "env">,
  fn: (server: ServerProcess) => Promise<void>,
): Promise<void> {
  const server = await startServer(path(example.file), {
    runtime: example.on,
    denoServe: example.denoServe,
    env: example.env,
    // The first run of the Hono example on Deno downloads hono from npm.
    timeout: 60_000,
  });
  try {
    await fn(server);
  } catch (error) {
    throw new Error(`${error}\n--- the example's output:\n${server.output()}`, { cause: error });
  } finally {
    await server.stop();
  }
}

for (const example of EXAMPLES.filter((e) => e.on === runtime)) {
  const how = example.denoServe ? "deno serve" : example.on;
  test(
    `examples/${example.file} under ${how}: polling and WebSocket clients get an answer`,
    () =>
      withServer(example, async (server) => {
        for (const transport of ["polling", "websocket"] as const) {
          const socket = await connected(server.url, transport);
          try {
            assert.equal(
              await socket.timeout(5000).emitWithAck("hello", "webio"),
              example.greeting,
            );
          } finally {
            socket.disconnect();
          }
        }
        // The browser client is served beside the server: <script src="/socket.io/socket.io.js">.
        const res = await fetch(`${server.url}/socket.io/socket.io.js`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-type") ?? "", /javascript/);
        assert.match(await res.text(), /io/);
      }),
    { timeout: 90_000 },
  );
}

test(
  `examples/chat/server.ts under ${runtime}: two users chat over polling and WebSocket`,
  () =>
    withServer(
      { file: "chat/server.ts", on: runtime, env: { HOST: "127.0.0.1" } },
      async (server) => {
        const page = await fetch(`${server.url}/`);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /socket\.io\.js/);
        const alice = await connected(server.url, "polling", { nick: "alice" });
        const bob = await connected(server.url, "websocket", { nick: "bob" });
        try {
          const heard = new Promise<{ nick: string; text: string }>((resolve) =>
            bob.on("chat message", (message) => resolve(message))
          );
          const ack = await alice.timeout(5000).emitWithAck("chat message", "hello bob");
          assert.equal(typeof ack.id, "number");
          const message = await withTimeout(heard, 5000, "bob hears alice");
          assert.deepEqual([message.nick, message.text], ["alice", "hello bob"]);
        } finally {
          alice.disconnect();
          bob.disconnect();
        }
      },
    ),
  { timeout: 90_000 },
);
