/**
 * Differential server tests: the same probes (tests/interop/differential/
 * probe.mjs, run by Node with node:http, node-fetch 3 and ws 8) against the
 * reference (socket.io 4.8.1 / engine.io 6.6.4 on node:http, under Node) and
 * against webio served by Deno and by Bun, with the same configuration and
 * behaviour (differential/behaviour.mjs). webio passes when a Node client
 * observes the same thing from it as from the reference, probe by probe.
 *
 * Runs under Deno only: the Deno run already drives webio's Bun server as a
 * child process, so running the same file under `bun test` would repeat it.
 *
 * @module
 */

import { execFile } from "node:child_process";
import { startServer } from "../conformance/spawn.ts";
import { runtime, test } from "../harness.ts";
import {
  compareObservations,
  type Observations,
  parseObservations,
  type Skips,
} from "./differential/compare.ts";

const dir = new URL("./differential/", import.meta.url).pathname;

/** The configurations the probes expect, by scenario name (see probe.mjs). */
const SCENARIOS: Record<
  string,
  { options: Record<string, unknown>; refuse?: string }
> = {
  main: {
    options: {
      cors: { origin: "*", credentials: true },
      maxHttpBufferSize: 1000,
      pingInterval: 20_000,
      pingTimeout: 10_000,
    },
    refuse: "refused by test",
  },
  alt: {
    options: {
      addTrailingSlash: false,
      serveClient: false,
      cookie: true,
      transports: ["polling"],
      pingInterval: 20_000,
      pingTimeout: 10_000,
    },
  },
};

/**
 * Probes left out of the comparison, each with the reason the difference is
 * intended. (Field-level normalisations — ids, the served bundle's bytes and
 * ETag value, Connection: keep-alive, Content-Length — are in probe.mjs.)
 */
const SKIPS: Skips = {};

function probe(url: string, scenario: string): Promise<Observations> {
  return new Promise((resolve, reject) => {
    execFile(
      "node",
      [dir + "probe.mjs", url, scenario],
      { timeout: 40_000, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`probe.mjs failed: ${error.message}\n${stderr}`));
        } else resolve(parseObservations(stdout));
      },
    );
  });
}

/**
 * Intended difference, Bun only: Bun enforces maxHttpBufferSize while it reads a WebSocket
 * message (its maxPayloadLength) and closes with 1009 and its own reason, "Received too big
 * message", where the reference's ws sends 1009 and no reason. The code is still compared; the
 * reason of exactly that close is left out.
 */
function bunTooBigReason(observations: Observations): void {
  for (const observation of observations.values()) {
    const close = (observation as { close?: { code?: number; reason?: string } }).close;
    if (close?.code === 1009 && close.reason === "Received too big message") close.reason = "";
  }
}

/** Probes a server; the observations carry the server's output under "<server output>". */
async function observe(
  script: string,
  which: "node" | "deno" | "bun",
  scenario: string,
): Promise<{ observations: Observations; output: string }> {
  const server = await startServer(dir + script, {
    runtime: which,
    env: { DIFF_CONFIG: JSON.stringify(SCENARIOS[scenario]) },
  });
  try {
    const observations = await probe(server.url, scenario);
    const crash = observations.get("<probe script>");
    if (crash) {
      throw new Error(`probe.mjs crashed against ${which}: ${crash.crashed}`);
    }
    return { observations, output: server.output() };
  } finally {
    await server.stop();
  }
}

// The reference's observations, probed once per scenario and shared by both runtimes' tests.
const references = new Map<
  string,
  Promise<{ observations: Observations; output: string }>
>();
function reference(
  scenario: string,
): Promise<{ observations: Observations; output: string }> {
  let observed = references.get(scenario);
  if (!observed) {
    observed = observe("reference_server.mjs", "node", scenario);
    references.set(scenario, observed);
  }
  return observed;
}

for (const scenario of Object.keys(SCENARIOS)) {
  for (const which of ["deno", "bun"] as const) {
    test(
      `differential server [${scenario}]: webio on ${which} is observed like socket.io 4.8.1`,
      async () => {
        const [ref, webio] = await Promise.all([
          reference(scenario),
          observe("webio_server.ts", which, scenario),
        ]);
        if (which === "bun") bunTooBigReason(webio.observations);
        const { report, failed, compared } = compareObservations(
          ref.observations,
          webio.observations,
          SKIPS,
        );
        if (failed.length > 0) {
          const output = webio.output.trim();
          throw new Error(
            `webio on ${which} differs from the reference in ${failed.length} of ${compared} ` +
              `probes (scenario ${scenario}):\n${report}` +
              (output ? `\nwebio's server printed:\n${output.slice(-3000)}` : ""),
          );
        }
      },
      // Skipped under Bun: the Deno run already drives webio's Bun server.
      { timeout: 60_000, sanitize: false, ignore: runtime === "bun" },
    );
  }
}
