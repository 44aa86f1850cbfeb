/**
 * The scenarios of `deno task bench`: for each, the implementations it runs,
 * what the load generator does (bench/loadgen/), the field of its rows the
 * summary table shows, and the servers it needs. bench/README.md describes
 * them; bench/targets.ts holds the goals judged on their rows.
 *
 * @module
 */

import type { Config } from "./loadgen/config.ts";
import type { Impl } from "./targets.ts";

/** What the load generator is told to do (the harness adds the servers' ports). */
export type LoadConfig = Omit<Config, "ports">;

/** One scenario of the run. */
export interface Scenario {
  name: string;
  impls: Impl[];
  /** The field of its rows whose median the summary table shows under `name`. */
  metric: string;
  /** Further rows of the summary table, each `[row name, field]`. */
  also?: [string, string][];
  config: LoadConfig;
  /** Servers in the cluster (joined by Redis) for cross-node scenarios. */
  nodes?: number;
  /** What joins them: one redis-server, or a six-node Redis Cluster. @default "one" */
  redis?: "one" | "cluster";
  /** The scenario whose socket.io on Node median is the ratio base of a row without its own. */
  versus?: string;
  /** Environment of its servers (each reads what it knows, e.g. webio's `MAX_BUFFER_SIZE`). */
  env?: Record<string, string>;
}

/** The six implementations most scenarios run. */
export const ALL: Impl[] = [
  "webio-bun",
  "webio-deno",
  "socketio-node",
  "socketio-bun",
  "bare-bun",
  "bare-deno",
];

/**
 * Every scenario, in the order they run; `quick` shortens windows and counts, `floodEvents`
 * sets the slow readers' flood (1 KB events).
 */
export function scenarios(
  options: { quick: boolean; parallel: number; floodEvents?: number },
): Scenario[] {
  const { quick } = options;
  const D = quick ? { duration: 2, warmup: 1 } : { duration: 5, warmup: 1 };
  return [
    {
      name: "echo",
      impls: [...ALL, "bare-bun-json"],
      metric: "msgPerSec",
      config: { scenario: "echo", clients: 100, inflight: 10, payload: 32, ...D },
    },
    {
      name: "echo-latency",
      impls: ALL,
      metric: "p99",
      also: [["echo-p50", "p50"]],
      config: { scenario: "echo", clients: 100, rate: 20_000, payload: 32, ...D },
    },
    {
      name: "fanout",
      impls: ALL,
      metric: "deliveriesPerSec",
      config: { scenario: "fanout", clients: 1000, inflight: 8, payload: 32, ...D },
    },
    {
      name: "fanout-latency",
      impls: ALL,
      metric: "p99",
      also: [["fanout-p50", "p50"]],
      config: { scenario: "fanout", clients: 1000, rate: 100, payload: 32, ...D },
    },
    {
      name: "rooms",
      impls: ALL,
      metric: "deliveriesPerSec",
      config: { scenario: "rooms", clients: 1000, rooms: 100, inflight: 64, payload: 32, ...D },
    },
    {
      name: "connections",
      impls: ALL,
      metric: "connectsPerSec",
      also: [
        ["rss-per-connection", "rssPerConnection"],
        ["server-us-per-connection", "serverUsPerConnection"],
        ["connections-warm", "connectsPerSecWarm"],
        ["server-us-per-connection-warm", "serverUsPerConnectionWarm"],
      ],
      config: {
        scenario: "connections",
        clients: quick ? 2000 : 10_000,
        parallel: options.parallel,
        hold: 3,
        warm: 2,
      },
    },
    {
      name: "polling",
      impls: ALL,
      metric: "msgPerSec",
      config: { scenario: "polling", clients: 50, payload: 32, ...D },
    },
    {
      name: "binary",
      impls: ALL,
      metric: "msgPerSec",
      config: { scenario: "binary", clients: 100, inflight: 4, payload: 4096, ...D },
    },
    {
      name: "soak",
      impls: ["webio-bun", "webio-deno"],
      metric: "cyclesPerSec",
      also: [["soak-rss-growth-MB", "rssGrowthSecondHalfMB"]],
      config: { scenario: "soak", clients: 50, cycles: quick ? 10_000 : 100_000 },
    },
    {
      // 200 readers that stop reading while 20 MB of 1 KB events are broadcast: what the server
      // holds for them. webio closes a reader past maxBufferSize (1 MiB here); socket.io has no
      // bound (`quick`: 5 MB, still past webio's bound).
      name: "slow-readers",
      impls: ["webio-bun", "webio-deno", "socketio-node"],
      metric: "rssGrowthMB",
      also: [
        ["slow-readers-peak-MB", "rssPeakMB"],
        ["slow-readers-KB-per-reader", "growthPerReaderKB"],
        ["slow-readers-disconnected", "disconnected"],
      ],
      env: { MAX_BUFFER_SIZE: String(2 ** 20) },
      config: {
        scenario: "slow-readers",
        clients: 200,
        events: options.floodEvents ?? (quick ? 5000 : 20_000),
        payload: 1000,
        batch: 100,
      },
    },
    {
      name: "cluster-fanout",
      impls: ["webio-bun", "webio-deno", "socketio-node"],
      metric: "deliveriesPerSec",
      nodes: 2,
      config: { scenario: "fanout", clients: 1000, inflight: 8, payload: 32, ...D },
    },
    // On a Redis Cluster: webio's sharded adapter and socket.io's createShardedAdapter (npm
    // `redis` createCluster clients), then webio's classic adapter, whose plain PUBLISH every
    // node of the cluster forwards to every other.
    {
      name: "cluster-fanout-rc",
      impls: ["webio-bun", "socketio-node"],
      metric: "deliveriesPerSec",
      nodes: 2,
      redis: "cluster",
      env: { REDIS_ADAPTER: "sharded" },
      config: { scenario: "fanout", clients: 1000, inflight: 8, payload: 32, ...D },
    },
    {
      name: "cluster-fanout-rc-classic",
      impls: ["webio-bun"],
      metric: "deliveriesPerSec",
      nodes: 2,
      redis: "cluster",
      versus: "cluster-fanout-rc",
      config: { scenario: "fanout", clients: 1000, inflight: 8, payload: 32, ...D },
    },
    {
      name: "cluster-latency",
      impls: ["webio-bun", "webio-deno", "socketio-node"],
      metric: "p99",
      also: [["cluster-p50", "p50"]],
      nodes: 2,
      config: { scenario: "fanout", clients: 1000, rate: 100, payload: 32, ...D },
    },
  ];
}
