/**
 * The served client files as socket.io 4.8.1 serves them: the `cors`
 * option's headers (its CORS middleware runs first) and compression chosen
 * from `Accept-Encoding` as npm `accepts` chooses it (gzip and deflate here;
 * socket.io also offers br).
 */
import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { Server } from "./mod.ts";
import { preferredEncoding } from "./serve_client.ts";

const FILE = "http://localhost/socket.io/socket.io.min.js";

test("serveClient: the cors option's headers on a client file and its 304", async () => {
  const io = new Server({ cors: { origin: "*", credentials: true } });
  const handler = io.handler();
  try {
    const res = await handler(
      new Request(FILE, { headers: { origin: "http://a.test" } }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    await res.body?.cancel();
    const again = await handler(
      new Request(FILE, {
        headers: { "if-none-match": res.headers.get("etag")! },
      }),
    );
    assert.equal(again.status, 304);
    assert.equal(again.headers.get("access-control-allow-origin"), "*");
    // Kept on purpose (RFC 9110, 15.4.5), though socket.io's 304 has neither.
    assert.equal(again.headers.get("etag"), res.headers.get("etag"));
    assert.equal(again.headers.get("cache-control"), "public, max-age=0");
  } finally {
    await io.close();
  }
});

test("serveClient: an origin function that throws is reported; the file is served", async () => {
  const io = new Server({
    cors: {
      origin: () => {
        throw new Error("origin boom");
      },
    },
  });
  const errors: Error[] = [];
  io.onError = (error) => errors.push(error);
  try {
    const res = await io.handler()(
      new Request(FILE, { headers: { origin: "http://a.test" } }),
    );
    // socket.io serves the file whatever its CORS middleware hands on, without CORS headers.
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    assert.ok((await res.text()).length > 1000);
    assert.deepEqual(errors.map((e) => e.message), ["origin boom"]);
  } finally {
    await io.close();
  }
});

test("serveClient: compressed as Accept-Encoding prefers, gzip or deflate", async () => {
  const io = new Server();
  const handler = io.handler();
  try {
    const plain = await (await handler(new Request(FILE))).text();
    for (const [accept, encoding] of [["gzip, deflate, br", "gzip"], ["deflate", "deflate"]]) {
      const res = await handler(new Request(FILE, { headers: { "accept-encoding": accept } }));
      assert.equal(res.headers.get("content-encoding"), encoding, accept);
      assert.equal(res.headers.get("content-type"), "application/javascript; charset=utf-8");
      const stream = res.body!.pipeThrough(new DecompressionStream(encoding as "gzip"));
      assert.equal(await new Response(stream).text(), plain, accept);
    }
    const none = await handler(new Request(FILE, { headers: { "accept-encoding": "br" } }));
    assert.equal(none.headers.get("content-encoding"), null);
    assert.equal(await none.text(), plain);
    const head = await handler(
      new Request(FILE, {
        method: "HEAD",
        headers: { "accept-encoding": "gzip" },
      }),
    );
    assert.equal(head.headers.get("content-encoding"), "gzip");
    assert.equal(head.body, null);
  } finally {
    await io.close();
  }
});

test("serveClient: Accept-Encoding negotiated as npm accepts (negotiator 0.6) does", () => {
  // Expected values: `accepts(req).encodings(["br", "gzip", "deflate"])` with br left out.
  const cases: Array<[string | null, string | undefined]> = [
    [null, undefined],
    ["", undefined],
    ["identity", undefined],
    ["br", undefined],
    ["gzip", "gzip"],
    ["GZIP", "gzip"],
    ["deflate, gzip", "deflate"],
    ["gzip, deflate, br", "gzip"],
    ["gzip;q=0.5, deflate", "deflate"],
    ["gzip;q=0, deflate;q=0.1", "deflate"],
    ["gzip;q=0", undefined],
    ["*", "gzip"],
    ["*;q=0.5, deflate", "deflate"],
    ["*, gzip;q=0", "deflate"],
    ["deflate;q=0.5, *;q=0.8", "gzip"],
    ["br;q=1, gzip;q=0.2", "gzip"],
    ["gzip ; q=0.8 , deflate ; q=0.8", "gzip"],
    [" , ;q=1, deflate", "deflate"],
  ];
  for (const [accept, expected] of cases) {
    assert.equal(preferredEncoding(accept), expected, String(accept));
  }
});
