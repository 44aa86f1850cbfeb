/**
 * A bare Engine.IO server whose options come from the environment, for the
 * differential tests in `engine_options_test.ts` (twin of
 * `engine_options_reference.ts`). `ENGINE_OPTIONS` is the options' JSON;
 * every message is echoed, except commands:
 * - `big:N` sends N "x"; `nocompress:N` sends N "y" with `compress: false`;
 * - `bin:N` sends N bytes 1, 2, 3...
 * With `LOG_CLOSE` set, each session's close is printed ("closed <reason>").
 *
 * @module
 */

import process from "node:process";
import { Engine } from "../../server/mod.ts";

const engine = new Engine({
  ...JSON.parse(process.env.ENGINE_OPTIONS ?? "{}"),
  path: "/engine.io/",
});
engine.on("connection", (conn) => {
  if (process.env.LOG_CLOSE) conn.on("close", (reason) => console.log(`closed ${reason}`));
  conn.on("message", (data) => {
    const [command, count] = typeof data === "string" ? data.split(":") : [];
    const n = Number(count);
    if (command === "big") conn.send("x".repeat(n));
    else if (command === "nocompress") conn.send("y".repeat(n), { compress: false });
    else if (command === "bin") conn.send(Uint8Array.from({ length: n }, (_, i) => i + 1));
    else conn.send(data);
  });
});

const port = Number(process.env.PORT ?? 3000);
const handler = engine.handler();
// deno-lint-ignore no-explicit-any
const runtime = globalThis as any;
if (runtime.Bun) runtime.Bun.serve({ port, hostname: "127.0.0.1", ...handler });
else runtime.Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, handler);
