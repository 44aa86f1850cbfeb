// How users deploy: `export default io.handler()` under `deno serve` and
// under Bun's default-export server, and permessage-deflate where Bun offers it.
import assert from "node:assert/strict";
import { runtime, test } from "../harness.ts";
import { startServer } from "./spawn.ts";
import { openSocket, wsUrl } from "./wire.ts";

const SCRIPT = new URL("./default_export.ts", import.meta.url).pathname;
const opts = { timeout: 20_000 };

async function checkServes(url: string): Promise<string> {
  const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
  const body = await res.text();
  assert.equal(body[0], "0");
  const ws = await openSocket(wsUrl(url, "EIO=4&transport=websocket", "/socket.io/"));
  assert.equal((await ws.nextText())[0], "0");
  ws.send("40");
  assert.ok((await ws.nextText()).startsWith("40{"));
  assert.equal(await ws.nextText(), `42["hello","${"x".repeat(64)}"]`);
  const extensions = ws.ws.extensions;
  await ws.close();
  return extensions;
}

test("deployment: export default io.handler() under `deno serve`", async () => {
  const server = await startServer(SCRIPT, { runtime: "deno", denoServe: true });
  try {
    await checkServes(server.url);
  } finally {
    await server.stop();
  }
}, opts);

test(
  "deployment: export default io.handler() under Bun, with permessage-deflate negotiated",
  async () => {
    const server = await startServer(SCRIPT, { runtime: "bun" });
    try {
      const extensions = await checkServes(server.url);
      // Bun's client asks for permessage-deflate; Deno's client does not, so only Bun can see it.
      if (runtime === "bun") assert.match(extensions, /permessage-deflate/);
    } finally {
      await server.stop();
    }
  },
  opts,
);
