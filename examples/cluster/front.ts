/**
 * A sticky front for the cluster example (Deno): starts WORKERS worker
 * processes (worker.ts, under Deno, or Bun with RUNTIME=bun) and serves them
 * on one port. A request that names a session (`sid=<worker>.<random>`) goes
 * to the worker that owns the session; a new session goes to the next worker
 * in turn. WebSocket connections are relayed frame by frame.
 *
 * Long-polling needs this stickiness: the requests of one session must all
 * reach the process that holds it. WebSocket-only clients
 * (`transports: ["websocket"]`) need none: one connection, one process.
 *
 * Run: `deno run -A examples/cluster/front.ts` (needs a Redis server; env
 * PORT default 3000, WORKERS default 2, WORKER_PORTS (comma list, default the
 * ports after PORT), REDIS_URL, RUNTIME=deno|bun).
 *
 * @module
 */

const port = Number(Deno.env.get("PORT") ?? 3000);
const count = Number(Deno.env.get("WORKERS") ?? 2);
const runtime = Deno.env.get("RUNTIME") ?? "deno";
const script = new URL("./worker.ts", import.meta.url).pathname;

const workers: { url: string; process: Deno.ChildProcess }[] = [];
const ports = Deno.env.get("WORKER_PORTS")?.split(",").map(Number);
for (let i = 0; i < count; i++) {
  const workerPort = ports?.[i] ?? port + 1 + i;
  const [cmd, args] = runtime === "bun"
    ? [Deno.env.get("WEBIO_BUN") ?? "bun", ["run", script]]
    : [Deno.execPath(), ["run", "-A", script]];
  const child = new Deno.Command(cmd, {
    args,
    env: { PORT: String(workerPort), WORKER_ID: String(i) }, // REDIS_URL is inherited
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  workers.push({ url: `http://127.0.0.1:${workerPort}`, process: child });
}

let next = 0;
/** The worker of a session id, or the next one in turn for a new session. */
function pick(url: URL): string {
  const sid = url.searchParams.get("sid");
  const owner = sid ? Number(sid.slice(0, sid.indexOf("."))) : NaN;
  if (Number.isInteger(owner) && owner >= 0 && owner < workers.length) return workers[owner].url;
  return workers[next++ % workers.length].url;
}

function relayWebSocket(request: Request, target: string): Response {
  const { socket, response } = Deno.upgradeWebSocket(request);
  const upstream = new WebSocket(target.replace(/^http/, "ws"));
  upstream.binaryType = "arraybuffer";
  socket.binaryType = "arraybuffer";
  const early: (string | ArrayBuffer)[] = [];
  socket.onmessage = (e) => {
    if (upstream.readyState === WebSocket.OPEN) upstream.send(e.data);
    else early.push(e.data);
  };
  upstream.onopen = () => {
    for (const data of early.splice(0)) upstream.send(data);
  };
  upstream.onmessage = (e) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(e.data);
  };
  const closeBoth = () => {
    if (socket.readyState <= WebSocket.OPEN) socket.close();
    if (upstream.readyState <= WebSocket.OPEN) upstream.close();
  };
  socket.onclose = closeBoth;
  upstream.onclose = closeBoth;
  upstream.onerror = closeBoth;
  return response;
}

const server = Deno.serve({ port, hostname: "127.0.0.1" }, async (request, info) => {
  const url = new URL(request.url);
  const target = pick(url) + url.pathname + url.search;
  if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
    return relayWebSocket(request, target);
  }
  const headers = new Headers(request.headers);
  headers.set("x-forwarded-for", info.remoteAddr.hostname);
  try {
    return await fetch(target, {
      method: request.method,
      headers,
      body: request.body,
      redirect: "manual",
      signal: request.signal,
    });
  } catch {
    return new Response("Bad Gateway", { status: 502 });
  }
});

const stop = async () => {
  for (const w of workers) {
    try {
      w.process.kill("SIGTERM");
    } catch { /* already gone */ }
  }
  await Promise.allSettled(workers.map((w) => w.process.status));
  await server.shutdown();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
