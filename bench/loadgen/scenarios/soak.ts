/**
 * Soak: connect/disconnect cycles, half over WebSocket and half over
 * long-polling, `clients` at a time; the harness compares the server's
 * memory halfway and at the end.
 *
 * @module
 */

import { type Config, portOf } from "../config.ts";
import { Http, pollingHandshake } from "../http.ts";
import { DEADLINE, emit } from "../measure.ts";
import { Conn, open } from "../websocket.ts";

export async function soak(config: Config): Promise<Record<string, unknown>> {
  const cycles = config.cycles ?? 100_000;
  const parallel = config.clients || 50;
  let done = 0;
  let wsCycles = 0;
  let pollingCycles = 0;
  const t0 = performance.now();
  const oneWebSocket = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const conn = new Conn(i, portOf(config, i));
      conn.onConnected = (c) => {
        c.socket?.end();
        resolve();
      };
      open(conn).catch(reject);
    });
  const onePolling = async (i: number) => {
    const http = new Http(portOf(config, i));
    await http.connect();
    const sid = await pollingHandshake(http);
    await http.request("POST", `&sid=${sid}`, "1");
    http.close();
  };
  let next = 0;
  const worker = async () => {
    while (next < cycles && Date.now() < DEADLINE) {
      const i = next++;
      if (i % 2 === 0) {
        await oneWebSocket(i);
        wsCycles++;
      } else {
        await onePolling(i);
        pollingCycles++;
      }
      done++;
      if (done === Math.min(2000, cycles)) emit({ event: "start" });
      if (done === Math.floor(cycles / 2)) emit({ event: "half" });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return {
    cycles: done,
    websocket: wsCycles,
    polling: pollingCycles,
    cyclesPerSec: done / ((performance.now() - t0) / 1000),
  };
}
