import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { type AnyListener, CatchAllListeners } from "./catch_all.ts";

class Peer extends CatchAllListeners<{ ev: (n: number) => void }> {
  changes = 0;
  protected override callAnyListener(listener: AnyListener, args: unknown[]): void {
    listener.apply(this, args as [string]);
  }
  protected override onOutgoingChange(): void {
    this.changes++;
  }
  receive(args: unknown[]): boolean {
    if (this.catchesIncoming) this.notifyAny(args);
    return this.catchesIncoming;
  }
  send(args: unknown[]): boolean {
    if (this.catchesOutgoing) this.notifyAnyOutgoing(args);
    return this.catchesOutgoing;
  }
}

test("catch-all: order, prepend, off by first registration, all off", () => {
  const p = new Peer();
  const seen: string[] = [];
  const a: AnyListener = (event, n) => seen.push(`a:${event}${n}`);
  const b: AnyListener = (event, n) => seen.push(`b:${event}${n}`);
  assert.equal(p.receive(["ev", 0]), false);
  p.onAny(a).onAny(b).prependAny(b).onAny(a);
  assert.deepEqual(p.listenersAny(), [b, a, b, a]);
  p.receive(["ev", 1]);
  assert.deepEqual(seen, ["b:ev1", "a:ev1", "b:ev1", "a:ev1"]);
  p.offAny(a);
  assert.deepEqual(p.listenersAny(), [b, b, a]);
  p.offAny(() => {});
  assert.equal(p.listenersAny().length, 3);
  p.offAny();
  assert.deepEqual(p.listenersAny(), []);
  assert.equal(p.receive(["ev", 2]), false);
  // The list given out is a copy.
  p.onAny(a).listenersAny().push(b);
  assert.deepEqual(p.listenersAny(), [a]);
});

test("catch-all: a running notification keeps its list while listeners change it", () => {
  const p = new Peer();
  const seen: string[] = [];
  const late: AnyListener = () => seen.push("late");
  const second: AnyListener = () => seen.push("second");
  p.onAny(() => {
    seen.push("first");
    p.offAny(second).onAny(late);
  }).onAny(second);
  p.receive(["ev"]);
  assert.deepEqual(seen, ["first", "second"]);
});

test("catch-all: outgoing listeners apart from incoming ones, each change reported", () => {
  const p = new Peer();
  const seen: unknown[][] = [];
  const out: AnyListener = (...args) => seen.push(args);
  p.onAnyOutgoing(out);
  assert.equal(p.receive(["ev", 1]), false);
  assert.equal(p.send(["ev", 2]), true);
  p.prependAnyOutgoing(out);
  assert.deepEqual(p.listenersAnyOutgoing(), [out, out]);
  p.offAnyOutgoing(out);
  p.offAnyOutgoing(out);
  assert.equal(p.send(["ev", 3]), false);
  assert.deepEqual(seen, [["ev", 2]]);
  assert.equal(p.changes, 4);
});
