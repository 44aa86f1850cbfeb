// deno-lint-ignore-file no-explicit-any
// The client API, differentially: the same calls walked on an npm
// socket.io-client 4.8 Socket/Manager and on ours, with the results compared
// (what a call returns: the object itself for chaining, a value, an error).
// Nothing connects: the sockets are made with autoConnect off.
import assert from "node:assert/strict";
import { io as refIo, Manager as RefManager } from "socket.io-client";
import { test } from "../harness.ts";
import { io, Manager } from "../../client/mod.ts";

const URL = "http://127.0.0.1:9";
const opts = { sanitize: false };

/** A record of calls: each result as "this", a value, the names of functions, or an error. */
class Walk {
  readonly steps: Array<[string, unknown]> = [];
  readonly #names = new Map<unknown, string>();

  constructor(readonly self: any) {}

  /** A named function to register, so results name it rather than show it. */
  fn(name: string): (...args: unknown[]) => void {
    const f = () => {};
    this.#names.set(f, name);
    return f;
  }

  #norm(value: unknown): unknown {
    if (value === this.self) return "<this>";
    if (Array.isArray(value)) return value.map((v) => this.#norm(v));
    if (typeof value === "function") {
      return this.#names.get(value) ?? "<unnamed function>";
    }
    return value;
  }

  call(label: string, run: (self: any) => unknown): void {
    try {
      this.steps.push([label, this.#norm(run(this.self))]);
    } catch (error) {
      this.steps.push([
        label,
        `throws ${(error as Error).name}: ${(error as Error).message}`,
      ]);
    }
  }
}

/** The Emitter and catch-all calls of a client Socket, as the docs list them. */
function walkSocket(socket: any): Walk["steps"] {
  const w = new Walk(socket);
  const [f1, f2, f3] = [w.fn("f1"), w.fn("f2"), w.fn("f3")];
  w.call("on x f1", (s) => s.on("x", f1));
  w.call("on x f2", (s) => s.on("x", f2));
  w.call("listeners x", (s) => s.listeners("x"));
  w.call("listeners none", (s) => s.listeners("none"));
  w.call("hasListeners x", (s) => s.hasListeners("x"));
  w.call("hasListeners none", (s) => s.hasListeners("none"));
  w.call("once x f3", (s) => s.once("x", f3));
  // socket.io-client lists the once wrapper here; the count is what both agree on.
  w.call("listeners x after once (count)", (s) => s.listeners("x").length);
  w.call("off x f3 (the once listener)", (s) => s.off("x", f3));
  w.call("listeners x after off", (s) => s.listeners("x"));
  w.call("removeListener x f1", (s) => s.removeListener("x", f1));
  w.call("listeners x after removeListener", (s) => s.listeners("x"));
  w.call("off x unknown", (s) => s.off("x", f1));
  w.call("on y f1", (s) => s.on("y", f1));
  w.call("removeAllListeners y", (s) => s.removeAllListeners("y"));
  w.call("hasListeners y", (s) => s.hasListeners("y"));
  w.call("off x", (s) => s.off("x"));
  w.call("hasListeners x after off x", (s) => s.hasListeners("x"));
  w.call("on a f1", (s) => s.on("a", f1).on("b", f2));
  w.call("off()", (s) => s.off());
  w.call(
    "after off(): a, b",
    (s) => [s.hasListeners("a"), s.hasListeners("b")],
  );
  w.call("on a again", (s) => s.on("a", f1).on("b", f2));
  w.call("removeAllListeners()", (s) => s.removeAllListeners());
  w.call(
    "after removeAllListeners(): a, b",
    (s) => [s.hasListeners("a"), s.hasListeners("b")],
  );
  w.call("removeListener()", (s) => s.on("c", f1).removeListener());
  w.call("after removeListener(): c", (s) => s.hasListeners("c"));
  w.call("on connect", (s) => s.on("connect", f1));
  w.call("listeners connect", (s) => s.listeners("connect"));
  w.call("off connect", (s) => s.off("connect", f1));

  for (const kind of ["Any", "AnyOutgoing"]) {
    const [a1, a2, a3] = [w.fn(`${kind}1`), w.fn(`${kind}2`), w.fn(`${kind}3`)];
    w.call(`listeners${kind} empty`, (s) => s[`listeners${kind}`]());
    w.call(`on${kind} a1`, (s) => s[`on${kind}`](a1));
    w.call(`on${kind} a2`, (s) => s[`on${kind}`](a2));
    w.call(`prepend${kind} a3`, (s) => s[`prepend${kind}`](a3));
    w.call(`on${kind} a1 again`, (s) => s[`on${kind}`](a1));
    w.call(`listeners${kind}`, (s) => s[`listeners${kind}`]());
    w.call(`off${kind} a1 (first one only)`, (s) => s[`off${kind}`](a1));
    w.call(`listeners${kind} after off a1`, (s) => s[`listeners${kind}`]());
    w.call(`off${kind} unknown`, (s) => s[`off${kind}`](w.fn("unknown")));
    w.call(`off${kind}()`, (s) => s[`off${kind}`]());
    w.call(`listeners${kind} after off()`, (s) => s[`listeners${kind}`]());
  }
  return w.steps;
}

/** Emitting and the modifiers of a client Socket, disconnected: everything buffers. */
function walkEmit(socket: any): Walk["steps"] {
  const w = new Walk(socket);
  w.call("emit", (s) => s.emit("hello", 1));
  w.call("emit chained", (s) => s.emit("a").emit("b", 2));
  w.call("emit with ack", (s) => s.emit("c", w.fn("ack")));
  w.call("send", (s) => s.send("text"));
  w.call("compress", (s) => s.compress(false));
  w.call("timeout", (s) => s.timeout(1000));
  w.call("volatile", (s) => s.volatile);
  w.call("volatile.emit", (s) => s.volatile.emit("dropped"));
  w.call("compress(true).emit", (s) => s.compress(true).emit("d"));
  w.call("sendBuffer", (s) => s.sendBuffer.map((p: any) => p.data[0]));
  w.call("emit connect", (s) => s.emit("connect"));
  w.call("emit disconnecting", (s) => s.emit("disconnecting"));
  w.call("emit removeListener", (s) => s.emit("removeListener"));
  w.call("connected", (s) => [s.connected, s.disconnected, s.active, s.id]);
  w.call("disconnect", (s) => s.disconnect());
  w.call("close", (s) => s.close());
  w.call("after close", (s) => [s.connected, s.disconnected, s.active]);
  return w.steps;
}

/** The Manager's getters and setters. */
function walkManager(manager: any): Walk["steps"] {
  const w = new Walk(manager);
  for (
    const name of [
      "reconnectionAttempts",
      "reconnectionDelay",
      "reconnectionDelayMax",
    ]
  ) {
    w.call(`${name}()`, (m) => m[name]());
    w.call(`${name}(7)`, (m) => m[name](7));
    w.call(`${name}() after`, (m) => m[name]());
  }
  w.call("randomizationFactor()", (m) => m.randomizationFactor());
  w.call("randomizationFactor(0)", (m) => m.randomizationFactor(0));
  w.call("randomizationFactor() after", (m) => m.randomizationFactor());
  w.call("reconnection()", (m) => m.reconnection());
  w.call("reconnection(false)", (m) => m.reconnection(false));
  w.call("reconnection() after", (m) => m.reconnection());
  w.call("reconnection(1)", (m) => m.reconnection(1));
  w.call("reconnection() after 1", (m) => m.reconnection());
  w.call("timeout()", (m) => m.timeout());
  w.call("timeout(false)", (m) => m.timeout(false));
  w.call("timeout() after", (m) => m.timeout());
  w.call("on", (m) => m.on("open", w.fn("open")));
  w.call("hasListeners", (m) => m.hasListeners("open"));
  w.call("listeners", (m) => m.listeners("open"));
  w.call("off", (m) => m.off("open"));
  w.call("socket", (m) => m.socket("/x") === m.socket("/x"));
  w.call("disconnect", (m) => m.disconnect());
  return w.steps;
}

const socketOptions = { autoConnect: false, forceNew: true };

test(
  "client API: Emitter and catch-all calls return what socket.io-client's return",
  () => {
    const ours = walkSocket(io(URL, socketOptions));
    const theirs = walkSocket(refIo(URL, socketOptions));
    assert.deepEqual(ours, theirs);
  },
  opts,
);

test(
  "client API: emit, send and the modifiers chain as in socket.io-client",
  () => {
    const ours = walkEmit(io(URL, socketOptions));
    const theirs = walkEmit(refIo(URL, socketOptions));
    assert.deepEqual(ours, theirs);
  },
  opts,
);

test("client API: Manager getters and setters as in socket.io-client", () => {
  for (
    const options of [
      {},
      {
        reconnectionAttempts: 3,
        reconnectionDelay: 10,
        reconnectionDelayMax: 20,
      },
      // socket.io-client reads 0 as "the default" for these three.
      {
        reconnectionAttempts: 0,
        reconnectionDelay: 0,
        reconnectionDelayMax: 0,
      },
      { randomizationFactor: 0, timeout: 0, reconnection: false },
    ]
  ) {
    const managerOptions = { ...options, autoConnect: false };
    const ours = walkManager(new Manager(URL, managerOptions));
    const theirs = walkManager(new (RefManager as any)(URL, managerOptions));
    assert.deepEqual(ours, theirs, JSON.stringify(options));
  }
}, opts);

test(
  "client API: io, io.connect, io.io and the Manager's open/connect return values",
  () => {
    const describe = (f: any) => ({
      connect: f.connect === f,
      io: f.io === f,
      Manager: typeof f.Manager,
      Socket: typeof f.Socket,
    });
    assert.deepEqual(describe(io), describe(refIo));
    for (
      const [make, label] of [[
        () => new Manager(URL, { autoConnect: false }),
        "ours",
      ], [
        () => new (RefManager as any)(URL, { autoConnect: false }),
        "theirs",
      ]] as const
    ) {
      const manager: any = make();
      manager.reconnection(false);
      // The server is absent: open() starts a connection that fails, and returns the Manager.
      assert.equal(manager.open(), manager, label);
      assert.equal(manager.open(), manager, `${label}: already opening`);
      assert.equal(manager.connect(), manager, label);
      assert.equal(manager.disconnect(), undefined, label);
    }
  },
  opts,
);

test(
  "client API: the Emitter calls socket.io-client lacks work on ours",
  () => {
    const socket = io(URL, socketOptions);
    const f = () => {};
    assert.equal(socket.addListener("x", f), socket);
    assert.equal(socket.listenerCount("x"), 1);
    assert.deepEqual(socket.listeners("x"), [f]);
    socket.once("x", f);
    assert.equal(socket.listenerCount("x"), 2);
    assert.deepEqual(
      socket.listeners("x"),
      [f, f],
      "once listeners are listed as given",
    );
    socket.removeAllListeners();
    assert.equal(socket.listenerCount("x"), 0);
  },
  opts,
);
