/**
 * The targets of the performance issue, shared by the harness (bench/main.ts,
 * judged on one run's medians) and bench/pool.ts (judged run by run over
 * many full runs). Each target names the scenario and the field of its rows.
 *
 * @module
 */

/** The servers the harness runs. */
export type Impl =
  | "webio-bun"
  | "webio-deno"
  | "socketio-node"
  | "socketio-bun"
  | "bare-bun"
  | "bare-bun-json"
  | "bare-deno";

/** One goal. */
export interface Target {
  name: string;
  /** The scenario whose rows hold the figure, and the field. */
  scenario: string;
  field: string;
  ours: Impl;
  theirs?: Impl;
  /**
   * `ratio`: ours / theirs against the goal; `margin`: ours against theirs +
   * the goal; `value`: ours against the goal.
   */
  kind: "ratio" | "margin" | "value";
  goal: number;
  /** Whether higher is better (the goal a floor) or lower (a ceiling). */
  higher: boolean;
}

const ratio = (
  name: string,
  scenario: string,
  field: string,
  ours: Impl,
  theirs: Impl,
  goal: number,
  higher = true,
): Target => ({ name, scenario, field, ours, theirs, kind: "ratio", goal, higher });

const p99 = (runtime: "bun" | "deno", scenario: string): Target => ({
  name: `${runtime} ${scenario} p99 (ms) vs bare + 1`,
  scenario,
  field: "p99",
  ours: `webio-${runtime}`,
  theirs: `bare-${runtime}`,
  kind: "margin",
  goal: 1,
  higher: false,
});

const soak = (runtime: "bun" | "deno"): Target => ({
  name: `${runtime} soak RSS growth over the 2nd half of the cycles (MB)`,
  scenario: "soak",
  field: "rssGrowthSecondHalfMB",
  ours: `webio-${runtime}`,
  kind: "value",
  goal: 5,
  higher: false,
});

const slowReaders = (runtime: "bun" | "deno"): Target => ({
  name: `${runtime} slow readers: RSS growth / (readers x 1.5 maxBufferSize)`,
  scenario: "slow-readers",
  field: "growthOfBound",
  ours: `webio-${runtime}`,
  kind: "value",
  goal: 1,
  higher: false,
});

/** Every target, in the order the harness prints them. */
export const TARGETS: Target[] = [
  ratio("bun echo / socket.io+bun-engine", "echo", "msgPerSec", "webio-bun", "socketio-bun", 2),
  ratio("bun echo / bare bun", "echo", "msgPerSec", "webio-bun", "bare-bun", 0.7),
  ratio("bun fan-out / bare bun", "fanout", "deliveriesPerSec", "webio-bun", "bare-bun", 0.75),
  ratio(
    "bun connects/s / socket.io+bun-engine",
    "connections",
    "connectsPerSec",
    "webio-bun",
    "socketio-bun",
    1.5,
  ),
  ratio(
    "bun connects/s after a warm-up burst / socket.io+bun-engine",
    "connections",
    "connectsPerSecWarm",
    "webio-bun",
    "socketio-bun",
    1.5,
  ),
  ratio(
    "bun server CPU per connection, warm / socket.io+bun-engine",
    "connections",
    "serverUsPerConnectionWarm",
    "webio-bun",
    "socketio-bun",
    0.67,
    false,
  ),
  ratio(
    "bun RSS per connection / socket.io+bun-engine",
    "connections",
    "rssPerConnection",
    "webio-bun",
    "socketio-bun",
    0.5,
    false,
  ),
  ratio("deno echo / bare deno", "echo", "msgPerSec", "webio-deno", "bare-deno", 0.85),
  ratio("deno fan-out / bare deno", "fanout", "deliveriesPerSec", "webio-deno", "bare-deno", 0.85),
  ratio(
    "deno RSS per connection / bare deno",
    "connections",
    "rssPerConnection",
    "webio-deno",
    "bare-deno",
    1.3,
    false,
  ),
  ratio("bun polling / socket.io node", "polling", "msgPerSec", "webio-bun", "socketio-node", 2),
  ratio("deno polling / socket.io node", "polling", "msgPerSec", "webio-deno", "socketio-node", 2),
  p99("bun", "echo-latency"),
  p99("deno", "echo-latency"),
  p99("bun", "fanout-latency"),
  p99("deno", "fanout-latency"),
  soak("bun"),
  soak("deno"),
  slowReaders("bun"),
  slowReaders("deno"),
];

/** A target judged on one set of figures. */
export interface Verdict {
  /** The measured figure (a ratio for ratio targets), rounded to 2 digits. */
  value?: number;
  /** What it is held against: the goal, or theirs + the goal for margins. */
  bound?: number;
  met?: boolean;
}

/** The median as the harness takes it (the upper one of an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The median of `field` over `rows`, its non-numbers left out; undefined when none is left. */
export function medianOf(
  rows: readonly Record<string, unknown>[],
  field: string,
): number | undefined {
  const values = rows.map((r) => Number(r[field])).filter(Number.isFinite);
  return values.length > 0 ? median(values) : undefined;
}

/** Rounds to `digits` decimals. */
export function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Judges `target` with `figure(impl)`, the figure of an implementation (undefined when absent). */
export function judge(target: Target, figure: (impl: Impl) => number | undefined): Verdict {
  const ours = figure(target.ours);
  const theirs = target.theirs === undefined ? undefined : figure(target.theirs);
  if (ours === undefined || (target.kind !== "value" && theirs === undefined)) return {};
  if (target.kind === "ratio") {
    if (!theirs) return {};
    // The ratio is judged as printed (2 digits), as the issue states its goals.
    const value = round(ours / theirs, 2);
    return { value, bound: target.goal, met: meets(target, value, target.goal) };
  }
  const bound = target.kind === "margin" ? theirs! + target.goal : target.goal;
  return { value: round(ours, 2), bound: round(bound, 2), met: meets(target, ours, bound) };
}

function meets(target: Target, value: number, bound: number): boolean {
  return target.higher ? value >= bound : value <= bound;
}

/** The goal as the harness prints it: ">= 2", "<= 10.9". */
export function goalText(target: Target, bound: number | undefined): string {
  return `${target.higher ? ">=" : "<="} ${bound ?? target.goal}`;
}
