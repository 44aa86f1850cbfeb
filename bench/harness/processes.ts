/**
 * The processes of a benchmark run: finding Bun, the command line of each
 * server implementation, a process pinned to one core with a raised
 * descriptor limit, the servers themselves (started through the tests'
 * {@linkcode startServer}), the Redis of the cross-node scenarios, and the
 * commit measured.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { freePort, type ServerProcess, startServer } from "../../tests/conformance/spawn.ts";
import { redisVersion } from "../../tests/redis_server.ts";
import type { Impl } from "../targets.ts";

/** The repository's root, with a trailing slash. */
export const root: string = fileURLToPath(new URL("../../", import.meta.url));

/** The servers' core; the load generator runs on the other. */
export const SERVER_CORE = 0;
export const GENERATOR_CORE = 1;

/** Runs a command to its end: its exit code (127 when it cannot start) and its trimmed stdout. */
export async function output(
  cmd: string,
  argv: string[],
  cwd = root,
): Promise<[number, string]> {
  try {
    const r = await new Deno.Command(cmd, { args: argv, cwd, stdout: "piped", stderr: "piped" })
      .output();
    return [r.code, new TextDecoder().decode(r.stdout).trim()];
  } catch {
    return [127, ""];
  }
}

/** Bun: `WEBIO_BUN`, else the one on PATH, else one through `npx -y bun@1`. */
export async function findBun(): Promise<string> {
  if (Deno.env.get("WEBIO_BUN")) return Deno.env.get("WEBIO_BUN")!;
  if ((await output("bun", ["--version"]))[0] === 0) return "bun";
  const [code, path] = await output("npx", ["-y", "bun@1", "-e", "console.log(process.execPath)"]);
  if (code !== 0 || !path) throw new Error("Cannot find Bun (npx -y bun@1 failed)");
  return path.split("\n").pop()!;
}

/** Finds Bun, checks for `taskset` and `node`, installs the reference packages of bench/. */
export async function prepare(): Promise<string> {
  const bun = await findBun();
  for (const tool of ["taskset", "node"]) {
    if ((await output(tool, ["--version"]))[0] === 127) throw new Error(`${tool} is required`);
  }
  const [installCode] = await output(bun, ["install", "--silent"], root + "bench");
  if (installCode !== 0) throw new Error("bun install in bench/ failed");
  return bun;
}

/** A command line run pinned to `core` (`taskset`) with the hard limit of open descriptors. */
export function pinnedCommand(core: number, argv: string[]): string[] {
  return ["bash", "-c", `ulimit -n $(ulimit -Hn); exec taskset -c ${core} "$@"`, "--", ...argv];
}

/** Spawns `argv` pinned to `core` in the repository's root, its stdout and stderr piped. */
export function spawnPinned(core: number, argv: string[]): Deno.ChildProcess {
  const [cmd, ...args] = pinnedCommand(core, argv);
  return new Deno.Command(cmd, {
    args,
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Each implementation's server: its command line (scripts from the root) and environment. */
function serverSpec(impl: Impl, bun: string): { argv: string[]; env?: Record<string, string> } {
  const deno = Deno.execPath();
  switch (impl) {
    case "webio-bun":
      return { argv: [bun, "run", "bench/servers/webio.ts"] };
    case "webio-deno":
      return { argv: [deno, "run", "-A", "--no-check", "bench/servers/webio.ts"] };
    case "socketio-node":
      return { argv: ["node", "bench/servers/socketio.mjs"] };
    case "socketio-bun":
      return { argv: [bun, "run", "bench/servers/socketio.mjs"], env: { ENGINE: "bun" } };
    case "bare-bun":
      return { argv: [bun, "run", "bench/servers/bare_bun.ts"] };
    // The bare Bun echo with the JSON decode and encode that Socket.IO requires (echo only).
    case "bare-bun-json":
      return { argv: [bun, "run", "bench/servers/bare_bun.ts"], env: { DECODE: "json" } };
    case "bare-deno":
      return { argv: [deno, "run", "-A", "--no-check", "bench/servers/bare_deno.ts"] };
  }
}

/** Starts `impl`'s server pinned to the servers' core, on a free port. */
export function startPinnedServer(
  impl: Impl,
  bun: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const spec = serverSpec(impl, bun);
  const argv = spec.argv.map((a) => a.startsWith("bench/") ? root + a : a);
  return startServer(impl, {
    command: pinnedCommand(SERVER_CORE, argv),
    env: { ...spec.env, ...env },
    timeout: 20_000,
  });
}

/** Runs `fn` with a redis-server on a free port, pinned to the servers' core. */
export async function withRedis<T>(fn: (port: number) => Promise<T>): Promise<T> {
  redisVersion(); // installed, or an install hint
  const port = await freePort();
  const redis = await startServer("redis-server", {
    port,
    command: pinnedCommand(SERVER_CORE, [
      "redis-server",
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ]),
    timeout: 10_000,
  });
  try {
    return await fn(redis.port);
  } finally {
    await redis.stop();
  }
}

/** The short commit of the tree, with "+changes" when tracked files differ; "?" without git. */
export async function commitOf(): Promise<string> {
  const [code, head] = await output("git", ["-C", root, "rev-parse", "--short", "HEAD"]);
  if (code !== 0) return "?";
  const [, changes] = await output("git", ["-C", root, "status", "--porcelain", "-uno"]);
  return changes ? head + "+changes" : head;
}
