/**
 * Bare Bun under the slow-readers load: how much memory Bun itself takes for
 * subscribers that stop reading, with a given backpressure limit (webio's
 * Bun bridge sets `maxBufferSize`, 1 MiB in the scenario; `--limit`). A `Bun.serve` WebSocket server whose subscribers are closed past
 * that limit, `readers` raw clients in a child process (pinned to core 1)
 * that pause after the upgrade, then `events` frames of 1 KB published in
 * batches of 100. Prints the server's RSS before, its peak (`VmHWM`, reset
 * before the flood) and the growth per reader, as one JSON line.
 *
 * Usage: `taskset -c 0 bun bench/tools/slow_readers_bare.ts [--readers=200] [--events=20000]
 * [--limit=1048576]`
 *
 * @module
 */

import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { flags } from "../harness/flags.ts";

const args = flags(process.argv.slice(2));
const readers = Number(args.get("readers") ?? 200);
const events = Number(args.get("events") ?? 20_000);
const limit = Number(args.get("limit") ?? 1024 * 1024);
const MiB = 2 ** 20;
// deno-lint-ignore no-explicit-any
const Bun = (globalThis as any).Bun;

/** A field of /proc/self/status, bytes. */
function status(field: "VmRSS" | "VmHWM"): number {
  const text = readFileSync("/proc/self/status", "utf8");
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) * 1024;
}

/** The clients' process: `readers` WebSockets that stop reading once upgraded. */
async function clients(port: number): Promise<void> {
  const sockets: Socket[] = [];
  for (let i = 0; i < readers; i++) {
    sockets.push(
      await new Promise<Socket>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1");
        socket.once("error", reject);
        socket.once("connect", () =>
          socket.write(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
          ));
        socket.once("data", () => {
          socket.pause();
          socket.on("error", () => {});
          resolve(socket);
        });
      }),
    );
  }
  process.stdout.write("ready\n");
  // Held until the server process ends this one.
  await new Promise(() => {});
}

if (args.has("port")) {
  await clients(Number(args.get("port")));
} else {
  let closed = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request: Request, srv: { upgrade(r: Request): boolean }) {
      if (srv.upgrade(request)) return;
      return new Response("WebSocket only", { status: 400 });
    },
    websocket: {
      backpressureLimit: limit,
      closeOnBackpressureLimit: true,
      open(ws: { subscribe(topic: string): void }) {
        ws.subscribe("all");
      },
      message() {},
      close() {
        closed++;
      },
    },
  });
  const child = spawn("taskset", [
    "-c",
    "1",
    process.execPath,
    fileURLToPath(import.meta.url),
    `--port=${server.port}`,
    `--readers=${readers}`,
  ], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
  await new Promise((r) => setTimeout(r, 1000));
  const baseline = status("VmRSS");
  writeFileSync("/proc/self/clear_refs", "5"); // VmHWM from here on
  const pad = "x".repeat(1000);
  for (let i = 0; i < events;) {
    const end = Math.min(events, i + 100);
    while (i < end) server.publish("all", `42["n",${i++},"${pad}"]`);
    await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise((r) => setTimeout(r, 2000));
  const peak = status("VmHWM");
  console.log(JSON.stringify({
    readers,
    events,
    limitMiB: limit / MiB,
    closed,
    rssBaselineMB: Math.round(baseline / MiB),
    rssPeakMB: Math.round(peak / MiB),
    growthPerReaderKB: Math.round((peak - baseline) / readers / 1024),
    growthOfLimit: Math.round((peak - baseline) / readers / limit * 1000) / 1000,
  }));
  child.kill();
  server.stop(true);
}
