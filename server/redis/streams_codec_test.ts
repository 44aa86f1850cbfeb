// The stream entry and session formats of npm @socket.io/redis-streams-adapter 0.2.3. The
// base64 fixtures were made with its @msgpack/msgpack 2.8 (`Buffer.from(encode(v))`).
import assert from "node:assert/strict";
import { test } from "../../tests/harness.ts";
import { decodeBase64 } from "../../protocol/base64.ts";
import { decodeMsgpack } from "../../protocol/msgpack.ts";
import {
  decodeSession,
  decodeStreamMessage,
  encodeSession,
  encodeStreamMessage,
  hasBinary,
  isStreamId,
  nextStreamId,
  parseEntries,
  StreamFormatError,
} from "./streams_codec.ts";

const BINARY_BROADCAST =
  "gqZwYWNrZXSDpHR5cGUCpGRhdGGTo2JpbsQDAQIDhKFu+6Fmyz/4AAAAAAAAo2JpZ84AARFwoXOmaMOpbGxvo25zcKEvpG9wdHODpXJvb21zkaFypmV4Y2VwdJClZmxhZ3OA";
const SESSION = "hKNzaWSjYWJjo3BpZKNkZWalcm9vbXOSo2FiY6Vyb29tMaRkYXRhg6R1c2VyoXWhbiqmbmVzdGVkksPA";

const binaryData = () => ({
  packet: {
    type: 2,
    data: ["bin", new Uint8Array([1, 2, 3]), { n: -5, f: 1.5, big: 70000, s: "héllo" }],
    nsp: "/",
    id: undefined,
  },
  opts: { rooms: ["r"], except: [], flags: {} },
});

test("streams codec: a broadcast with binary goes as the npm package's base64 MessagePack", () => {
  const fields = encodeStreamMessage({ uid: "u1", nsp: "/", type: 3, data: binaryData() });
  assert.deepEqual(fields, ["uid", "u1", "nsp", "/", "type", "3", "data", BINARY_BROADCAST]);
  const decoded = decodeStreamMessage({ uid: "u1", nsp: "/", type: "3", data: BINARY_BROADCAST });
  const { id: _, ...packet } = binaryData().packet;
  assert.deepEqual(decoded, { uid: "u1", nsp: "/", type: 3, data: { ...binaryData(), packet } });
});

test("streams codec: JSON for data without binary, and for types that never carry it", () => {
  const data = { requestId: "r1", opts: { rooms: [], except: ["x"], flags: { local: false } } };
  assert.deepEqual(encodeStreamMessage({ uid: "a", nsp: "/chat", type: 7, data }), [
    "uid",
    "a",
    "nsp",
    "/chat",
    "type",
    "7",
    "data",
    JSON.stringify(data),
  ]);
  // SOCKETS_JOIN cannot carry binary: JSON even when a value is binary (as the npm package does).
  const join = encodeStreamMessage({ uid: "a", nsp: "/", type: 4, data: { b: new Uint8Array(1) } });
  assert.equal(join[7], '{"b":{"0":0}}');
  // No data, no field: a heartbeat.
  assert.deepEqual(encodeStreamMessage({ uid: "a", nsp: "/", type: 2 }), [
    "uid",
    "a",
    "nsp",
    "/",
    "type",
    "2",
  ]);
  assert.deepEqual(decodeStreamMessage({ uid: "a", nsp: "/", type: "2" }), {
    uid: "a",
    nsp: "/",
    type: 2,
  });
  assert.deepEqual(decodeStreamMessage({ uid: "a", nsp: "/", type: "7", data: '{"x":[1]}' }).data, {
    x: [1],
  });
});

test("streams codec: values made plain as JSON would before MessagePack", () => {
  const when = new Date(Date.UTC(2024, 0, 2));
  const fields = encodeStreamMessage({
    uid: "a",
    nsp: "/",
    type: 9,
    data: { packet: ["e", new Uint8Array([9]), undefined, when], gone: undefined },
  });
  assert.deepEqual(decodeMsgpack(decodeBase64(fields[7])), {
    packet: ["e", new Uint8Array([9]), null, when.toISOString()],
  });
  // The npm package's encoding of [1, undefined, null].
  assert.deepEqual(decodeMsgpack(decodeBase64("kwHAwA==")), [1, null, null]);
});

test("streams codec: sessions as the npm package stores them", () => {
  const session = {
    sid: "abc",
    pid: "def",
    rooms: ["abc", "room1"],
    data: { user: "u", n: 42, nested: [true, null] },
  };
  assert.equal(encodeSession(session), SESSION);
  assert.deepEqual(decodeSession(SESSION), session);
  assert.throws(() => decodeSession("!!!"), StreamFormatError);
  assert.throws(() => decodeSession("kwHAwA=="), StreamFormatError); // an array, not a session
});

test("streams codec: malformed entries throw StreamFormatError", () => {
  assert.throws(() => decodeStreamMessage({ uid: "a", nsp: "/" }), StreamFormatError);
  assert.throws(() => decodeStreamMessage({ uid: "a", nsp: "/", type: "x" }), StreamFormatError);
  assert.throws(
    () => decodeStreamMessage({ uid: "a", nsp: "/", type: "3", data: "{not json" }),
    StreamFormatError,
  );
  assert.throws(
    () => decodeStreamMessage({ uid: "a", nsp: "/", type: "3", data: "%%%" }),
    StreamFormatError,
  );
});

test("streams codec: XREAD and XRANGE replies, RESP2 and RESP3", () => {
  const entries = [["1-0", ["uid", "a", "type", "2"]], ["1-1", ["uid", "b"]]];
  const expected = [
    { id: "1-0", fields: { uid: "a", type: "2" } },
    { id: "1-1", fields: { uid: "b" } },
  ];
  assert.deepEqual(parseEntries(entries, false), expected);
  assert.deepEqual(parseEntries([["socket.io", entries]], true), expected);
  assert.deepEqual(parseEntries(new Map([["socket.io", entries]]), true), expected);
  const bytes = new TextEncoder();
  assert.deepEqual(parseEntries([[bytes.encode("1-0"), [bytes.encode("uid"), "a"]]], false), [
    { id: "1-0", fields: { uid: "a" } },
  ]);
  assert.deepEqual(parseEntries(null, true), []);
  assert.throws(() => parseEntries("OK", false), StreamFormatError);
});

test("streams codec: ids, next ids and binary detection", () => {
  assert.ok(isStreamId("1700000000000-0"));
  for (const bad of ["", "1", "1-", "a-1", "1-1 ", "$", "+"]) assert.ok(!isStreamId(bad), bad);
  assert.equal(nextStreamId("1700000000000-0"), "1700000000000-1");
  assert.equal(nextStreamId("5-18446744073709551614"), "5-18446744073709551615");
  assert.ok(hasBinary([1, { a: new ArrayBuffer(1) }]));
  assert.ok(hasBinary({ toJSON: () => ({ b: new Uint16Array(1) }) }));
  assert.ok(!hasBinary({ a: [1, "x", null], d: new Date() }));
});
