/**
 * Two or more checkouts measured side by side: their benchmark servers
 * (bench/servers/webio.ts) run at the same time on the server core, and
 * each round measures every one of them in turn, the order reversed every
 * round. A drift of the machine (a shared VM's neighbours, frequency) then
 * reaches every checkout alike, which one run of the harness per checkout
 * cannot promise: its pairs of the same code spread by half.
 *
 * `connections` (the default): a burst of WebSocket connections (full
 * Engine.IO and Socket.IO handshakes, then closed) per server and round;
 * the figure is the server's CPU per connection, every thread of the
 * process, ended ones included (`/proc/<pid>/stat`: Linux only), from the
 * burst's first connect until all are connected. Compiler threads (read
 * from `/proc/<pid>/task/*\/schedstat`) are shown apart for the warm-up
 * rounds, which compile the connect path.
 * `echo`, `fanout`, `rooms`, `polling`, `echo-latency`, `fanout-latency`: a
 * short window of the harness's scenario of that name (bench/scenarios.ts)
 * per server and round, run by the load generator; the figure is its
 * throughput, or its p99 latency at a fixed rate. The first `--skip`
 * rounds are warm-up, left out of the medians.
 *
 * Usage: `taskset -c 1 bun bench/tools/interleave.ts --trees=/tmp/before,/tmp/after
 * [--scenario=connections] [--runtime=bun|deno] [--connections=5000] [--rounds=40] [--skip=3]
 * [--seconds=3] [--warmup=1]`. Each tree is a checkout with bench/servers/webio.ts (a
 * `git worktree` of a commit); the first is the reference of the ratios. Prints one JSON line
 * per tree: the median figure over the kept rounds and the median of the per-round ratios
 * against the first tree (above 1: better).
 *
 * @module
 */
import process from "node:process";
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { flags } from "../harness/flags.ts";
import { sleep } from "../loadgen/measure.ts";
import { closeAll, Conn, openAll } from "../loadgen/websocket.ts";
import { scenarios } from "../scenarios.ts";
import { median } from "../targets.ts";

const args = flags(process.argv.slice(2));
const trees = (args.get("trees") ?? "").split(",").filter(Boolean);
const runtime = args.get("runtime") ?? "bun";
const connections = Number(args.get("connections") ?? 5000);
const rounds = Number(args.get("rounds") ?? 40);
const skip = Number(args.get("skip") ?? 3);
const scenario = args.get("scenario") ?? "connections";
const seconds = Number(args.get("seconds") ?? 3);
const warmup = Number(args.get("warmup") ?? 1);
if (trees.length < 2) throw new Error("--trees needs two checkouts or more, comma-separated");
const load = scenario === "connections"
  ? null
  : scenarios({ quick: false, parallel: 128 }).find((s) => s.name === scenario);
if (load === undefined) throw new Error(`--scenario: no scenario ${scenario}`);

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

/**
 * CPU seconds of the whole process, threads that ended included (`stat`:
 * clock ticks, 10 ms; the per-thread figures lose an ended thread's time).
 */
function processSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

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
type Server = (typeof servers)[number];

/** One burst of connections to `server`: its CPU µs per connection. */
async function burst(server: Server): Promise<number> {
  const pid = server.child.pid!;
  const before = threadSeconds(pid);
  const start = processSeconds(pid);
  // A burst's own bound: the load generator's deadline counts from this process's start.
  const conns = await openAll(
    connections,
    (i) => new Conn(i, server.port),
    128,
    Date.now() + 60_000,
  );
  const end = processSeconds(pid);
  const after = threadSeconds(pid);
  closeAll(conns);
  const compiler = (after.get("JITWorker") ?? 0) - (before.get("JITWorker") ?? 0);
  server.compiler.push(compiler * 1e6 / connections);
  return (end - start) * 1e6 / connections;
}

/** One window of the load generator's scenario against `server`: its throughput. */
function window(server: Server): number {
  const config = { ...load!.config, duration: seconds, warmup, ports: [server.port] };
  const out = spawnSync(process.execPath, [
    new URL("../loadgen/main.ts", import.meta.url).pathname,
    JSON.stringify(config),
  ], { encoding: "utf8" });
  const result = out.stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line))
    .find((line) => line.event === "result");
  const figure = result?.[load!.metric];
  if (typeof figure !== "number") throw new Error(`no ${load!.metric}: ${out.stderr}`);
  return figure;
}

try {
  for (const server of servers) await listening(server.port);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const server of order) {
      server.perRound.push(load === null ? await burst(server) : window(server));
      // The server closes the round's connections before the next one.
      await sleep(500);
    }
  }
} finally {
  for (const server of servers) server.child.kill("SIGINT");
}

const reference = servers[0].perRound.slice(skip);
for (const server of servers) {
  const kept = server.perRound.slice(skip);
  // CPU per connection and latency (p99, ms): lower is better; throughput: higher.
  const lower = load === null || load.metric === "p99";
  const ratios = kept.map((v, i) => lower ? reference[i] / v : v / reference[i]);
  console.log(JSON.stringify({
    tool: "interleave",
    scenario,
    tree: server.tree,
    runtime,
    rounds,
    [load === null ? "usPerConnection" : load.metric]: Math.round(median(kept) * 10) / 10,
    ratio: Math.round(median(ratios) * 1000) / 1000,
    ratios: ratios.map((r) => Math.round(r * 100) / 100),
    ...(load === null
      ? {
        connections,
        warmupUs: server.perRound.slice(0, skip).map(Math.round),
        warmupCompilerUs: server.compiler.slice(0, skip).map(Math.round),
      }
      : { seconds }),
  }));
}
process.exit(0);
