import assert from "node:assert/strict";
import { test } from "../../tests/harness.ts";
import { utf8Length } from "./codec.ts";
import {
  atLeastBytes,
  bunPerMessageDeflate,
  deflateThreshold,
  negotiateEncoding,
} from "./compression.ts";

test("compression: Accept-Encoding negotiated as npm accepts does for engine.io", () => {
  // Expectations taken from accepts 1.3.8 (negotiator 0.6.3): encodings(["gzip", "deflate"]).
  const table: [string | null, string | null][] = [
    [null, null],
    ["", null],
    ["gzip", "gzip"],
    ["deflate", "deflate"],
    ["gzip, deflate", "gzip"],
    ["deflate, gzip", "deflate"],
    ["gzip;q=0.5, deflate", "deflate"],
    ["*", "gzip"],
    ["*;q=0.5, gzip;q=0.4", "deflate"],
    ["gzip;q=0", null],
    ["gzip;q=0, *", "deflate"],
    ["br", null],
    ["identity", null],
    ["GZIP", "gzip"],
    ["deflate;q=0.8, gzip;q=0.8", "deflate"],
    ["*, gzip;q=0", "deflate"],
    [" gzip ; q=1 , deflate", "gzip"],
    ["x;q=abc, gzip", "gzip"],
    ["gzip;q=abc", null],
    ["deflate, *;q=0.9", "deflate"],
  ];
  for (const [header, expected] of table) {
    assert.equal(negotiateEncoding(header), expected, String(header));
  }
});

test("compression: byte lengths are counted in UTF-8 without encoding short strings", () => {
  const encoder = new TextEncoder();
  for (const text of ["", "abc", "é", "€", "😀", "a\ud800", "\udc00x", "\ud800\ud800", "😀é€a"]) {
    assert.equal(utf8Length(text), encoder.encode(text).length, JSON.stringify(text));
  }
  assert.equal(atLeastBytes("x".repeat(1024), 1024), true);
  assert.equal(atLeastBytes("x".repeat(1023), 1024), false);
  assert.equal(atLeastBytes("é".repeat(512), 1024), true);
  assert.equal(atLeastBytes("é".repeat(511), 1024), false);
  assert.equal(atLeastBytes(new Uint8Array(1024), 1024), true);
  assert.equal(atLeastBytes(new Uint8Array(1023), 1024), false);
});

test("compression: ws-style perMessageDeflate options translated to Bun's", () => {
  assert.equal(bunPerMessageDeflate(false), false);
  assert.equal(bunPerMessageDeflate(true), true);
  assert.equal(bunPerMessageDeflate({ threshold: 10 }), true);
  assert.equal(bunPerMessageDeflate({ serverNoContextTakeover: true }), true);
  assert.deepEqual(bunPerMessageDeflate({ serverNoContextTakeover: false }), {
    compress: "dedicated",
  });
  assert.deepEqual(bunPerMessageDeflate({ serverMaxWindowBits: 11 }), { compress: "16KB" });
  assert.deepEqual(bunPerMessageDeflate({ zlibDeflateOptions: { windowBits: 10, level: 1 } }), {
    compress: "8KB",
  });
  assert.deepEqual(bunPerMessageDeflate({ clientNoContextTakeover: false }), {
    decompress: "dedicated",
  });
  assert.deepEqual(bunPerMessageDeflate({ compress: "32KB", decompress: "shared" }), {
    compress: "32KB",
    decompress: "shared",
  });
  // The threshold applies without a server context, as in ws; with one, every message.
  assert.equal(deflateThreshold(undefined), Infinity);
  assert.equal(deflateThreshold(false), Infinity);
  assert.equal(deflateThreshold(true), 1024);
  assert.equal(deflateThreshold({ threshold: 100 }), 100);
  assert.equal(deflateThreshold({ serverNoContextTakeover: false, threshold: 100 }), 0);
  assert.equal(deflateThreshold({ compress: false }), Infinity);
});
