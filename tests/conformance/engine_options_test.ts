// Engine.IO behaviours that depend on the engine's options, observed over plain fetch, WebSocket
// and a raw TCP WebSocket client, against our server (`engine_options_server.ts`, under the
// runtime that runs the tests) and the reference (`engine_options_reference.ts`, npm engine.io
// 6.6.4 on Deno): the same scenario on both, the observations compared.
import assert from "node:assert/strict";
import { runtime, test } from "../harness.ts";
import { RawWebSocket } from "../raw_websocket.ts";
import { type ServerProcess, startServer } from "./spawn.ts";
import { openSocket, poll, pollingHandshake, post, wsUrl } from "./wire.ts";

const opts = { sanitize: false, timeout: 20_000 };

/** Our server and the reference with the same options; started on first use. */
function pair(options: Record<string, unknown>) {
  const env = { ENGINE_OPTIONS: JSON.stringify(options) };
  const started: Record<string, Promise<ServerProcess>> = {};
  const script = (name: string) => new URL(name, import.meta.url).pathname;
  const get = (name: "webio" | "reference") =>
    started[name] ??= name === "webio"
      ? startServer(script("./engine_options_server.ts"), { env })
      : startServer(script("./engine_options_reference.ts"), { env, runtime: "deno" });
  return {
    /** The observation `fn` makes on each server, by server name. */
    async both<T>(fn: (base: string) => Promise<T>): Promise<{ webio: T; reference: T }> {
      const [webio, reference] = await Promise.all([get("webio"), get("reference")]);
      return { webio: await fn(webio.url), reference: await fn(reference.url) };
    },
    async stop(): Promise<void> {
      for (const server of Object.values(started)) await (await server).stop();
    },
  };
}

const common = { pingInterval: 10_000, pingTimeout: 5_000 };
// Without a compression context on either side (Bun's default, ws's on demand), ws compresses
// from the threshold on; with one, every message.
const noContext = { serverNoContextTakeover: true, clientNoContextTakeover: true };
const main = pair({ ...common, perMessageDeflate: noContext, maxHttpBufferSize: 200 });
const lowThresholds = pair({
  ...common,
  httpCompression: { threshold: 100, level: 1 },
  perMessageDeflate: { ...noContext, threshold: 100 },
});
const withContext = pair({
  ...common,
  httpCompression: false,
  perMessageDeflate: { serverNoContextTakeover: false, clientNoContextTakeover: false },
});

// ---- closing over long-polling ---------------------------------------------------------

test(
  "engine options: a close packet POSTed during a pending GET answers it with a noop",
  async () => {
    const seen = await main.both(async (base) => {
      const { sid } = await pollingHandshake(base);
      const pending = poll(base, sid);
      // The GET is pending once the server holds it; a POST right after it may overtake it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const closed = await post(base, sid, "1");
      const answered = await pending;
      const next = await poll(base, sid);
      return { closed, answered, next };
    });
    assert.deepEqual(seen.reference, {
      closed: { status: 200, body: "ok" },
      answered: { status: 200, body: "6" },
      next: { status: 400, body: '{"code":1,"message":"Session ID unknown"}' },
    });
    assert.deepEqual(seen.webio, seen.reference);
  },
  opts,
);

// ---- httpCompression -------------------------------------------------------------------

/** The Content-Encoding of the poll that answers `command`, and the decoded body's length. */
async function encodingOf(base: string, command: string, acceptEncoding: string) {
  const { sid } = await pollingHandshake(base);
  await post(base, sid, "4" + command);
  const res = await fetch(`${base}/engine.io/?EIO=4&transport=polling&sid=${sid}`, {
    headers: { "accept-encoding": acceptEncoding },
  });
  const encoding = res.headers.get("content-encoding");
  const bytes = new Uint8Array(await res.arrayBuffer());
  // fetch decodes gzip; Deno's leaves deflate (a zlib stream, first byte 0x78) as it came.
  const body = encoding === "deflate" && bytes[0] === 0x78
    ? await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate")))
      .text()
    : new TextDecoder().decode(bytes);
  await post(base, sid, "1");
  return `${encoding} ${body.length}`;
}

const POLLS: [string, string][] = [
  ["big:2000", "gzip, deflate"],
  ["big:2000", "deflate, gzip"],
  ["big:2000", "gzip;q=0.5, deflate"],
  ["big:2000", "identity"],
  ["big:2000", "br"],
  ["big:500", "gzip, deflate"],
  ["big:1022", "gzip"], // "4" + 1022 = 1023 bytes: under the threshold
  ["big:1023", "gzip"], // 1024 bytes: at the threshold
  ["nocompress:2000", "gzip, deflate"],
  ["bin:2000", "gzip"],
];

test(
  "engine options: httpCompression by default: the responses the reference encodes",
  async () => {
    const seen = await main.both(async (base) => {
      const out: string[] = [];
      for (const [command, accept] of POLLS) {
        out.push(`${command} [${accept}] ${await encodingOf(base, command, accept)}`);
      }
      return out;
    });
    assert.deepEqual(seen.reference, [
      "big:2000 [gzip, deflate] gzip 2001",
      "big:2000 [deflate, gzip] deflate 2001",
      "big:2000 [gzip;q=0.5, deflate] deflate 2001",
      "big:2000 [identity] null 2001",
      "big:2000 [br] null 2001",
      "big:500 [gzip, deflate] null 501",
      "big:1022 [gzip] null 1023",
      "big:1023 [gzip] gzip 1024",
      "nocompress:2000 [gzip, deflate] null 2001",
      "bin:2000 [gzip] gzip 2669",
    ]);
    assert.deepEqual(seen.webio, seen.reference);
  },
  opts,
);

test("engine options: httpCompression with a threshold, and turned off", async () => {
  const low = await lowThresholds.both(async (base) => [
    await encodingOf(base, "big:500", "gzip"),
    await encodingOf(base, "big:98", "gzip"),
    await encodingOf(base, "big:99", "gzip"),
  ]);
  assert.deepEqual(low.reference, ["gzip 501", "null 99", "gzip 100"]);
  assert.deepEqual(low.webio, low.reference);
  const off = await withContext.both(async (base) => [
    await encodingOf(base, "big:5000", "gzip, deflate"),
  ]);
  assert.deepEqual(off.reference, ["null 5001"]);
  assert.deepEqual(off.webio, off.reference);
}, opts);

// ---- perMessageDeflate -----------------------------------------------------------------

/** Each command's answer as it came on the wire: compressed or not, and its frame's size. */
async function deflated(base: string, commands: string[]) {
  const ws = await RawWebSocket.connect(wsUrl(base, "EIO=4&transport=websocket"), {
    extensions: "permessage-deflate; client_max_window_bits",
  });
  const out: string[] = [];
  try {
    await ws.nextData(); // the open packet
    for (const command of commands) {
      ws.sendText("4" + command);
      const frame = await ws.nextData();
      out.push(`${command} ${frame.compressed ? "compressed" : "plain"}`);
      // A compressed frame is much smaller than the message; a plain one carries it all.
      const size = Number(command.split(":")[1]);
      if (!frame.compressed) assert.ok(frame.payload.length >= size, command);
      else if (size > 100) {
        assert.ok(frame.wireBytes < size / 2, `${command}: ${frame.wireBytes} bytes`);
      }
    }
    // The parameters negotiated, in one order (servers list them in different ones).
    const params = ws.headers["sec-websocket-extensions"]?.split(/\s*;\s*/);
    const extension = params
      ? [params[0], ...params.slice(1).filter((p) => p.includes("no_context")).sort().reverse()]
        .join("; ")
      : null;
    return { extension, out };
  } finally {
    await ws.destroy();
  }
}

const deno = runtime === "deno";
const pmdReason = "Deno.upgradeWebSocket cannot negotiate permessage-deflate";

test(
  `engine options: perMessageDeflate compresses messages of at least 1024 bytes${
    deno ? ` (skipped: ${pmdReason})` : ""
  }`,
  async () => {
    if (deno) return;
    const commands = [
      "big:2000",
      "big:500",
      "big:1022",
      "big:1023",
      "bin:2000",
      "bin:1023",
      "bin:1024",
    ];
    const seen = await main.both((base) => deflated(base, commands));
    assert.deepEqual(seen.reference, {
      extension: "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
      out: [
        "big:2000 compressed",
        "big:500 plain",
        "big:1022 plain",
        "big:1023 compressed",
        "bin:2000 compressed",
        "bin:1023 plain",
        "bin:1024 compressed",
      ],
    });
    assert.deepEqual(seen.webio, seen.reference);
    // The threshold option.
    const low = await lowThresholds.both((base) => deflated(base, ["big:98", "big:99"]));
    assert.deepEqual(low.reference.out, ["big:98 plain", "big:99 compressed"]);
    assert.deepEqual(low.webio, low.reference);
    // A context kept from message to message: everything is compressed.
    const kept = await withContext.both((base) => deflated(base, ["big:10", "big:2000"]));
    assert.deepEqual(kept.reference, {
      extension: "permessage-deflate",
      out: ["big:10 compressed", "big:2000 compressed"],
    });
    assert.deepEqual(kept.webio, kept.reference);
  },
  opts,
);

test(
  `engine options: perMessageDeflate honours compress: false${
    deno ? ` (skipped: ${pmdReason})` : ""
  }`,
  async () => {
    if (deno) return;
    const seen = await main.both((base) => deflated(base, ["nocompress:2000"]));
    // engine.io 6.6.4 no longer passes the flag to ws over WebSocket (it does over polling);
    // socket.io documents `compress(false)` for both, which we keep.
    assert.deepEqual(seen.reference.out, ["nocompress:2000 compressed"]);
    assert.deepEqual(seen.webio.out, ["nocompress:2000 plain"]);
  },
  opts,
);

test("engine options: on Deno, no permessage-deflate is negotiated (documented)", async () => {
  if (!deno) return;
  const seen = await main.both((base) => deflated(base, ["big:2000"]));
  assert.deepEqual(seen.webio, { extension: null, out: ["big:2000 plain"] });
}, opts);

// ---- maxHttpBufferSize over WebSocket ----------------------------------------------------

test(
  "engine options: a WebSocket message over maxHttpBufferSize in UTF-8 bytes closes it",
  async () => {
    const seen = await main.both(async (base) => {
      const ws = await openSocket(wsUrl(base, "EIO=4&transport=websocket"));
      await ws.nextText(); // open
      // 1 + 2 * 99 = 199 bytes: within the limit (200).
      ws.send("4" + "é".repeat(99));
      const echoed = (await ws.nextText()).length;
      // 1 + 2 * 100 = 201 bytes, 101 UTF-16 units: over the limit in bytes only.
      ws.send("4" + "é".repeat(100));
      const code = await ws.untilClosed(3000);
      return { echoed, code };
    });
    assert.deepEqual(seen.reference, { echoed: 100, code: 1009 });
    assert.deepEqual(seen.webio, seen.reference);
  },
  opts,
);

// ---- b64 on WebSocket ------------------------------------------------------------------

test("engine options: with b64 in its query, a WebSocket gets binary as base64 text", async () => {
  const seen = await main.both(async (base) => {
    const out: string[] = [];
    for (const query of ["EIO=4&transport=websocket&b64=1", "EIO=4&transport=websocket"]) {
      const ws = await openSocket(wsUrl(base, query));
      await ws.nextText(); // open
      ws.send("4bin:3");
      const message = await ws.next();
      out.push(typeof message === "string" ? message : `binary ${[...new Uint8Array(message)]}`);
      await ws.close();
    }
    // An upgrade from polling whose WebSocket request has b64.
    const { sid } = await pollingHandshake(base);
    const ws = await openSocket(wsUrl(base, `EIO=4&transport=websocket&sid=${sid}&b64=1`));
    ws.send("2probe");
    out.push(await ws.nextText());
    ws.send("5");
    ws.send("4bin:2");
    const message = await ws.next();
    out.push(typeof message === "string" ? message : `binary ${[...new Uint8Array(message)]}`);
    await ws.close();
    return out;
  });
  assert.deepEqual(seen.reference, ["bAQID", "binary 1,2,3", "3probe", "bAQI="]);
  assert.deepEqual(seen.webio, seen.reference);
}, opts);

test("engine options: stop the servers", async () => {
  await main.stop();
  await lowThresholds.stop();
  await withContext.stop();
}, opts);
