/**
 * The load benchmark (`deno task bench`): webio on Bun and Deno against the
 * reference (socket.io 4.8 on Node, socket.io + @socket.io/bun-engine on
 * Bun) and the bare-runtime ceilings, scenario by scenario, in one run.
 *
 * Each server is its own process pinned to core 0 (`taskset -c 0`); the load
 * generator (bench/loadgen/, Bun) is pinned to core 1. A fresh server
 * process serves each scenario. Prints one JSON line per measurement (also
 * appended to bench/results/<date>.jsonl), then a table of ratios to
 * socket.io on Node and the targets of the performance issue.
 *
 * Usage: `deno run -A bench/main.ts [--quick] [--runs=N] [--only=echo,fanout,...]
 * [--impl=webio-bun,...] [--parallel=128] [--flood-events=20000]`
 *
 * The parts: the scenarios in bench/scenarios.ts, the servers in
 * bench/servers/, the load generator in bench/loadgen/, and the harness
 * (processes, sampling, one measurement, the summary) in bench/harness/.
 *
 * @module
 */

import { flags } from "./harness/flags.ts";
import { measureOnce } from "./harness/measure.ts";
import { commitOf, output, prepare, root, withRedis } from "./harness/processes.ts";
import { type RowsByImpl, Summary } from "./harness/summary.ts";
import { withRedisCluster } from "./harness/redis_cluster.ts";
import { type Scenario, scenarios } from "./scenarios.ts";

const args = flags(Deno.args);
const runs = Number(args.get("runs") ?? 1);
const only = args.get("only")?.split(",");
const onlyImpl = args.get("impl")?.split(",");

const bun = await prepare();
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

/** Prints a row and appends it, with the versions, to the day's result file. */
function report(row: Record<string, unknown>): void {
  console.log(JSON.stringify(row));
  Deno.writeTextFileSync(log, JSON.stringify({ ...row, ...versions }) + "\n", { append: true });
}

/** Runs `s` `runs` times for each of its implementations, round robin. */
async function runScenario(s: Scenario, redisEnv?: Record<string, string>): Promise<RowsByImpl> {
  const impls = s.impls.filter((impl) => !onlyImpl || onlyImpl.includes(impl));
  const rows: RowsByImpl = new Map(impls.map((impl) => [impl, []]));
  // Round robin: run r of every implementation before run r + 1 of any, so that a drift in
  // the machine's speed (a shared VM) touches every implementation alike.
  for (let r = 0; r < runs; r++) {
    for (const impl of impls) {
      let row: Record<string, unknown>;
      try {
        row = await measureOnce(bun, s, impl, redisEnv);
      } catch (error) {
        // Logged too, so that the runs after it keep their index (bench/tools/pool.ts pairs by it).
        row = { scenario: s.name, impl, error: String(error) };
      }
      rows.get(impl)!.push(row);
      report(row);
    }
  }
  return rows;
}

const summary = new Summary();
const all = scenarios({
  quick: args.has("quick"),
  parallel: Number(args.get("parallel") ?? 128),
  floodEvents: args.has("flood-events") ? Number(args.get("flood-events")) : undefined,
});
for (const s of all) {
  if (only && !only.includes(s.name)) continue;
  const rows = !s.nodes
    ? await runScenario(s)
    : s.redis === "cluster"
    ? await withRedisCluster((ports) => runScenario(s, { REDIS_CLUSTER: ports.join(",") }))
    : await withRedis((port) => runScenario(s, { REDIS_PORT: String(port) }));
  summary.add(s, rows);
}
console.log("\n" + summary.table());
console.log("\n" + summary.targets());
