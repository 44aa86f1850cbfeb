/**
 * Live JavaScript heap per idle connection (`deno task bench:heap`): each
 * Bun server (webio, socket.io + @socket.io/bun-engine, the bare ceiling)
 * takes a heap snapshot after a full GC before and while `--clients`
 * connections (full Engine.IO + Socket.IO handshake, the connection
 * scenario's clients) are held; the difference, divided by the clients, is
 * counted by object type. Unlike RSS this does not move with the GC's timing
 * or the machine's speed: the same code gives the same bytes, so a change in
 * per-connection memory shows up here exactly.
 *
 * Usage: `deno task bench:heap [--clients=2000] [--impl=webio-bun,socketio-bun,bare-bun]
 * [--top=12]`
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { startServer } from "../../tests/conformance/spawn.ts";
import { until } from "../../tests/harness.ts";
import { flags } from "../harness/flags.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
/** Runs the command after it with the hard limit of open descriptors (2,000 clients). */
const unlimited = ["bash", "-c", 'ulimit -n $(ulimit -Hn); exec "$@"', "--"];
const args = flags(Deno.args);
const clients = Number(args.get("clients") ?? 2000);
const top = Number(args.get("top") ?? 12);
const IMPLS: Record<string, { file: string; env?: Record<string, string> }> = {
  "webio-bun": { file: "bench/servers/webio.ts" },
  "socketio-bun": {
    file: "bench/servers/socketio.mjs",
    env: { ENGINE: "bun" },
  },
  "bare-bun": { file: "bench/servers/bare_bun.ts" },
};
const impls = args.get("impl")?.split(",") ?? Object.keys(IMPLS);
const bun = Deno.env.get("WEBIO_BUN") ?? "bun";

const install = await new Deno.Command(bun, {
  args: ["install", "--silent"],
  cwd: root + "bench",
  stdout: "null",
  stderr: "inherit",
}).output();
if (!install.success) throw new Error("bun install in bench/ failed");

/** Counts and self sizes of a V8-format heap snapshot, by node type and name. */
function census(path: string): Map<string, { count: number; bytes: number }> {
  const snapshot = JSON.parse(Deno.readTextFileSync(path));
  const fields: string[] = snapshot.snapshot.meta.node_fields;
  const types: string[] = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const nodes: number[] = snapshot.nodes;
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    // Strings are named by their text: one row for all of them.
    const name = type.endsWith("string") ? "" : String(snapshot.strings[nodes[i + nameAt]]);
    const key = `${type}${name ? ` ${name.slice(0, 48)}` : ""}`;
    const entry = out.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += nodes[i + sizeAt];
    out.set(key, entry);
  }
  return out;
}

/** The heap census of `impl`'s server: snapshots before and while the clients are held. */
async function measure(impl: string): Promise<Record<string, unknown>> {
  const spec = IMPLS[impl];
  if (!spec) {
    throw new Error(`Cannot measure ${impl}: not one of ${Object.keys(IMPLS)}`);
  }
  const dir = await Deno.makeTempDir({ prefix: "webio-heap-" });
  const server = await startServer(impl, {
    command: [
      ...unlimited,
      bun,
      "run",
      "--preload",
      root + "bench/tools/heap_preload.ts",
      root + spec.file,
    ],
    env: { HEAP_SNAPSHOT_DIR: dir, ...spec.env },
    timeout: 20_000,
  });
  let generator: Deno.ChildProcess | null = null;
  try {
    server.signal("SIGUSR1");
    await until(() => server.output().includes("snapshot 0"), 30_000, "heap snapshot 0");
    generator = new Deno.Command(unlimited[0], {
      args: [
        ...unlimited.slice(1),
        bun,
        "bench/loadgen/main.ts",
        JSON.stringify({
          scenario: "connections",
          clients,
          parallel: 128,
          hold: 30,
          ports: [server.port],
        }),
      ],
      cwd: root,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    let generatorOutput = "";
    void (async () => {
      for await (const chunk of generator.stdout.pipeThrough(new TextDecoderStream())) {
        generatorOutput += chunk;
      }
    })();
    await until(() => generatorOutput.includes('"holding"'), 60_000, "the clients connected");
    server.signal("SIGUSR1");
    await until(() => server.output().includes("snapshot 1"), 60_000, "heap snapshot 1");
    const before = census(`${dir}/0.heapsnapshot`);
    const after = census(`${dir}/1.heapsnapshot`);
    const rows = [...after].map(([key, a]) => {
      const b = before.get(key) ?? { count: 0, bytes: 0 };
      return {
        key,
        count: (a.count - b.count) / clients,
        bytes: (a.bytes - b.bytes) / clients,
      };
    });
    // Compiled code grows with what ran, not with how many connections there are.
    const perConnection = rows.filter((r) => !r.key.startsWith("code "));
    const total = perConnection.reduce((sum, r) => sum + r.bytes, 0);
    perConnection.sort((p, q) => q.bytes - p.bytes);
    return {
      impl,
      clients,
      heapBytesPerConnection: Math.round(total),
      byType: perConnection.slice(0, top).filter((r) => Math.abs(r.bytes) >= 1)
        .map((r) => ({
          type: r.key,
          count: Math.round(r.count * 100) / 100,
          bytes: Math.round(r.bytes),
        })),
    };
  } finally {
    try {
      generator?.kill("SIGKILL");
    } catch { /* gone */ }
    await generator?.status;
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

const results: Record<string, unknown>[] = [];
for (const impl of impls) {
  const result = await measure(impl);
  results.push(result);
  console.log(JSON.stringify({ scenario: "heap-per-connection", ...result }));
}
const base = results.find((r) => r.impl === "socketio-bun")
  ?.heapBytesPerConnection as
    | number
    | undefined;
console.log(
  `\n| impl | JS heap per idle connection | vs socket.io + bun-engine |`,
);
console.log(`|---|---|---|`);
for (const r of results) {
  const bytes = r.heapBytesPerConnection as number;
  console.log(
    `| ${r.impl} | ${bytes} B | ${base ? (bytes / base).toFixed(2) + "x" : "-"} |`,
  );
}
for (const r of results) {
  console.log(`\n${r.impl}, bytes per connection by type:`);
  for (
    const t of r.byType as { type: string; count: number; bytes: number }[]
  ) {
    console.log(
      `  ${String(t.bytes).padStart(6)}  ${String(t.count).padStart(6)} x ${t.type}`,
    );
  }
}
