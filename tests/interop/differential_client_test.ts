/**
 * Differential client tests: one scenario (differential/client_scenario.ts)
 * run with the official socket.io-client 4.8.1 and with webio's client
 * against the reference server (socket.io 4.8.1 on Node, see
 * differential/behaviour.mjs), over polling and over WebSocket. webio's
 * client passes when its event log equals the official client's, step by
 * step.
 *
 * Runs under Deno only (both clients load there, the official one through
 * its npm: import with Node's conditions), skipped under Bun to keep the
 * suite fast: the scenario compares client logic that is the same code on
 * both runtimes; webio's client on Bun's own fetch and WebSocket is driven
 * by the other interop tests.
 *
 * Not compared here: `closeOnBeforeunload`, which needs a page's
 * "beforeunload" event (there is none outside a browser). Compared after
 * normalising: `socket.recovered` (its truth value: the official client
 * leaves `undefined` where webio has `false`), and the "error" event Deno's
 * WebSocket fires when the server process exits, where Node's `ws`, Bun and
 * browsers fire only "close" (see `normaliseDenoEof` in the scenario).
 *
 * @module
 */

import { io as officialIo } from "socket.io-client";
import { io as webioIo } from "../../client/mod.ts";
import { type ServerProcess, startServer } from "../conformance/spawn.ts";
import { runtime, test } from "../harness.ts";
import { compareObservations, type Observations } from "./differential/compare.ts";
import { type ClientLog, clientScenario, type IoFunction } from "./differential/client_scenario.ts";

const dir = new URL("./differential/", import.meta.url).pathname;
const config = {
  options: { pingInterval: 1000, pingTimeout: 1000, connectTimeout: 2000 },
};

async function run(
  io: IoFunction,
  transport: "polling" | "websocket",
): Promise<ClientLog> {
  const env = { DIFF_CONFIG: JSON.stringify(config) };
  let server: ServerProcess = await startServer(dir + "reference_server.mjs", {
    runtime: "node",
    env,
  });
  const port = server.port;
  try {
    return await clientScenario(io, server.url, transport, {
      stop: () => server.stop(),
      async start() {
        server = await startServer(dir + "reference_server.mjs", {
          runtime: "node",
          env,
          port,
        });
      },
    });
  } finally {
    await server.stop();
  }
}

const asObservations = (log: ClientLog): Observations =>
  new Map(
    Object.entries(log).map(([step, lines]) => [step, { events: lines }]),
  );

for (const transport of ["polling", "websocket"] as const) {
  test(
    `differential client [${transport}]: webio's client logs what socket.io-client 4.8.1 logs`,
    async () => {
      const official = await run(
        officialIo as unknown as IoFunction,
        transport,
      );
      const webio = await run(webioIo as unknown as IoFunction, transport);
      const { report, failed, compared } = compareObservations(
        asObservations(official),
        asObservations(webio),
      );
      if (failed.length > 0) {
        throw new Error(
          `webio's client differs from socket.io-client in ${failed.length} of ${compared} ` +
            `steps (${transport}):\n${report}\n\nsocket.io-client's log:\n` +
            JSON.stringify(official, null, 1),
        );
      }
    },
    // Skipped under Bun: see the module doc.
    { timeout: 60_000, sanitize: false, ignore: runtime === "bun" },
  );
}
