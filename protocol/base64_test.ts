import assert from "node:assert/strict";
import { seededRandom, test } from "../tests/harness.ts";
import { decodeBase64, decodeBase64Table, encodeBase64, encodeBase64Table } from "./base64.ts";
import { ProtocolError } from "./errors.ts";

test("base64: native and table codecs agree on random bytes", () => {
  const random = seededRandom(7);
  for (let n = 0; n < 300; n++) {
    const bytes = Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
    const text = encodeBase64Table(bytes);
    assert.equal(encodeBase64(bytes), text);
    assert.deepEqual(decodeBase64Table(text), bytes);
    assert.deepEqual(decodeBase64(text), bytes);
    assert.deepEqual(decodeBase64("b" + text, 1), bytes);
  }
});

test("base64: invalid input throws ProtocolError on both paths", () => {
  for (const bad of ["A", "AB!D", "AQID=A", "é"]) {
    assert.throws(() => decodeBase64Table(bad), ProtocolError, bad);
    assert.throws(() => decodeBase64(bad), ProtocolError, bad);
  }
});
