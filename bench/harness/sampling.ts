/**
 * What the harness reads of the processes and cores it measures, from
 * Linux's `/proc`: a process's resident memory and CPU seconds, how busy a
 * core was, and a measured window over all three.
 *
 * @module
 */

import { GENERATOR_CORE, SERVER_CORE } from "./processes.ts";

/** Resident memory of a process, bytes (`VmRSS`). */
export function rss(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

/** CPU seconds (user + system) of a process. */
export function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

/** Busy and total jiffies of one core (`/proc/stat`): everything but idle and iowait is busy. */
export function coreTimes(core: number): [number, number] {
  const line = Deno.readTextFileSync("/proc/stat").split("\n").find((l) =>
    l.startsWith(`cpu${core} `)
  );
  const v = (line ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return [total - (v[3] ?? 0) - (v[4] ?? 0), total];
}

/** A measured window's start: the servers' CPU seconds, both cores' jiffies, the time. */
export interface WindowStart {
  cpu: number;
  core: [number, number];
  serverCore: [number, number];
  t: number;
}

/** What a window measured. */
export interface WindowSample {
  /** The servers' CPU share (per server) over the window. */
  share: number;
  /** The servers' CPU seconds in all. */
  cpuSeconds: number;
  /** How busy the generator's core was (softirq included), 0-1. */
  generatorCore: number;
  /** How busy the servers' core was (softirq included), 0-1. */
  serverCore: number;
}

/** Starts a window over the servers `pids` and both cores. */
export function openWindow(pids: number[]): WindowStart {
  return {
    cpu: pids.reduce((s, p) => s + cpuSeconds(p), 0),
    core: coreTimes(GENERATOR_CORE),
    serverCore: coreTimes(SERVER_CORE),
    t: performance.now(),
  };
}

/** Ends a window started by {@linkcode openWindow}. */
export function closeWindow(pids: number[], start: WindowStart): WindowSample {
  const cpu = pids.reduce((s, p) => s + cpuSeconds(p), 0) - start.cpu;
  const core = coreTimes(GENERATOR_CORE);
  const serverCore = coreTimes(SERVER_CORE);
  return {
    share: cpu / ((performance.now() - start.t) / 1000) / pids.length,
    cpuSeconds: cpu,
    generatorCore: (core[0] - start.core[0]) / (core[1] - start.core[1]),
    serverCore: (serverCore[0] - start.serverCore[0]) / (serverCore[1] - start.serverCore[1]),
  };
}
