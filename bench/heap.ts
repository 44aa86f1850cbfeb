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
import { flags } from "./inprocess.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
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

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Waits for `line` on a stream of lines, at most `ms`. */
async function lineFrom(
  lines: AsyncIterator<string>,
  match: string,
  ms: number,
): Promise<void> {
  const deadline = Date.now() + ms;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no "${match}" within ${ms} ms`)),
      ms,
    );
  });
  try {
    while (Date.now() < deadline) {
      const next = await Promise.race([lines.next(), timeout]);
      if (next.done) throw new Error(`stream ended before "${match}"`);
      if (next.value.includes(match)) return;
    }
  } finally {
    clearTimeout(timer);
  }
}

async function* splitLines(
  stream: ReadableStream<Uint8Array<ArrayBuffer>>,
): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    let nl;
    while ((nl = rest.indexOf("\n")) !== -1) {
      yield rest.slice(0, nl);
      rest = rest.slice(nl + 1);
    }
  }
}

async function measure(impl: string): Promise<Record<string, unknown>> {
  const spec = IMPLS[impl];
  if (!spec) {
    throw new Error(`Cannot measure ${impl}: not one of ${Object.keys(IMPLS)}`);
  }
  const dir = await Deno.makeTempDir({ prefix: "webio-heap-" });
  const port = freePort();
  const server = new Deno.Command("bash", {
    args: [
      "-c",
      'ulimit -n $(ulimit -Hn); exec "$@"',
      "--",
      bun,
      "run",
      "--preload",
      "./bench/heap_preload.ts",
      spec.file,
    ],
    cwd: root,
    env: { PORT: String(port), HEAP_SNAPSHOT_DIR: dir, ...spec.env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const serverLines = splitLines(server.stderr)[Symbol.asyncIterator]();
  let generator: Deno.ChildProcess | null = null;
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`${impl} did not start`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    Deno.kill(server.pid, "SIGUSR1");
    await lineFrom(serverLines, "snapshot 0", 30_000);
    generator = new Deno.Command("bash", {
      args: [
        "-c",
        'ulimit -n $(ulimit -Hn); exec "$@"',
        "--",
        bun,
        "bench/loadgen.ts",
        JSON.stringify({
          scenario: "connections",
          clients,
          parallel: 128,
          hold: 30,
          ports: [port],
        }),
      ],
      cwd: root,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    await lineFrom(
      splitLines(generator.stdout)[Symbol.asyncIterator](),
      '"holding"',
      60_000,
    );
    Deno.kill(server.pid, "SIGUSR1");
    await lineFrom(serverLines, "snapshot 1", 60_000);
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
    try {
      server.kill("SIGKILL");
    } catch { /* gone */ }
    await server.status;
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
