/**
 * Starts a server script as a child process on a free loopback port, under
 * the runtime that runs the tests (Deno runs it with `deno run -A`, Bun with
 * `bun run`), and stops it again. Used by tests that need a real server in
 * its own process.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import process from "node:process";
import { runtime } from "../harness.ts";

/** A running server process. */
export interface ServerProcess {
  /** The port it listens on, on 127.0.0.1. */
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The process id: the server's own when a wrapping `command` execs it. */
  pid: number;
  /** Everything the process printed so far. */
  output(): string;
  /** Sends a signal (SIGSTOP freezes the process: it keeps its sockets but answers nothing). */
  signal(signal: NodeJS.Signals): void;
  /** Stops the process and waits for it to exit. */
  stop(): Promise<void>;
}

/** Options for {@linkcode startServer}. */
export interface StartOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Run under this runtime instead of the one running the tests. */
  runtime?: "deno" | "bun" | "node";
  /** Milliseconds to wait for the port to accept connections. @default 15000 */
  timeout?: number;
  /** The port to listen on; a free one by default. */
  port?: number;
  /** `deno serve` instead of `deno run` (Deno only): the script's default export is served. */
  denoServe?: boolean;
  /**
   * The command line to run in place of the runtime's (`script` then only names the server in
   * errors), e.g. a server pinned to a core by `taskset`; a wrapper should `exec` the server.
   */
  command?: string[];
}

/** Asks the OS for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

function command(which: "deno" | "bun" | "node", script: string): [string, string[]] {
  if (which === "deno") {
    const exe = runtime === "deno" ? Deno.execPath() : process.env.WEBIO_DENO ?? "deno";
    return [exe, ["run", "-A", "--no-check", script]];
  }
  if (which === "bun") {
    return [runtime === "bun" ? process.execPath : process.env.WEBIO_BUN ?? "bun", ["run", script]];
  }
  return ["node", [script]];
}

/** Starts `script` (a path) with PORT set to a free port; resolves once it accepts connections. */
export async function startServer(
  script: string,
  options: StartOptions = {},
): Promise<ServerProcess> {
  const port = options.port ?? await freePort();
  let [exe, args] = command(options.runtime ?? runtime, script);
  if (options.denoServe) {
    args = ["serve", "-A", "--no-check", "--host", "127.0.0.1", "--port", String(port), script];
  }
  if (options.command) [exe, ...args] = options.command;
  const child: ChildProcess = spawn(exe, args, {
    env: { ...process.env, NO_COLOR: "1", PORT: String(port), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + (options.timeout ?? 15_000);
  let exitedEarly = false;
  exited.then(() => (exitedEarly = true));
  while (!(await canConnect(port))) {
    if (exitedEarly) throw new Error(`Server ${script} exited before listening:\n${output}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`Server ${script} did not listen on ${port} in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    output: () => output,
    // process.kill, not child.kill: Deno's child.kill sends only the first signal of a process.
    signal: (signal) => {
      if (!exitedEarly && child.pid) process.kill(child.pid, signal);
    },
    async stop() {
      if (!exitedEarly) {
        if (child.pid) process.kill(child.pid, "SIGCONT");
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.pid && process.kill(child.pid, "SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
  };
}
