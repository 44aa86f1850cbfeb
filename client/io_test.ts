import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { CookieJar } from "./engine/cookie_jar.ts";
import { parseUri } from "./engine/options.ts";
import { io, parseUrl } from "./io.ts";

test("io: URL parsing names one Manager per origin and path", () => {
  const a = parseUrl("http://localhost:3000/admin?x=1", "/socket.io");
  assert.equal(a.id, "http://localhost:3000/socket.io");
  assert.equal(a.path, "/admin");
  assert.equal(a.query, "x=1");
  assert.equal(
    parseUrl("https://example.test", "/socket.io").id,
    "https://example.test:443/socket.io",
  );
  assert.equal(parseUrl("localhost:4000", "/s").id, "http://localhost:4000/s");
  assert.throws(() => parseUrl("/relative", "/socket.io"), TypeError);
  assert.equal(io.protocol, 5);
});

test("io: sockets of one origin share a Manager unless forceNew or the namespace is taken", () => {
  const url = "http://127.0.0.1:9";
  const options = { autoConnect: false };
  const a = io(url, options);
  const b = io(url + "/admin", options);
  assert.equal(a.io, b.io);
  const again = io(url, options);
  assert.notEqual(again.io, a.io, "same namespace again: a new Manager");
  const forced = io(url + "/other", { ...options, forceNew: true });
  assert.notEqual(forced.io, a.io);
  const noMultiplex = io(url + "/third", { ...options, multiplex: false });
  assert.notEqual(noMultiplex.io, a.io);
});

test("engine client: URI parts with default ports and IPv6", () => {
  assert.deepEqual(parseUri("https://example.test/x?a=1"), {
    secure: true,
    hostname: "example.test",
    port: "443",
    path: "/x",
    query: { a: "1" },
  });
  assert.equal(parseUri("http://[::1]:3000").hostname, "::1");
  assert.equal(parseUri("localhost:5").port, "5");
});

test("cookie jar: keeps, replaces and expires cookies", () => {
  const jar = new CookieJar();
  const headers = new Headers();
  headers.append("set-cookie", "io=abc; Path=/; HttpOnly");
  headers.append("set-cookie", "lb=node1; Max-Age=100");
  jar.parse(headers);
  assert.equal(jar.header(), "io=abc; lb=node1");
  const update = new Headers();
  update.append("set-cookie", "lb=node2");
  update.append("set-cookie", "io=gone; Max-Age=0");
  jar.parse(update);
  assert.equal(jar.header(), "lb=node2");
});

test("client module: io is the default export and the connect export, like socket.io-client's", async () => {
  const module = await import("./mod.ts");
  assert.equal(module.default, io);
  assert.equal(module.connect, io);
  assert.equal(module.protocol, 5);
  assert.equal(io.connect, io);
  assert.equal(io.io, io);
});
