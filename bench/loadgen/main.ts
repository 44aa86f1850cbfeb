/**
 * The load generator (run under Bun, pinned to its own core by the harness):
 * Socket.IO clients of its own over raw TCP (`Bun.connect`), with hand-made
 * WebSocket frames (zero mask key, bench/loadgen/websocket.ts) and hand-made
 * HTTP/1.1 for long-polling (bench/loadgen/http.ts). It writes every frame a
 * read produced in one `write`, parses only the bytes it needs (packet type,
 * ack id, sequence number), and never decodes JSON, so it can drive a server
 * several times faster than a WebSocket-object client. The scenarios are in
 * bench/loadgen/scenarios/.
 *
 * Usage: `bun bench/loadgen/main.ts '<json config>'` (see {@linkcode Config}).
 * Prints JSON lines: `{"event":"start"}` when measuring begins,
 * `{"event":"holding"}` while idle connections are held, then one result.
 *
 * @module
 */

import process from "node:process";
import type { Config } from "./config.ts";
import { emit } from "./measure.ts";
import { connections } from "./scenarios/connections.ts";
import { echo } from "./scenarios/echo.ts";
import { fanout } from "./scenarios/fanout.ts";
import { polling } from "./scenarios/polling.ts";
import { slowReaders } from "./scenarios/slow_readers.ts";
import { soak } from "./scenarios/soak.ts";

const runners: Record<
  Config["scenario"],
  (config: Config) => Promise<Record<string, unknown>>
> = {
  echo: (config) => echo(config, false),
  binary: (config) => echo(config, true),
  fanout: (config) => fanout(config, 0),
  rooms: (config) => fanout(config, config.rooms ?? 100),
  connections,
  polling,
  soak,
  "slow-readers": slowReaders,
};

const config: Config = JSON.parse(process.argv[2] ?? "{}");
try {
  const result = await runners[config.scenario](config);
  emit({ event: "result", ...result });
  process.exit(0);
} catch (error) {
  emit({ event: "error", message: String((error as Error)?.message ?? error) });
  process.exit(1);
}
