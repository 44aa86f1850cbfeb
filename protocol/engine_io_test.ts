import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import {
  decodePacket,
  decodePayload,
  encodePacket,
  encodePayload,
  type EnginePacket,
} from "./engine_io.ts";
import { ProtocolError } from "./errors.ts";

const TEXT_VECTORS: [EnginePacket, string][] = [
  [{ type: "open", data: '{"sid":"x"}' }, '0{"sid":"x"}'],
  [{ type: "close" }, "1"],
  [{ type: "ping" }, "2"],
  [{ type: "ping", data: "probe" }, "2probe"],
  [{ type: "pong", data: "probe" }, "3probe"],
  [{ type: "message", data: "hello €" }, "4hello €"],
  [{ type: "message", data: "" }, "4"],
  [{ type: "upgrade" }, "5"],
  [{ type: "noop" }, "6"],
];

test("engine_io: every packet type encodes and decodes as text", () => {
  for (const [packet, wire] of TEXT_VECTORS) {
    assert.equal(encodePacket(packet), wire);
    const back = decodePacket(wire);
    assert.equal(back.type, packet.type);
    assert.equal(back.data ?? "", packet.data ?? "");
  }
});

test("engine_io: binary messages are raw frames and base64 in payloads", () => {
  const bytes = new Uint8Array([0, 1, 2, 3, 255]);
  assert.deepEqual(encodePacket({ type: "message", data: bytes }), bytes);
  assert.deepEqual(decodePacket(bytes.buffer), { type: "message", data: bytes });
  const view = new DataView(new Uint8Array([9, 1, 2, 9]).buffer, 1, 2);
  assert.deepEqual(decodePacket(view).data, new Uint8Array([1, 2]));
  const payload = encodePayload([{ type: "message", data: "a" }, { type: "message", data: bytes }]);
  assert.equal(payload, "4a\x1ebAAECA/8=");
  assert.deepEqual(decodePayload(payload), [
    { type: "message", data: "a" },
    { type: "message", data: bytes },
  ]);
});

test("engine_io: malformed input throws ProtocolError only", () => {
  for (const bad of ["", "9", "x", "b!!", "bA", "4a\x1e", "\x1e"]) {
    assert.throws(() => decodePayload(bad), ProtocolError, JSON.stringify(bad));
  }
  assert.throws(() => decodePayload("4a\x1e4b\x1e4c", 2), ProtocolError);
});
