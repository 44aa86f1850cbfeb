import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { Server } from "./mod.ts";

test("serveClient: bundles and maps with ETag and 304; off when disabled", async () => {
  const io = new Server();
  const handler = io.handler();
  for (const name of ["socket.io.js", "socket.io.min.js", "socket.io.esm.min.js"]) {
    const res = await handler(new Request(`http://localhost/socket.io/${name}`));
    assert.equal(res.status, 200, name);
    assert.match(res.headers.get("content-type")!, /javascript/);
    const body = await res.text();
    assert.ok(body.endsWith(`//# sourceMappingURL=${name}.map\n`), name);
    if (!name.includes("esm")) new Function(body); // parses as a classic script
    const etag = res.headers.get("etag")!;
    const again = await handler(
      new Request(`http://localhost/socket.io/${name}`, { headers: { "if-none-match": etag } }),
    );
    assert.equal(again.status, 304);
    const map = await handler(new Request(`http://localhost/socket.io/${name}.map`));
    assert.equal(JSON.parse(await map.text()).version, 3);
  }
  // Any other name under the path is the engine's (a prefix, as socket.io): "Transport unknown".
  const other = await handler(new Request("http://localhost/socket.io/other.js"));
  assert.equal(other.status, 400);
  await other.body?.cancel();
  const nested = await handler(new Request("http://localhost/x/socket.io/socket.io.js"));
  assert.equal(nested.status, 404);
  await nested.body?.cancel();
  await io.close();
  const off = new Server({ serveClient: false });
  const res = await off.handler()(new Request("http://localhost/socket.io/socket.io.js"));
  assert.equal(res.status, 400);
  await res.body?.cancel();
  await off.close();
});
