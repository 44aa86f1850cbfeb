// The README's quick starts, run as written: only the port (a free one),
// the host (loopback) and the path of mod.ts are rewritten.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { runtime, test, withTimeout } from "./harness.ts";
import { freePort, startServer } from "./conformance/spawn.ts";

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const MOD = new URL("../mod.ts", import.meta.url).href;

function snippet(heading: string): string {
  const at = README.indexOf(`### ${heading}`);
  assert.ok(at !== -1, `README has no "${heading}" quick start`);
  const start = README.indexOf("\n", README.indexOf("```ts", at)) + 1;
  return README.slice(start, README.indexOf("```", start));
}

function adapt(code: string, port: number): string {
  return code
    .replaceAll('"./mod.ts"', JSON.stringify(MOD))
    .replaceAll("{ port: 3000 }", `{ port: ${port}, hostname: "127.0.0.1" }`)
    .replaceAll("{ port: 3000,", `{ port: ${port}, hostname: "127.0.0.1",`)
    .replaceAll("http://localhost:3000", `http://127.0.0.1:${port}`);
}

function denoExe(): string {
  return runtime === "deno" ? Deno.execPath() : process.env.WEBIO_DENO ?? "deno";
}

test(
  "README quick starts: the Deno server answers the client; the Bun server handshakes",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "webio-readme-"));
    const denoPort = await freePort();
    const bunPort = await freePort();
    writeFileSync(join(dir, "deno_server.ts"), adapt(snippet("Server on Deno"), denoPort));
    writeFileSync(join(dir, "bun_server.ts"), adapt(snippet("Server on Bun"), bunPort));
    writeFileSync(join(dir, "client.ts"), adapt(snippet("Client (Deno, Bun, browsers)"), denoPort));
    const denoServer = await startServer(join(dir, "deno_server.ts"), {
      runtime: "deno",
      port: denoPort,
    });
    const bunServer = await startServer(join(dir, "bun_server.ts"), {
      runtime: "bun",
      port: bunPort,
    });
    const client = spawn(denoExe(), ["run", "-A", "--no-check", join(dir, "client.ts")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let output = "";
      client.stderr?.on("data", (d) => (output += d));
      const printed = new Promise<string>((resolve) => {
        client.stdout?.on("data", (d) => {
          output += d;
          if (output.includes("hello world")) resolve(output);
        });
      });
      assert.match(await withTimeout(printed, 10_000, "the client's reply"), /hello world/);
      const res = await fetch(`http://127.0.0.1:${bunPort}/socket.io/?EIO=4&transport=polling`);
      assert.equal((await res.text())[0], "0");
    } finally {
      client.kill("SIGKILL");
      client.stdout?.destroy();
      client.stderr?.destroy();
      await denoServer.stop();
      await bunServer.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
  { timeout: 30_000 },
);

test(
  "README quick starts: the default export serves under `deno serve`",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "webio-readme-"));
    writeFileSync(
      join(dir, "server.ts"),
      adapt(snippet("Default export: `deno serve` and Bun"), 0),
    );
    const server = await startServer(join(dir, "server.ts"), { runtime: "deno", denoServe: true });
    try {
      const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
      assert.equal((await res.text())[0], "0");
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
  { timeout: 30_000 },
);

test("README quick starts: the Hono route is the one examples/hono/app.ts runs", () => {
  const app = readFileSync(new URL("../examples/hono/app.ts", import.meta.url), "utf8");
  const route = snippet("With a framework: Hono").split("\n").find((l) => l.startsWith("app.all("));
  assert.ok(route, "the README's Hono quick start has an app.all route");
  assert.ok(app.split("\n").includes(route), `examples/hono/app.ts has: ${route}`);
});
