import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import {
  decodePacketV3,
  decodePayloadV3,
  encodePacketV3,
  encodePacketV3Text,
  encodePayloadV3,
} from "./engine_io_v3.ts";
import { ProtocolError } from "./errors.ts";

test("engine_io_v3: packets, base64 and binary frames", () => {
  assert.equal(encodePacketV3({ type: "message", data: "hé" }), "4hé");
  assert.equal(encodePacketV3({ type: "ping", data: "probe" }), "2probe");
  assert.deepEqual(
    encodePacketV3({ type: "message", data: new Uint8Array([1, 2]) }),
    new Uint8Array([4, 1, 2]),
  );
  assert.equal(encodePacketV3Text({ type: "message", data: new Uint8Array([1, 2, 3]) }), "b4AQID");
  assert.deepEqual(decodePacketV3("b4AQID"), { type: "message", data: new Uint8Array([1, 2, 3]) });
  assert.deepEqual(decodePacketV3(new Uint8Array([4, 9])), {
    type: "message",
    data: new Uint8Array([9]),
  });
  assert.deepEqual(decodePacketV3("3probe"), { type: "pong", data: "probe" });
});

test("engine_io_v3: text payload counts UTF-16 code units", () => {
  const payload = encodePayloadV3([
    { type: "message", data: "é€😀" },
    { type: "ping" },
    { type: "message", data: new Uint8Array([255]) },
  ], false);
  assert.equal(payload, "5:4é€😀1:26:b4/w==");
  assert.deepEqual(decodePayloadV3(payload as string), [
    { type: "message", data: "é€😀" },
    { type: "ping" },
    { type: "message", data: new Uint8Array([255]) },
  ]);
  assert.equal(encodePayloadV3([], false), "0:");
  assert.deepEqual(decodePayloadV3("0:"), []);
});

test("engine_io_v3: binary payload framing", () => {
  const packets = [{ type: "message" as const, data: "é" }, {
    type: "message" as const,
    data: new Uint8Array([7, 8]),
  }];
  const payload = encodePayloadV3(packets, true) as Uint8Array;
  assert.deepEqual(Array.from(payload), [0, 3, 255, 52, 0xc3, 0xa9, 1, 3, 255, 4, 7, 8]);
  assert.deepEqual(decodePayloadV3(payload), packets);
});

test("engine_io_v3: malformed payloads throw ProtocolError", () => {
  for (const bad of ["", ":", "a:4x", "5:4ab", "2:9x", "3:b4!", "99999999999999:4"]) {
    assert.throws(() => decodePayloadV3(bad), ProtocolError, bad);
  }
  for (
    const bad of [[2], [0, 1], [0, 10, 255], [0, 5, 255, 52], [1, 1, 255, 99], [
      0,
      2,
      255,
      0xc3,
      0x28,
    ]]
  ) {
    assert.throws(() => decodePayloadV3(new Uint8Array(bad)), ProtocolError, String(bad));
  }
  assert.throws(() => decodePayloadV3("1:41:41:4", 2), ProtocolError);
});
