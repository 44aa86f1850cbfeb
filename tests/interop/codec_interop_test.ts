// Our codecs against the npm reference codecs, both directions, on a large
// generated set of packets (including binary): the reference encodes and we
// decode, and we encode and the reference decodes.
import assert from "node:assert/strict";
import * as refEngine from "engine.io-parser";
import * as refSocket from "socket.io-parser";
import * as refMsgpack from "socket.io-msgpack-parser";
import { seededRandom, test } from "../harness.ts";
import {
  decodePacket,
  decodePayload,
  defaultParser,
  encodePacket,
  encodePayload,
  type EnginePacket,
  msgpackParser,
  type Packet,
  PacketType,
} from "../../protocol/mod.ts";

const COUNT = 2000;
const random = seededRandom(42);
const int = (n: number) => Math.floor(random() * n);

function text(max: number): string {
  // Whole code points only: a lone surrogate has no UTF-8 form on any wire.
  const chars = [...'abcXYZ019 "\\\u00e9\u20ac\u{1f600}{}[],/'];
  let s = "";
  for (let i = 0, n = int(max); i < n; i++) s += chars[int(chars.length)];
  return s;
}

function bytes(max: number): Uint8Array {
  const out = new Uint8Array(int(max));
  for (let i = 0; i < out.length; i++) out[i] = int(256);
  return out;
}

function value(depth = 0): unknown {
  switch (int(depth > 2 ? 4 : 7)) {
    case 0:
      return int(1 << 20) - (1 << 19);
    case 1:
      return text(10);
    case 2:
      return random() < 0.5;
    case 3:
      return random() * 1000;
    case 4:
      return Array.from({ length: int(3) }, () => value(depth + 1));
    case 5:
      return Object.fromEntries(
        Array.from({ length: int(3) }, (_, i) => ["k" + i, value(depth + 1)]),
      );
    default:
      return null;
  }
}

function packet(withBinary: boolean): Packet {
  const nsp = ["/", "/chat", "/a-b"][int(3)];
  const kind = int(5);
  if (kind === 0) {
    return random() < 0.5 ? { type: 0, nsp } : { type: 0, nsp, data: { token: text(6) } };
  }
  if (kind === 1) return { type: 1, nsp };
  if (kind === 4) return { type: 4, nsp, data: { message: text(8) || "x" } };
  const args: unknown[] = [value(), value()];
  if (withBinary) args.push({ file: bytes(16) }, bytes(4));
  if (kind === 2) {
    const p: Packet = { type: 2, nsp, data: ["ev" + text(4), ...args] };
    if (random() < 0.5) p.id = int(10000);
    return p;
  }
  return { type: 3, nsp, id: int(10000), data: args };
}

/** Binary as plain byte arrays, so Buffer, Uint8Array and ArrayBuffer compare equal. */
function normal(v: unknown): unknown {
  if (v instanceof ArrayBuffer) return { bytes: Array.from(new Uint8Array(v)) };
  if (ArrayBuffer.isView(v)) {
    return { bytes: Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
  }
  if (Array.isArray(v)) return v.map(normal);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, normal(x)]),
    );
  }
  return v;
}

function strip(p: Packet): unknown {
  const { type, nsp, data, id } = p;
  const plain = type === 5 ? 2 : type === 6 ? 3 : type;
  return normal({ type: plain, nsp, data, id });
}

// deno-lint-ignore no-explicit-any
function refDecodeAll(DecoderClass: any, frames: unknown[]): Packet[] {
  const decoder = new DecoderClass();
  const out: Packet[] = [];
  decoder.on("decoded", (p: Packet) => out.push(p));
  for (const f of frames) decoder.add(f instanceof Uint8Array ? toBuffer(f) : f);
  return out;
}

function toBuffer(b: Uint8Array): Uint8Array {
  // The reference checks for Buffer or ArrayBuffer; a Buffer is a Uint8Array on both runtimes.
  // deno-lint-ignore no-explicit-any
  const B = (globalThis as any).Buffer;
  return B ? B.from(b) : b;
}

test("interop: socket.io-parser encodes, we decode (and back), with binary", () => {
  const refEncoder = new refSocket.Encoder();
  const ours = defaultParser.createEncoder();
  for (let i = 0; i < COUNT; i++) {
    const p = packet(i % 3 === 0);
    // Reference -> ours
    const refFrames = refEncoder.encode(structuredClone(p)) as Array<string | Uint8Array>;
    const decoder = defaultParser.createDecoder();
    let got: Packet | null = null;
    for (const f of refFrames) got = decoder.add(typeof f === "string" ? f : new Uint8Array(f));
    assert.ok(got, `no packet from ${JSON.stringify(refFrames[0])}`);
    assert.deepEqual(strip(got), strip(p));
    // Ours -> reference
    const ourFrames = ours.encode(structuredClone(p));
    assert.deepEqual(normal(ourFrames), normal(refFrames));
    const back = refDecodeAll(refSocket.Decoder, ourFrames);
    assert.equal(back.length, 1);
    assert.deepEqual(strip(back[0]), strip(p));
  }
});

test("interop: socket.io-msgpack-parser both ways, with binary", () => {
  const refEncoder = new refMsgpack.Encoder();
  const ours = msgpackParser.createEncoder();
  for (let i = 0; i < COUNT; i++) {
    const p = packet(i % 3 === 0);
    const refFrames = refEncoder.encode(structuredClone(p)) as unknown as Uint8Array[];
    const got = msgpackParser.createDecoder().add(new Uint8Array(refFrames[0]));
    assert.deepEqual(strip(got!), strip(p));
    const ourFrames = ours.encode(structuredClone(p));
    const back = refDecodeAll(refMsgpack.Decoder, ourFrames);
    assert.equal(back.length, 1);
    assert.deepEqual(strip(back[0]), strip(p));
  }
});

function enginePacket(): EnginePacket {
  const type = (["open", "close", "ping", "pong", "message", "upgrade", "noop"] as const)[int(7)];
  if (type === "message") return { type, data: random() < 0.4 ? bytes(20) : text(30) };
  if (type === "ping" || type === "pong") {
    return random() < 0.5 ? { type, data: "probe" } : { type };
  }
  if (type === "open") return { type, data: JSON.stringify({ sid: text(5) }) };
  return { type };
}

function normalEngine(p: { type: string; data?: unknown }): unknown {
  return { type: p.type, data: normal(p.data ?? "") };
}

test("interop: engine.io-parser packets and payloads both ways", () => {
  for (let i = 0; i < COUNT; i++) {
    const p = enginePacket();
    // Packet over WebSocket (binary supported)
    let refWire: unknown;
    refEngine.encodePacket(
      p.data instanceof Uint8Array ? { ...p, data: toBuffer(p.data) } : p,
      true,
      (w: unknown) => refWire = w,
    );
    const ours = encodePacket(p);
    assert.deepEqual(normal(ours), normal(refWire));
    assert.deepEqual(normalEngine(decodePacket(refWire as string | Uint8Array)), normalEngine(p));
    assert.deepEqual(
      normalEngine(refEngine.decodePacket(ours as string, "nodebuffer")),
      normalEngine(p),
    );
    // Long-polling payload
    const packets = [p, enginePacket(), enginePacket()];
    let refPayload = "";
    refEngine.encodePayload(
      packets.map((x) => x.data instanceof Uint8Array ? { ...x, data: toBuffer(x.data) } : x),
      (w: string) => refPayload = w,
    );
    const ourPayload = encodePayload(packets);
    assert.equal(ourPayload, refPayload);
    assert.deepEqual(decodePayload(refPayload).map(normalEngine), packets.map(normalEngine));
    assert.deepEqual(
      refEngine.decodePayload(ourPayload, "nodebuffer").map(normalEngine),
      packets.map(normalEngine),
    );
  }
});

test("interop: reference vectors for placeholders and namespaces", () => {
  const refFrames = new refSocket.Encoder().encode({
    type: PacketType.EVENT,
    nsp: "/x",
    id: 1,
    data: ["a", new Uint8Array([1, 2])],
  });
  assert.equal(refFrames[0], '51-/x,1["a",{"_placeholder":true,"num":0}]');
});
