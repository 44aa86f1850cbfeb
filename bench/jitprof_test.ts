import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { attribute, findCode, readJitDump } from "./jitprof.ts";

/** A jitdump as perf's specification lays it out: a 40-byte header, then records. */
function jitDump(records: Array<{ id: number; body: Uint8Array }>, cutLast = 0): Uint8Array {
  const header = new Uint8Array(40);
  const h = new DataView(header.buffer);
  h.setUint32(0, 0x4a695444, true); // "JiTD"
  h.setUint32(4, 1, true);
  h.setUint32(8, 40, true);
  const parts = [header];
  for (const { id, body } of records) {
    const record = new Uint8Array(16 + body.length);
    const v = new DataView(record.buffer);
    v.setUint32(0, id, true);
    v.setUint32(4, record.length, true);
    record.set(body, 16);
    parts.push(record);
  }
  const total = parts.reduce((n, p) => n + p.length, 0) - cutLast;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p.subarray(0, Math.min(p.length, total - at)), at);
    at += p.length;
    if (at >= total) break;
  }
  return out;
}

function codeLoad(address: number, code: number[], name: string): { id: number; body: Uint8Array } {
  const nameBytes = new TextEncoder().encode(name);
  const body = new Uint8Array(40 + nameBytes.length + 1 + code.length);
  const v = new DataView(body.buffer);
  v.setUint32(0, 1234, true); // pid
  v.setUint32(4, 1235, true); // tid
  v.setBigUint64(8, BigInt(address), true); // vma
  v.setBigUint64(16, BigInt(address), true); // code address
  v.setBigUint64(24, BigInt(code.length), true);
  v.setBigUint64(32, 7n, true); // code index
  body.set(nameBytes, 40);
  body.set(code, 40 + nameBytes.length + 1);
  return { id: 0, body };
}

test("jitprof: code load records are read with their names, ranges and bytes", () => {
  const dump = jitDump([
    codeLoad(0x7000_0000_1000, [0x90, 0x90, 0xc3], "JSC-FTL: decodeText#A"),
    { id: 2, body: new Uint8Array(24) }, // a JIT_CODE_MOVE-like record: skipped
    codeLoad(0x7000_0000_0000, [0xc3], "JSC-DFG: onPacket#B"),
  ]);
  const codes = readJitDump(dump);
  assert.deepEqual(codes.map((c) => [c.start, c.end, c.name, [...c.code]]), [
    [0x7000_0000_0000, 0x7000_0000_0001, "JSC-DFG: onPacket#B", [0xc3]],
    [0x7000_0000_1000, 0x7000_0000_1003, "JSC-FTL: decodeText#A", [0x90, 0x90, 0xc3]],
  ]);
  assert.equal(findCode(codes, 0x7000_0000_1002)?.name, "JSC-FTL: decodeText#A");
  assert.equal(findCode(codes, 0x7000_0000_1003), undefined);
  assert.equal(findCode(codes, 0x6fff_ffff_ffff), undefined);
});

test("jitprof: reused code ranges keep the later name; a record cut short is dropped", () => {
  const dump = jitDump([
    codeLoad(0x5000, [1, 2], "JSC-Baseline: old#A"),
    codeLoad(0x5000, [3, 4], "JSC-FTL: new#B"),
    codeLoad(0x6000, [5, 6, 7, 8], "JSC-FTL: cut#C"),
  ], 3);
  assert.deepEqual(readJitDump(dump).map((c) => c.name), ["JSC-FTL: new#B"]);
  assert.throws(() => readJitDump(new Uint8Array(40)), /not a little-endian jitdump/);
});

test("jitprof: perf samples are counted per JIT function and per other object", () => {
  const codes = readJitDump(jitDump([
    codeLoad(0x1000, new Array(16).fill(0x90), "JSC-FTL: encodeAckFrame#X"),
  ]));
  const script = [
    "            1004 (/tmp/jit-1.dump)",
    "            1004 ([unknown])",
    "            100f ([unknown])",
    "    ffffffff8100 ([kernel.kallsyms])",
    "          5a2b10 (/root/.npm/_npx/x/node_modules/bun/bin/bun.exe)",
    "",
    "not an address",
  ].join("\n");
  const result = attribute(codes, script);
  assert.equal(result.total, 5);
  assert.deepEqual([...result.jit], [["JSC-FTL: encodeAckFrame#X", 3]]);
  assert.deepEqual([...result.other].sort(), [["[kernel.kallsyms]", 1], ["bun.exe", 1]]);
  assert.equal(result.addresses.get(0x1004), 2);
});
