import assert from "node:assert/strict";
import { test } from "../../tests/harness.ts";
import { parseQuery, PayloadTooLargeError, queryValue, readBody } from "./http.ts";

test("parseQuery: agrees with URLSearchParams (first value of each name)", () => {
  const cases = [
    "http://h/socket.io/",
    "http://h/socket.io/?",
    "http://h/socket.io/?EIO=4&transport=polling&t=Pabc",
    "http://h/socket.io/?EIO=4&transport=websocket&sid=a-b_c",
    "http://h/socket.io/?b64&EIO=4&&transport=polling",
    "http://h/socket.io/?x=1&x=2&y=",
    "http://h/socket.io/?na%20me=v%26alue&plus=a+b&eq=a=b",
    "http://h/socket.io/?bad=%E0%A4%A&ok=%41",
    "http://h/socket.io/?room=r1#fragment=x",
    "http://h/socket.io/?%zz=1",
  ];
  for (const url of cases) {
    const expected: Record<string, string> = {};
    for (const [name, value] of new URL(url).searchParams) {
      if (!(name in expected)) expected[name] = value;
    }
    assert.deepEqual({ ...parseQuery(url) }, expected, url);
  }
  assert.equal("b64" in parseQuery("http://h/?b64=1"), true);
  assert.equal("toString" in parseQuery("http://h/?a=1"), false);
  // `share` sees each stored value once, decoded; later duplicates are not stored.
  const seen: string[] = [];
  const shared = parseQuery("http://h/?a=x%20y&b=&a=2&c", (v) => (seen.push(v), v.toUpperCase()));
  assert.deepEqual({ ...shared }, { a: "X Y", b: "", c: "" });
  assert.deepEqual(seen, ["x y", "", ""]);
});

test("queryValue: the value parseQuery gives, for every name of every case", () => {
  const cases = [
    "http://h/socket.io/",
    "http://h/socket.io/?",
    "http://h/socket.io/?EIO=4&transport=polling&t=Pabc&sid=s1",
    "http://h/socket.io/?b64&EIO=4&&transport=polling",
    "http://h/socket.io/?sidx=1&sid=2&sid=3&si=4",
    "http://h/socket.io/?transport=&b64=1&eq=a=b",
    "http://h/socket.io/?%73id=escaped&plus=a+b",
    "http://h/socket.io/?sid=s1#transport=x",
  ];
  const names = ["EIO", "transport", "sid", "b64", "t", "si", "sidx", "eq", "plus", "x", ""];
  for (const url of cases) {
    const query = parseQuery(url);
    for (const name of names) assert.equal(queryValue(url, name), query[name], `${url} ${name}`);
  }
});

function post(body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request("http://h/", { method: "POST", body, headers });
}

test("readBody: the Content-Length path and the streamed path give the same bytes", async () => {
  const bytes = new TextEncoder().encode('4hello\x1e42["a",1]');
  assert.deepEqual(await readBody(post(bytes), 100), bytes);
  const chunks = [bytes.slice(0, 3), bytes.slice(3)];
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
  assert.deepEqual(await readBody(post(stream), 100), bytes);
  assert.deepEqual(
    await readBody(new Request("http://h/", { method: "POST" }), 100).then((b) => b.length),
    0,
  );
});

test("readBody: a declared length over the limit is refused before reading", async () => {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(10));
    },
  });
  await assert.rejects(
    readBody(post(stream, { "content-length": "1000" }), 100),
    PayloadTooLargeError,
  );
  assert.ok(pulled <= 1, `read ${pulled} chunks of a refused body`);
});

test("readBody: a streamed body is cut as soon as it passes the limit", async () => {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(40));
    },
  });
  await assert.rejects(readBody(post(stream), 100), PayloadTooLargeError);
  assert.ok(pulled <= 4, `read ${pulled} chunks, the limit is passed at the third`);
});
