// A Deno server must not print Deno's warning about `request.signal` ("request.signal aborts
// on successful responses (legacy behavior)"), which Deno 2 prints once a request whose signal
// was read completes normally: the engine watches a pending long-poll through the runtime
// bridge (`ServeHandlerInfo.completed` on Deno). An aborted long-poll must still end its session.
import assert from "node:assert/strict";
import { test, until } from "../harness.ts";
import { startServer } from "./spawn.ts";
import { poll, pollingHandshake, post } from "./wire.ts";

test(
  "deno server: long-polls, completed and aborted, print no request.signal warning",
  async () => {
    const server = await startServer(
      new URL("./engine_options_server.ts", import.meta.url).pathname,
      {
        runtime: "deno",
        env: {
          ENGINE_OPTIONS: JSON.stringify({ pingInterval: 200, pingTimeout: 200 }),
          LOG_CLOSE: "1",
        },
      },
    );
    try {
      const base = server.url;
      const { sid } = await pollingHandshake(base);
      // A long-poll answered while it waits: by a ping, then by an echoed message.
      assert.deepEqual(await poll(base, sid), { status: 200, body: "2" });
      await post(base, sid, "3");
      const pending = poll(base, sid);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await post(base, sid, "4hello");
      assert.deepEqual(await pending, { status: 200, body: "4hello" });
      // A long-poll its client abandons: the session ends (at the latest by the ping timeout).
      const controller = new AbortController();
      const aborted = fetch(`${base}/engine.io/?EIO=4&transport=polling&sid=${sid}`, {
        signal: controller.signal,
      }).catch((error) => error);
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort();
      assert.ok((await aborted) instanceof Error);
      await until(() => server.output().includes("closed "), 3000, "the session's close");
      assert.equal((await poll(base, sid)).status, 400);
      assert.doesNotMatch(server.output(), /request\.signal/);
    } finally {
      await server.stop();
    }
    assert.doesNotMatch(server.output(), /request\.signal/);
  },
  { timeout: 20_000 },
);
