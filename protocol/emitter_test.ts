import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { Emitter } from "./emitter.ts";

test("emitter: on, once, off and snapshot semantics", () => {
  const e = new Emitter<{ ev: (n: number) => void }>();
  const seen: string[] = [];
  const a = (n: number) => seen.push(`a${n}`);
  e.on("ev", a);
  e.once("ev", (n) => seen.push(`once${n}`));
  e.on("ev", () => e.on("ev", (n) => seen.push(`late${n}`)));
  assert.equal(e.emit("ev", 1), true);
  assert.deepEqual(seen, ["a1", "once1"]);
  e.off("ev", a);
  e.emit("ev", 2);
  assert.deepEqual(seen, ["a1", "once1", "late2"]);
  assert.equal(e.listenerCount("ev"), 3);
  e.removeAllListeners();
  assert.equal(e.emit("ev", 3), false);
  const b = (n: number) => seen.push(`b${n}`);
  e.once("ev", b);
  assert.deepEqual(e.listeners("ev"), [b]);
  e.off("ev", b);
  assert.equal(e.hasListeners("ev"), false);
});
