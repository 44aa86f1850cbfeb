// Engine.IO v4 protocol scenarios, over plain fetch and WebSocket, against our
// conformance server and against the reference (so the expectations are the
// reference's). Settings of the server: pingInterval 300, pingTimeout 200,
// maxHttpBufferSize 1e6, CORS for any origin.
import assert from "node:assert/strict";
import { test } from "../harness.ts";
import { TARGETS } from "./targets.ts";
import { openSocket, poll, pollingHandshake, post, WireSocket, wsUrl } from "./wire.ts";

const opts = { sanitize: false, timeout: 10_000 };

for (const target of TARGETS) {
  const t = (name: string, fn: (base: string) => Promise<void>) =>
    test(
      `conformance engine.io [${target.name}]: ${name}`,
      async () => fn((await target.server()).url),
      opts,
    );

  t("handshake over polling sends the open packet", async (base) => {
    const res = await fetch(`${base}/engine.io/?EIO=4&transport=polling`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    const body = await res.text();
    assert.equal(body[0], "0");
    const open = JSON.parse(body.slice(1));
    assert.equal(typeof open.sid, "string");
    assert.deepEqual(open.upgrades, ["websocket"]);
    assert.equal(open.pingInterval, 300);
    assert.equal(open.pingTimeout, 200);
    assert.equal(open.maxPayload, 1000000);
  });

  t("handshake over WebSocket sends the open packet without upgrades", async (base) => {
    const ws = await openSocket(wsUrl(base, "EIO=4&transport=websocket"));
    const first = await ws.nextText();
    assert.equal(first[0], "0");
    const open = JSON.parse(first.slice(1));
    assert.deepEqual(open.upgrades, []);
    assert.equal(open.pingInterval, 300);
    await ws.close();
  });

  t("bad EIO, transport, method and sid get the reference's 400 errors", async (base) => {
    const check = async (query: string, init: RequestInit, code: number, message: string) => {
      const res = await fetch(`${base}/engine.io/?${query}`, init);
      assert.equal(res.status, 400, query);
      assert.deepEqual(await res.json(), { code, message }, query);
    };
    await check("transport=polling", {}, 5, "Unsupported protocol version");
    await check("EIO=abc&transport=polling", {}, 5, "Unsupported protocol version");
    await check("EIO=3&transport=polling", {}, 5, "Unsupported protocol version");
    await check("EIO=4", {}, 0, "Transport unknown");
    await check("EIO=4&transport=abc", {}, 0, "Transport unknown");
    await check(
      "EIO=4&transport=polling",
      { method: "POST", body: "4x" },
      2,
      "Bad handshake method",
    );
    await check("EIO=4&transport=polling&sid=nope", {}, 1, "Session ID unknown");
  });

  t("CORS headers allow any origin", async (base) => {
    const res = await fetch(`${base}/engine.io/?EIO=4&transport=polling`, {
      headers: { origin: "http://example.test" },
    });
    await res.body?.cancel();
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    const preflight = await fetch(`${base}/engine.io/?EIO=4&transport=polling`, {
      method: "OPTIONS",
      headers: { origin: "http://example.test", "access-control-request-method": "POST" },
    });
    await preflight.body?.cancel();
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
  });

  t("polling: text and binary messages are echoed", async (base) => {
    const { sid } = await pollingHandshake(base);
    assert.deepEqual(await post(base, sid, "4hello\x1ebAQIDBA=="), { status: 200, body: "ok" });
    let received = "";
    while (!received.includes("bAQIDBA==")) {
      const { status, body } = await poll(base, sid);
      assert.equal(status, 200);
      received += body.split("\x1e").filter((p) => p !== "2").join("\x1e");
      if (body.includes("2")) await post(base, sid, "3");
    }
    assert.equal(received, "4hello\x1ebAQIDBA==");
  });

  t("WebSocket: text and binary messages are echoed", async (base) => {
    const ws = await openSocket(wsUrl(base, "EIO=4&transport=websocket"));
    await ws.nextText();
    ws.send("4hello");
    assert.equal(await ws.nextText(), "4hello");
    ws.send(new Uint8Array([1, 2, 3, 4]));
    let m = await ws.next();
    while (m === "2") {
      ws.send("3");
      m = await ws.next();
    }
    assert.deepEqual(new Uint8Array(m as ArrayBuffer), new Uint8Array([1, 2, 3, 4]));
    await ws.close();
  });

  t("heartbeat: the server pings, and closes the session on ping timeout", async (base) => {
    const { sid } = await pollingHandshake(base);
    const started = Date.now();
    const first = await poll(base, sid);
    assert.equal(first.body, "2");
    assert.ok(Date.now() - started >= 250, "first ping only after pingInterval");
    // Do not answer: after pingTimeout the session is gone.
    const next = await poll(base, sid);
    assert.ok(
      next.status === 400 || next.body === "1" || next.body === "6",
      `got ${next.status} ${next.body}`,
    );
    const after = await poll(base, sid);
    assert.equal(after.status, 400);
  });

  t("a close packet ends the session", async (base) => {
    const { sid } = await pollingHandshake(base);
    const pending = poll(base, sid);
    await post(base, sid, "1");
    const res = await pending;
    assert.ok(res.status === 200 || res.status === 400);
    assert.equal((await poll(base, sid)).status, 400);
  });

  t("upgrade: probe, noop to the pending poll, then messages over WebSocket", async (base) => {
    const { sid } = await pollingHandshake(base);
    const pending = poll(base, sid);
    const ws = await openSocket(wsUrl(base, `EIO=4&transport=websocket&sid=${sid}`));
    ws.send("2probe");
    assert.equal(await ws.nextText(), "3probe");
    const noop = await pending;
    assert.equal(noop.body, "6");
    ws.send("5");
    ws.send("4hello");
    assert.equal(await ws.nextText(), "4hello");
    // The old transport is gone.
    assert.equal((await poll(base, sid)).status, 400);
    await ws.close();
  });

  t(
    "after an upgrade, polling and a second WebSocket for the session are refused",
    async (base) => {
      const { sid } = await pollingHandshake(base);
      const ws = await openSocket(wsUrl(base, `EIO=4&transport=websocket&sid=${sid}`));
      ws.send("2probe");
      assert.equal(await ws.nextText(), "3probe");
      ws.send("5");
      // An echo proves the upgrade packet was processed before the next poll.
      ws.send("4sync");
      assert.equal(await ws.nextText(), "4sync");
      assert.equal((await poll(base, sid)).status, 400);
      const second = new WireSocket(wsUrl(base, `EIO=4&transport=websocket&sid=${sid}`));
      await second.closed;
      ws.send("4still");
      assert.equal(await ws.nextText(), "4still");
      await ws.close();
    },
  );

  t("an oversized POST gets 413; the session goes on", async (base) => {
    const { sid } = await pollingHandshake(base);
    const res = await post(base, sid, "4" + "x".repeat(1_000_001));
    assert.equal(res.status, 413);
    assert.equal((await poll(base, sid)).status, 200);
  });

  test(`conformance engine.io [${target.name}]: stop the server`, () => target.stop(), opts);
}
