import assert from "node:assert/strict";
import { test, until } from "../tests/harness.ts";
import { type DeadlineOwner, DeadlineQueue } from "./deadlines.ts";

function owner(name: string, fired: string[], then?: (q: DeadlineQueue) => void): DeadlineOwner {
  return {
    onDeadline(queue) {
      fired.push(name);
      then?.(queue);
    },
  };
}

test("deadlines: fire in the order set; set again moves back; delete cancels", async () => {
  const fired: string[] = [];
  const queue = new DeadlineQueue(30);
  const [a, b, c] = ["a", "b", "c"].map((n) => owner(n, fired));
  queue.set(a);
  queue.set(b);
  queue.set(c);
  queue.set(a); // a now last
  queue.delete(b);
  assert.equal(queue.size, 2);
  await until(() => fired.length === 2, 2000, "two deadlines");
  assert.deepEqual(fired, ["c", "a"]);
  assert.equal(queue.size, 0);
  assert.equal(queue.armedFor, Infinity); // no timer left behind
});

test("deadlines: an owner that sets itself again while firing gets one new deadline", async () => {
  const fired: string[] = [];
  const queue = new DeadlineQueue(10);
  let rounds = 0;
  const again = owner("again", fired, (q) => {
    if (++rounds < 3) q.set(again);
  });
  queue.set(again);
  await until(() => fired.length === 3, 2000, "three rounds");
  assert.equal(queue.size, 0);
  assert.equal(queue.armedFor, Infinity);
});
