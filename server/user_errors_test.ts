// deno-lint-ignore-file no-explicit-any
// Errors in user code at the Socket.IO layer: middlewares (namespace and socket, one runner),
// dynamic-namespace matchers and session restores are reported, never lost and never an
// unhandled rejection.
import assert from "node:assert/strict";
import { deferred, nextEvent, test, until, withTimeout } from "../tests/harness.ts";
import type { ServerOptions } from "./mod.ts";
import { runMiddlewares } from "./middleware.ts";
import { setupServer } from "../tests/server_setup.ts";

async function setup(options: ServerOptions = {}) {
  const setup = await setupServer(options);
  const reported: Error[] = [];
  setup.io.onError = (error) => reported.push(error);
  return { ...setup, reported };
}

test("middlewares: one runner; throws, rejections and next(error) end the run once", async () => {
  const run = (fns: any[]) => {
    const done: Array<[string | undefined, boolean | undefined]> = [];
    const late: string[] = [];
    runMiddlewares(fns, "arg", (e, thrown) => done.push([e?.message, thrown]), (e) => {
      late.push(e.message);
    });
    return { done, late };
  };
  const order: string[] = [];
  let r = run([
    (a: string, next: any) => (order.push(a), next()),
    (_: string, next: any) => next(),
  ]);
  assert.deepEqual(order, ["arg"]);
  assert.deepEqual(r.done, [[undefined, undefined]]);
  r = run([(_: string, next: any) => next(new Error("refused"))]);
  assert.deepEqual(r.done, [["refused", undefined]]);
  r = run([() => {
    throw new Error("thrown");
  }]);
  assert.deepEqual(r.done, [["thrown", true]]);
  r = run([() => {
    throw "a string";
  }]);
  assert.deepEqual(r.done, [["a string", true]]);
  // next() then a throw: the run is over, the error is late, not a second ending.
  r = run([(_: string, next: any) => {
    next();
    throw new Error("after next");
  }]);
  assert.deepEqual(r.done, [[undefined, undefined]]);
  assert.deepEqual(r.late, ["after next"]);
  // next() twice runs the rest once; next(error) after the end is late.
  let second = 0;
  r = run([(_: string, next: any) => {
    next();
    next();
    next(new Error("twice"));
  }, (_: string, next: any) => (second++, next())]);
  assert.equal(second, 1);
  assert.deepEqual(r.done, [[undefined, undefined]]);
  assert.deepEqual(r.late, ["twice"]);
  // An async middleware that rejects.
  const ended = deferred<[string | undefined, boolean | undefined]>();
  runMiddlewares(
    [async () => {
      await Promise.resolve();
      throw new Error("rejected");
    }],
    0,
    (e, thrown) => ended.resolve([e?.message, thrown]),
    () => {},
  );
  assert.deepEqual(await withTimeout(ended.promise, 1000), ["rejected", true]);
});

test("socket.use: an async middleware that rejects is the socket's error, not an unhandled rejection", async () => {
  const ctx = await setup();
  try {
    const errors: unknown[] = [];
    const refused = new Error("refused by next");
    ctx.io.on("connection", (socket) => {
      socket.use(async ([event], next) => {
        await Promise.resolve();
        if (event === "async") throw new Error("async middleware failed");
        next();
      });
      socket.use(([event], next) => {
        if (event === "sync") throw new Error("sync middleware failed");
        if (event === "refuse") return next(refused);
        next();
      });
      socket.on("error", (error) => errors.push(error));
      socket.on("ok", (ack: (r: string) => void) => ack("through"));
    });
    const c = ctx.client();
    await nextEvent(c, "connect");
    c.emit("async");
    c.emit("sync");
    c.emit("refuse");
    assert.equal(await c.timeout(2000).emitWithAck("ok"), "through");
    await until(() => errors.length === 3, 3000, "three socket errors");
    assert.deepEqual(
      errors.map((e: any) => e.message),
      ["async middleware failed", "sync middleware failed", "refused by next"],
    );
    // next(error): the socket's "error" event gets that very error, as in socket.io.
    assert.equal(errors[2], refused);
    assert.deepEqual(ctx.reported, []);
  } finally {
    await ctx.close();
  }
});

test("socket.use: without an error listener, a failing middleware goes to the server's reporter", async () => {
  const ctx = await setup();
  try {
    ctx.io.on("connection", (socket) => {
      socket.use(async () => {
        await Promise.resolve();
        throw new Error("nobody listens");
      });
    });
    const c = ctx.client();
    await nextEvent(c, "connect");
    c.emit("anything");
    await until(() => ctx.reported.length === 1, 3000, "report");
    assert.equal(ctx.reported[0].message, "nobody listens");
  } finally {
    await ctx.close();
  }
});

test("nsp.use: a middleware that throws or rejects refuses the client and is reported", async () => {
  const ctx = await setup();
  try {
    ctx.io.use(async (socket, next) => {
      await Promise.resolve();
      if (socket.handshake.auth.kind === "reject") throw new Error("async refusal");
      next();
    });
    ctx.io.use((socket, next) => {
      if (socket.handshake.auth.kind === "throw") throw new Error("sync refusal");
      if (socket.handshake.auth.kind === "next") return next(new Error("by next"));
      next();
    });
    const messages: string[] = [];
    for (const kind of ["reject", "throw", "next"]) {
      const c = ctx.client("", { auth: { kind } });
      const [error] = await nextEvent<[Error]>(c, "connect_error");
      messages.push(error.message);
    }
    assert.deepEqual(messages, ["async refusal", "sync refusal", "by next"]);
    // Throws and rejections are bugs the server hears of; a refusal by next(error) is not.
    assert.deepEqual(ctx.reported.map((e) => e.message), ["async refusal", "sync refusal"]);
    const ok = ctx.client("", { auth: { kind: "ok" } });
    await nextEvent(ok, "connect");
  } finally {
    await ctx.close();
  }
});

test("io.of(fn): a matcher that throws or rejects is reported and refuses the namespace", async () => {
  const ctx = await setup();
  try {
    ctx.io.of((name, _auth, next) => {
      if (name === "/throws") throw new Error("matcher threw");
      next(null, false);
    });
    ctx.io.of(
      (async (name: string, _auth: unknown, next: (e: Error | null, ok: boolean) => void) => {
        await Promise.resolve();
        if (name === "/rejects") throw new Error("matcher rejected");
        next(null, name === "/dynamic-ok");
      }) as any,
    );
    for (const name of ["/throws", "/rejects"]) {
      const c = ctx.client(name);
      const [error] = await nextEvent<[Error]>(c, "connect_error");
      assert.equal(error.message, "Invalid namespace");
    }
    assert.deepEqual(ctx.reported.map((e) => e.message), ["matcher threw", "matcher rejected"]);
    const ok = ctx.client("/dynamic-ok");
    await nextEvent(ok, "connect");
  } finally {
    await ctx.close();
  }
});
