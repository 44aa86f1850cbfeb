import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { Server } from "./mod.ts";

test("server: an allowRequest that throws is reported to Server.onError", async () => {
  const io = new Server({
    allowRequest: () => {
      throw new Error("boom");
    },
  });
  const errors: Error[] = [];
  io.onError = (error) => errors.push(error);
  try {
    const res = await io.handler()(
      new Request("http://localhost/socket.io/?EIO=4&transport=polling"),
    );
    assert.equal(res.status, 403);
    assert.equal(await res.text(), '{"code":4,"message":"Forbidden"}');
    assert.deepEqual(errors.map((e) => e.message), ["boom"]);
  } finally {
    await io.close();
  }
});

test("server: the path is a prefix; client files under it come first, with or without the slash", async () => {
  for (const addTrailingSlash of [true, false]) {
    const io = new Server({ addTrailingSlash });
    const handler = io.handler((req) => new Response(`fallback ${new URL(req.url).pathname}`));
    try {
      const file = await handler(new Request("http://localhost/socket.io/socket.io.min.js"));
      assert.equal(file.status, 200, `addTrailingSlash ${addTrailingSlash}`);
      assert.match(file.headers.get("content-type")!, /javascript/);
      await file.body?.cancel();
      const deep = await handler(
        new Request("http://localhost/socket.io/x/y?EIO=4&transport=polling"),
      );
      assert.equal((await deep.text())[0], "0");
      const bare = await handler(new Request("http://localhost/socket.io?EIO=4&transport=polling"));
      const text = await bare.text();
      assert.equal(
        addTrailingSlash ? text : text[0],
        addTrailingSlash ? "fallback /socket.io" : "0",
      );
      const other = await handler(new Request("http://localhost/else"));
      assert.equal(await other.text(), "fallback /else");
    } finally {
      await io.close();
    }
  }
});
