/**
 * What an HTTP client observes of the server's routing and headers, webio
 * against the reference (npm engine.io 6.6.4 and socket.io 4.8.1 on Node's
 * http, run by `node`), each in its own process:
 * - a request that asks to close gets `Connection: close`, so a Node client
 *   with a keep-alive agent does not lose its next request (Bun closes such a
 *   connection after the response whether it says so or not);
 * - CORS `origin: "*"` with `credentials: true` answers `*`, as npm cors;
 * - the path is a prefix, with and without `addTrailingSlash`;
 * - `allowRequest`'s message is the 403 body's, and an open session's
 *   upgrade does not ask it again.
 *
 * @module
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "../harness.ts";
import { type ServerProcess, startServer } from "../conformance/spawn.ts";

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const opts = { sanitize: false, timeout: 30_000 };

async function both<T>(
  webioScript: string,
  fn: (server: ServerProcess, side: "webio" | "reference") => Promise<T>,
): Promise<{ webio: T; reference: T }> {
  const webio = await startServer(webioScript);
  try {
    const reference = await startServer(here("http_fidelity_reference.mjs"), {
      runtime: "node",
    });
    try {
      return {
        webio: await fn(webio, "webio"),
        reference: await fn(reference, "reference"),
      };
    } finally {
      await reference.stop();
    }
  } finally {
    await webio.stop();
  }
}

function runNode(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      "node",
      [script, ...args],
      { timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${script} failed: ${error.message}\n${stderr}`));
        } else resolve(stdout);
      },
    )
  );
}

interface Exchange {
  what: string;
  ok: boolean;
  status?: number;
  connection?: string | null;
  error?: string;
}

test(
  "keep-alive: Connection: close is said, a Node agent's next request goes through",
  async () => {
    const { webio, reference } = await both(
      here("../conformance/server.ts"),
      async (server) =>
        JSON.parse(
          await runNode(here("keep_alive_client.mjs"), [String(server.port)]),
        ) as Exchange[],
    );
    // Every request answered; each one that asked to close was told so (the engine's and the
    // Socket.IO server's handshake, POST, poll, error, preflight, client file and 404).
    const seen = (exchanges: Exchange[]) =>
      exchanges.map((e) => ({
        what: e.what,
        ok: e.ok,
        close: e.what.endsWith("(close)") ? e.connection === "close" : undefined,
      }));
    for (const e of seen(webio)) {
      assert.ok(e.ok, `${e.what}: ${JSON.stringify(webio)}`);
      if (e.close !== undefined) {
        assert.ok(e.close, `${e.what}: ${JSON.stringify(webio)}`);
      }
    }
    assert.deepEqual(seen(webio), seen(reference));
  },
  opts,
);

const HEADERS = [
  "access-control-allow-origin",
  "access-control-allow-credentials",
  "access-control-allow-methods",
  "access-control-allow-headers",
  "vary",
  "content-type",
];

/** What a client observes of one response: status, the headers above and the body. */
async function observe(base: string, path: string, init: RequestInit = {}) {
  const res = await fetch(base + path, init);
  let body = await res.text();
  // A handshake's body differs by its session id only.
  if (body.startsWith("0{")) {
    body = "0" + Object.keys(JSON.parse(body.slice(1))).join(",");
  }
  const headers: Record<string, string> = {};
  for (const name of HEADERS) {
    const value = res.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  // The client bundles are each implementation's own; only that one is served is compared
  // here (socket.io also sends its CORS headers with them, webio does not).
  if (path.includes("socket.io.js")) {
    return { path, status: res.status, body: body.length > 1000 };
  }
  return { path, status: res.status, headers, body };
}

const origin = { origin: "http://a.test" };
const polling = "EIO=4&transport=polling";

test('cors: origin "*" with credentials answers like npm cors', async () => {
  const preflight = {
    method: "OPTIONS",
    headers: {
      ...origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    },
  };
  const { webio, reference } = await both(
    here("http_fidelity_server.ts"),
    async (server) => [
      await observe(server.url, `/socket.io/?${polling}`, { headers: origin }),
      await observe(server.url, `/socket.io/?${polling}`, preflight),
      await observe(server.url, `/socket.io/?EIO=4&transport=bogus`, {
        headers: origin,
      }),
      await observe(server.url, `/bare?${polling}`, { headers: origin }),
      await observe(server.url, `/bare?${polling}`, preflight),
      await observe(server.url, `/socket.io/?${polling}`),
    ],
  );
  assert.equal(webio[0].headers?.["access-control-allow-origin"], "*");
  assert.deepEqual(webio, reference);
}, opts);

test(
  "path: a prefix, with and without addTrailingSlash, client files first",
  async () => {
    const { webio, reference } = await both(
      here("http_fidelity_server.ts"),
      async (server) => {
        const seen = [];
        for (
          const path of [
            `/bare?${polling}`,
            `/bare/?${polling}`,
            `/bare/x/y?${polling}`,
            `/barex?${polling}`,
            "/bare",
            `/slash?${polling}`,
            `/slash/?${polling}`,
            `/slash/x?${polling}`,
            "/slash/",
            `/socket.io?${polling}`,
            `/socket.io/x?${polling}`,
            "/socket.io/other.js",
            "/socket.io/socket.io.js",
            `/elsewhere?${polling}`,
          ]
        ) seen.push(await observe(server.url, path));
        return seen;
      },
    );
    assert.equal(
      webio[2].body,
      "0sid,upgrades,pingInterval,pingTimeout,maxPayload",
    );
    assert.deepEqual(webio, reference);
  },
  opts,
);

test(
  "allowRequest: the refusal's message in the 403 body; not asked on upgrade",
  async () => {
    const { webio, reference } = await both(
      here("http_fidelity_server.ts"),
      async (server) => {
        const seen: unknown[] = [];
        for (const refuse of ["go away", "error", "empty"]) {
          seen.push(
            await observe(server.url, `/bare?${polling}`, {
              headers: { "x-refuse": refuse },
            }),
          );
        }
        // A polling session upgrades: the server refuses any request with a sid if it asks.
        const open = await (await fetch(`${server.url}/slash/?${polling}`))
          .text();
        const sid = JSON.parse(open.slice(1)).sid;
        const ws = new WebSocket(
          `ws://127.0.0.1:${server.port}/slash/?EIO=4&transport=websocket&sid=${sid}`,
        );
        seen.push(
          await new Promise<string>((resolve) => {
            ws.onopen = () => ws.send("2probe");
            ws.onmessage = (event) => resolve(`upgraded: ${event.data}`);
            ws.onerror = () => resolve("refused");
          }),
        );
        ws.close();
        return seen;
      },
    );
    assert.deepEqual(webio.slice(0, 1), [{
      path: `/bare?${polling}`,
      status: 403,
      headers: {
        "access-control-allow-origin": "*",
        "access-control-allow-credentials": "true",
        "content-type": "application/json",
      },
      body: '{"code":4,"message":"go away"}',
    }]);
    assert.deepEqual(webio, reference);
  },
  opts,
);
