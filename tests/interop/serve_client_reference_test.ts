// serveClient, differentially: every client file the npm socket.io 4.8 server
// serves (msgpack bundle included) is served by ours, with the same status,
// cache-control and content-type, a quoted ETag and a 304 for that ETag
// (strong or weak).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Server as RefServer } from "socket.io";
import { test } from "../harness.ts";
import { serve } from "../serve.ts";
import { Server } from "../../mod.ts";

const NAMES = [
  "socket.io.js",
  "socket.io.min.js",
  "socket.io.msgpack.min.js",
  "socket.io.esm.min.js",
];

/** What a client sees of one request, without compression. */
async function probe(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    headers: { "accept-encoding": "identity", ...headers },
  });
  const body = await res.text();
  return {
    status: res.status,
    cacheControl: res.headers.get("cache-control"),
    contentType: res.headers.get("content-type"),
    etag: res.headers.get("etag"),
    body,
  };
}

test("serveClient: the reference's files, headers and 304s", async () => {
  const http = createServer();
  const ref = new RefServer(http);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  const refUrl = `http://127.0.0.1:${(http.address() as { port: number }).port}/socket.io/`;
  const io = new Server();
  const ours = await serve(io.handler());
  try {
    for (const file of NAMES.flatMap((name) => [name, `${name}.map`])) {
      const theirs = await probe(refUrl + file);
      const mine = await probe(`${ours.url}/socket.io/${file}`);
      assert.equal(theirs.status, 200, `the reference serves ${file}`);
      const view = (r: typeof mine) => ({
        status: r.status,
        cacheControl: r.cacheControl,
        contentType: r.contentType,
        quotedEtag: /^"[^"]+"$/.test(r.etag ?? ""),
      });
      assert.deepEqual(view(mine), view(theirs), file);
      if (file.endsWith(".map")) {
        assert.equal(JSON.parse(mine.body).version, 3, file);
      } else if (!file.includes(".esm.")) new Function(mine.body); // a classic script
      for (const tag of [mine.etag!, `W/${mine.etag}`]) {
        const again = await probe(`${ours.url}/socket.io/${file}`, {
          "if-none-match": tag,
        });
        const refAgain = await probe(refUrl + file, {
          "if-none-match": `W/${theirs.etag}`,
        });
        assert.equal(again.status, refAgain.status, `${file} with ${tag}`);
        assert.equal(again.status, 304);
        assert.equal(again.body, "");
      }
      // A stale tag gets the file.
      const stale = await probe(`${ours.url}/socket.io/${file}`, {
        "if-none-match": '"stale"',
      });
      assert.equal(stale.status, 200);
    }
    // The same file with a query string, as the reference accepts.
    const query = await probe(
      `${ours.url}/socket.io/socket.io.msgpack.min.js?v=1`,
    );
    const refQuery = await probe(`${refUrl}socket.io.msgpack.min.js?v=1`);
    assert.equal(query.status, refQuery.status);
  } finally {
    await io.close();
    await ours.close();
    await new Promise<void>((resolve) => ref.close(() => resolve()));
    http.closeAllConnections?.();
  }
}, { sanitize: false });
