import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { Emitter, Listeners } from "./emitter.ts";

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

test("emitter: one listener is stored as it is, a list from the second, back to one on removal", () => {
  const e = new Emitter<{ ev: (n: number) => void }>();
  const seen: string[] = [];
  const a = (n: number) => seen.push(`a${n}`);
  const b = (n: number) => seen.push(`b${n}`);
  assert.equal(e.rawListener("ev"), undefined);
  assert.deepEqual(e.rawListeners("ev"), []);
  e.on("ev", a);
  assert.equal(e.rawListener("ev"), a);
  assert.deepEqual(e.rawListeners("ev"), [a]);
  e.on("ev", b);
  assert.deepEqual(e.rawListener("ev"), [a, b]);
  e.emit("ev", 1);
  e.off("ev", a);
  assert.equal(e.rawListener("ev"), b);
  e.emit("ev", 2);
  e.off("ev", a); // not registered: nothing changes
  assert.equal(e.listenerCount("ev"), 1);
  e.off("ev", b);
  assert.equal(e.rawListener("ev"), undefined);
  assert.equal(e.hasListeners("ev"), false);
  assert.equal(e.emit("ev", 3), false);
  assert.deepEqual(seen, ["a1", "b1", "b2"]);
});

test("listeners: the same table held directly; once, off by the original, emitLocal", () => {
  class Peer extends Listeners<{ ev: (n: number) => void; other: () => void }> {}
  const p = new Peer();
  const seen: string[] = [];
  const once = (n: number) => seen.push(`once${n}`);
  assert.equal(p.emitLocal("ev", 0), false);
  p.once("ev", once);
  assert.deepEqual(p.listeners("ev"), [once]);
  p.on("ev", (n) => seen.push(`on${n}`));
  assert.equal(p.emitLocal("ev", 1), true);
  assert.equal(p.emitLocal("ev", 2), true);
  assert.deepEqual(seen, ["once1", "on1", "on2"]);
  p.once("other", () => seen.push("other"));
  p.off("other", undefined);
  assert.equal(p.emitLocal("other"), false);
  p.removeAllListeners();
  assert.equal(p.listenerCount("ev"), 0);
  assert.equal(p.rawListener("ev"), undefined);
});
