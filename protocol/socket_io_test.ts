import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { ProtocolError } from "./errors.ts";
import { type Packet, PacketType } from "./parser.ts";
import {
  defaultParser,
  hasBinary,
  hasBlob,
  resolveBlobs,
  SocketDecoder,
  SocketEncoder,
} from "./socket_io.ts";

const encoder = new SocketEncoder();
/** The default parser's own encoder and decoder, which offer the optional capabilities. */
const capable = defaultParser.createEncoder();
const decoder = () => defaultParser.createDecoder();

const VECTORS: [Packet, string][] = [
  [{ type: PacketType.CONNECT, nsp: "/" }, "0"],
  [{ type: PacketType.CONNECT, nsp: "/admin", data: { token: "t" } }, '0/admin,{"token":"t"}'],
  [
    { type: PacketType.CONNECT, nsp: "/", data: { sid: "abc", pid: "p" } },
    '0{"sid":"abc","pid":"p"}',
  ],
  [{ type: PacketType.DISCONNECT, nsp: "/admin" }, "1/admin,"],
  [{ type: PacketType.DISCONNECT, nsp: "/" }, "1"],
  [
    { type: PacketType.EVENT, nsp: "/", data: ["hello", 1, { a: [true, null] }] },
    '2["hello",1,{"a":[true,null]}]',
  ],
  [{ type: PacketType.EVENT, nsp: "/chat", id: 12, data: ["msg"] }, '2/chat,12["msg"]'],
  [{ type: PacketType.EVENT, nsp: "/", id: 0, data: ["x"] }, '20["x"]'],
  [{ type: PacketType.ACK, nsp: "/", id: 7, data: [] }, "37[]"],
  [{ type: PacketType.ACK, nsp: "/a/b", id: 3, data: ["ok", 2] }, '3/a/b,3["ok",2]'],
  [
    { type: PacketType.CONNECT_ERROR, nsp: "/", data: { message: "Invalid namespace" } },
    '4{"message":"Invalid namespace"}',
  ],
  [
    { type: PacketType.CONNECT_ERROR, nsp: "/x", data: { message: "no", data: { code: 1 } } },
    '4/x,{"message":"no","data":{"code":1}}',
  ],
];

test("socket_io: text vectors encode and decode for every packet type", () => {
  for (const [packet, wire] of VECTORS) {
    const encoded = encoder.encode(packet);
    assert.deepEqual(encoded, [wire === "1/admin," ? "1/admin," : wire]);
    const decoded = new SocketDecoder().add(wire);
    assert.deepEqual(decoded, packet, wire);
    // The same message read in place from a larger text (a v4 WebSocket frame, past the "4").
    assert.deepEqual(decoder().addText!("4" + wire, 1), packet, wire);
  }
});

test("socket_io: binary events become BINARY_EVENT with placeholders and reassemble", () => {
  const bytes = new Uint8Array([1, 2, 3]);
  const backing = new Uint8Array([9, 9, 4, 5, 9]);
  const view = new Uint8Array(backing.buffer, 2, 2);
  const f32 = new Float32Array([1.5]);
  const packet: Packet = {
    type: PacketType.EVENT,
    nsp: "/files",
    id: 4,
    data: [
      "upload",
      { name: "a", chunks: [bytes, view] },
      f32.buffer,
      new DataView(backing.buffer, 0, 1),
    ],
  };
  const frames = encoder.encode(packet);
  assert.equal(
    frames[0],
    '54-/files,4["upload",{"name":"a","chunks":[{"_placeholder":true,"num":0},' +
      '{"_placeholder":true,"num":1}]},{"_placeholder":true,"num":2},{"_placeholder":true,"num":3}]',
  );
  assert.equal(frames.length, 5);
  assert.deepEqual(frames[2], new Uint8Array([4, 5]));
  const decoder = new SocketDecoder();
  assert.equal(decoder.add(frames[0]), null);
  assert.equal(decoder.add(frames[1] as Uint8Array), null);
  assert.equal(decoder.add(frames[2] as Uint8Array), null);
  assert.equal(decoder.add((frames[3] as Uint8Array).slice().buffer), null);
  const out = decoder.add(frames[4] as Uint8Array)!;
  assert.equal(out.type, PacketType.EVENT);
  assert.equal(out.attachments, 4);
  const data = out.data as [string, { chunks: Uint8Array[] }, Uint8Array, Uint8Array];
  assert.deepEqual(data[1].chunks[0], bytes);
  assert.deepEqual(data[1].chunks[1], new Uint8Array([4, 5]));
  assert.deepEqual(new Float32Array(data[2].slice().buffer)[0], 1.5);
  assert.deepEqual(data[3], new Uint8Array([9]));
});

test("socket_io: binary acks, zero attachments and arraybuffer delivery", () => {
  const frames = encoder.encode({
    type: PacketType.ACK,
    nsp: "/",
    id: 1,
    data: [new Uint8Array([7])],
  });
  assert.equal(frames[0], '61-1[{"_placeholder":true,"num":0}]');
  const decoder = defaultParser.createDecoder({ binaryType: "arraybuffer" });
  assert.equal(decoder.add(frames[0]), null);
  const ack = decoder.add(frames[1])!;
  assert.equal(ack.type, PacketType.ACK);
  assert.ok((ack.data as unknown[])[0] instanceof ArrayBuffer);
  assert.deepEqual(new Uint8Array((ack.data as ArrayBuffer[])[0]), new Uint8Array([7]));
  assert.deepEqual(new SocketDecoder().add('50-["e"]'), {
    type: PacketType.EVENT,
    nsp: "/",
    attachments: 0,
    data: ["e"],
  });
});

test("socket_io: hasBinary looks through arrays, objects and toJSON", () => {
  assert.equal(hasBinary(["a", { b: [1, { c: new ArrayBuffer(1) }] }]), true);
  assert.equal(hasBinary(["a", { b: [1, { c: "x" }] }]), false);
  assert.equal(hasBinary({ toJSON: () => ({ d: new Uint8Array(1) }) }), true);
  assert.equal(hasBinary(null), false);
});

test("socket_io: malformed packets throw ProtocolError", () => {
  const bad = [
    "",
    "7",
    "x",
    "2",
    "2[]",
    "2{}",
    '2[1,"a"]',
    '2["connect"]',
    '2["disconnect"]',
    "2[",
    '2chat,["a"]',
    "0[]",
    '0"str"',
    "1{}",
    "3[]",
    '3{"a":1}',
    "4",
    "44",
    "5-[]",
    "5a-[]",
    '5x["a"]',
    '511-["a",{"_placeholder":true,"num":0}]',
    '2/a,9999999999999999999["a"]',
  ];
  for (const wire of bad) {
    assert.throws(() => new SocketDecoder().add(wire), ProtocolError, JSON.stringify(wire));
    assert.throws(() => decoder().addText!("4" + wire, 1), ProtocolError, wire);
  }
  // A binary header read in place, then its attachment.
  const framed = decoder();
  assert.equal(framed.addText!('451-2["b",{"_placeholder":true,"num":0}]', 1), null);
  assert.deepEqual(framed.add(new Uint8Array([9])), {
    type: PacketType.EVENT,
    nsp: "/",
    id: 2,
    data: ["b", new Uint8Array([9])],
    attachments: 1,
  });
});

test("socket_io: out-of-place chunks and placeholder mismatches throw ProtocolError", () => {
  assert.throws(() => new SocketDecoder().add(new Uint8Array(1)), ProtocolError);
  const pending = new SocketDecoder();
  pending.add('51-["a",{"_placeholder":true,"num":0}]');
  assert.throws(() => pending.add('2["a"]'), ProtocolError);
  const outOfRange = new SocketDecoder();
  outOfRange.add('51-["a",{"_placeholder":true,"num":3}]');
  assert.throws(() => outOfRange.add(new Uint8Array(1)), ProtocolError);
  const unused = new SocketDecoder();
  unused.add('52-["a",{"_placeholder":true,"num":0}]');
  unused.add(new Uint8Array(1));
  assert.throws(() => unused.add(new Uint8Array(1)), ProtocolError);
  const limited = new SocketDecoder({ maxAttachments: 2 });
  assert.throws(() => limited.add('53-["a"]'), ProtocolError);
  const destroyed = new SocketDecoder();
  destroyed.add('51-["a",{"_placeholder":true,"num":0}]');
  destroyed.destroy();
  assert.deepEqual(destroyed.add('2["b"]'), { type: PacketType.EVENT, nsp: "/", data: ["b"] });
});

test("socket_io: Blobs are resolved to bytes, then extracted like any binary", async () => {
  const blob = new Blob([new Uint8Array([1, 2, 3])]);
  const args = ["file", { name: "a", blob }, [blob]];
  assert.equal(hasBlob(args), true);
  assert.equal(hasBlob(["x", new Uint8Array(1)]), false);
  assert.throws(() => encoder.encode({ type: PacketType.EVENT, nsp: "/", data: args }), TypeError);
  const resolved = await resolveBlobs(args) as unknown[];
  const frames = encoder.encode({ type: PacketType.EVENT, nsp: "/", data: resolved });
  assert.equal(frames.length, 3);
  assert.deepEqual(frames[1], new Uint8Array([1, 2, 3]));
});

test("socket_io: the default parser's encodeText and encodeAck are encode's one message", () => {
  const packets = [
    { type: PacketType.EVENT, nsp: "/", data: ["a", 1] },
    { type: PacketType.EVENT, nsp: "/", id: 12, data: ["a"] },
    { type: PacketType.ACK, nsp: "/chat", id: 3, data: [null] },
    { type: PacketType.CONNECT, nsp: "/", data: { sid: "x" } },
    { type: PacketType.DISCONNECT, nsp: "/admin" },
    { type: PacketType.BINARY_EVENT, nsp: "/", data: ["plain"] },
  ];
  for (const packet of packets) {
    assert.deepEqual([capable.encodeText!(packet)], encoder.encode(packet));
  }
  assert.equal(capable.encodeText!(packets[1]), '212["a"]');
  const binary = { type: PacketType.EVENT, nsp: "/", id: 1, data: ["b", new Uint8Array([1])] };
  assert.equal(capable.encodeText!(binary), null);
  // An ack from its parts is the message of the ack packet.
  for (
    const [nsp, id, data] of [["/", 7, ["ok"]], ["/chat", 1234, [1, { a: null }]], ["/", 0, []]]
  ) {
    const packet = { type: PacketType.ACK, nsp, id, data } as Packet;
    assert.deepEqual(
      [capable.encodeAck!(nsp as string, id as number, data as unknown[])],
      encoder.encode(packet),
    );
  }
  assert.equal(capable.encodeAck!("/", 1, [new Uint8Array(2)]), null);
  assert.deepEqual(encoder.encode(binary), [
    '51-1["b",{"_placeholder":true,"num":0}]',
    new Uint8Array([1]),
  ]);
  // The exported classes offer no capability: a subclass that overrides encode or add has it
  // called for every packet.
  assert.equal("encodeText" in encoder, false);
  assert.equal("encodeAck" in encoder, false);
  assert.equal("addText" in new SocketDecoder(), false);
});

test("socket_io: packet ids are written in decimal at every size", () => {
  const encoder = new SocketEncoder();
  const ids = [0, 7, 10, 99, 100, 999, 1000, 1001, 1010, 12_005, 99_999, 100_000, 999_999];
  ids.push(1_000_000, 4_294_967_295, 4_294_967_296, Number.MAX_SAFE_INTEGER, 1.5, -3);
  for (let i = 0; i < 2000; i++) ids.push(Math.floor(Math.random() * 2_000_000));
  for (const id of ids) {
    const text = String(id);
    assert.deepEqual(encoder.encode({ type: PacketType.ACK, nsp: "/", id, data: [] }), [
      `3${text}[]`,
    ]);
    assert.equal(
      capable.encodeText!({ type: PacketType.EVENT, nsp: "/a", id, data: ["e"] }),
      `2/a,${text}["e"]`,
    );
    assert.equal(capable.encodeAck!("/", id, ["ok"]), `3${text}["ok"]`);
    assert.equal(capable.encodeAck!("/b", id, []), `3/b,${text}[]`);
    // The decoder takes ids of up to 15 digits (exact as doubles).
    if (/^\d{1,15}$/.test(text)) assert.equal(new SocketDecoder().add(`3${text}[]`)?.id, id);
  }
});
