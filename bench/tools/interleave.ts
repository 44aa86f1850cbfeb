/**
 * Server CPU per connection of two or more checkouts, measured side by
 * side: their benchmark servers (bench/servers/webio.ts) run at the same
 * time on the server core, and bursts of WebSocket connections (full
 * Engine.IO and Socket.IO handshakes, then closed) go to each in turn,
 * the order reversed every round. A drift of the machine (a shared VM's
 * neighbours, frequency) then reaches every checkout alike, which one run
 * of the harness per checkout cannot promise: its pairs of the same code
 * spread by half.
 *
 * CPU is every thread of the server process (`/proc/<pid>/task/*\/schedstat`,
 * nanoseconds: Linux only), from a burst's first connect until every one of
 * its connections is connected; compiler threads are also shown apart,
 * since the first bursts compile the connect path. The first `--skip`
 * rounds are warm-up and are left out of the medians.
 *
 * Usage: `taskset -c 1 bun bench/tools/interleave.ts --trees=/tmp/before,/tmp/after
 * [--runtime=bun|deno] [--connections=5000] [--rounds=40] [--skip=3]`. Each tree is a checkout
 * with bench/servers/webio.ts (a `git worktree` of a commit); the first is the reference of the
 * ratios. Prints one JSON line per tree: the median µs per connection over the kept rounds, the
 * median of the per-round ratios against the first tree (above 1: cheaper), and the compiler's
 * share in the first rounds.
 *
 * @module
 */
import process from "node:process";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { flags } from "../harness/flags.ts";
import { closeAll, Conn, openAll } from "../loadgen/websocket.ts";

const args = flags(process.argv.slice(2));
const trees = (args.get("trees") ?? "").split(",").filter(Boolean);
const runtime = args.get("runtime") ?? "bun";
const connections = Number(args.get("connections") ?? 5000);
const rounds = Number(args.get("rounds") ?? 40);
const skip = Number(args.get("skip") ?? 3);
if (trees.length < 2) throw new Error("--trees needs two checkouts or more, comma-separated");

/** CPU seconds of every thread of `pid`, by thread kind ("main", "JITWorker", ...). */
function threadSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const base = `/proc/${pid}/task/${tid}/`;
      const kind = tid === String(pid)
        ? "main"
        : readFileSync(base + "comm", "utf8").trim().replace(/[0-9]+$/, "");
      const ns = Number(readFileSync(base + "schedstat", "utf8").split(" ")[0]);
      out.set(kind, (out.get(kind) ?? 0) + ns / 1e9);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `port` accepts connections (bounded). */
async function listening(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`no server on port ${port}`);
}

const servers = trees.map((tree, i) => {
  const port = 4300 + i;
  const command = runtime === "deno"
    ? ["deno", "run", "-A", `${tree}/bench/servers/webio.ts`]
    : [process.execPath, `${tree}/bench/servers/webio.ts`];
  // taskset execs the server: the child's pid is the server's.
  const child = spawn("taskset", ["-c", "0", ...command], {
    env: { ...process.env, PORT: String(port) },
    stdio: "ignore",
  });
  return { tree, port, child, perRound: [] as number[], compiler: [] as number[] };
});

try {
  for (const server of servers) await listening(server.port);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const server of order) {
      const pid = server.child.pid!;
      const before = threadSeconds(pid);
      const conns = await openAll(connections, (i) => new Conn(i, server.port), 128);
      const after = threadSeconds(pid);
      closeAll(conns);
      const compiler = (after.get("JITWorker") ?? 0) - (before.get("JITWorker") ?? 0);
      server.perRound.push((sum(after) - sum(before)) * 1e6 / connections);
      server.compiler.push(compiler * 1e6 / connections);
      // The server closes the burst's connections before the next burst.
      await sleep(500);
    }
  }
} finally {
  for (const server of servers) server.child.kill("SIGINT");
}

const reference = servers[0].perRound.slice(skip);
for (const server of servers) {
  const kept = server.perRound.slice(skip);
  const round1 = (x: number) => Math.round(x * 10) / 10;
  console.log(JSON.stringify({
    tool: "interleave",
    tree: server.tree,
    runtime,
    connections,
    rounds,
    usPerConnection: round1(median(kept)),
    ratio: Math.round(median(kept.map((v, i) => reference[i] / v)) * 1000) / 1000,
    warmupUs: server.perRound.slice(0, skip).map(Math.round),
    warmupCompilerUs: server.compiler.slice(0, skip).map(Math.round),
  }));
}
process.exit(0);
