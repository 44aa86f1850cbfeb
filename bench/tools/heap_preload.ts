/**
 * Preloaded into a Bun benchmark server by bench/tools/heap.ts: on SIGUSR1, a full
 * garbage collection, then a heap snapshot (V8 format) written to
 * `$HEAP_SNAPSHOT_DIR/<n>.heapsnapshot`, and a line "snapshot <n>" on stderr.
 *
 * @module
 */
import process from "node:process";

// deno-lint-ignore no-explicit-any
const Bun = (globalThis as any).Bun;
const dir = process.env.HEAP_SNAPSHOT_DIR;
let taken = 0;
if (Bun && dir) {
  process.on("SIGUSR1", async () => {
    Bun.gc(true);
    const n = taken++;
    await Bun.write(`${dir}/${n}.heapsnapshot`, Bun.generateHeapSnapshot("v8"));
    process.stderr.write(`snapshot ${n}\n`);
  });
}
