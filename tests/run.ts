/**
 * The test command: runs the whole suite under Deno and under Bun, streams
 * their output, and ends with one line `N passed, N failed` (both runtimes'
 * counts added). Exits non-zero on any failure or when a runtime ran no test.
 *
 * Usage: `deno run -A tests/run.ts [--deno-only | --bun-only] [path ...]`
 *
 * Bun comes from PATH, else through `npx -y bun@1`. System packages the tests
 * need (redis-server, chromium, openssl) are installed with apt-get when they
 * are missing and this user may; otherwise the command stops at once with one
 * line naming them.
 *
 * @module
 */

const args = Deno.args.filter((a) => !a.startsWith("--"));
const denoOnly = Deno.args.includes("--deno-only");
const bunOnly = Deno.args.includes("--bun-only");
const root = new URL("..", import.meta.url).pathname;
// Tests that start servers under the other runtime find both executables here.
const env: Record<string, string> = {
  NO_COLOR: "1",
  FORCE_COLOR: "0",
  WEBIO_DENO: Deno.execPath(),
  DEBIAN_FRONTEND: "noninteractive",
};

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

async function run(
  cmd: string,
  cmdArgs: string[],
  cwd = root,
): Promise<{ code: number; out: string }> {
  const child = new Deno.Command(cmd, {
    args: cmdArgs,
    cwd,
    env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let out = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>, sink: typeof Deno.stdout) => {
    for await (const chunk of stream) {
      out += decoder.decode(chunk, { stream: true });
      await sink.write(chunk);
    }
  };
  await Promise.all([pump(child.stdout, Deno.stdout), pump(child.stderr, Deno.stderr)]);
  const { code } = await child.status;
  return { code, out };
}

async function which(name: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

function parseDeno(out: string): Counts {
  // "ok | 12 passed | 0 failed | 1 ignored (3s)" or "FAILED | 11 passed | 1 failed (3s)"
  const line = out.split("\n").reverse().find((l) => /\d+ passed.*\d+ failed/.test(l)) ?? "";
  const num = (re: RegExp) => Number(line.match(re)?.[1] ?? 0);
  return {
    passed: num(/(\d+) passed/),
    failed: num(/(\d+) failed/),
    skipped: num(/(\d+) ignored/),
  };
}

function parseBun(out: string): Counts {
  const num = (re: RegExp) => Number(out.match(re)?.[1] ?? 0);
  return {
    passed: num(/^\s*(\d+) pass$/m),
    failed: num(/^\s*(\d+) fail$/m),
    skipped: num(/^\s*(\d+) skip$/m),
  };
}

/** The Bun executable: from PATH, else the one `npx -y bun@1` brings. */
async function findBun(): Promise<string> {
  if (await which("bun")) return "bun";
  const { code, out } = await run("npx", ["-y", "bun@1", "-e", "console.log(process.execPath)"]);
  const path = out.trim().split("\n").pop() ?? "";
  if (code !== 0 || !path) throw new Error("Cannot find Bun: npx -y bun@1 failed");
  return path;
}

/** The system programs the tests need, by the Debian/Ubuntu package that brings each. */
const SYSTEM_NEEDS: Record<string, string> = {
  "redis-server": "redis-server", // the Redis adapter and cluster tests
  chromium: "chromium", // the browser tests (playwright-core drives it; no browser download)
  openssl: "openssl", // the TLS tests' certificates
};

/**
 * Installs the missing system packages with apt-get when this user may (root,
 * or sudo without a password); otherwise stops before running anything, with
 * one line naming what to install.
 */
async function setUpSystem(): Promise<void> {
  const missing: string[] = [];
  for (const [program, pkg] of Object.entries(SYSTEM_NEEDS)) {
    if (!(await which(program))) missing.push(pkg);
  }
  if (missing.length === 0) return;
  const root = Deno.uid?.() === 0;
  const sudo = !root && (await which("sudo")) &&
    (await new Deno.Command("sudo", { args: ["-n", "true"], stdout: "null", stderr: "null" })
      .output()).success;
  if (!(await which("apt-get")) || (!root && !sudo)) {
    console.error(
      `Cannot run the tests: install ${missing.join(", ")} (e.g. sudo apt-get install -y ` +
        `${missing.join(" ")}), then run this command again`,
    );
    Deno.exit(1);
  }
  const prefix = root ? [] : ["sudo", "-n"];
  console.log(`== apt-get install ${missing.join(" ")}`);
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends"]]) {
    const cmd = [...prefix, "apt-get", ...args, ...(args[0] === "install" ? missing : [])];
    const { code } = await run(cmd[0], cmd.slice(1));
    if (code !== 0) {
      console.error(`Cannot run the tests: "${cmd.join(" ")}" failed (exit ${code})`);
      Deno.exit(1);
    }
  }
}

await setUpSystem();
const bun = await findBun();
env.WEBIO_BUN = bun;

// The interop tests of both runtimes read files of the pinned reference
// packages (the official browser bundle) from tests/interop/node_modules.
await run(bun, ["install", "--silent"], root + "tests/interop");

const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
let ok = true;

if (!bunOnly) {
  console.log("== Deno " + Deno.version.deno);
  const { code, out } = await run(Deno.execPath(), ["test", "-A", "--no-check=remote", ...args]);
  const counts = parseDeno(out);
  console.log(
    `== Deno: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`,
  );
  if (code !== 0 || counts.passed === 0) ok = false;
  totals.passed += counts.passed;
  totals.failed += counts.failed + (code !== 0 && counts.failed === 0 ? 1 : 0);
  totals.skipped += counts.skipped;
}

if (!denoOnly) {
  const bunArgs: string[] = [];
  const { out: version } = await run(bun, [...bunArgs, "--version"]);
  console.log("== Bun " + version.trim());
  const { code, out } = await run(bun, [...bunArgs, "test", "--timeout", "30000", ...args]);
  const counts = parseBun(out);
  console.log(
    `== Bun: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`,
  );
  if (code !== 0 || counts.passed === 0) ok = false;
  totals.passed += counts.passed;
  totals.failed += counts.failed + (code !== 0 && counts.failed === 0 ? 1 : 0);
  totals.skipped += counts.skipped;
}

console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
Deno.exit(ok ? 0 : 1);
