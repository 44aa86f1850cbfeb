/**
 * Connections: bursts of full Engine.IO + Socket.IO handshakes into a fresh
 * server, held idle while the harness reads the server's memory.
 *
 * @module
 */

import process from "node:process";
import { type Config, portOf } from "../config.ts";
import { emit, sleep } from "../measure.ts";
import { closeAll, Conn, openAll } from "../websocket.ts";

/** One burst of `config.clients` connections, between the events `<prefix>start` and `<prefix>holding`. */
async function burst(
  config: Config,
  prefix: string,
): Promise<{ conns: Conn[]; seconds: number; cpu: number }> {
  emit({ event: prefix + "start" }); // the harness samples the server's CPU from here to "holding"
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const conns = await openAll(
    config.clients,
    (i) => new Conn(i, portOf(config, i)),
    config.parallel ?? 128,
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  emit({ event: prefix + "holding", connections: conns.length });
  return { conns, seconds, cpu: (cpu.user + cpu.system) / 1e6 / seconds };
}

/**
 * The first burst into a fresh server (its connect path not yet compiled: what a restarted
 * server meets when every client reconnects), held while the harness reads the server's
 * memory; with `warm`, a second burst after the first one's connections closed, as every other
 * scenario measures after a warm-up.
 */
export async function connections(config: Config): Promise<Record<string, unknown>> {
  const cold = await burst(config, "");
  // Idle connections stay open (answering pings) while the harness reads the server's memory.
  await sleep((config.hold ?? 3) * 1000);
  const alive = cold.conns.filter((c) => !c.closed).length;
  closeAll(cold.conns);
  const result: Record<string, unknown> = {
    connectsPerSec: cold.conns.length / cold.seconds,
    alive,
    generatorCpu: cold.cpu,
  };
  if (config.warm) {
    await sleep(config.warm * 1000); // the server closes the first burst's connections
    const warm = await burst(config, "warm-");
    await sleep(500);
    closeAll(warm.conns);
    result.connectsPerSecWarm = warm.conns.length / warm.seconds;
    result.generatorCpuWarm = warm.cpu;
  }
  return result;
}
