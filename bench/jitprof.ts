/**
 * Where a Bun server's JavaScript time goes, at the level of the machine code
 * JavaScriptCore made: `perf` samples of the server attributed to the
 * functions of the JIT dump the server wrote (its Baseline, DFG and FTL code,
 * named), the rest summed by shared object (kernel, `bun`, libc). Bun's own
 * profiler samples at function level from the JavaScript thread; this sees
 * every thread and every instruction, so it also shows what the JIT code
 * waits on (with `--annotate`, the disassembly of one function with the
 * samples of each instruction).
 *
 * Record (Linux, `perf` installed; the dump directory must exist):
 *
 * ```sh
 * BUN_JSC_useJITDump=1 BUN_JSC_jitDumpDirectory=/tmp/jd taskset -c 0 bun bench/servers/webio.ts &
 * # ... start the load, then, for a few seconds of it:
 * perf record -F 4999 -p <server pid> -o /tmp/jd/perf.data -- sleep 3
 * ```
 *
 * Then `deno run -A bench/jitprof.ts /tmp/jd/jit-<pid>-<tid>.dump /tmp/jd/perf.data
 * [--top=40] [--annotate=<part of a function name>]` (`--annotate` needs `objdump`).
 * `perf inject --jit` cannot be used instead: JavaScriptCore names its dump
 * `jit-<pid>-<tid>.dump`, which perf does not pick up.
 *
 * @module
 */
import { flags } from "./inprocess.ts";

/** One function's machine code, as a JIT_CODE_LOAD record of the dump gives it. */
export interface JitCode {
  start: number;
  end: number;
  name: string;
  code: Uint8Array;
}

const JIT_CODE_LOAD = 0;

/**
 * Reads the JIT_CODE_LOAD records of a jitdump file (the format of Linux
 * perf's `jitdump-specification.txt`), sorted by address. A code range that a
 * later record reuses keeps the later record's name.
 */
export function readJitDump(bytes: Uint8Array): JitCode[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || view.getUint32(0, true) !== 0x4a695444) {
    throw new Error("Cannot read the JIT dump: not a little-endian jitdump file");
  }
  const decoder = new TextDecoder();
  const byStart = new Map<number, JitCode>();
  let offset = view.getUint32(8, true); // the header's own size
  while (offset + 16 <= bytes.length) {
    const id = view.getUint32(offset, true);
    const size = view.getUint32(offset + 4, true);
    if (size < 16 || offset + size > bytes.length) break; // a record cut short by the exit
    if (id === JIT_CODE_LOAD) {
      const start = Number(view.getBigUint64(offset + 32, true));
      const length = Number(view.getBigUint64(offset + 40, true));
      const nameAt = offset + 56;
      const nameEnd = bytes.indexOf(0, nameAt);
      if (nameEnd !== -1 && nameEnd < offset + size) {
        byStart.set(start, {
          start,
          end: start + length,
          name: decoder.decode(bytes.subarray(nameAt, nameEnd)),
          code: bytes.subarray(nameEnd + 1, Math.min(nameEnd + 1 + length, offset + size)),
        });
      }
    }
    offset += size;
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

/** The code that holds `address`, by binary search over the sorted ranges. */
export function findCode(codes: JitCode[], address: number): JitCode | undefined {
  let low = 0;
  let high = codes.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const code = codes[mid];
    if (address < code.start) high = mid - 1;
    else if (address >= code.end) low = mid + 1;
    else return code;
  }
  return undefined;
}

/** Sample counts: per JIT function, per other shared object, and per instruction address. */
export interface Attribution {
  total: number;
  jit: Map<string, number>;
  other: Map<string, number>;
  addresses: Map<number, number>;
}

/** Attributes `perf script -F ip,dso` lines (address, then the object in parentheses). */
export function attribute(codes: JitCode[], script: string): Attribution {
  const result: Attribution = { total: 0, jit: new Map(), other: new Map(), addresses: new Map() };
  for (const line of script.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 1 || fields[0] === "") continue;
    const address = parseInt(fields[0], 16);
    if (Number.isNaN(address)) continue;
    result.total++;
    result.addresses.set(address, (result.addresses.get(address) ?? 0) + 1);
    const code = findCode(codes, address);
    if (code) result.jit.set(code.name, (result.jit.get(code.name) ?? 0) + 1);
    else {
      const dso = (fields[1] ?? "(unknown)").replace(/^\(|\)$/g, "").split("/").pop()!;
      result.other.set(dso, (result.other.get(dso) ?? 0) + 1);
    }
  }
  return result;
}

function top(counts: Map<string, number>, n: number): Array<[string, number]> {
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, n);
}

function percent(count: number, total: number): string {
  return ((100 * count) / total).toFixed(1).padStart(5) + "%";
}

async function annotate(code: JitCode, addresses: Map<number, number>): Promise<string> {
  const file = await Deno.makeTempFile({ suffix: ".bin" });
  try {
    await Deno.writeFile(file, code.code);
    const out = await new Deno.Command("objdump", {
      args: [
        "-D",
        "-b",
        "binary",
        "-mi386:x86-64",
        `--adjust-vma=0x${code.start.toString(16)}`,
        file,
      ],
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    const lines = [];
    for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
      const match = /^\s*([0-9a-f]+):/.exec(line);
      if (!match) continue;
      const count = addresses.get(parseInt(match[1], 16));
      lines.push(`${count ? String(count).padStart(6) : "      "} ${line}`);
    }
    return lines.join("\n");
  } finally {
    await Deno.remove(file);
  }
}

if (import.meta.main) {
  const args = flags(Deno.args);
  const [dump, perfData] = Deno.args.filter((a) => !a.startsWith("--"));
  if (!dump || !perfData) {
    console.error(
      "Usage: deno run -A bench/jitprof.ts <jit dump> <perf.data> [--top=N] [--annotate=name]",
    );
    Deno.exit(2);
  }
  const codes = readJitDump(await Deno.readFile(dump));
  const script = await new Deno.Command("perf", {
    args: ["script", "-i", perfData, "-F", "ip,dso"],
    stderr: "null",
  }).output();
  if (!script.success) throw new Error(`perf script failed on ${perfData}`);
  const result = attribute(codes, new TextDecoder().decode(script.stdout));
  const jitTotal = [...result.jit.values()].reduce((a, b) => a + b, 0);
  console.log(`${result.total} samples, ${percent(jitTotal, result.total)} in JIT code`);
  for (const [dso, count] of top(result.other, 6)) {
    console.log(`${percent(count, result.total)}  ${dso}`);
  }
  console.log("JIT code:");
  for (const [name, count] of top(result.jit, Number(args.get("top") ?? 30))) {
    console.log(`${percent(count, result.total)}  ${count.toString().padStart(6)}  ${name}`);
  }
  const wanted = args.get("annotate");
  if (wanted) {
    // The version of the function that took the most samples.
    const matching = codes.filter((c) => c.name.includes(wanted));
    const sampled = (c: JitCode) =>
      [...result.addresses].reduce((n, [a, k]) => (a >= c.start && a < c.end ? n + k : n), 0);
    const best = matching.sort((a, b) => sampled(b) - sampled(a))[0];
    if (!best) throw new Error(`No JIT code named like "${wanted}"`);
    console.log(`\n${best.name} (${sampled(best)} samples):`);
    console.log(await annotate(best, result.addresses));
  }
}
