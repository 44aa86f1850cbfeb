/**
 * The engine's refusals, CORS and handshake headers, as engine.io 6.6.4
 * answers them: a refused WebSocket upgrade (`abortUpgrade`), the CORS
 * headers of a 101, a CORS origin function that fails, and the polling
 * handshake's `Cache-Control`.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { test, withTimeout } from "../../tests/harness.ts";
import { RawWebSocket } from "../../tests/raw_websocket.ts";
import { serve } from "../../tests/serve.ts";
import { pollingHandshake, wsUrl } from "../../tests/conformance/wire.ts";
import { type ConnectionError, Engine, type EngineOptions } from "./mod.ts";

const base = "http://localhost/engine.io/";
const UPGRADE = {
  upgrade: "websocket",
  connection: "Upgrade",
  "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
  "sec-websocket-version": "13",
};
const CORS = { origin: "*", credentials: true };

/** An engine whose allowRequest refuses requests carrying `x-refuse`, as the differential server's. */
function refusingEngine(options: EngineOptions = {}): Engine {
  return new Engine({
    cors: CORS,
    allowRequest: (request, callback) =>
      request.headers.has("x-refuse") ? callback("refused by test", false) : callback(null, true),
    pingInterval: 10_000,
    pingTimeout: 5_000,
    ...options,
  });
}

async function answer(engine: Engine, query: string, init: RequestInit = {}) {
  const res = await engine.handler()(new Request(`${base}?${query}`, init));
  return { res, body: await res.text() };
}

test("engine: a refused upgrade request is answered as engine.io's abortUpgrade", async () => {
  const engine = refusingEngine();
  const refused: Array<[number, string, Record<string, unknown>]> = [];
  engine.on("connection_error", (e) => refused.push([e.code, e.message, e.context]));
  let hooked = 0;
  engine.on("headers", () => hooked++);
  const origin = { origin: "http://example.test" };
  try {
    const cases: Array<[string, Record<string, string>, string, number]> = [
      ["EIO=4&transport=websocket", { "x-refuse": "1" }, "refused by test", 4],
      ["EIO=4&transport=websocket&sid=nope", {}, "Session ID unknown", 1],
      ["EIO=4&transport=carrier-pigeon", {}, "Transport unknown", 0],
      ["EIO=9&transport=websocket", {}, "Unsupported protocol version", 5],
      [
        "EIO=4&transport=websocket",
        { "x-refuse": "1", connection: "keep-alive, Upgrade" },
        "refused by test",
        4,
      ],
    ];
    for (const [query, headers, message, code] of cases) {
      const { res, body } = await answer(engine, query, {
        headers: { ...UPGRADE, ...origin, ...headers },
      });
      assert.equal(res.status, 400, query);
      assert.equal(res.headers.get("content-type"), "text/html", query);
      assert.equal(res.headers.get("connection"), "close", query);
      assert.equal(res.headers.get("access-control-allow-origin"), null, query);
      assert.equal(res.headers.get("access-control-allow-credentials"), null, query);
      assert.equal(body, message, query);
      assert.equal(refused.shift()?.[0], code, query);
    }
    // The connection_error event is still emitted, with engine.io's message and context.
    await answer(engine, "EIO=4&transport=websocket", {
      headers: { ...UPGRADE, "x-refuse": "1" },
    });
    assert.deepEqual(refused.shift(), [4, "Forbidden", { message: "refused by test" }]);
    assert.equal(hooked, 0, "no headers hook on an aborted upgrade");

    // A request that does not ask to upgrade keeps the JSON answer with the CORS headers.
    const { res, body } = await answer(engine, "EIO=4&transport=polling", {
      headers: { ...origin, "x-refuse": "1" },
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.deepEqual(JSON.parse(body), { code: 4, message: "refused by test" });
  } finally {
    engine.close();
  }

  // Without the websocket transport an upgrade request is a plain request (engine.io does not
  // listen for upgrades then).
  const pollingOnly = refusingEngine({ transports: ["polling"] });
  try {
    const { res, body } = await answer(pollingOnly, "EIO=4&transport=websocket", {
      headers: UPGRADE,
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.deepEqual(JSON.parse(body), { code: 0, message: "Transport unknown" });
  } finally {
    pollingOnly.close();
  }
});

/**
 * A raw HTTP/1.1 exchange: the response's status line, headers and body.
 * (Whether the server then closes the connection is not observed: Deno says
 * `Connection: close` but may keep it open a while.)
 */
function rawExchange(
  port: number,
  head: string,
): Promise<{ status: string; headers: Record<string, string>; body: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let text = "";
      socket.on("error", reject);
      socket.on("data", (chunk: Uint8Array) => {
        text += new TextDecoder().decode(chunk);
        const end = text.indexOf("\r\n\r\n");
        if (end < 0) return;
        const [status, ...lines] = text.slice(0, end).split("\r\n");
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(":");
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const body = text.slice(end + 4);
        if (body.length >= Number(headers["content-length"] ?? 0)) {
          socket.destroy();
          resolve({ status, headers, body });
        }
      });
      socket.once("connect", () => socket.write(head));
    }),
    3000,
    "raw HTTP exchange",
  );
}

test("engine: a refused upgrade says Connection: close on the wire, on both runtimes", async () => {
  const engine = refusingEngine();
  const http = await serve(engine.handler());
  try {
    const reply = await rawExchange(
      http.port,
      [
        "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1",
        "Host: 127.0.0.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        "Origin: http://example.test",
        "X-Refuse: 1",
        "",
        "",
      ].join("\r\n"),
    );
    assert.match(reply.status, /^HTTP\/1\.1 400/);
    assert.equal(reply.headers["connection"], "close");
    assert.equal(reply.headers["content-type"], "text/html");
    assert.equal(reply.headers["access-control-allow-origin"], undefined);
    assert.equal(reply.body, "refused by test");
  } finally {
    engine.close();
    await http.close();
  }
});

test("engine: the 101 of an upgrade carries the CORS and headers-hook headers", async () => {
  const engine = new Engine({ cors: CORS, pingInterval: 10_000, pingTimeout: 5_000 });
  engine.on("headers", (headers) => (headers["x-hooked"] = "yes"));
  const http = await serve(engine.handler());
  const sockets: RawWebSocket[] = [];
  try {
    // From polling.
    const { sid } = await pollingHandshake(http.url);
    const upgraded = await RawWebSocket.connect(
      wsUrl(http.url, `EIO=4&transport=websocket&sid=${sid}`),
    );
    sockets.push(upgraded);
    assert.equal(upgraded.headers["access-control-allow-origin"], "*");
    assert.equal(upgraded.headers["access-control-allow-credentials"], "true");
    assert.equal(upgraded.headers["x-hooked"], "yes");
    // Directly, without the polling transport's Cache-Control.
    const direct = await RawWebSocket.connect(wsUrl(http.url, "EIO=4&transport=websocket"));
    sockets.push(direct);
    assert.equal(direct.headers["access-control-allow-origin"], "*");
    assert.equal(direct.headers["access-control-allow-credentials"], "true");
    assert.equal(direct.headers["cache-control"], undefined);
  } finally {
    for (const socket of sockets) await socket.destroy();
    engine.close();
    await http.close();
  }
});

test("engine: the polling handshake says Cache-Control: no-store, which the hooks see", async () => {
  const engine = new Engine({ pingInterval: 10_000, pingTimeout: 5_000 });
  try {
    const { res } = await answer(engine, "EIO=4&transport=polling");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    let seen: string | undefined;
    engine.on("initial_headers", (headers) => {
      seen = headers["cache-control"];
      headers["cache-control"] = "private";
    });
    const { res: hooked } = await answer(engine, "EIO=4&transport=polling");
    assert.equal(seen, "no-store");
    assert.equal(hooked.headers.get("cache-control"), "private");
  } finally {
    engine.close();
  }
});

test("engine: a CORS origin function that throws or rejects is reported; the request gets a 400", async () => {
  const failures = [
    () => {
      throw new Error("origin boom");
    },
    () => Promise.reject(new Error("origin boom")),
    (_origin: string | undefined, _callback: unknown) => {
      throw new Error("origin boom");
    },
  ];
  for (const failure of failures) {
    let fail = false;
    const origin = (o: string | undefined) => fail ? failure(o, undefined) : true;
    const engine = new Engine({
      cors: { origin: origin as NonNullable<EngineOptions["cors"]>["origin"] },
      pingInterval: 10_000,
      pingTimeout: 5_000,
    });
    const errors: Error[] = [];
    engine.onError = (error) => errors.push(error);
    const refused: ConnectionError[] = [];
    engine.on("connection_error", (e) => refused.push(e));
    try {
      const { body: open } = await answer(engine, "EIO=4&transport=polling", {
        headers: { origin: "http://a.test" },
      });
      const sid = JSON.parse(open.slice(1)).sid;
      fail = true;
      const requests: Array<[string, RequestInit, string]> = [
        ["EIO=4&transport=polling", {}, "handshake"],
        [`EIO=4&transport=polling&sid=${sid}`, {}, "poll"],
        [`EIO=4&transport=polling&sid=${sid}`, { method: "POST", body: "4x" }, "post"],
        ["EIO=4&transport=polling&sid=nope", {}, "unknown sid"],
        ["EIO=4&transport=polling", {
          method: "OPTIONS",
          headers: { "access-control-request-method": "POST" },
        }, "preflight"],
      ];
      for (const [query, init, what] of requests) {
        const { res, body } = await answer(engine, query, {
          ...init,
          headers: { origin: "http://a.test", ...init.headers },
        });
        assert.equal(res.status, 400, what);
        assert.equal(res.headers.get("access-control-allow-origin"), null, what);
        assert.deepEqual(JSON.parse(body), { code: 3, message: "Bad request" }, what);
        assert.equal(errors.shift()?.message, "origin boom", what);
        assert.deepEqual(
          [refused[0]?.code, refused[0]?.context],
          [3, { name: "MIDDLEWARE_FAILURE" }],
          what,
        );
        assert.equal(refused.length, 1, `${what}: one connection_error`);
        refused.length = 0;
      }
      // An upgrade request: engine.io's abortUpgrade answer.
      const { res, body } = await answer(engine, "EIO=4&transport=websocket", {
        headers: { ...UPGRADE, origin: "http://a.test" },
      });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get("content-type"), "text/html");
      assert.equal(body, "Bad request");
      assert.equal(errors.length, 1);
      assert.equal(engine.clients.size, 1, "the session the failing requests named lives on");
    } finally {
      engine.close();
    }
  }
});

test("engine: an origin callback that answers an error refuses with a 400, not reported", async () => {
  const engine = new Engine({
    cors: {
      origin: (_origin, callback) => callback(new Error("Not allowed by CORS")),
    },
  });
  const errors: Error[] = [];
  engine.onError = (error) => errors.push(error);
  try {
    const { res, body } = await answer(engine, "EIO=4&transport=polling", {
      headers: { origin: "http://a.test" },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(body), { code: 3, message: "Bad request" });
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    assert.deepEqual(errors, []);
  } finally {
    engine.close();
  }
});
