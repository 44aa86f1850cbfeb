/**
 * The load benchmark (`deno task bench`): webio on Bun and Deno against the
 * reference (socket.io 4.8 on Node, socket.io + @socket.io/bun-engine on
 * Bun) and the bare-runtime ceilings, scenario by scenario, in one run.
 *
 * Each server is its own process pinned to core 0 (`taskset -c 0`); the load
 * generator (bench/loadgen.ts, Bun) is pinned to core 1. A fresh server
 * process serves each scenario. Prints one JSON line per measurement (also
 * appended to bench/results/<date>.jsonl), then a table of ratios to
 * socket.io on Node and the targets of the performance issue.
 *
 * Usage: `deno run -A bench/main.ts [--quick] [--runs=N] [--only=echo,fanout,...]
 * [--impl=webio-bun,...]`
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { flags } from "./inprocess.ts";
import { goalText, type Impl, judge, medianOf, round, TARGETS } from "./targets.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const args = flags(Deno.args);
const quick = args.has("quick");
const runs = Number(args.get("runs") ?? 1);
const only = args.get("only")?.split(",");
const onlyImpl = args.get("impl")?.split(",");

// ---- executables ------------------------------------------------------------------------

async function output(
  cmd: string,
  argv: string[],
  cwd = root,
): Promise<[number, string]> {
  try {
    const r = await new Deno.Command(cmd, {
      args: argv,
      cwd,
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    return [r.code, new TextDecoder().decode(r.stdout).trim()];
  } catch {
    return [127, ""];
  }
}

async function findBun(): Promise<string> {
  if (Deno.env.get("WEBIO_BUN")) return Deno.env.get("WEBIO_BUN")!;
  if ((await output("bun", ["--version"]))[0] === 0) return "bun";
  const [code, path] = await output("npx", [
    "-y",
    "bun@1",
    "-e",
    "console.log(process.execPath)",
  ]);
  if (code !== 0 || !path) {
    throw new Error("Cannot find Bun (npx -y bun@1 failed)");
  }
  return path.split("\n").pop()!;
}

const bun = await findBun();
const deno = Deno.execPath();
for (const tool of ["taskset", "node"]) {
  if ((await output(tool, ["--version"]))[0] === 127) {
    throw new Error(`${tool} is required`);
  }
}
const [installCode] = await output(
  bun,
  ["install", "--silent"],
  root + "bench",
);
if (installCode !== 0) throw new Error("bun install in bench/ failed");

// ---- servers ----------------------------------------------------------------------------

const IMPLS: Record<
  Impl,
  { cmd: string; argv: string[]; env?: Record<string, string> }
> = {
  "webio-bun": { cmd: bun, argv: ["run", "bench/servers/webio.ts"] },
  "webio-deno": {
    cmd: deno,
    argv: ["run", "-A", "--no-check", "bench/servers/webio.ts"],
  },
  "socketio-node": { cmd: "node", argv: ["bench/servers/socketio.mjs"] },
  "socketio-bun": {
    cmd: bun,
    argv: ["run", "bench/servers/socketio.mjs"],
    env: { ENGINE: "bun" },
  },
  "bare-bun": { cmd: bun, argv: ["run", "bench/servers/bare_bun.ts"] },
  // The bare Bun echo with the JSON decode and encode that Socket.IO requires (echo only).
  "bare-bun-json": {
    cmd: bun,
    argv: ["run", "bench/servers/bare_bun.ts"],
    env: { DECODE: "json" },
  },
  "bare-deno": {
    cmd: deno,
    argv: ["run", "-A", "--no-check", "bench/servers/bare_deno.ts"],
  },
};

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function canConnect(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

interface Running {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

/** Starts a process pinned to `core` with a raised descriptor limit. */
function pinned(
  core: number,
  cmd: string,
  argv: string[],
  env: Record<string, string>,
  quiet = false,
) {
  return new Deno.Command("bash", {
    args: [
      "-c",
      `ulimit -n $(ulimit -Hn); exec taskset -c ${core} "$@"`,
      "--",
      cmd,
      ...argv,
    ],
    cwd: root,
    env,
    stdin: "null",
    // Servers write nothing we read: no pipe, so that their logging can never block or EPIPE them.
    stdout: quiet ? "null" : "piped",
    stderr: quiet ? "null" : "piped",
  }).spawn();
}

async function startServer(
  impl: Impl,
  env: Record<string, string> = {},
): Promise<Running> {
  const port = freePort();
  const spec = IMPLS[impl];
  const child = pinned(0, spec.cmd, spec.argv, {
    PORT: String(port),
    ...spec.env,
    ...env,
  });
  void child.stdout.cancel();
  void child.stderr.cancel();
  const deadline = Date.now() + 20_000;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${impl} did not start`);
    }
    await sleep(50);
  }
  return {
    pid: child.pid,
    port,
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resident memory of a process, bytes. */
function rss(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

/** CPU seconds (user + system) of a process. */
function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

/** Busy and total jiffies of one core (`/proc/stat`): everything but idle and iowait is busy. */
function coreTimes(core: number): [number, number] {
  const line = Deno.readTextFileSync("/proc/stat").split("\n").find((l) =>
    l.startsWith(`cpu${core} `)
  );
  const v = (line ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return [total - (v[3] ?? 0) - (v[4] ?? 0), total];
}

// ---- one measurement --------------------------------------------------------------------

interface LoadConfig {
  scenario: string;
  clients: number;
  [key: string]: unknown;
}

/** A measured window's start: the servers' CPU seconds, both cores' jiffies, the time. */
interface WindowStart {
  cpu: number;
  core: [number, number];
  serverCore: [number, number];
  t: number;
}

/** What a window measured. */
interface WindowSample {
  /** The servers' CPU share (per server) over the window. */
  share: number;
  /** The servers' CPU seconds in all. */
  cpuSeconds: number;
  /** How busy the generator's core was (softirq included), 0-1. */
  generatorCore: number;
  /** How busy the servers' core was (softirq included), 0-1. */
  serverCore: number;
}

function openWindow(pids: number[]): WindowStart {
  return {
    cpu: pids.reduce((s, p) => s + cpuSeconds(p), 0),
    core: coreTimes(1),
    serverCore: coreTimes(0),
    t: performance.now(),
  };
}

function closeWindow(pids: number[], start: WindowStart): WindowSample {
  const cpu = pids.reduce((s, p) => s + cpuSeconds(p), 0) - start.cpu;
  const core = coreTimes(1);
  const serverCore = coreTimes(0);
  return {
    share: cpu / ((performance.now() - start.t) / 1000) / pids.length,
    cpuSeconds: cpu,
    generatorCore: (core[0] - start.core[0]) / (core[1] - start.core[1]),
    serverCore: (serverCore[0] - start.serverCore[0]) / (serverCore[1] - start.serverCore[1]),
  };
}

interface Sample {
  result: Record<string, number>;
  serverCpu?: number;
  /** Connection scenario: the first burst's window, and the warm burst's. */
  burst?: WindowSample;
  warm?: WindowSample;
  baselineRss?: number;
  loadedRss?: number;
  halfRss?: number;
}

/** Runs the load generator against `ports`; samples the servers as it reports progress. */
async function load(
  config: LoadConfig,
  ports: number[],
  pids: number[],
): Promise<Sample> {
  const child = pinned(1, bun, [
    "bench/loadgen.ts",
    JSON.stringify({ ...config, ports }),
  ], {});
  const sample: Sample = { result: {} };
  let window: WindowStart | null = null;
  const lines = child.stdout.pipeThrough(new TextDecoderStream());
  const errors = new Response(child.stderr).text();
  let rest = "";
  const timeout = setTimeout(() => child.kill("SIGKILL"), 180_000);
  for await (const chunk of lines) {
    rest += chunk;
    let nl;
    while ((nl = rest.indexOf("\n")) !== -1) {
      const line = JSON.parse(rest.slice(0, nl));
      rest = rest.slice(nl + 1);
      if (line.event === "start" || line.event === "warm-start") {
        window = openWindow(pids);
        if (config.scenario === "soak") sample.baselineRss = rss(pids[0]);
      } else if (line.event === "warm-holding") {
        if (window) sample.warm = closeWindow(pids, window);
        window = null;
      } else if (line.event === "half") {
        sample.halfRss = rss(pids[0]);
      } else if (line.event === "holding") {
        if (window) {
          // The connect window only: the idle hold that follows would dilute it.
          sample.burst = closeWindow(pids, window);
          sample.serverCpu = sample.burst.share;
          window = null;
        }
        await sleep(1500);
        sample.loadedRss = pids.reduce((s, p) => s + rss(p), 0);
      } else if (line.event === "result") {
        if (window) sample.serverCpu = closeWindow(pids, window).share;
        delete line.event;
        sample.result = line;
      } else if (line.event === "error") {
        throw new Error(`load generator: ${line.message}`);
      }
    }
  }
  clearTimeout(timeout);
  const status = await child.status;
  if (!status.success) {
    throw new Error(`load generator failed: ${await errors}`);
  }
  return sample;
}

// ---- scenarios --------------------------------------------------------------------------

const D = quick ? { duration: 2, warmup: 1 } : { duration: 5, warmup: 1 };
const ALL: Impl[] = [
  "webio-bun",
  "webio-deno",
  "socketio-node",
  "socketio-bun",
  "bare-bun",
  "bare-deno",
];

interface Scenario {
  name: string;
  impls: Impl[];
  metric: string;
  config: LoadConfig;
  /** Servers in the cluster (with Redis) for cross-node scenarios. */
  nodes?: number;
}

const scenarios: Scenario[] = [
  {
    name: "echo",
    impls: [...ALL, "bare-bun-json"],
    metric: "msgPerSec",
    config: { scenario: "echo", clients: 100, inflight: 10, payload: 32, ...D },
  },
  {
    name: "echo-latency",
    impls: ALL,
    metric: "p99",
    config: { scenario: "echo", clients: 100, rate: 20_000, payload: 32, ...D },
  },
  {
    name: "fanout",
    impls: ALL,
    metric: "deliveriesPerSec",
    config: {
      scenario: "fanout",
      clients: 1000,
      inflight: 8,
      payload: 32,
      ...D,
    },
  },
  {
    name: "fanout-latency",
    impls: ALL,
    metric: "p99",
    config: { scenario: "fanout", clients: 1000, rate: 100, payload: 32, ...D },
  },
  {
    name: "rooms",
    impls: ALL,
    metric: "deliveriesPerSec",
    config: {
      scenario: "rooms",
      clients: 1000,
      rooms: 100,
      inflight: 64,
      payload: 32,
      ...D,
    },
  },
  {
    name: "connections",
    impls: ALL,
    metric: "connectsPerSec",
    config: {
      scenario: "connections",
      clients: quick ? 2000 : 10_000,
      parallel: Number(args.get("parallel") ?? 128),
      hold: 3,
      warm: 2,
    },
  },
  {
    name: "polling",
    impls: ALL,
    metric: "msgPerSec",
    config: { scenario: "polling", clients: 50, payload: 32, ...D },
  },
  {
    name: "binary",
    impls: ALL,
    metric: "msgPerSec",
    config: {
      scenario: "binary",
      clients: 100,
      inflight: 4,
      payload: 4096,
      ...D,
    },
  },
  {
    name: "soak",
    impls: ["webio-bun", "webio-deno"],
    metric: "cyclesPerSec",
    config: { scenario: "soak", clients: 50, cycles: quick ? 10_000 : 100_000 },
  },
  {
    name: "cluster-fanout",
    impls: ["webio-bun", "webio-deno", "socketio-node"],
    metric: "deliveriesPerSec",
    nodes: 2,
    config: {
      scenario: "fanout",
      clients: 1000,
      inflight: 8,
      payload: 32,
      ...D,
    },
  },
  {
    name: "cluster-latency",
    impls: ["webio-bun", "webio-deno", "socketio-node"],
    metric: "p99",
    nodes: 2,
    config: { scenario: "fanout", clients: 1000, rate: 100, payload: 32, ...D },
  },
];

async function withRedis<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const port = freePort();
  const child = pinned(
    0,
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ],
    {},
    true,
  );
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline) {
      throw new Error(
        "redis-server did not start (apt-get install redis-server)",
      );
    }
    await sleep(50);
  }
  try {
    return await fn(port);
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
}

async function measureOnce(
  s: Scenario,
  impl: Impl,
  redisPort?: number,
): Promise<Record<string, unknown>> {
  const env: Record<string, string> = redisPort ? { REDIS_PORT: String(redisPort) } : {};
  const servers: Running[] = [];
  try {
    for (let i = 0; i < (s.nodes ?? 1); i++) {
      servers.push(await startServer(impl, env));
    }
    await sleep(s.nodes ? 1500 : 300); // subscriptions in place; JIT-free idle baseline
    const baseline = servers.reduce((sum, r) => sum + rss(r.pid), 0);
    const sample = await load(
      s.config,
      servers.map((r) => r.port),
      servers.map((r) => r.pid),
    );
    let finalRss: number | undefined;
    if (s.name === "soak") {
      await sleep(2000);
      finalRss = rss(servers[0].pid);
    }
    const row: Record<string, unknown> = {
      scenario: s.name,
      impl,
      ...sample.result,
    };
    if (sample.serverCpu !== undefined) {
      row.serverCpu = round(sample.serverCpu, 2);
    }
    if (sample.burst) {
      // Server CPU per connection (us): the server's cost when the generator sets the pace.
      row.serverUsPerConnection = round(sample.burst.cpuSeconds * 1e6 / s.config.clients);
      row.generatorCore = round(sample.burst.generatorCore, 2);
      row.serverCore = round(sample.burst.serverCore, 2);
    }
    if (sample.warm) {
      row.serverCpuWarm = round(sample.warm.share, 2);
      row.serverUsPerConnectionWarm = round(sample.warm.cpuSeconds * 1e6 / s.config.clients);
      row.generatorCoreWarm = round(sample.warm.generatorCore, 2);
      row.serverCoreWarm = round(sample.warm.serverCore, 2);
    }
    if (sample.loadedRss !== undefined) {
      row.rssPerConnection = Math.round(
        (sample.loadedRss - baseline) / s.config.clients,
      );
      row.baselineRss = baseline;
    }
    if (s.name === "soak" && sample.baselineRss !== undefined) {
      row.rssStart = sample.baselineRss;
      row.rssEnd = finalRss;
      row.rssHalf = sample.halfRss;
      row.rssGrowthMB = round(
        ((finalRss ?? 0) - sample.baselineRss) / 2 ** 20,
        1,
      );
      // Leak check: the second half of the cycles must not grow memory (allocators keep what
      // the first half warmed up: growth from the start is reported, not the criterion).
      row.rssGrowthSecondHalfMB = round(
        ((finalRss ?? 0) - (sample.halfRss ?? 0)) / 2 ** 20,
        1,
      );
    }
    const genCpu = Math.max(
      Number(sample.result.generatorCpu ?? 0),
      sample.burst?.generatorCore ?? 0,
    );
    if (genCpu > 0.95 && (sample.serverCpu ?? 1) < 0.9) {
      row.generatorBound = true;
    }
    if (sample.warm && sample.warm.generatorCore > 0.95 && sample.warm.share < 0.9) {
      row.generatorBoundWarm = true;
    }
    return row;
  } finally {
    for (const r of servers) await r.stop();
  }
}

/** The short commit of the tree, with "+changes" when tracked files differ; "?" without git. */
async function commitOf(): Promise<string> {
  const [code, head] = await output("git", ["-C", root, "rev-parse", "--short", "HEAD"]);
  if (code !== 0) return "?";
  const [, changes] = await output("git", ["-C", root, "status", "--porcelain", "-uno"]);
  return changes ? head + "+changes" : head;
}

// ---- run --------------------------------------------------------------------------------

const versions = {
  date: new Date().toISOString(),
  deno: Deno.version.deno,
  bun: (await output(bun, ["--version"]))[1],
  node: (await output("node", ["--version"]))[1],
  cpu: (Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.*)/)
    ?.[1] ?? "?").trim(),
  cores: navigator.hardwareConcurrency,
  // The code measured: the commit, marked when tracked files differ from it.
  commit: await commitOf(),
};
console.log(JSON.stringify({ event: "versions", ...versions }));
Deno.mkdirSync(root + "bench/results", { recursive: true });
const log = root + `bench/results/${versions.date.slice(0, 10)}.jsonl`;

const table = new Map<string, Map<Impl, number>>();
/** Every row of this run, by scenario and implementation, for the targets. */
const allRows = new Map<string, Map<Impl, Record<string, unknown>[]>>();
/** Puts the median of `field` over `rows` in the summary table under `key`. */
function record(
  key: string,
  impl: Impl,
  rows: Record<string, unknown>[],
  field: string,
): void {
  const value = medianOf(rows, field);
  if (value === undefined) return;
  if (!table.has(key)) table.set(key, new Map());
  table.get(key)!.set(impl, value);
}
for (const s of scenarios) {
  if (only && !only.includes(s.name)) continue;
  const run = async (redisPort?: number) => {
    const impls = s.impls.filter((impl) => !onlyImpl || onlyImpl.includes(impl));
    const rows = new Map<Impl, Record<string, unknown>[]>(
      impls.map((impl) => [impl, []]),
    );
    // Round robin: run r of every implementation before run r + 1 of any, so that a drift in
    // the machine's speed (a shared VM) touches every implementation alike.
    for (let r = 0; r < runs; r++) {
      for (const impl of impls) {
        try {
          const row = await measureOnce(s, impl, redisPort);
          rows.get(impl)!.push(row);
          console.log(JSON.stringify(row));
          Deno.writeTextFileSync(
            log,
            JSON.stringify({ ...row, ...versions }) + "\n",
            { append: true },
          );
        } catch (error) {
          // Logged too, so that the runs after it keep their index (bench/pool.ts pairs by it).
          const row = { scenario: s.name, impl, error: String(error) };
          rows.get(impl)!.push(row);
          console.log(JSON.stringify(row));
          Deno.writeTextFileSync(log, JSON.stringify({ ...row, ...versions }) + "\n", {
            append: true,
          });
        }
      }
    }
    allRows.set(s.name, rows);
    for (const impl of impls) {
      const implRows = rows.get(impl)!;
      record(s.name, impl, implRows, s.metric);
      if (s.name === "connections") {
        record("rss-per-connection", impl, implRows, "rssPerConnection");
        record("server-us-per-connection", impl, implRows, "serverUsPerConnection");
        record("connections-warm", impl, implRows, "connectsPerSecWarm");
        record("server-us-per-connection-warm", impl, implRows, "serverUsPerConnectionWarm");
      }
      if (s.name.endsWith("latency")) {
        record(s.name.replace("latency", "p50"), impl, implRows, "p50");
      }
      if (s.name === "soak") {
        record("soak-rss-growth-MB", impl, implRows, "rssGrowthSecondHalfMB");
      }
    }
  };
  if (s.nodes) await withRedis(run);
  else await run();
}

// ---- summary ----------------------------------------------------------------------------

const impls: Impl[] = [
  "webio-bun",
  "webio-deno",
  "socketio-node",
  "socketio-bun",
  "bare-bun",
  "bare-deno",
  "bare-bun-json",
];
const fmt = (n: number | undefined) =>
  n === undefined ? "-" : n >= 1000 ? `${round(n / 1000, 1)}k` : String(round(n, 2));
console.log("\n| scenario | " + impls.join(" | ") + " |");
console.log("|---|" + impls.map(() => "---").join("|") + "|");
for (const [name, values] of table) {
  const base = values.get("socketio-node");
  const cells = impls.map((impl) => {
    const v = values.get(impl);
    if (v === undefined) return "-";
    const ratio = base && impl !== "socketio-node" ? ` (${round(v / base, 2)}x)` : "";
    return fmt(v) + ratio;
  });
  console.log(`| ${name} | ${cells.join(" | ")} |`);
}

const targets = TARGETS.map((target) => {
  const verdict = judge(
    target,
    (impl) => medianOf(allRows.get(target.scenario)?.get(impl) ?? [], target.field),
  );
  return [target.name, verdict.value, goalText(target, verdict.bound), verdict.met] as const;
});
console.log("\n| target | measured | goal | met |\n|---|---|---|---|");
for (const [name, value, goal, met] of targets) {
  console.log(
    `| ${name} | ${value ?? "-"} | ${goal} | ${met === undefined ? "-" : met ? "yes" : "no"} |`,
  );
}
