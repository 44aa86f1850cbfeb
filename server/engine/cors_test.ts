import assert from "node:assert/strict";
import { test } from "../../tests/harness.ts";
import { Engine, type EngineOptions } from "./mod.ts";

const URL_ = "http://localhost/engine.io/?EIO=4&transport=polling";

async function headersFor(cors: EngineOptions["cors"], origin: string | null, preflight = false) {
  const engine = new Engine({ cors });
  const headers: Record<string, string> = {};
  if (origin) headers.origin = origin;
  if (preflight) {
    headers["access-control-request-method"] = "POST";
    headers["access-control-request-headers"] = "x-custom";
  }
  const res = await engine.handler()(
    new Request(URL_, { method: preflight ? "OPTIONS" : "GET", headers }),
  );
  await res.body?.cancel();
  engine.close();
  return { status: res.status, get: (name: string) => res.headers.get(name) };
}

test("cors: no headers unless configured", async () => {
  const r = await headersFor(undefined, "http://a.test");
  assert.equal(r.get("access-control-allow-origin"), null);
});

test("cors: origin as *, string, boolean, RegExp, list and functions", async () => {
  assert.equal(
    (await headersFor({ origin: "*" }, "http://a.test")).get("access-control-allow-origin"),
    "*",
  );
  assert.equal((await headersFor({}, "http://a.test")).get("access-control-allow-origin"), "*");
  const fixed = await headersFor({ origin: "http://b.test" }, "http://a.test");
  assert.equal(fixed.get("access-control-allow-origin"), "http://b.test");
  assert.equal(fixed.get("vary"), "Origin");
  assert.equal(
    (await headersFor({ origin: true }, "http://a.test")).get("access-control-allow-origin"),
    "http://a.test",
  );
  assert.equal(
    (await headersFor({ origin: false }, "http://a.test")).get("access-control-allow-origin"),
    null,
  );
  assert.equal(
    (await headersFor({ origin: /\.test$/ }, "http://a.test")).get("access-control-allow-origin"),
    "http://a.test",
  );
  assert.equal(
    (await headersFor({ origin: /\.example$/ }, "http://a.test")).get(
      "access-control-allow-origin",
    ),
    null,
  );
  const list = { origin: ["http://x.test", /^http:\/\/a\./] };
  assert.equal(
    (await headersFor(list, "http://a.test")).get("access-control-allow-origin"),
    "http://a.test",
  );
  const callback = {
    origin: (o: string | undefined, cb: (e: Error | null, allow?: boolean) => void) =>
      cb(null, o === "http://a.test"),
  };
  assert.equal(
    (await headersFor(callback, "http://a.test")).get("access-control-allow-origin"),
    "http://a.test",
  );
  assert.equal(
    (await headersFor(callback, "http://z.test")).get("access-control-allow-origin"),
    null,
  );
  const asyncFn = { origin: (o: string | undefined) => Promise.resolve(o === "http://a.test") };
  assert.equal(
    (await headersFor(asyncFn, "http://a.test")).get("access-control-allow-origin"),
    "http://a.test",
  );
});

test("cors: credentials, exposed headers and preflight options", async () => {
  // "*" stays "*" with credentials (npm cors; browsers then refuse credentialed requests).
  const credentials = await headersFor({ origin: "*", credentials: true }, "http://a.test");
  assert.equal(credentials.get("access-control-allow-origin"), "*");
  assert.equal(credentials.get("access-control-allow-credentials"), "true");
  assert.equal(credentials.get("vary"), null);
  const starPreflight = await headersFor({ credentials: true }, "http://a.test", true);
  assert.equal(starPreflight.get("access-control-allow-origin"), "*");
  assert.equal(starPreflight.get("access-control-allow-credentials"), "true");
  assert.equal(starPreflight.get("vary"), "Access-Control-Request-Headers");
  // origin: true reflects the origin, credentials or not.
  const reflected = await headersFor({ origin: true, credentials: true }, "http://a.test");
  assert.equal(reflected.get("access-control-allow-origin"), "http://a.test");
  assert.equal(reflected.get("vary"), "Origin");
  assert.equal(reflected.get("access-control-allow-credentials"), "true");
  const exposed = await headersFor({ exposedHeaders: ["x-one", "x-two"] }, "http://a.test");
  assert.equal(exposed.get("access-control-expose-headers"), "x-one,x-two");
  const preflight = await headersFor({ origin: "*", maxAge: 600 }, "http://a.test", true);
  assert.equal(preflight.status, 204);
  assert.equal(preflight.get("access-control-allow-methods"), "GET,HEAD,PUT,PATCH,POST,DELETE");
  assert.equal(preflight.get("access-control-allow-headers"), "x-custom");
  assert.equal(preflight.get("access-control-max-age"), "600");
  const custom = await headersFor(
    { methods: ["GET", "POST"], allowedHeaders: "x-a", optionsSuccessStatus: 200 },
    "http://a.test",
    true,
  );
  assert.equal(custom.status, 200);
  assert.equal(custom.get("access-control-allow-methods"), "GET,POST");
  assert.equal(custom.get("access-control-allow-headers"), "x-a");
  // preflightContinue: the OPTIONS request goes on to the engine, which refuses the method.
  const onward = await headersFor({ preflightContinue: true }, "http://a.test", true);
  assert.equal(onward.status, 400);
});
