/**
 * The targets over many full runs of the harness. One run's medians move
 * with the machine (a shared VM), so this reads the result files the harness
 * appends to (bench/results/*.jsonl) and judges every target run by run: the
 * harness runs run r of every implementation back to back, so run r of webio
 * is paired with run r of the implementation it is held against, in the same
 * invocation. Prints, per target, how many paired runs met the goal, the
 * median and range of the per-run figures, and each invocation's figure as
 * the harness judged it (on its medians).
 *
 * Usage: `deno run -A bench/tools/pool.ts [--since=2026-12-03T13:21] [--until=...] [--commit=abc1234]
 * [--full] [results.jsonl ...]` (default: every file in bench/results). An invocation is the rows
 * of one `date` stamp; `--since`/`--until` compare with it as text (ISO prefixes), `--commit` with
 * the commit the harness recorded (rows written before it recorded one have none); `--full` keeps
 * the invocations that ran every scenario a target names.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { flags } from "../harness/flags.ts";
import {
  type Impl,
  judge,
  median,
  medianOf,
  round,
  type Target,
  TARGETS,
  type Verdict,
} from "../targets.ts";

/** One line of a result file. */
export interface Row {
  scenario: string;
  impl: Impl;
  /** The invocation's start (ISO), the same on every row it wrote. */
  date: string;
  commit?: string;
  [field: string]: unknown;
}

/** A target over the pooled runs. */
export interface Pooled {
  target: Target;
  /** Run by run: the invocation, the run's index in it, the verdict. */
  runs: { stamp: string; run: number; verdict: Verdict }[];
  /** Invocation by invocation, judged on its medians as the harness does. */
  invocations: { stamp: string; verdict: Verdict }[];
}

/**
 * The figure a verdict shows: the ratio or the value; for a margin target, how
 * far ours is from theirs (ms over the bare ceiling).
 */
export function figureOf(target: Target, verdict: Verdict): number | undefined {
  if (verdict.value === undefined || verdict.bound === undefined) return undefined;
  return target.kind === "margin"
    ? round(verdict.value - (verdict.bound - target.goal), 2)
    : verdict.value;
}

/** Judges every target on every paired run and every invocation of `rows`. */
export function pool(rows: Row[], targets: Target[] = TARGETS): Pooled[] {
  // stamp -> scenario -> impl -> rows in the order written (run 0, 1, ...).
  const byStamp = new Map<string, Map<string, Map<Impl, Row[]>>>();
  for (const row of rows) {
    let scenarios = byStamp.get(row.date);
    if (!scenarios) byStamp.set(row.date, scenarios = new Map());
    let impls = scenarios.get(row.scenario);
    if (!impls) scenarios.set(row.scenario, impls = new Map());
    let list = impls.get(row.impl);
    if (!list) impls.set(row.impl, list = []);
    list.push(row);
  }
  const stamps = [...byStamp.keys()].sort();
  return targets.map((target) => {
    const result: Pooled = { target, runs: [], invocations: [] };
    for (const stamp of stamps) {
      const impls = byStamp.get(stamp)!.get(target.scenario);
      if (!impls) continue;
      const rowsOf = (impl: Impl) => impls.get(impl) ?? [];
      const count = Math.max(0, ...[...impls.values()].map((list) => list.length));
      for (let run = 0; run < count; run++) {
        // The figure of run `run` alone (undefined when that run failed or is missing).
        const verdict = judge(
          target,
          (impl) => medianOf(rowsOf(impl).slice(run, run + 1), target.field),
        );
        if (verdict.met !== undefined) result.runs.push({ stamp, run, verdict });
      }
      const verdict = judge(target, (impl) => medianOf(rowsOf(impl), target.field));
      if (verdict.met !== undefined) result.invocations.push({ stamp, verdict });
    }
    return result;
  });
}

/** The rows of the invocations that measured every scenario a target names (full runs). */
export function fullRuns(rows: Row[], targets: Target[] = TARGETS): Row[] {
  const needed = new Set(targets.map((t) => t.scenario));
  const seen = new Map<string, Set<string>>();
  for (const row of rows) {
    let scenarios = seen.get(row.date);
    if (!scenarios) seen.set(row.date, scenarios = new Set());
    scenarios.add(row.scenario);
  }
  return rows.filter((row) => [...needed].every((s) => seen.get(row.date)!.has(s)));
}

/** Reads result files, keeping the rows the filters select. */
export function readRows(
  texts: string[],
  filter: { since?: string; until?: string; commit?: string } = {},
): Row[] {
  const rows: Row[] = [];
  for (const text of texts) {
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      let row: Row;
      try {
        row = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof row.date !== "string" || typeof row.scenario !== "string") continue;
      if (filter.since && row.date < filter.since) continue;
      if (filter.until && row.date > filter.until) continue;
      if (filter.commit && row.commit !== filter.commit) continue;
      rows.push(row);
    }
  }
  return rows;
}

/** The markdown table of `pooled`. */
export function report(pooled: Pooled[]): string {
  const lines = [
    "| target | goal | paired runs met | per run: median (range) | each invocation (medians) |",
    "|---|---|---|---|---|",
  ];
  for (const { target, runs, invocations } of pooled) {
    if (runs.length === 0 && invocations.length === 0) continue;
    const figures = runs.map((r) => figureOf(target, r.verdict)!);
    const met = runs.filter((r) => r.verdict.met).length;
    const goal = `${target.higher ? ">=" : "<="} ${
      target.kind === "margin" ? "+" : ""
    }${target.goal}`;
    const spread = figures.length > 0
      ? `${median(figures)} (${Math.min(...figures)} to ${Math.max(...figures)})`
      : "-";
    const each = invocations.map((i) =>
      `${figureOf(target, i.verdict)}${i.verdict.met ? "" : " (no)"}`
    ).join(", ");
    lines.push(`| ${target.name} | ${goal} | ${met} of ${runs.length} | ${spread} | ${each} |`);
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const args = flags(Deno.args);
  let files = Deno.args.filter((a) => !a.startsWith("--"));
  if (files.length === 0) {
    const dir = fileURLToPath(new URL("../results/", import.meta.url));
    files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".jsonl"))
      .map((e) => dir + e.name).sort();
  }
  let rows = readRows(files.map((f) => Deno.readTextFileSync(f)), {
    since: args.get("since"),
    until: args.get("until"),
    commit: args.get("commit"),
  });
  if (args.has("full")) rows = fullRuns(rows);
  const stamps = new Map<string, { rows: number; commit: string }>();
  for (const row of rows) {
    const s = stamps.get(row.date) ?? { rows: 0, commit: row.commit ?? "-" };
    s.rows++;
    stamps.set(row.date, s);
  }
  console.log("invocations (date stamp, commit, rows):");
  for (const [stamp, s] of [...stamps].sort()) console.log(`  ${stamp} ${s.commit} ${s.rows}`);
  console.log(
    "\nPer target: the paired runs that met the goal; the per-run figure (a ratio, or ms over\n" +
      "the bare ceiling for p99s); each invocation's figure on its medians, as the harness prints.\n",
  );
  console.log(report(pool(rows)));
}
