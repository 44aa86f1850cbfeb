/**
 * The servers the conformance tests run against: our `server.ts` under the
 * runtime that runs the tests, and the reference (`reference_server.ts`, npm
 * socket.io on Deno) to prove the tests expect what the reference does.
 *
 * @module
 */

import { type ServerProcess, startServer } from "./spawn.ts";

/** A conformance target. */
export interface Target {
  name: string;
  /** Starts the server once, on first use; later calls share it. */
  server(): Promise<ServerProcess>;
  /** Stops the server if it was started. */
  stop(): Promise<void>;
}

function target(name: string, script: string, runtime?: "deno"): Target {
  let started: Promise<ServerProcess> | undefined;
  return {
    name,
    server: () => (started ??= startServer(new URL(script, import.meta.url).pathname, { runtime })),
    async stop() {
      if (started) await (await started).stop();
      started = undefined;
    },
  };
}

/** Our conformance server and the reference one. */
export const TARGETS: Target[] = [
  target("webio", "./server.ts"),
  target("reference", "./reference_server.ts", "deno"),
];
