/**
 * How the load generator measures and reports: JSON lines on stdout (the
 * harness samples the servers on "start" and the other events), a warm-up
 * then a measured window, sends at a fixed rate, and latency percentiles.
 *
 * @module
 */

import process from "node:process";
import type { Config } from "./config.ts";

/** No scenario may run longer than this. */
export const DEADLINE = Date.now() + 120_000;

/** Writes one JSON line for the harness. */
export function emit(line: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(line) + "\n");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The warm-up before a measured window, ms. */
export function warmupOf(config: Config): number {
  return (config.warmup ?? 1) * 1000;
}

/** Warm-up, then a measured window; `count()` reads the running total. */
export async function measure(
  config: Config,
  count: () => number,
): Promise<{ total: number; seconds: number; cpu: number }> {
  await sleep(warmupOf(config));
  emit({ event: "start" });
  const cpu0 = process.cpuUsage();
  const n0 = count();
  const t0 = performance.now();
  await sleep((config.duration ?? 5) * 1000);
  const n1 = count();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    total: n1 - n0,
    seconds,
    cpu: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}

/** Every millisecond, calls `send` with how many messages are due to keep `rate` per second. */
export function atRate(
  rate: number,
  send: (due: number) => void,
): ReturnType<typeof setInterval> {
  let sent = 0;
  const t0 = performance.now();
  return setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate) - sent;
    if (due <= 0) return;
    sent += due;
    send(due);
  }, 1);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** The latency part of a fixed-rate result. */
export function latencyFields(
  rate: number,
  latencies: number[],
): Record<string, number> {
  latencies.sort((a, b) => a - b);
  return {
    rate,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    samples: latencies.length,
  };
}
