// deno-lint-ignore-file no-explicit-any
// toParser: a webio parser as it is; an npm parser (Encoder and Decoder classes, the decoder an
// emitter of "decoded") wrapped into webio's Parser, with table-driven bad input.
import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { defaultParser, msgpackParser, ProtocolError } from "./mod.ts";
import { isNpmParser, toParser } from "./npm_parser.ts";

/** An npm-shaped parser: JSON text, binaries as one message each, emits "decoded". */
function fakeNpmParser(log: unknown[]) {
  class Encoder {
    encode(packet: any) {
      const { bin, ...rest } = packet.data?.[1] ?? {};
      if (bin) {
        // A header, then the attachment: as an ArrayBuffer, as browser builds return it.
        const header = JSON.stringify({ ...packet, data: [packet.data[0], rest], attachments: 1 });
        return [header, (bin as Uint8Array).slice().buffer];
      }
      return [JSON.stringify(packet)];
    }
  }
  class Decoder {
    #listeners: Array<(p: unknown) => void> = [];
    #pending: any = null;
    on(_event: "decoded", listener: (p: unknown) => void) {
      this.#listeners.push(listener);
      return this;
    }
    add(chunk: any) {
      log.push(chunk);
      if (typeof chunk !== "string") {
        if (!this.#pending) throw new Error("unexpected binary");
        const packet = this.#pending;
        this.#pending = null;
        packet.data[1].bin = chunk;
        for (const l of this.#listeners) l(packet);
        return;
      }
      const packet = JSON.parse(chunk);
      if (packet.attachments) {
        this.#pending = packet;
        return;
      }
      for (const l of this.#listeners) l(packet);
    }
    destroy() {
      log.push("destroyed");
    }
  }
  return { Encoder, Decoder };
}

test("toParser: webio parsers as they are, npm parsers wrapped, anything else a TypeError", () => {
  assert.equal(toParser(defaultParser), defaultParser);
  assert.equal(toParser(msgpackParser), msgpackParser);
  const npm = fakeNpmParser([]);
  assert.ok(isNpmParser(npm));
  assert.equal(isNpmParser(defaultParser), false);
  assert.equal(toParser(npm).name, "npm");
  for (const bad of [{}, { Encoder: 1, Decoder: 2 }, null, "msgpack"]) {
    assert.throws(() => toParser(bad as any), TypeError);
  }
});

test("toParser: an npm parser's messages and packets round trip, binaries included", () => {
  const log: unknown[] = [];
  const parser = toParser(fakeNpmParser(log));
  const encoder = parser.createEncoder();
  const decoder = parser.createDecoder();
  const plain = { type: 2 as const, nsp: "/", data: ["hi", { n: 1 }] };
  const [text] = encoder.encode(plain);
  assert.equal(typeof text, "string");
  assert.deepEqual(decoder.add(text), plain);
  const messages = encoder.encode({
    type: 2,
    nsp: "/chat",
    id: 3,
    data: ["file", { bin: new Uint8Array([1, 2]) }],
  });
  assert.equal(messages.length, 2);
  // The encoder's ArrayBuffer comes out as a Uint8Array.
  assert.ok(messages[1] instanceof Uint8Array);
  assert.equal(decoder.add(messages[0]), null); // waiting for the attachment
  const packet = decoder.add(messages[1])!;
  assert.deepEqual({ ...packet, data: [(packet.data as any)[0]] }, {
    type: 2,
    nsp: "/chat",
    id: 3,
    data: ["file"],
  });
  const bin = (packet.data as any)[1].bin;
  assert.deepEqual([...new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength)], [1, 2]);
  // Binary input reaches the npm decoder as a Buffer where the runtime has one (Deno, Bun).
  const given = log[log.length - 1] as Uint8Array;
  const NodeBuffer = (globalThis as any).Buffer;
  if (NodeBuffer) assert.ok(NodeBuffer.isBuffer(given));
  decoder.destroy();
  assert.equal(log[log.length - 1], "destroyed");
});

test("toParser: what an npm decoder throws or lets through malformed is a ProtocolError", () => {
  const decoder = toParser(fakeNpmParser([])).createDecoder();
  const cases: unknown[] = [
    "not json",
    new Uint8Array([1]), // binary with no packet waiting: the npm decoder throws
    JSON.stringify(null),
    JSON.stringify({ type: 9, nsp: "/" }),
    JSON.stringify({ type: 2, nsp: "chat", data: ["x"] }),
    JSON.stringify({ type: 2, nsp: "/", data: [] }),
    JSON.stringify({ type: 2, nsp: "/", data: [1] }),
    JSON.stringify({ type: 2, nsp: "/", data: ["connect"] }),
    JSON.stringify({ type: 2, nsp: "/", id: -1, data: ["x"] }),
    JSON.stringify({ type: 3, nsp: "/", data: ["x"] }), // an ack without id
    JSON.stringify({ type: 3, nsp: "/", id: 1, data: "x" }),
    JSON.stringify({ type: 0, nsp: "/", data: [1] }),
    JSON.stringify({ type: 1, nsp: "/", data: {} }),
    JSON.stringify({ type: 4, nsp: "/", data: 5 }),
  ];
  for (const input of cases) {
    assert.throws(() => decoder.add(input as any), ProtocolError, String(input));
  }
  // Still usable after bad input; extra fields of the npm packet stay out.
  assert.deepEqual(
    decoder.add(JSON.stringify({ type: 0, nsp: "/", data: { token: "t" }, options: {} })),
    { type: 0, nsp: "/", data: { token: "t" } },
  );
});
