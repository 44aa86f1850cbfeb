/**
 * The slow-readers scenario's memory: a server's RSS sampled from the start
 * of the flood to its end (the peak, and the kernel's high-water mark when
 * it can be reset), and the fields of its result row: the growth against
 * webio's bound on what waits for the readers.
 *
 * @module
 */

import { runtimeShare } from "../../server/engine/websocket.ts";
import type { Scenario } from "../scenarios.ts";
import { type Impl, round } from "../targets.ts";
import { rss } from "./sampling.ts";

/** What the sampler saw, bytes. */
export interface PeakSample {
  /** RSS when sampling started. */
  baseline: number;
  /** The highest RSS sampled. */
  peak: number;
  /** The kernel's peak RSS since sampling started (`VmHWM`), when it could be reset. */
  hwm?: number;
  /** RSS when sampling stopped. */
  end: number;
}

const MiB = 2 ** 20;

function hwm(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

/** Samples the RSS of `pid` every `ms` from now until {@linkcode stop}. */
export class PeakSampler {
  readonly #pid: number;
  readonly #baseline: number;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #hwmReset: boolean;
  #peak: number;

  constructor(pid: number, ms = 20) {
    this.#pid = pid;
    // Writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS (Linux 4.0+).
    try {
      Deno.writeTextFileSync(`/proc/${pid}/clear_refs`, "5");
      this.#hwmReset = true;
    } catch {
      this.#hwmReset = false;
    }
    this.#baseline = rss(pid);
    this.#peak = this.#baseline;
    this.#timer = setInterval(() => this.#sample(), ms);
  }

  #sample(): number {
    const now = rss(this.#pid);
    if (now > this.#peak) this.#peak = now;
    return now;
  }

  /** Stops sampling: what it saw. */
  stop(): PeakSample {
    clearInterval(this.#timer);
    const end = this.#sample();
    const sample: PeakSample = { baseline: this.#baseline, peak: this.#peak, end };
    if (this.#hwmReset) sample.hwm = hwm(this.#pid);
    return sample;
  }
}

/**
 * The row fields of a slow-readers run: RSS at the flood's start (every reader connected), its
 * peak (the sampled one, or the kernel's when higher), the growth in all and per reader, and for
 * webio the bound, readers x (`maxBufferSize` + the runtime's share, `runtimeShare`), and the growth's share
 * of it. socket.io holds what waits for a reader without a bound: its growth is the comparison.
 */
export function peakFields(s: Scenario, impl: Impl, peak: PeakSample): Record<string, unknown> {
  const top = Math.max(peak.peak, peak.hwm ?? 0);
  const growth = top - peak.baseline;
  const readers = s.config.clients;
  const row: Record<string, unknown> = {
    rssBaselineMB: round(peak.baseline / MiB, 1),
    rssPeakMB: round(top / MiB, 1),
    rssPeakSampledMB: round(peak.peak / MiB, 1),
    rssEndMB: round(peak.end / MiB, 1),
    rssGrowthMB: round(growth / MiB, 1),
    growthPerReaderKB: round(growth / readers / 1024),
  };
  const maxBufferSize = Number(s.env?.MAX_BUFFER_SIZE);
  if (impl.startsWith("webio") && maxBufferSize > 0) {
    const bound = readers * (maxBufferSize + runtimeShare(maxBufferSize));
    row.boundMB = round(bound / MiB, 1);
    row.growthOfBound = round(growth / bound, 3);
    row.underBound = growth <= bound;
  }
  return row;
}
