import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { ProtocolError } from "./errors.ts";
import { decodeMsgpack, encodeMsgpack } from "./msgpack.ts";
import { msgpackParser } from "./msgpack_parser.ts";
import { PacketType } from "./parser.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

test("msgpack: every format encodes to the expected bytes and back", () => {
  const vectors: [unknown, string][] = [
    [null, "c0"],
    [false, "c2"],
    [true, "c3"],
    [undefined, "d40000"],
    [0, "00"],
    [127, "7f"],
    [128, "cc80"],
    [256, "cd0100"],
    [65536, "ce00010000"],
    [2 ** 40, "cf0000010000000000"],
    [-1, "ff"],
    [-32, "e0"],
    [-33, "d0df"],
    [-129, "d1ff7f"],
    [-32769, "d2ffff7fff"],
    [-(2 ** 40), "d3ffffff0000000000"],
    [1.5, "cb3ff8000000000000"],
    ["", "a0"],
    ["abc", "a3616263"],
    ["é", "a2c3a9"],
    ["x".repeat(32), "d920" + "78".repeat(32)],
    ["x".repeat(256), "da0100" + "78".repeat(256)],
    [[1, 2], "920102"],
    [{ a: 1 }, "81a16101"],
    [new Uint8Array([1, 2]), "c4020102"],
    [new Date(1), "d7000000000000000001"],
  ];
  for (const [value, wire] of vectors) {
    assert.equal(hex(encodeMsgpack(value)), wire, String(value));
    assert.deepEqual(decodeMsgpack(encodeMsgpack(value)), value);
  }
  const big = new Array(70000).fill(1);
  assert.deepEqual(decodeMsgpack(encodeMsgpack(big)), big);
  const long = "é".repeat(40000);
  assert.equal(decodeMsgpack(encodeMsgpack(long)), long);
  assert.deepEqual(decodeMsgpack(new Uint8Array([0xca, 0x3f, 0xc0, 0, 0])), 1.5);
  assert.deepEqual(decodeMsgpack(new Uint8Array([0xd5, 5, 1, 2])), [5, new Uint8Array([1, 2])]);
});

test("msgpack: malformed input throws ProtocolError", () => {
  const bad = ["", "c1", "92", "a3", "cd01", "c4ff", "dd7fffffff", "df7fffffff", "c0c0", "d4"];
  for (const h of bad) {
    const bytes = new Uint8Array((h.match(/../g) ?? []).map((x) => parseInt(x, 16)));
    assert.throws(() => decodeMsgpack(bytes), ProtocolError, h);
  }
  const deep = new Uint8Array(200).fill(0x91);
  assert.throws(() => decodeMsgpack(deep), ProtocolError);
  const proto = decodeMsgpack(
    new Uint8Array([0x81, 0xa9, ...new TextEncoder().encode("__proto__"), 0x81, 0xa1, 0x78, 1]),
  ) as object;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
});

test("msgpack parser: packets round-trip, binary inline", () => {
  const encoder = msgpackParser.createEncoder();
  const decoder = msgpackParser.createDecoder();
  const packet = {
    type: PacketType.BINARY_EVENT,
    nsp: "/x",
    id: 3,
    data: ["up", new Uint8Array([1])],
  };
  const frames = encoder.encode(packet);
  assert.equal(frames.length, 1);
  assert.deepEqual(decoder.add(frames[0]), {
    type: PacketType.EVENT,
    nsp: "/x",
    id: 3,
    data: ["up", new Uint8Array([1])],
  });
  const ab = msgpackParser.createDecoder({ binaryType: "arraybuffer" }).add(frames[0])!;
  assert.ok((ab.data as unknown[])[1] instanceof ArrayBuffer);
  for (
    const p of [
      { type: PacketType.CONNECT, nsp: "/" },
      { type: PacketType.CONNECT, nsp: "/", data: { token: 1 } },
      { type: PacketType.DISCONNECT, nsp: "/a" },
      { type: PacketType.ACK, nsp: "/", id: 0, data: [] },
      { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "x" } },
    ]
  ) {
    assert.deepEqual(decoder.add(encoder.encode(p)[0]), p);
  }
});

test("msgpack parser: invalid packets throw ProtocolError", () => {
  const decoder = msgpackParser.createDecoder();
  const bad: unknown[] = [
    1,
    [],
    { type: 9, nsp: "/" },
    { type: 5, nsp: "/", data: ["a"] },
    { type: 2, nsp: 1, data: ["a"] },
    { type: 2, nsp: "x", data: ["a"] },
    { type: 2, nsp: "/", data: [] },
    { type: 2, nsp: "/", data: [1] },
    { type: 2, nsp: "/", data: ["connect"] },
    { type: 2, nsp: "/", data: ["a"], id: -1 },
    { type: 2, nsp: "/", data: ["a"], id: 1.5 },
    { type: 0, nsp: "/", data: [1] },
    { type: 1, nsp: "/", data: 1 },
    { type: 3, nsp: "/", data: [] },
    { type: 4, nsp: "/", data: 1 },
  ];
  for (const value of bad) {
    assert.throws(() => decoder.add(encodeMsgpack(value)), ProtocolError, JSON.stringify(value));
  }
  assert.throws(() => decoder.add("2[]"), ProtocolError);
});
