import assert from "node:assert/strict";
import { seededRandom, test } from "../../tests/harness.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { encodeCommand, RedisReplyError, RespDecoder, RespPush, type RespReply } from "./resp.ts";

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

const CASES: [string, string, RespReply][] = [
  ["simple string", "+OK\r\n", "OK"],
  ["empty simple string", "+\r\n", ""],
  ["integer", ":1000\r\n", 1000],
  ["negative integer", ":-42\r\n", -42],
  ["bulk string", "$5\r\nhello\r\n", "hello"],
  ["empty bulk", "$0\r\n\r\n", ""],
  ["bulk with CRLF inside", "$4\r\na\r\nb\r\n", "a\r\nb"],
  ["utf-8 bulk (5 bytes)", "$5\r\nété\r\n", "été"],
  ["null bulk", "$-1\r\n", null],
  ["null array", "*-1\r\n", null],
  ["empty array", "*0\r\n", []],
  ["array", "*3\r\n:1\r\n$3\r\nfoo\r\n+bar\r\n", [1, "foo", "bar"]],
  ["nested array", "*2\r\n*1\r\n:1\r\n*0\r\n", [[1], []]],
  ["RESP3 null", "_\r\n", null],
  ["RESP3 true", "#t\r\n", true],
  ["RESP3 false", "#f\r\n", false],
  ["RESP3 double", ",3.14\r\n", 3.14],
  ["RESP3 inf", ",-inf\r\n", -Infinity],
  [
    "RESP3 big number",
    "(3492890328409238509324850943850943825024385\r\n",
    3492890328409238509324850943850943825024385n,
  ],
  ["RESP3 verbatim", "=15\r\ntxt:Some string\r\n", "Some string"],
  ["RESP3 set", "~2\r\n+a\r\n+b\r\n", ["a", "b"]],
  ["RESP3 map", "%1\r\n+key\r\n:1\r\n", new Map<RespReply, RespReply>([["key", 1]])],
  ["RESP3 attribute skipped", "|1\r\n+ttl\r\n:3\r\n:7\r\n", 7],
  [
    "RESP3 push",
    ">3\r\n+message\r\n+news\r\n$2\r\nhi\r\n",
    new RespPush(["message", "news", "hi"]),
  ],
];

for (const [name, input, expected] of CASES) {
  test(`resp: decodes ${name}`, () => {
    const decoder = new RespDecoder();
    assert.deepEqual(decoder.push(bytes(input)), [expected]);
    assert.equal(decoder.bufferedBytes, 0);
  });
}

test("resp: error replies become RedisReplyError (top level and nested)", () => {
  const decoder = new RespDecoder();
  const [top, nested, blob] = decoder.push(
    bytes("-WRONGTYPE Operation against a key\r\n*2\r\n:1\r\n-ERR bad\r\n!9\r\nSYNTAX no\r\n"),
  );
  assert.ok(top instanceof RedisReplyError);
  assert.equal(top.code, "WRONGTYPE");
  assert.equal(top.message, "WRONGTYPE Operation against a key");
  assert.ok(Array.isArray(nested) && nested[1] instanceof RedisReplyError);
  assert.ok(blob instanceof RedisReplyError);
  assert.equal(blob.code, "SYNTAX");
});

test("resp: bytes mode keeps bulk strings as Uint8Array (binary safe)", () => {
  const decoder = new RespDecoder({ bytes: true });
  const payload = new Uint8Array([0, 255, 13, 10, 128]);
  const frame = new Uint8Array([...bytes("*2\r\n+msg\r\n$5\r\n"), ...payload, 13, 10]);
  const [reply] = decoder.push(frame);
  assert.ok(Array.isArray(reply));
  assert.equal(reply[0], "msg");
  assert.deepEqual(reply[1], payload);
});

test("resp: every split point of a pipelined stream gives the same replies", () => {
  const stream = CASES.map(([, input]) => input).join("");
  const all = bytes(stream);
  const expected = CASES.map(([, , value]) => value);
  for (let cut = 0; cut <= all.length; cut++) {
    const decoder = new RespDecoder();
    const out = [...decoder.push(all.slice(0, cut)), ...decoder.push(all.slice(cut))];
    assert.deepEqual(out, expected, `split at ${cut}`);
  }
  // And byte by byte.
  const decoder = new RespDecoder();
  const out: RespReply[] = [];
  for (const b of all) out.push(...decoder.push(new Uint8Array([b])));
  assert.deepEqual(out, expected);
});

const MALFORMED: [string, string][] = [
  ["unknown type byte", "?oops\r\n"],
  ["bad integer", ":12a\r\n"],
  ["bare LF", "+OK\n"],
  ["CR without LF", "+O\rK\r\n"],
  ["negative bulk length", "$-2\r\n"],
  ["bulk not terminated", "$3\r\nabcde\r\n"],
  ["bad boolean", "#x\r\n"],
  ["bad double", ",abc\r\n"],
  ["bad big number", "(12x\r\n"],
  ["null with payload", "_x\r\n"],
  ["verbatim without format", "=2\r\nab\r\n"],
  ["null set", "~-1\r\n"],
  ["empty length", "$\r\n"],
];

for (const [name, input] of MALFORMED) {
  test(`resp: rejects ${name} with ProtocolError`, () => {
    const decoder = new RespDecoder();
    assert.throws(() => decoder.push(bytes(input)), ProtocolError);
    // The stream is dead after a failure.
    assert.throws(() => decoder.push(bytes("+OK\r\n")), ProtocolError);
  });
}

test("resp: limits are enforced on headers, before buffering the payload", () => {
  const cases: [RespDecoder, string][] = [
    [new RespDecoder({ maxBulkLength: 10 }), "$11\r\n"],
    [new RespDecoder({ maxArrayLength: 2 }), "*3\r\n"],
    [new RespDecoder({ maxArrayLength: 2 }), "%3\r\n"],
    [new RespDecoder({ maxDepth: 3 }), "*1\r\n*1\r\n*1\r\n*1\r\n"],
    [new RespDecoder({ maxLineLength: 8 }), "+0123456789"],
    [new RespDecoder(), "$99999999999999999\r\n"],
  ];
  for (const [decoder, input] of cases) {
    assert.throws(() => decoder.push(bytes(input)), ProtocolError, input);
  }
  // Many small pieces of one huge but allowed array still hit the buffered-bytes limit.
  const decoder = new RespDecoder({ maxBufferedBytes: 64 });
  assert.throws(() => {
    decoder.push(bytes("*1000\r\n"));
    for (let i = 0; i < 100; i++) decoder.push(bytes(":1\r\n"));
  }, ProtocolError);
});

test("resp: encodeCommand writes an array of bulk strings", () => {
  const text = new TextDecoder().decode(
    encodeCommand(["SET", "ké", 42, 7n, new Uint8Array([0x61, 0x0d])]),
  );
  assert.equal(text, "*5\r\n$3\r\nSET\r\n$3\r\nké\r\n$2\r\n42\r\n$1\r\n7\r\n$2\r\na\r\r\n");
  assert.throws(() => encodeCommand([]), TypeError);
  assert.throws(() => encodeCommand([{} as unknown as string]), TypeError);
  // Round trip through the decoder.
  const [decoded] = new RespDecoder().push(encodeCommand(["PUBLISH", "ch", "x"]));
  assert.deepEqual(decoded, ["PUBLISH", "ch", "x"]);
});

test("resp: seeded random garbage and mutations only ever throw ProtocolError", () => {
  const random = seededRandom(0xc0ffee);
  const valid = bytes(CASES.map(([, input]) => input).join(""));
  const alphabet = bytes("+-:$*_#,(!=%~>|\r\n0123456789-abct");
  let failures = 0;
  let replies = 0;
  for (let round = 0; round < 2000; round++) {
    let input: Uint8Array;
    if (round % 2 === 0) {
      input = valid.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) {
        input[Math.floor(random() * input.length)] =
          alphabet[Math.floor(random() * alphabet.length)];
      }
    } else {
      input = new Uint8Array(1 + Math.floor(random() * 64));
      for (let i = 0; i < input.length; i++) {
        input[i] = alphabet[Math.floor(random() * alphabet.length)];
      }
    }
    const decoder = new RespDecoder({ maxBulkLength: 1024, maxArrayLength: 64, maxDepth: 8 });
    try {
      let offset = 0;
      while (offset < input.length) {
        const size = 1 + Math.floor(random() * 16);
        replies += decoder.push(input.slice(offset, offset + size)).length;
        offset += size;
      }
    } catch (error) {
      assert.ok(error instanceof ProtocolError, `round ${round}: ${error}`);
      failures++;
    }
  }
  assert.ok(failures > 0 && replies > 0);
});
