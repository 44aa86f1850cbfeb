import assert from "node:assert/strict";
import { seededRandom, test } from "../tests/harness.ts";
import { Backoff } from "./backoff.ts";
import { Manager } from "./manager.ts";

test("backoff: the defaults stay within 500-1500, 1000-3000, 2000-5000 ms", () => {
  const random = seededRandom(11);
  for (let run = 0; run < 500; run++) {
    const backoff = new Backoff({ min: 1000, max: 5000, jitter: 0.5, random });
    const [a, b, c, d] = [
      backoff.duration(),
      backoff.duration(),
      backoff.duration(),
      backoff.duration(),
    ];
    assert.ok(a >= 500 && a <= 1500, `first ${a}`);
    assert.ok(b >= 1000 && b <= 3000, `second ${b}`);
    assert.ok(c >= 2000 && c <= 5000, `third ${c}`);
    assert.ok(d <= 5000, `capped ${d}`);
  }
});

test("backoff: without jitter it doubles up to the cap; reset starts over", () => {
  const backoff = new Backoff({ min: 100, max: 1000 });
  assert.deepEqual([1, 2, 3, 4, 5].map(() => backoff.duration()), [100, 200, 400, 800, 1000]);
  backoff.reset();
  assert.equal(backoff.duration(), 100);
});

test("manager: getters and setters of the reconnection settings", () => {
  const manager = new Manager("http://127.0.0.1:1", { autoConnect: false });
  assert.equal(manager.reconnection(), true);
  assert.equal(manager.reconnectionAttempts(), Infinity);
  assert.equal(manager.reconnectionDelay(), 1000);
  assert.equal(manager.reconnectionDelayMax(), 5000);
  assert.equal(manager.randomizationFactor(), 0.5);
  assert.equal(manager.timeout(), 20000);
  manager.reconnection(false).reconnectionAttempts(3).reconnectionDelay(10).reconnectionDelayMax(20)
    .randomizationFactor(0).timeout(500);
  assert.equal(manager.reconnection(), false);
  assert.equal(manager.reconnectionAttempts(), 3);
  assert.equal(manager.backoff.min, 10);
  assert.equal(manager.backoff.max, 20);
  assert.equal(manager.backoff.jitter, 0);
  assert.equal(manager.timeout(), 500);
});
