/**
 * The end of a run: the table of medians with their ratios to socket.io on
 * Node, then the targets of bench/targets.ts judged on those medians.
 *
 * @module
 */

import { ALL, type Scenario } from "../scenarios.ts";
import { goalText, type Impl, judge, medianOf, round, TARGETS } from "../targets.ts";

/** Rows of one scenario, by implementation, in run order. */
export type RowsByImpl = Map<Impl, Record<string, unknown>[]>;

/** The table's columns: the scenarios' implementations, then the bare Bun echo with JSON. */
const COLUMNS: Impl[] = [...ALL, "bare-bun-json"];

/** Medians by table row and implementation; rows in the order scenarios added them. */
export class Summary {
  readonly #table = new Map<string, Map<Impl, number>>();
  /** Every row of this run, by scenario and implementation, for the targets. */
  readonly #rows = new Map<string, RowsByImpl>();
  /** The row whose socket.io on Node median is a row's ratio base, when not its own. */
  readonly #versus = new Map<string, string>();

  /** Adds a scenario's rows: its metric under its name, and its further table rows. */
  add(s: Scenario, rows: RowsByImpl): void {
    this.#rows.set(s.name, rows);
    if (s.versus) this.#versus.set(s.name, s.versus);
    for (const [impl, implRows] of rows) {
      this.#record(s.name, impl, implRows, s.metric);
      for (const [key, field] of s.also ?? []) this.#record(key, impl, implRows, field);
    }
  }

  /** Puts the median of `field` over `rows` in the table under `key`. */
  #record(key: string, impl: Impl, rows: Record<string, unknown>[], field: string): void {
    const value = medianOf(rows, field);
    if (value === undefined) return;
    if (!this.#table.has(key)) this.#table.set(key, new Map());
    this.#table.get(key)!.set(impl, value);
  }

  /** The table of medians, each with its ratio to socket.io on Node (Markdown). */
  table(): string {
    const fmt = (n: number | undefined) =>
      n === undefined ? "-" : n >= 1000 ? `${round(n / 1000, 1)}k` : String(round(n, 2));
    const lines = [
      "| scenario | " + COLUMNS.join(" | ") + " |",
      "|---|" + COLUMNS.map(() => "---").join("|") + "|",
    ];
    for (const [name, values] of this.#table) {
      const base = values.get("socketio-node") ??
        this.#table.get(this.#versus.get(name) ?? "")?.get("socketio-node");
      const cells = COLUMNS.map((impl) => {
        const v = values.get(impl);
        if (v === undefined) return "-";
        const ratio = base && impl !== "socketio-node" ? ` (${round(v / base, 2)}x)` : "";
        return fmt(v) + ratio;
      });
      lines.push(`| ${name} | ${cells.join(" | ")} |`);
    }
    return lines.join("\n");
  }

  /** The targets judged on this run's medians (Markdown). */
  targets(): string {
    const lines = ["| target | measured | goal | met |", "|---|---|---|---|"];
    for (const target of TARGETS) {
      const verdict = judge(
        target,
        (impl) => medianOf(this.#rows.get(target.scenario)?.get(impl) ?? [], target.field),
      );
      const met = verdict.met === undefined ? "-" : verdict.met ? "yes" : "no";
      lines.push(
        `| ${target.name} | ${verdict.value ?? "-"} | ${
          goalText(target, verdict.bound)
        } | ${met} |`,
      );
    }
    return lines.join("\n");
  }
}
