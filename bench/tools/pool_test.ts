import assert from "node:assert/strict";
import { test } from "../../tests/harness.ts";
import { figureOf, fullRuns, pool, readRows, report, type Row } from "./pool.ts";
import { judge, type Target, TARGETS } from "../targets.ts";

const byName = (name: string) => TARGETS.find((t) => t.name === name)!;
const echoVsEngine = byName("bun echo / socket.io+bun-engine");
const denoFanoutP99 = byName("deno fanout-latency p99 (ms) vs bare + 1");
const bunSoak = byName("bun soak RSS growth over the 2nd half of the cycles (MB)");

/** Rows as the harness writes them: run r of every implementation, then run r + 1. */
function invocation(
  date: string,
  scenario: string,
  field: string,
  runs: Partial<Record<Row["impl"], number>>[],
): Row[] {
  const rows: Row[] = [];
  for (const run of runs) {
    for (const [impl, value] of Object.entries(run)) {
      rows.push({ scenario, impl: impl as Row["impl"], date, [field]: value });
    }
  }
  return rows;
}

test("pool: run r of webio is paired with run r of the other implementation", () => {
  const rows = invocation("2026-12-03T10:00:00.000Z", "echo", "msgPerSec", [
    { "webio-bun": 400, "socketio-bun": 100 },
    { "webio-bun": 300, "socketio-bun": 200 },
    { "webio-bun": 500, "socketio-bun": 200 },
  ]);
  const [pooled] = pool(rows, [echoVsEngine]);
  assert.deepEqual(pooled.runs.map((r) => r.verdict.value), [4, 1.5, 2.5]);
  assert.deepEqual(pooled.runs.map((r) => r.verdict.met), [true, false, true]);
  // The harness's figure: the ratio of the medians (400 / 200), not the median of the ratios.
  assert.deepEqual(pooled.invocations.map((i) => i.verdict.value), [2]);
});

test("pool: invocations stay apart, and a failed run (no figure) is left out, not shifted", () => {
  const rows = [
    ...invocation("2026-12-03T10:00:00.000Z", "echo", "msgPerSec", [
      { "webio-bun": 400, "socketio-bun": 100 },
    ]),
    ...invocation("2026-12-03T11:00:00.000Z", "echo", "msgPerSec", [
      { "webio-bun": 300, "socketio-bun": 100 },
      { "socketio-bun": 100 },
      { "webio-bun": 100, "socketio-bun": 100 },
    ]),
  ];
  // The failed run as the harness logs it: a row with an error and no figure.
  rows.splice(4, 0, {
    scenario: "echo",
    impl: "webio-bun",
    date: "2026-12-03T11:00:00.000Z",
    error: "load generator failed",
  });
  const [pooled] = pool(rows, [echoVsEngine]);
  assert.deepEqual(
    pooled.runs.map((r) => [r.stamp.slice(11, 13), r.run, r.verdict.value]),
    [["10", 0, 4], ["11", 0, 3], ["11", 2, 1]],
  );
  assert.equal(pooled.invocations.length, 2);
});

test("pool: p99 targets show ms over the bare ceiling; value targets the value", () => {
  const rows = [
    ...invocation("2026-12-03T10:00:00.000Z", "fanout-latency", "p99", [
      { "webio-deno": 40, "bare-deno": 34 },
      { "webio-deno": 12, "bare-deno": 30 },
    ]),
    ...invocation("2026-12-03T10:00:00.000Z", "soak", "rssGrowthSecondHalfMB", [
      { "webio-bun": -3.8 },
      { "webio-bun": 6 },
    ]),
  ];
  const [p99, soak] = pool(rows, [denoFanoutP99, bunSoak]);
  assert.deepEqual(p99.runs.map((r) => figureOf(denoFanoutP99, r.verdict)), [6, -18]);
  assert.deepEqual(p99.runs.map((r) => r.verdict.met), [false, true]);
  assert.deepEqual(soak.runs.map((r) => [r.verdict.value, r.verdict.met]), [[-3.8, true], [
    6,
    false,
  ]]);
  const table = report([p99, soak]);
  assert.match(table, /deno fanout-latency p99 .* \| <= \+1 \| 1 of 2 \| 6 \(-18 to 6\) \|/);
  assert.match(table, /bun soak .* \| <= 5 \| 1 of 2 \|/);
});

test("readRows: the date and commit filters, and lines that are not rows", () => {
  const text = [
    JSON.stringify({ scenario: "echo", impl: "webio-bun", date: "2026-12-03T09:00:00Z" }),
    "not json",
    JSON.stringify({ event: "versions" }),
    JSON.stringify({
      scenario: "echo",
      impl: "webio-bun",
      date: "2026-12-03T13:21:20.384Z",
      commit: "8d3af98",
    }),
    JSON.stringify({ scenario: "echo", impl: "webio-bun", date: "2026-12-03T15:00:00Z" }),
  ].join("\n");
  assert.equal(readRows([text]).length, 3);
  assert.deepEqual(
    readRows([text], { since: "2026-12-03T13:21", until: "2026-12-03T14" }).map((r) => r.commit),
    ["8d3af98"],
  );
  assert.equal(readRows([text], { commit: "8d3af98" }).length, 1);
});

test("judge: ratios judged as printed, margins on the unrounded figures", () => {
  const t: Target = { ...echoVsEngine, goal: 2 };
  assert.equal(judge(t, (impl) => (impl === "webio-bun" ? 1996 : 1000)).met, true); // 2.00 as printed
  assert.equal(judge(t, (impl) => (impl === "webio-bun" ? 1994 : 1000)).met, false);
  const margin = judge(denoFanoutP99, (impl) => (impl === "webio-deno" ? 35.004 : 34));
  assert.deepEqual(margin, { value: 35, bound: 35, met: false });
  assert.deepEqual(judge(t, () => undefined), {});
});

test("fullRuns: keeps the invocations that ran every scenario the targets name", () => {
  const full = "2026-12-03T10:00:00.000Z";
  const partial = "2026-12-03T11:00:00.000Z";
  const rows = [
    ...invocation(full, "echo", "msgPerSec", [{ "webio-bun": 1, "socketio-bun": 1 }]),
    ...invocation(full, "soak", "rssGrowthSecondHalfMB", [{ "webio-bun": 0 }]),
    ...invocation(partial, "echo", "msgPerSec", [{ "webio-bun": 1, "socketio-bun": 1 }]),
  ];
  const kept = fullRuns(rows, [echoVsEngine, bunSoak]);
  assert.deepEqual([...new Set(kept.map((r) => r.date))], [full]);
  assert.equal(kept.length, 3);
});
