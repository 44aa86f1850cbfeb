/**
 * Starts a fetch handler on 127.0.0.1 on a free port in the runtime that runs
 * the test (`Deno.serve` or `Bun.serve`), for in-process real-server tests.
 *
 * @module
 */

import type { ServeHandler } from "../server/mod.ts";

/** A running server. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Serves `handler` on a free loopback port. */
export function serve(handler: ServeHandler): Promise<TestServer> {
  // deno-lint-ignore no-explicit-any
  const runtime = globalThis as any;
  if (runtime.Bun) {
    const server = runtime.Bun.serve({ port: 0, hostname: "127.0.0.1", ...handler });
    return Promise.resolve({
      url: `http://127.0.0.1:${server.port}`,
      port: server.port,
      close: async () => {
        await server.stop(true);
      },
    });
  }
  return new Promise((resolve) => {
    const server = Deno.serve({
      port: 0,
      hostname: "127.0.0.1",
      onListen: ({ port }) =>
        resolve({
          url: `http://127.0.0.1:${port}`,
          port,
          close: async () => {
            await server.shutdown();
          },
        }),
    }, handler);
  });
}
