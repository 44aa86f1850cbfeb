import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { concatBytes } from "./bytes.ts";

test("concatBytes: parts in order, counted or given, always a new array", () => {
  const a = new Uint8Array([1, 2]);
  const b = new Uint8Array([3]);
  assert.deepEqual(concatBytes([a, new Uint8Array(0), b]), new Uint8Array([1, 2, 3]));
  assert.deepEqual(concatBytes([a, b], 3), new Uint8Array([1, 2, 3]));
  assert.deepEqual(concatBytes([]), new Uint8Array(0));
  const one = concatBytes([a]);
  assert.notEqual(one, a);
  assert.deepEqual(one, a);
  // A view into a larger buffer contributes only its own bytes.
  const view = new Uint8Array([9, 4, 5, 9]).subarray(1, 3);
  assert.deepEqual(concatBytes([view, b]), new Uint8Array([4, 5, 3]));
});
