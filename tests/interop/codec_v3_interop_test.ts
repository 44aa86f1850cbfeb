// Our Engine.IO v3 codec against npm engine.io-parser 2.2.1 (the one
// socket.io-client 2.x speaks), both directions, text and binary payloads.
import assert from "node:assert/strict";
import * as refV3Module from "engine.io-parser-v3";
import { seededRandom, test } from "../harness.ts";
import {
  decodePacketV3,
  decodePayloadV3,
  encodePacketV3,
  encodePayloadV3,
  type EnginePacket,
} from "../../protocol/mod.ts";

// deno-lint-ignore no-explicit-any
const refV3: any = (refV3Module as any).default ?? refV3Module;
const random = seededRandom(3);
const int = (n: number) => Math.floor(random() * n);
const CHARS = [..."abc XYZ 019:\u00e9\u20ac\u{1f600}"];

function packet(): EnginePacket {
  const type = (["open", "close", "ping", "pong", "message", "upgrade", "noop"] as const)[
    int(7)
  ];
  if (type !== "message") {
    return random() < 0.5 ? { type } : { type, data: "probe" };
  }
  if (random() < 0.4) {
    return {
      type,
      data: Uint8Array.from({ length: int(12) }, () => int(256)),
    };
  }
  return {
    type,
    data: Array.from({ length: int(20) }, () => CHARS[int(CHARS.length)]).join(
      "",
    ),
  };
}

// deno-lint-ignore no-explicit-any
const Buf = (globalThis as any).Buffer;
const toRef = (p: EnginePacket) =>
  p.data instanceof Uint8Array ? { ...p, data: Buf.from(p.data) } : p;
function normal(p: { type: string; data?: unknown }): unknown {
  const d = p.data;
  if (d instanceof ArrayBuffer || ArrayBuffer.isView(d)) {
    const v = d as ArrayBufferView;
    return {
      type: p.type,
      bytes: Array.from(
        d instanceof ArrayBuffer
          ? new Uint8Array(d)
          : new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
      ),
    };
  }
  return { type: p.type, data: d ?? "" };
}

test("interop v3: engine.io-parser 2.2.1 packets and payloads both ways", () => {
  for (let i = 0; i < 1500; i++) {
    const p = packet();
    let refFrame: unknown;
    refV3.encodePacket(toRef(p), true, false, (f: unknown) => (refFrame = f));
    assert.deepEqual(
      normal(decodePacketV3(refFrame as string | Uint8Array)),
      normal(p),
    );
    const ours = encodePacketV3(p);
    assert.deepEqual(
      normal(
        refV3.decodePacket(ours instanceof Uint8Array ? Buf.from(ours) : ours),
      ),
      normal(p),
    );

    const packets = [p, packet(), packet()];
    for (const binary of [false, true]) {
      let refPayload: unknown;
      refV3.encodePayload(
        packets.map(toRef),
        binary,
        (out: unknown) => (refPayload = out),
      );
      const decoded = decodePayloadV3(
        typeof refPayload === "string" ? refPayload : new Uint8Array(refPayload as Uint8Array),
      );
      assert.deepEqual(decoded.map(normal), packets.map(normal));
      const ourPayload = encodePayloadV3(packets, binary);
      const back: unknown[] = [];
      refV3.decodePayload(
        typeof ourPayload === "string" ? ourPayload : Buf.from(ourPayload),
        (packet: { type: string }) => {
          back.push(normal(packet));
        },
      );
      assert.deepEqual(back, packets.map(normal));
    }
  }
});
