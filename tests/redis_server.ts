/**
 * A REAL redis-server for tests, started on a free loopback port (CI installs
 * it with `apt-get install -y redis-server`). Without it, tests that need it
 * fail on purpose with an install hint.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { deferred, withTimeout } from "./harness.ts";
import { freePort } from "./conformance/spawn.ts";

export { freePort };

const INSTALL_HINT =
  "redis-server is not installed: these tests need it (apt-get install -y redis-server)";

export function redisVersion(): [number, number] {
  const result = spawnSync("redis-server", ["--version"]);
  if (result.error || result.status !== 0) throw new Error(INSTALL_HINT);
  const match = /v=(\d+)\.(\d+)/.exec(String(result.stdout));
  if (!match) throw new Error(`Cannot read redis-server version from ${result.stdout}`);
  return [Number(match[1]), Number(match[2])];
}

/** A redis-server child process on 127.0.0.1:port. */
export class RedisServer {
  #proc: ChildProcess;
  readonly exited: Promise<void>;

  private constructor(proc: ChildProcess) {
    this.#proc = proc;
    this.exited = new Promise((resolve) => proc.once("exit", () => resolve()));
  }

  /**
   * Starts redis-server on `port`; `args` are appended to its command line
   * (e.g. the cluster settings of `tests/redis_cluster_server.ts`).
   */
  static async start(port: number, args: readonly string[] = []): Promise<RedisServer> {
    redisVersion();
    const proc = spawn("redis-server", [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      ...args,
    ], { stdio: ["ignore", "pipe", "pipe"] });
    const server = new RedisServer(proc);
    const ready = deferred();
    let output = "";
    proc.stdout!.on("data", (chunk) => {
      output += String(chunk);
      if (output.includes("Ready to accept connections")) ready.resolve();
    });
    proc.stderr!.on("data", (chunk) => output += String(chunk));
    proc.once("error", (error) => ready.reject(new Error(`${INSTALL_HINT} (${error.message})`)));
    proc.once(
      "exit",
      (code) => ready.reject(new Error(`redis-server exited (${code}): ${output}`)),
    );
    try {
      await withTimeout(ready.promise, 5000, "redis-server start");
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.#proc.exitCode === null && this.#proc.signalCode === null;
  }

  async stop(): Promise<void> {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) this.#proc.kill("SIGKILL");
    await this.exited;
    this.#proc.stdout?.destroy();
    this.#proc.stderr?.destroy();
  }
}

export async function withRedis(fn: (port: number) => Promise<void>): Promise<void> {
  const port = await freePort();
  const server = await RedisServer.start(port);
  try {
    await fn(port);
  } finally {
    await server.stop();
  }
}
