import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { intern } from "./intern.ts";
import { randomId } from "./ids.ts";

test("intern: gives back the same text for short, long and many values (the table is bounded)", () => {
  const long = "x".repeat(300);
  assert.equal(intern(long), long);
  for (let i = 0; i < 5000; i++) {
    const value = `/socket.io/?EIO=4&transport=websocket&n=${i}`;
    assert.equal(intern(value), value);
  }
  // Values seen before and after the table started over are still right.
  assert.equal(
    intern("/socket.io/?EIO=4&transport=websocket&n=0"),
    "/socket.io/?EIO=4&transport=websocket&n=0",
  );
  assert.equal(intern("127.0.0.1"), "127.0.0.1");
  assert.equal(intern(""), "");
});

test("randomId: URL-safe characters of the asked length, no repeats over many ids", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const id = randomId(20);
    assert.match(id, /^[A-Za-z0-9_-]{20}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 20_000);
  for (const length of [1, 8, 21, 64]) {
    assert.match(randomId(length), new RegExp(`^[A-Za-z0-9_-]{${length}}$`));
  }
  // Every character of the alphabet turns up (6 random bits each).
  const chars = new Set(Array.from({ length: 200 }, () => randomId(20)).join(""));
  assert.equal(chars.size, 64);
});
