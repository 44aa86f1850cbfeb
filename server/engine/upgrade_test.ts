import assert from "node:assert/strict";
import { test } from "../../tests/harness.ts";
import { serve } from "../../tests/serve.ts";
import { openSocket, poll, pollingHandshake, post, wsUrl } from "../../tests/conformance/wire.ts";
import { Engine } from "./mod.ts";

test(
  "engine: an upgrade that never completes is dropped after upgradeTimeout; polling goes on",
  async () => {
    const engine = new Engine({ upgradeTimeout: 150, pingInterval: 5000, pingTimeout: 2000 });
    engine.on("connection", (conn) => conn.on("message", (data) => conn.send(data)));
    const http = await serve(engine.handler());
    try {
      const { sid } = await pollingHandshake(http.url);
      const ws = await openSocket(wsUrl(http.url, `EIO=4&transport=websocket&sid=${sid}`));
      ws.send("2probe");
      assert.equal(await ws.nextText(), "3probe");
      const started = Date.now();
      await ws.untilClosed(2000);
      assert.ok(Date.now() - started >= 100, "closed by the timeout, not at once");
      // The session is still on polling and works.
      assert.deepEqual(await post(http.url, sid, "4still polling"), { status: 200, body: "ok" });
      assert.equal((await poll(http.url, sid)).body, "4still polling");
      assert.equal(engine.clients.get(sid)?.transport, "polling");
    } finally {
      engine.close();
      await http.close();
    }
  },
  {},
);
