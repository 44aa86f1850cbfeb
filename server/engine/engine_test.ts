import assert from "node:assert/strict";
import { test } from "../../tests/harness.ts";
import { Engine, type EngineOptions } from "./mod.ts";
import { hostRuntime } from "../runtime/mod.ts";

const base = "http://localhost/engine.io/";

async function handshake(
  engine: Engine,
  init: RequestInit = {},
  query = "EIO=4&transport=polling",
) {
  const res = await engine.handler()(new Request(`${base}?${query}`, init));
  return { res, body: await res.text() };
}

function withEngine(
  options: EngineOptions,
  fn: (engine: Engine) => Promise<void>,
): () => Promise<void> {
  return async () => {
    const engine = new Engine({ pingInterval: 10_000, pingTimeout: 5_000, ...options });
    try {
      await fn(engine);
    } finally {
      engine.close();
    }
  };
}

test(
  "engine options: the sticky cookie and its attributes",
  withEngine(
    { cookie: { name: "lb", sameSite: "strict", secure: true, maxAge: 60 } },
    async (engine) => {
      const { res, body } = await handshake(engine);
      const sid = JSON.parse(body.slice(1)).sid;
      assert.equal(
        res.headers.get("set-cookie"),
        `lb=${sid}; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Strict`,
      );
      const plain = new Engine({ cookie: true });
      const { res: r2, body: b2 } = await handshake(plain);
      assert.equal(
        r2.headers.get("set-cookie"),
        `io=${JSON.parse(b2.slice(1)).sid}; Path=/; HttpOnly; SameSite=Lax`,
      );
      plain.close();
      const none = new Engine();
      const { res: r3 } = await handshake(none);
      assert.equal(r3.headers.get("set-cookie"), null);
      none.close();
    },
  ),
);

test("engine options: allowRequest sync, async and callback forms", async () => {
  for (
    const [allowRequest, expected] of [
      [() => false, 403],
      [() => Promise.resolve(true), 200],
      [(_req: Request, cb: (e: string | null, ok: boolean) => void) => cb(null, false), 403],
      [(req: Request) => req.headers.get("x-token") === "ok", 403],
      [() => {
        throw new Error("boom");
      }, 403],
    ] as const
  ) {
    const engine = new Engine({ allowRequest: allowRequest as EngineOptions["allowRequest"] });
    const errors: Error[] = [];
    engine.onError = (error) => errors.push(error);
    const { res, body } = await handshake(engine);
    assert.equal(res.status, expected);
    if (expected === 403) assert.deepEqual(JSON.parse(body), { code: 4, message: "Forbidden" });
    engine.close();
  }
});

test("engine options: allowRequest's message is the 403 body's, as engine.io sends it", async () => {
  for (
    const [message, body] of [
      ["go away", '{"code":4,"message":"go away"}'],
      [{ reason: "quota", retry: 3 }, '{"code":4,"message":{"reason":"quota","retry":3}}'],
      [new Error("nope"), '{"code":4,"message":{}}'],
      ["", '{"code":4,"message":"Forbidden"}'],
      [null, '{"code":4,"message":"Forbidden"}'],
    ] as const
  ) {
    const engine = new Engine({ allowRequest: (_req, cb) => cb(message, false) });
    const refused: unknown[] = [];
    engine.on("connection_error", (e) => refused.push([e.code, e.message, e.context]));
    const res = await handshake(engine);
    assert.equal(res.res.status, 403);
    assert.equal(res.body, body);
    assert.equal(res.res.headers.get("content-type"), "application/json");
    assert.deepEqual(refused, [[4, "Forbidden", { message }]]);
    engine.close();
  }
});

test("engine options: an allowRequest that throws or rejects refuses and is reported", async () => {
  for (
    const allowRequest of [
      () => {
        throw new Error("boom");
      },
      () => Promise.reject(new Error("boom")),
      (_req: Request, _cb: unknown) => {
        throw "boom";
      },
    ]
  ) {
    const engine = new Engine({ allowRequest: allowRequest as EngineOptions["allowRequest"] });
    const errors: Error[] = [];
    engine.onError = (error) => errors.push(error);
    const { res, body } = await handshake(engine);
    assert.equal(res.status, 403);
    assert.deepEqual(JSON.parse(body), { code: 4, message: "Forbidden" });
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof Error);
    assert.equal(errors[0].message, "boom");
    engine.close();
  }
});

test("engine: Connection: close is said on a runtime that closes silently, not on the fallback's", async () => {
  const silent = { ...hostRuntime, silentClose: true };
  const engine = new Engine({ runtime: silent, pingInterval: 10_000, cors: {} });
  const closing = { headers: { connection: "keep-alive, Close" } };
  try {
    const handler = engine.handler((req) =>
      new Response(new URL(req.url).pathname, { status: 404 })
    );
    const open = await handler(new Request(`${base}?EIO=4&transport=polling`, closing));
    assert.equal(open.headers.get("connection"), "close");
    const sid = JSON.parse((await open.text()).slice(1)).sid;
    const url = `${base}?EIO=4&transport=polling&sid=${sid}`;
    // A POST and a poll (a promise), an error, a preflight.
    const post = await handler(new Request(url, { ...closing, method: "POST", body: "4hi" }));
    assert.equal(post.headers.get("connection"), "close");
    assert.equal(await post.text(), "ok");
    engine.clients.get(sid)!.send("x");
    const poll = await handler(new Request(url, closing));
    assert.equal(poll.headers.get("connection"), "close");
    assert.equal(await poll.text(), "4x");
    const bad = await handler(new Request(`${base}?EIO=4&transport=bogus`, closing));
    assert.equal(bad.headers.get("connection"), "close");
    await bad.body?.cancel();
    const preflight = await handler(new Request(base, { ...closing, method: "OPTIONS" }));
    assert.equal(preflight.headers.get("connection"), "close");
    // Without the close option, nothing is said; the fallback's response is left as it is.
    const plain = await handler(new Request(`${base}?EIO=4&transport=polling`));
    assert.equal(plain.headers.get("connection"), null);
    await plain.body?.cancel();
    const other = await handler(new Request("http://localhost/other", closing));
    assert.equal(other.headers.get("connection"), null);
    assert.equal(await other.text(), "/other");
    // The engine's own 404 (no fallback) says it.
    const notFound = await engine.handler()(new Request("http://localhost/other", closing));
    assert.equal(notFound.status, 404);
    assert.equal(notFound.headers.get("connection"), "close");
    await notFound.body?.cancel();
    // A runtime that says it itself (Deno) gets nothing added.
    const deno = new Engine({ runtime: { ...silent, silentClose: false } });
    const own = await deno.handler()(new Request(`${base}?EIO=4&transport=polling`, closing));
    assert.equal(own.headers.get("connection"), null);
    await own.body?.cancel();
    deno.close();
  } finally {
    engine.close();
  }
});

test(
  "engine options: httpCompression compresses large polling responses only",
  withEngine({ httpCompression: { threshold: 100 } }, async (engine) => {
    const bodies = ["x".repeat(500), "\u20ac".repeat(40), "\u00e9".repeat(40)];
    const sids: string[] = [];
    engine.on("connection", (conn) => {
      sids.push(conn.id);
      conn.send(bodies[sids.length - 1]);
    });
    // 501 bytes and 121 bytes (40 three-byte characters) are over the threshold; 81 bytes
    // (40 two-byte characters, 41 UTF-16 units) are not.
    for (const [i, expected] of ["gzip", "gzip", null].entries()) {
      await handshake(engine);
      const res = await engine.handler()(
        new Request(`${base}?EIO=4&transport=polling&sid=${sids[i]}`, {
          headers: { "accept-encoding": "gzip" },
        }),
      );
      assert.equal(res.headers.get("content-encoding"), expected);
      const text = expected
        ? await new Response(res.body!.pipeThrough(new DecompressionStream("gzip"))).text()
        : await res.text();
      assert.equal(text, "4" + bodies[i]);
    }
    const small = await handshake(engine, { headers: { "accept-encoding": "gzip" } });
    assert.equal(small.res.headers.get("content-encoding"), null);
  }),
);

test(
  "engine options: initial_headers and headers hooks edit the responses",
  withEngine({}, async (engine) => {
    engine.on("initial_headers", (headers) => (headers["x-first"] = "1"));
    engine.on("headers", (headers) => (headers["x-every"] = "1"));
    const { res, body } = await handshake(engine);
    assert.equal(res.headers.get("x-first"), "1");
    assert.equal(res.headers.get("x-every"), "1");
    const sid = JSON.parse(body.slice(1)).sid;
    const post = await engine.handler()(
      new Request(`${base}?EIO=4&transport=polling&sid=${sid}`, { method: "POST", body: "4hi" }),
    );
    assert.equal(await post.text(), "ok");
    assert.equal(post.headers.get("x-every"), "1");
    assert.equal(post.headers.get("x-first"), null);
  }),
);

test("engine options: transports, allowUpgrades, addTrailingSlash, path and fallback", async () => {
  const wsOnly = new Engine({ transports: ["websocket"] });
  const { res } = await handshake(wsOnly);
  assert.equal(res.status, 400);
  wsOnly.close();
  const noUpgrade = new Engine({ allowUpgrades: false });
  const { body } = await handshake(noUpgrade);
  assert.deepEqual(JSON.parse(body.slice(1)).upgrades, []);
  noUpgrade.close();
  // The path is a prefix, as engine.io matches it: "/rt" without the trailing slash takes
  // "/rt", "/rt/" and "/rt/anything"; with it, "/rt/" and "/rt/anything" but not "/rt".
  const bare = new Engine({ path: "/rt", addTrailingSlash: false });
  const handler = bare.handler((req) => new Response(`fallback ${new URL(req.url).pathname}`));
  for (const path of ["/rt", "/rt/", "/rt/x/y", "/rtx"]) {
    const hit = await handler(new Request(`http://localhost${path}?EIO=4&transport=polling`));
    assert.equal((await hit.text())[0], "0", path);
  }
  const miss = await handler(new Request("http://localhost/r?EIO=4&transport=polling"));
  assert.equal(await miss.text(), "fallback /r");
  bare.close();
  const slash = new Engine({ path: "/rt" });
  const slashed = slash.handler((req) => new Response(`fallback ${new URL(req.url).pathname}`));
  const sub = await slashed(new Request("http://localhost/rt/x?EIO=4&transport=polling"));
  assert.equal((await sub.text())[0], "0");
  const short = await slashed(new Request("http://localhost/rt?EIO=4&transport=polling"));
  assert.equal(await short.text(), "fallback /rt");
  slash.close();
  const notFound = await new Engine().handler()(new Request("http://localhost/elsewhere"));
  assert.equal(notFound.status, 404);
  await notFound.body?.cancel();
  assert.throws(() => new Engine({ pingInterval: -1 }), RangeError);
  assert.throws(() => new Engine({ path: "no-slash" }), TypeError);
});

test(
  "engine options: trustProxy takes the address and scheme from forwarded headers",
  withEngine({ trustProxy: true }, async (engine) => {
    let seen: { address: string; secure: boolean } | undefined;
    engine.on(
      "connection",
      (conn) => (seen = { address: conn.remoteAddress, secure: conn.secure }),
    );
    await handshake(engine, {
      headers: { "x-forwarded-for": "203.0.113.7, 10.0.0.1", "x-forwarded-proto": "https" },
    });
    assert.deepEqual(seen, { address: "203.0.113.7", secure: true });
  }),
);

test(
  "engine: a second pending GET closes the session; close() settles the pending poll",
  withEngine({}, async (engine) => {
    const closed: string[] = [];
    engine.on("connection", (conn) => conn.on("close", (reason) => closed.push(reason)));
    const { body } = await handshake(engine);
    const sid = JSON.parse(body.slice(1)).sid;
    const url = `${base}?EIO=4&transport=polling&sid=${sid}`;
    const first = engine.handler()(new Request(url));
    const second = await engine.handler()(new Request(url));
    assert.equal(second.status, 400);
    await second.body?.cancel();
    assert.equal(await (await first).text(), "1");
    assert.deepEqual(closed, ["transport error"]);
    assert.equal(engine.clientsCount, 0);
  }),
);

test(
  "engine: a malformed POST closes the session with parse error",
  withEngine({}, async (engine) => {
    const closed: string[] = [];
    engine.on("connection", (conn) => conn.on("close", (reason) => closed.push(reason)));
    const { body } = await handshake(engine);
    const sid = JSON.parse(body.slice(1)).sid;
    const res = await engine.handler()(
      new Request(`${base}?EIO=4&transport=polling&sid=${sid}`, {
        method: "POST",
        body: "9garbage",
      }),
    );
    // Answered "ok" all the same, as the reference does (session_fidelity_test.ts).
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.deepEqual(closed, ["parse error"]);
    assert.equal(engine.clientsCount, 0);
  }),
);

test("engine: the open packet is its fields' JSON, in order, for engines with different options side by side", async () => {
  const a = new Engine();
  const b = new Engine({
    pingInterval: 1000,
    pingTimeout: 700,
    maxHttpBufferSize: 500,
    allowUpgrades: false,
    allowEIO3: true,
  });
  let made = 0;
  // Ids that need escaping in JSON (unique: the engine keys its sessions by id).
  b.generateId = () => `id"with\\escapes${++made}`;
  try {
    const open = (body: string) => body.slice(body.indexOf("0") + 1);
    for (let round = 0; round < 2; round++) {
      const first = await handshake(a);
      const sid = JSON.parse(open(first.body)).sid;
      assert.equal(
        open(first.body),
        JSON.stringify({
          sid,
          upgrades: ["websocket"],
          pingInterval: 25000,
          pingTimeout: 20000,
          maxPayload: 1e6,
        }),
      );
      const second = await handshake(b);
      assert.equal(
        open(second.body),
        JSON.stringify({
          sid: `id"with\\escapes${made}`,
          upgrades: [],
          pingInterval: 1000,
          pingTimeout: 700,
          maxPayload: 500,
        }),
      );
      // Engine.IO v3 has no maxPayload; the length prefix counts the packet.
      const v3 = await handshake(b, {}, "EIO=3&transport=polling&b64=1");
      const packet = JSON.stringify({
        sid: `id"with\\escapes${made}`,
        upgrades: [],
        pingInterval: 1000,
        pingTimeout: 700,
      });
      assert.equal(v3.body, `${packet.length + 1}:0${packet}`);
    }
    // An option changed on a running engine shows in the next handshake.
    a.options.pingInterval = 5000;
    const later = await handshake(a);
    assert.equal(JSON.parse(open(later.body)).pingInterval, 5000);
  } finally {
    a.close();
    b.close();
  }
});
