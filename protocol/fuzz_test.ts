// Randomised robustness: with a fixed seed, feed random and mutated inputs to
// every decoder; nothing but ProtocolError may come out.
import assert from "node:assert/strict";
import { seededRandom, test } from "../tests/harness.ts";
import { decodeBase64 } from "./base64.ts";
import { decodePacket, decodePayload, encodePacket, encodePayload } from "./engine_io.ts";
import { decodePacketV3, decodePayloadV3, encodePayloadV3 } from "./engine_io_v3.ts";
import { ProtocolError } from "./errors.ts";
import { decodeMsgpack, encodeMsgpack } from "./msgpack.ts";
import { msgpackParser } from "./msgpack_parser.ts";
import { type Packet, PacketType } from "./parser.ts";
import { defaultParser } from "./socket_io.ts";

const ROUNDS = 12_000; // per decoder family; 9 families => over 100,000 inputs
const random = seededRandom(0x5eed);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
const ALPHABET = '0123456789/,-[]{}":_abcxyzbtrue\x1e\u00e9\u20ac\ud83d\ude00 placeholdernum';

function randomString(max: number): string {
  let s = "";
  const n = int(max);
  for (let i = 0; i < n; i++) s += ALPHABET[int(ALPHABET.length)];
  return s;
}

function randomBytes(max: number): Uint8Array {
  const out = new Uint8Array(int(max));
  for (let i = 0; i < out.length; i++) out[i] = int(256);
  return out;
}

function randomValue(depth = 0): unknown {
  switch (int(depth > 3 ? 5 : 8)) {
    case 0:
      return int(1000) - 500;
    case 1:
      return randomString(12);
    case 2:
      return random() < 0.5;
    case 3:
      return null;
    case 4:
      return randomBytes(8);
    case 5:
      return Array.from({ length: int(4) }, () => randomValue(depth + 1));
    case 6:
      return Object.fromEntries(
        Array.from({ length: int(4) }, () => [randomString(6), randomValue(depth + 1)]),
      );
    default:
      return random() * 1e6;
  }
}

function randomPacket(): Packet {
  const type = pick([0, 1, 2, 3, 4]) as PacketType;
  const nsp = pick(["/", "/chat", "/a/b"]);
  const packet: Packet = { type, nsp };
  if (type === PacketType.CONNECT && random() < 0.5) packet.data = { token: randomString(5) };
  if (type === PacketType.EVENT) {
    packet.data = [randomString(8) || "e", randomValue(), randomValue()];
  }
  if (type === PacketType.ACK) packet.data = [randomValue()];
  if (type === PacketType.CONNECT_ERROR) packet.data = { message: randomString(8) };
  if ((type === PacketType.EVENT || type === PacketType.ACK) && random() < 0.7) {
    packet.id = int(100_000);
  }
  if (type === PacketType.ACK && packet.id === undefined) packet.id = 1;
  return packet;
}

function mutateString(s: string): string {
  const chars = s.split("");
  const edits = 1 + int(3);
  for (let e = 0; e < edits; e++) {
    const at = int(chars.length + 1);
    switch (int(4)) {
      case 0:
        chars.splice(at, 1);
        break;
      case 1:
        chars.splice(at, 0, ALPHABET[int(ALPHABET.length)]);
        break;
      case 2:
        chars[at] = ALPHABET[int(ALPHABET.length)];
        break;
      default:
        chars.length = at;
    }
  }
  return chars.join("");
}

function mutateBytes(b: Uint8Array): Uint8Array {
  const out = Array.from(b);
  const edits = 1 + int(3);
  for (let e = 0; e < edits; e++) {
    const at = int(out.length + 1);
    switch (int(4)) {
      case 0:
        out.splice(at, 1);
        break;
      case 1:
        out.splice(at, 0, int(256));
        break;
      case 2:
        out[at] = int(256);
        break;
      default:
        out.length = at;
    }
  }
  return new Uint8Array(out);
}

let inputs = 0;
function expectOnlyProtocolError(fn: () => unknown, input: unknown): void {
  inputs++;
  try {
    fn();
  } catch (error) {
    if (!(error instanceof ProtocolError)) {
      assert.fail(
        `Decoder threw ${(error as Error)?.name}: ${(error as Error)?.message} for ${
          JSON.stringify(input, (_, v) => v instanceof Uint8Array ? Array.from(v) : v)
        }`,
      );
    }
  }
}

test("fuzz: engine.io v4 packet and payload decoders", () => {
  for (let i = 0; i < ROUNDS; i++) {
    const valid = encodePayload([
      { type: "message", data: random() < 0.5 ? randomString(20) : randomBytes(10) },
      { type: pick(["ping", "pong", "noop", "close", "upgrade"] as const) },
    ]);
    const input = random() < 0.2 ? randomString(30) : mutateString(valid);
    expectOnlyProtocolError(() => decodePayload(input, 8), input);
    expectOnlyProtocolError(() => decodePacket(input), input);
    const frame = encodePacket({ type: "message", data: randomBytes(6) });
    expectOnlyProtocolError(() => decodePacket(mutateBytes(frame as Uint8Array)), frame);
    const b64 = "b" + mutateString("AQIDBAU=");
    expectOnlyProtocolError(() => decodeBase64(b64, 1), b64);
  }
});

test("fuzz: engine.io v3 payload decoders", () => {
  for (let i = 0; i < ROUNDS; i++) {
    const packets = [
      { type: "message" as const, data: random() < 0.5 ? randomString(20) : randomBytes(10) },
      { type: "ping" as const },
    ];
    const text = mutateString(encodePayloadV3(packets, false) as string);
    expectOnlyProtocolError(() => decodePayloadV3(text, 8), text);
    const binary = mutateBytes(encodePayloadV3(packets, true) as Uint8Array);
    expectOnlyProtocolError(() => decodePayloadV3(binary, 8), binary);
    const raw = randomBytes(8);
    expectOnlyProtocolError(() => decodePacketV3(raw), raw);
  }
});

test("fuzz: socket.io default decoder, text and binary sequences", () => {
  const encoder = defaultParser.createEncoder();
  for (let i = 0; i < ROUNDS * 2; i++) {
    const frames = encoder.encode(randomPacket());
    const decoder = defaultParser.createDecoder({ maxAttachments: 10 });
    const mutated = frames.map((f) =>
      random() < 0.5 ? f : typeof f === "string" ? mutateString(f) : mutateBytes(f)
    );
    if (random() < 0.2) mutated.reverse();
    for (const frame of mutated) expectOnlyProtocolError(() => decoder.add(frame), frame);
    const junk = randomString(25);
    expectOnlyProtocolError(() => defaultParser.createDecoder().add(junk), junk);
  }
});

test("fuzz: msgpack codec and msgpack parser", () => {
  const encoder = msgpackParser.createEncoder();
  for (let i = 0; i < ROUNDS * 2; i++) {
    const bytes = random() < 0.5
      ? mutateBytes(encodeMsgpack(randomValue()))
      : mutateBytes(encoder.encode(randomPacket())[0] as Uint8Array);
    expectOnlyProtocolError(() => decodeMsgpack(bytes), bytes);
    expectOnlyProtocolError(() => msgpackParser.createDecoder().add(bytes), bytes);
    const junk = randomBytes(20);
    expectOnlyProtocolError(() => msgpackParser.createDecoder().add(junk), junk);
  }
});

test("fuzz: over 100,000 inputs went through the decoders", () => {
  assert.ok(inputs >= 100_000, `only ${inputs} inputs`);
});
