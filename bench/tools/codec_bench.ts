/**
 * Codec throughput: our protocol codecs against the npm reference codecs, in
 * the same process and run. One JSON line per case, with the ratio
 * ours/reference (above 1 means we are faster).
 *
 *   deno run -A bench/tools/codec_bench.ts [--seconds 0.5]
 *
 * @module
 */

import * as refEngine from "engine.io-parser";
import * as refSocket from "socket.io-parser";
import * as refMsgpack from "socket.io-msgpack-parser";
import { Buffer } from "node:buffer";
import {
  decodePayload,
  defaultParser,
  encodePayload,
  msgpackParser,
  type Packet,
} from "../../protocol/mod.ts";

const seconds = Number(Deno.args[Deno.args.indexOf("--seconds") + 1]) || 0.5;
const runtime = `deno ${Deno.version.deno}`;

/** Runs `fn` in batches for about `seconds`; returns operations per second. */
function measure(fn: () => void): number {
  for (let i = 0; i < 200; i++) fn(); // warm up
  let ops = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 100; i++) fn();
    ops += 100;
    now = performance.now();
  }
  return ops / ((now - start) / 1000);
}

function report(bench: string, ours: number, ref: number): void {
  console.log(JSON.stringify({
    bench,
    runtime,
    ours_ops: Math.round(ours),
    ref_ops: Math.round(ref),
    ratio: Number((ours / ref).toFixed(2)),
  }));
}

const typical: Packet = {
  type: 2,
  nsp: "/",
  id: 12,
  data: ["chat message", {
    user: "ada",
    text: "hello there",
    ts: 1700000000000,
  }],
};
const binary: Packet = {
  type: 2,
  nsp: "/files",
  data: ["upload", { name: "a.png", data: new Uint8Array(4096).fill(7) }],
};
const large: Packet = {
  type: 2,
  nsp: "/",
  data: [
    "state",
    Array.from(
      { length: 200 },
      (_, i) => ({
        id: i,
        name: `item ${i}`,
        tags: ["a", "b"],
        score: i * 1.5,
      }),
    ),
  ],
};

const ourEncoder = defaultParser.createEncoder();
const refEncoder = new refSocket.Encoder();
for (
  const [name, packet] of [["typical", typical], ["binary 4KiB", binary], [
    "large",
    large,
  ]] as const
) {
  report(
    `socket.io encode ${name}`,
    measure(() => ourEncoder.encode(packet)),
    measure(() => refEncoder.encode(packet)),
  );
  const frames = ourEncoder.encode(packet);
  const ourDecoder = defaultParser.createDecoder();
  const refDecoder = new refSocket.Decoder();
  refDecoder.on("decoded", () => {});
  report(
    `socket.io decode ${name}`,
    measure(() => {
      for (const f of frames) ourDecoder.add(f);
    }),
    measure(() => {
      for (const f of frames) refDecoder.add(f);
    }),
  );
}

const ourMsgpack = msgpackParser.createEncoder();
const refMsgpackEncoder = new refMsgpack.Encoder();
for (
  const [name, packet] of [["typical", typical], ["large", large]] as const
) {
  report(
    `msgpack encode ${name}`,
    measure(() => ourMsgpack.encode(packet)),
    measure(() => refMsgpackEncoder.encode(packet)),
  );
  const [bytes] = ourMsgpack.encode(packet);
  const ourDecoder = msgpackParser.createDecoder();
  // Both sides get a Buffer view of the same bytes (what a Node socket delivers).
  const nodeBytes = Buffer.from(bytes);
  const refDecoder = new refMsgpack.Decoder();
  refDecoder.on("decoded", () => {});
  report(
    `msgpack decode ${name}`,
    measure(() => ourDecoder.add(nodeBytes)),
    measure(() => refDecoder.add(nodeBytes)),
  );
}

const payloadPackets = [
  { type: "message" as const, data: '2["chat message","hello there"]' },
  { type: "message" as const, data: new Uint8Array(1024).fill(3) },
  { type: "ping" as const },
];
let refPayload = "";
refEngine.encodePayload(payloadPackets, (p: string) => (refPayload = p));
report(
  "engine.io encode payload",
  measure(() => encodePayload(payloadPackets)),
  measure(() => refEngine.encodePayload(payloadPackets, () => {})),
);
report(
  "engine.io decode payload",
  measure(() => decodePayload(refPayload)),
  measure(() => refEngine.decodePayload(refPayload)),
);
