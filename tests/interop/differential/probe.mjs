// @ts-nocheck: plain JavaScript run by Node.
/**
 * The differential probes: what a Node client observes from a Socket.IO
 * server, through node:http (a keep-alive Agent), node-fetch 3 and ws 8.
 *
 * Usage: `node probe.mjs <base url> <scenario>`; the scenario ("main" or
 * "alt") names the server configuration the probes expect (see
 * differential_server_test.ts). Prints one JSON line per probe:
 * `{"probe": name, ...observation}`. Session ids are replaced by "<sid>",
 * socket ids by "<id>", so two servers' observations compare as values.
 */
import http from "node:http";
import process from "node:process";
import fetch from "node-fetch";
import WebSocket from "ws";

const [base, scenario] = process.argv.slice(2);
const wsBase = base.replace(/^http/, "ws");
const EIO = "EIO=4&transport=polling";

/**
 * Headers whose values a client can act on; everything else is left out.
 * Content-Length is not among them: whether a body is framed by its length
 * or chunked is the HTTP server's choice, and the body itself is compared.
 */
const HEADERS = [
  "content-type",
  "content-encoding",
  "access-control-allow-origin",
  "access-control-allow-credentials",
  "access-control-allow-methods",
  "access-control-allow-headers",
  "access-control-expose-headers",
  "access-control-max-age",
  "vary",
  "set-cookie",
  "cache-control",
  "etag",
  "connection",
  "x-content-type-options",
];

/** Ids met so far (Engine.IO session ids, Socket.IO socket ids), replaced in every string. */
const ids = new Set();

function norm(text) {
  if (typeof text !== "string") return text;
  let out = text.replace(/"sid":"([^"]+)"/g, (_, id) => {
    ids.add(id);
    return '"sid":"<sid>"';
  });
  for (const id of ids) out = out.split(id).join("<sid>");
  return out;
}

function pickHeaders(get, asksClose = false) {
  const out = {};
  for (const name of HEADERS) {
    let value = get(name);
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) value = value.join(", ");
    // HTTP/1.1 connections are persistent by default: Node writes
    // "Connection: keep-alive" (and "Keep-Alive: timeout=5") on every
    // response, Deno and Bun write nothing. Only "close" changes what a
    // client does, so only "close" is observed, and only when the request
    // did not ask for it (the client closes then anyway; Deno's HTTP server
    // does not echo it).
    if (
      name === "connection" && (asksClose || value.toLowerCase() !== "close")
    ) continue;
    out[name] = name === "set-cookie" ? norm(value) : value;
  }
  return out;
}

/** One request with node:http; resolves to an observation, never rejects. */
function request(
  path,
  { method = "GET", headers = {}, body, agent, timeout = 3000 } = {},
) {
  const asksClose = headers.connection === "close" ||
    !(agent ?? http.globalAgent).keepAlive;
  return new Promise((resolve) => {
    const req = http.request(base + path, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        // The body first: it names the session id that a Set-Cookie repeats.
        const text = res.headers["content-encoding"]
          ? `<${raw.length > 0 ? "bytes" : "empty"}>`
          : norm(raw.toString("utf8"));
        resolve({
          status: res.statusCode,
          headers: pickHeaders((n) => res.headers[n], asksClose),
          body: text,
          raw,
        });
      });
      res.on("error", (e) => resolve({ error: e.message }));
    });
    req.setTimeout(timeout, () => {
      req.destroy(new Error("timeout"));
    });
    req.on("error", (e) => resolve({ error: e.message }));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The observation without the raw bytes. */
function seen({ raw: _raw, ...rest }) {
  return rest;
}

const results = [];
function emit(probe, observation) {
  results.push(probe);
  process.stdout.write(JSON.stringify({ probe, ...observation }) + "\n");
}

async function handshake(agent, path = `/socket.io/?${EIO}`, headers = {}) {
  const res = await request(path, { agent, headers });
  const match = /"sid":"([^"]+)"/.exec(res.raw?.toString() ?? "");
  return { res, sid: match?.[1] };
}

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/** A WebSocket session with ws: messages, close code and reason, errors, bounded in time. */
function wsSession(path, steps, { headers = {}, timeout = 3000, onOpen } = {}) {
  return new Promise((resolve) => {
    const log = { messages: [] };
    const ws = new WebSocket(wsBase + path, { headers });
    const timer = setTimeout(() => {
      log.timeout = true;
      ws.terminate();
      resolve(log);
    }, timeout);
    const done = () => {
      clearTimeout(timer);
      resolve(log);
    };
    ws.on(
      "upgrade",
      (res) => (log.upgradeHeaders = pickHeaders((n) => res.headers[n])),
    );
    ws.on("unexpected-response", (_req, res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        log.status = res.statusCode;
        log.headers = pickHeaders((n) => res.headers[n]);
        log.body = norm(Buffer.concat(chunks).toString());
        ws.terminate();
        done();
      });
    });
    ws.on("error", (e) => (log.error = e.message));
    if (onOpen) ws.on("open", () => onOpen(ws));
    let step = 0;
    ws.on("message", (data, binary) => {
      log.messages.push(
        binary ? `<binary ${data.length}>` : norm(data.toString()),
      );
      const next = steps[step++];
      if (next) next(ws);
    });
    ws.on("close", (code, reason) => {
      log.close = { code, reason: reason.toString() };
      done();
    });
  });
}

// -- probes of the "main" scenario: cors *, credentials, small maxHttpBufferSize,
// allowRequest refusing on x-refuse, serveClient on.

async function mainProbes() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  const hs = await handshake(agent);
  emit("handshake", seen(hs.res));
  const hsOrigin = await handshake(agent, undefined, {
    origin: "http://example.test",
  });
  emit("handshake with Origin (cors * + credentials)", seen(hsOrigin.res));
  emit(
    "preflight",
    seen(
      await request(`/socket.io/?${EIO}`, {
        method: "OPTIONS",
        agent,
        headers: {
          origin: "http://example.test",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      }),
    ),
  );

  const sid = hs.sid;
  const q = `/socket.io/?${EIO}&sid=${sid}`;
  emit(
    "POST 40 (namespace connect)",
    seen(
      await request(q, {
        method: "POST",
        body: "40",
        agent,
        headers: { "content-type": "text/plain;charset=UTF-8" },
      }),
    ),
  );
  emit("GET after connect", seen(await request(q, { agent })));
  emit(
    "POST with Origin",
    seen(
      await request(q, {
        method: "POST",
        body: '42["echo","hi",{"a":[1]}]',
        agent,
        headers: { origin: "http://example.test" },
      }),
    ),
  );
  emit(
    "GET echo",
    seen(
      await request(q, { agent, headers: { origin: "http://example.test" } }),
    ),
  );
  await request(q, { method: "POST", body: '421["ack","x",2]', agent });
  emit("GET ack", seen(await request(q, { agent })));
  await request(q, { method: "POST", body: "40/nope,", agent });
  emit("GET invalid namespace", seen(await request(q, { agent })));
  await request(q, { method: "POST", body: "40/guarded,", agent });
  emit("GET middleware error", seen(await request(q, { agent })));
  await request(q, { method: "POST", body: '42["kick"]', agent });
  emit("GET after server-side disconnect", seen(await request(q, { agent })));
  await request(q, { method: "POST", body: "40", agent });
  await request(q, { agent });
  emit(
    "POST two packets",
    seen(
      await request(q, {
        method: "POST",
        body: '42["echo",1]\x1e42["echo",2]',
        agent,
      }),
    ),
  );
  const both = await request(q, { agent });
  const second = both.body === '42["echo",1]' ? await request(q, { agent }) : undefined;
  emit("GET two packets", {
    first: seen(both),
    second: second && seen(second),
  });

  // A close packet posted while a GET is pending.
  {
    const other = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const { sid } = await handshake(other);
    const s = `/socket.io/?${EIO}&sid=${sid}`;
    const pending = request(s, { agent: other });
    await delay(200);
    const post = await request(s, { method: "POST", body: "1", agent: other });
    emit("close packet: the POST", seen(post));
    emit("close packet: the pending GET", seen(await pending));
    emit(
      "close packet: the next GET",
      seen(await request(s, { agent: other })),
    );
    other.destroy();
  }

  // Connection: close on one request, then the keep-alive agent goes on.
  {
    const ka = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const outcomes = [];
    for (let i = 0; i < 5; i++) {
      const headers = i === 1 ? { connection: "close" } : {};
      const res = await request(`/socket.io/?${EIO}`, { agent: ka, headers });
      outcomes.push(
        res.error ? { error: res.error } : { status: res.status, headers: res.headers },
      );
    }
    emit("keep-alive agent after Connection: close", { outcomes });
    ka.destroy();
  }
  {
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      try {
        const res = await fetch(`${base}/socket.io/?${EIO}`, {
          signal: AbortSignal.timeout(3000),
        });
        const body = await res.text();
        const text = norm(body);
        outcomes.push({
          status: res.status,
          headers: pickHeaders((n) => res.headers.get(n) ?? undefined, true),
          body: text,
        });
      } catch (e) {
        outcomes.push({ error: e.message });
      }
    }
    emit("node-fetch (Connection: close) x4", { outcomes });
  }
  {
    const ka = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      try {
        const res = await fetch(`${base}/socket.io/?${EIO}`, {
          agent: ka,
          signal: AbortSignal.timeout(3000),
        });
        await res.text();
        outcomes.push({ status: res.status });
      } catch (e) {
        outcomes.push({ error: e.message });
      }
    }
    emit("node-fetch with keep-alive agent x4", { outcomes });
    ka.destroy();
  }
  {
    const { sid } = await handshake(agent);
    const s = `/socket.io/?${EIO}&sid=${sid}`;
    const outcomes = [];
    for (
      const [method, body] of [["POST", "40"], ["GET"], [
        "POST",
        '42["echo","k"]',
      ], ["GET"]]
    ) {
      const res = await request(s, {
        method,
        body,
        agent,
        headers: { connection: "close" },
      });
      outcomes.push(
        res.error
          ? { error: res.error }
          : { status: res.status, body: res.body, headers: res.headers },
      );
    }
    emit("session over Connection: close requests", { outcomes });
  }

  emit(
    "allowRequest refuses with a message",
    seen(
      await request(`/socket.io/?${EIO}`, {
        agent,
        headers: { "x-refuse": "1", origin: "http://example.test" },
      }),
    ),
  );

  // Bad requests.
  emit(
    "unknown transport",
    seen(
      await request("/socket.io/?EIO=4&transport=carrier-pigeon", { agent }),
    ),
  );
  emit(
    "unknown sid",
    seen(await request(`/socket.io/?${EIO}&sid=nope`, { agent })),
  );
  emit(
    "unknown sid POST",
    seen(
      await request(`/socket.io/?${EIO}&sid=nope`, {
        method: "POST",
        body: "40",
        agent,
      }),
    ),
  );
  emit(
    "handshake with POST",
    seen(
      await request(`/socket.io/?${EIO}`, {
        method: "POST",
        body: "40",
        agent,
      }),
    ),
  );
  emit(
    "handshake with PUT",
    seen(
      await request(`/socket.io/?${EIO}`, { method: "PUT", body: "40", agent }),
    ),
  );
  emit(
    "EIO=3 without allowEIO3",
    seen(await request("/socket.io/?EIO=3&transport=polling", { agent })),
  );
  emit(
    "no EIO",
    seen(await request("/socket.io/?transport=polling", { agent })),
  );
  emit("no query", seen(await request("/socket.io/", { agent })));
  {
    const { sid } = await handshake(agent);
    emit(
      "transport mismatch (websocket without upgrade)",
      seen(
        await request(`/socket.io/?EIO=4&transport=websocket&sid=${sid}`, {
          agent,
        }),
      ),
    );
    emit(
      "bad packet in POST",
      seen(
        await request(`/socket.io/?${EIO}&sid=${sid}`, {
          method: "POST",
          body: "zzz",
          agent,
        }),
      ),
    );
    emit(
      "GET after bad packet",
      seen(await request(`/socket.io/?${EIO}&sid=${sid}`, { agent })),
    );
  }
  {
    const { sid } = await handshake(agent);
    const s = `/socket.io/?${EIO}&sid=${sid}`;
    const first = request(s, { agent: new http.Agent() });
    await delay(200);
    emit(
      "second concurrent GET",
      seen(await request(s, { agent: new http.Agent() })),
    );
    emit("first GET after a second concurrent GET", seen(await first));
  }
  {
    const fresh = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const { sid } = await handshake(fresh);
    const s = `/socket.io/?${EIO}&sid=${sid}`;
    emit(
      "POST over maxHttpBufferSize",
      seen(
        await request(s, {
          method: "POST",
          body: "4" + "x".repeat(1500),
          agent: fresh,
        }),
      ),
    );
    // The session lives on (reference): the GET waits for a packet; 1 s is enough to tell.
    emit(
      "GET after POST over maxHttpBufferSize",
      seen(await request(s, { agent: fresh, timeout: 1000 })),
    );
    fresh.destroy();
  }

  // WebSocket.
  emit(
    "websocket session",
    await wsSession("/socket.io/?EIO=4&transport=websocket", [
      (ws) => ws.send("40"),
      (ws) => ws.send('42["echo","w",{"n":1}]'),
      (ws) => ws.send('421["ack",true]'),
      (ws) => ws.send("4" + "y".repeat(1500)),
    ], { headers: { origin: "http://example.test" } }),
  );
  // After "41" the Engine.IO session stays open: a new "40" is answered.
  emit(
    "websocket server-side disconnect",
    await wsSession("/socket.io/?EIO=4&transport=websocket", [
      (ws) => ws.send("40"),
      (ws) => ws.send('42["kick"]'),
      (ws) => ws.send("40"),
      (ws) => ws.close(),
    ]),
  );
  // A close packet over WebSocket; 300 ms later a "40" shows whether the session lives on.
  emit(
    "websocket close packet",
    await wsSession("/socket.io/?EIO=4&transport=websocket", [
      (ws) => {
        ws.send("1");
        setTimeout(
          () => ws.readyState === WebSocket.OPEN && ws.send("40"),
          300,
        );
      },
      (ws) => ws.close(),
    ], { timeout: 1500 }),
  );
  emit(
    "websocket refused by allowRequest",
    await wsSession("/socket.io/?EIO=4&transport=websocket", [], {
      headers: { "x-refuse": "1" },
    }),
  );
  emit(
    "websocket unknown sid",
    await wsSession("/socket.io/?EIO=4&transport=websocket&sid=nope", []),
  );
  {
    // Upgrade of a polling session.
    const { sid } = await handshake(agent);
    const s = `/socket.io/?${EIO}&sid=${sid}`;
    const pending = request(s, { agent: new http.Agent() });
    const upgrade = {};
    const log = await wsSession(
      `/socket.io/?EIO=4&transport=websocket&sid=${sid}`,
      [
        async (ws) => {
          upgrade.pendingGet = seen(await pending);
          ws.send("5");
          ws.send("40");
        },
        (ws) => ws.send('42["echo","u"]'),
        (ws) => ws.close(),
      ],
      { onOpen: (ws) => ws.send("2probe") },
    );
    emit("upgrade from polling", { ...log, ...upgrade });
  }

  // The served client. webio serves its own build of its own client, not the
  // npm bundle (intended): the bytes differ, and so does the ETag's value
  // (webio: a hash of its build; socket.io: its version). A cache treats
  // both alike, so only the ETag's shape is compared.
  const etagShape = (
    etag,
  ) => (/^(W\/)?"[^"]*"$/.test(etag) ? "<quoted etag>" : etag);
  const files = [
    "socket.io.min.js",
    "socket.io.js",
    "socket.io.msgpack.min.js",
    "socket.io.esm.min.js",
    "socket.io.min.js.map",
    "socket.io.js.map",
    "socket.io.esm.min.js.map",
    "nope.js",
  ];
  for (const file of files) {
    const res = await request(`/socket.io/${file}`, { agent });
    const headers = { ...res.headers };
    if (headers.etag) headers.etag = etagShape(headers.etag);
    emit(`served client ${file}`, {
      status: res.status,
      headers,
      body: res.status === 200 ? "<file>" : res.body,
      error: res.error,
    });
    if (res.headers?.etag) {
      const again = seen(
        await request(`/socket.io/${file}`, {
          agent,
          headers: { "if-none-match": res.headers.etag },
        }),
      );
      // Intended difference: webio's 304 repeats the ETag and Cache-Control,
      // as RFC 9110 (15.4.5) asks; socket.io's 304 carries neither. Those two
      // headers of a 304 are left out; everything else is compared.
      if (again.status === 304 && again.headers) {
        delete again.headers.etag;
        delete again.headers["cache-control"];
      } else if (again.headers?.etag) {
        again.headers.etag = etagShape(again.headers.etag);
      }
      emit(`served client ${file} If-None-Match`, again);
    }
  }
  const gz = await request("/socket.io/socket.io.min.js", {
    agent,
    headers: { "accept-encoding": "gzip, deflate, br" },
  });
  if (gz.headers?.etag) gz.headers.etag = etagShape(gz.headers.etag);
  emit("served client with Accept-Encoding", {
    status: gz.status,
    headers: gz.headers,
  });
  agent.destroy();
}

// -- probes of the "alt" scenario: addTrailingSlash false, serveClient false,
// cookie on, polling only, no CORS.

async function altProbes() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (
    const path of [
      "/socket.io",
      "/socket.io/",
      "/socket.io/extra",
      "/socket.iox",
    ]
  ) {
    emit(
      `handshake at ${path}`,
      seen((await handshake(agent, `${path}?${EIO}`)).res),
    );
  }
  emit(
    "handshake with Origin, no cors option",
    seen(
      (await handshake(agent, `/socket.io?${EIO}`, {
        origin: "http://example.test",
      })).res,
    ),
  );
  emit(
    "preflight, no cors option",
    seen(
      await request(`/socket.io?${EIO}`, {
        method: "OPTIONS",
        agent,
        headers: {
          origin: "http://example.test",
          "access-control-request-method": "POST",
        },
      }),
    ),
  );
  emit(
    "client file with serveClient false",
    seen(await request("/socket.io/socket.io.js", { agent })),
  );
  emit(
    "websocket with transports polling only",
    await wsSession("/socket.io?EIO=4&transport=websocket", []),
  );
  {
    const { sid } = await handshake(agent, `/socket.io?${EIO}`);
    const s = `/socket.io?${EIO}&sid=${sid}`;
    emit(
      "POST on a polling-only server",
      seen(await request(s, { method: "POST", body: "40", agent })),
    );
    emit("GET on a polling-only server", seen(await request(s, { agent })));
    const log = await wsSession(
      `/socket.io?EIO=4&transport=websocket&sid=${sid}`,
      [],
    );
    emit("upgrade on a polling-only server", log);
  }
  agent.destroy();
}

try {
  if (scenario === "main") await mainProbes();
  else if (scenario === "alt") await altProbes();
  else throw new Error(`unknown scenario ${scenario}`);
} catch (error) {
  process.stdout.write(
    JSON.stringify({
      probe: "<probe script>",
      crashed: String(error?.stack ?? error),
    }) + "\n",
  );
}
process.exit(0);
