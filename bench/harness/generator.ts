/**
 * Runs the load generator (bench/loadgen/, Bun) pinned to its core against
 * the servers, and samples the servers as it reports its progress: the CPU
 * and core windows around what it measures, the servers' memory while it
 * holds idle connections, over the soak, and through the slow readers' flood.
 *
 * @module
 */

import type { LoadConfig } from "../scenarios.ts";
import { type PeakSample, PeakSampler } from "./peak.ts";
import { GENERATOR_CORE, spawnPinned } from "./processes.ts";
import { closeWindow, openWindow, rss, type WindowSample, type WindowStart } from "./sampling.ts";

/** What one run of the generator measured, and the servers' samples around it. */
export interface Sample {
  /** The generator's result line. */
  result: Record<string, number>;
  /** The servers' CPU share over the measured window (the connect window: the first burst). */
  serverCpu?: number;
  /** Connection scenario: the first burst's window, and the warm burst's. */
  burst?: WindowSample;
  warm?: WindowSample;
  /** Soak: the first server's RSS when measuring started, and halfway through the cycles. */
  baselineRss?: number;
  halfRss?: number;
  /** Connection scenario: the servers' RSS while the first burst's connections are held. */
  loadedRss?: number;
  /** Slow readers: the first server's RSS from the flood's start to its end. */
  peak?: PeakSample;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the load generator against `ports`; samples the servers `pids` as it reports progress. */
export async function load(
  bun: string,
  config: LoadConfig,
  ports: number[],
  pids: number[],
): Promise<Sample> {
  const child = spawnPinned(GENERATOR_CORE, [
    bun,
    "bench/loadgen/main.ts",
    JSON.stringify({ ...config, ports }),
  ]);
  const sample: Sample = { result: {} };
  let window: WindowStart | null = null;
  let sampler: PeakSampler | null = null;
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
      } else if (line.event === "flood-start") {
        sampler = new PeakSampler(pids[0]);
      } else if (line.event === "flood-end") {
        sample.peak = sampler?.stop();
        sampler = null;
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
        sampler?.stop();
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
