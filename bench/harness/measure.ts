/**
 * One measurement: fresh servers of one implementation for one scenario,
 * their idle memory, one run of the load generator, and the result row the
 * harness prints and logs (the generator's fields, the servers' CPU, cores
 * and memory, and whether the generator's core bounded the run).
 *
 * @module
 */

import type { Scenario } from "../scenarios.ts";
import { type Impl, round } from "../targets.ts";
import { load, type Sample } from "./generator.ts";
import { peakFields } from "./peak.ts";
import { startPinnedServer } from "./processes.ts";
import { rss } from "./sampling.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Measures `impl` in scenario `s` once: one result row. `redisEnv` tells the servers of a
 * cross-node scenario where Redis is (`REDIS_PORT`, or `REDIS_CLUSTER`: the nodes' ports).
 */
export async function measureOnce(
  bun: string,
  s: Scenario,
  impl: Impl,
  redisEnv: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const env: Record<string, string> = { ...s.env, ...redisEnv };
  const servers = [];
  try {
    for (let i = 0; i < (s.nodes ?? 1); i++) {
      servers.push(await startPinnedServer(impl, bun, env));
    }
    await sleep(s.nodes ? 1500 : 300); // subscriptions in place; JIT-free idle baseline
    const baseline = servers.reduce((sum, r) => sum + rss(r.pid), 0);
    const sample = await load(bun, s.config, servers.map((r) => r.port), servers.map((r) => r.pid));
    let finalRss: number | undefined;
    if (s.name === "soak") {
      await sleep(2000);
      finalRss = rss(servers[0].pid);
    }
    return rowOf(s, impl, sample, baseline, finalRss);
  } finally {
    for (const r of servers) await r.stop();
  }
}

/** The result row of a sample: the servers' idle RSS `baseline`, the soak's `finalRss`. */
function rowOf(
  s: Scenario,
  impl: Impl,
  sample: Sample,
  baseline: number,
  finalRss: number | undefined,
): Record<string, unknown> {
  const row: Record<string, unknown> = { scenario: s.name, impl, ...sample.result };
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
    row.rssPerConnection = Math.round((sample.loadedRss - baseline) / s.config.clients);
    row.baselineRss = baseline;
  }
  if (s.name === "soak" && sample.baselineRss !== undefined) {
    row.rssStart = sample.baselineRss;
    row.rssEnd = finalRss;
    row.rssHalf = sample.halfRss;
    row.rssGrowthMB = round(((finalRss ?? 0) - sample.baselineRss) / 2 ** 20, 1);
    // Leak check: the second half of the cycles must not grow memory (allocators keep what
    // the first half warmed up: growth from the start is reported, not the criterion).
    row.rssGrowthSecondHalfMB = round(((finalRss ?? 0) - (sample.halfRss ?? 0)) / 2 ** 20, 1);
  }
  if (sample.peak) Object.assign(row, peakFields(s, impl, sample.peak));
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
}
