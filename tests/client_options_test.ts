// Client options end to end against our server.
import assert from "node:assert/strict";
import { deferred, nextEvent, test, until, withTimeout } from "./harness.ts";
import { serve } from "./serve.ts";
import { io, Manager } from "../client/mod.ts";
import { type ServeHandler, Server, type ServerOptions } from "../server/mod.ts";

const opts = {};

async function start(options: ServerOptions = {}) {
  const server = new Server({ pingInterval: 1000, pingTimeout: 500, ...options });
  const http = await serve(server.handler());
  return {
    server,
    url: http.url,
    close: async () => {
      await server.close();
      await http.close();
    },
  };
}

test("client option: rememberUpgrade starts on WebSocket after a successful upgrade", async () => {
  const s = await start();
  try {
    const first = io(s.url, { forceNew: true, reconnection: false });
    await nextEvent(first, "connect");
    if (first.io.engine!.transport!.name !== "websocket") {
      await nextEvent(first.io.engine!, "upgrade");
    }
    first.disconnect();
    const second = io(s.url, { forceNew: true, reconnection: false, rememberUpgrade: true });
    const openedWith = deferred<string>();
    second.io.on("open", () => openedWith.resolve(second.io.engine!.transport!.name));
    assert.equal(await withTimeout(openedWith.promise, 3000), "websocket");
    second.disconnect();
  } finally {
    await s.close();
  }
}, opts);

test("client option: tryAllTransports falls back when WebSocket is refused", async () => {
  const s = await start({ transports: ["polling"] });
  try {
    const socket = io(s.url, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket", "polling"],
      tryAllTransports: true,
    });
    await nextEvent(socket, "connect");
    assert.equal(socket.io.engine!.transport!.name, "polling");
    socket.disconnect();
  } finally {
    await s.close();
  }
}, opts);

test(
  "client option: withCredentials keeps the sticky cookie (cookie jar outside browsers)",
  async () => {
    const s = await start({ cookie: true, transports: ["polling"] });
    const cookies: string[] = [];
    s.server.engine.on(
      "headers",
      (_headers, request) => cookies.push(request.headers.get("cookie") ?? ""),
    );
    try {
      const socket = io(s.url, { forceNew: true, reconnection: false, withCredentials: true });
      await nextEvent(socket, "connect");
      const sid = socket.io.engine!.id!;
      await until(
        () => cookies.some((c) => c === `io=${sid}`),
        3000,
        "cookie sent back",
      );
      socket.disconnect();
    } finally {
      await s.close();
    }
  },
  opts,
);

test(
  "client option: transportOptions override per transport; query reaches the handshake",
  async () => {
    const s = await start();
    try {
      const seen = deferred<Record<string, string>>();
      s.server.on(
        "connection",
        (socket) => seen.resolve({ ...socket.handshake.query, h: socket.handshake.headers["x-t"] }),
      );
      const socket = io(s.url, {
        forceNew: true,
        reconnection: false,
        transports: ["polling"],
        query: { a: "1" },
        transportOptions: { polling: { extraHeaders: { "x-t": "polling" } } },
      });
      const got = await withTimeout(seen.promise, 3000);
      assert.equal(got.a, "1");
      assert.equal(got.h, "polling");
      socket.disconnect();
    } finally {
      await s.close();
    }
  },
  opts,
);

test("client: Manager events and reconnect_failed after the attempts run out", async () => {
  const manager = new Manager("http://127.0.0.1:9", {
    reconnectionAttempts: 2,
    reconnectionDelay: 10,
    reconnectionDelayMax: 20,
    timeout: 2000,
  });
  const events: string[] = [];
  for (
    const event of ["error", "reconnect_attempt", "reconnect_error", "reconnect_failed"] as const
  ) {
    manager.on(event, () => events.push(event));
  }
  await nextEvent(manager, "reconnect_failed", 10_000);
  assert.equal(events.filter((e) => e === "reconnect_attempt").length, 2);
  assert.ok(events.includes("error"));
  manager.close();
}, opts);

test("client option: requestTimeout aborts a polling request that takes too long", async () => {
  // pingInterval < requestTimeout < the client's ping deadline (pingInterval + pingTimeout).
  const server = new Server({ pingInterval: 400, pingTimeout: 2000 });
  // Polls stall once `stall` is set: the server holds them until the client gives up.
  let stall = false;
  const handler = server.handler();
  const front = ((request: Request, context?: unknown) => {
    const url = new URL(request.url);
    if (stall && request.method === "GET" && url.searchParams.has("sid")) {
      return new Promise<Response>((resolve) =>
        request.signal.addEventListener("abort", () => resolve(new Response("", { status: 504 })))
      );
    }
    return handler(request, context);
  }) as ServeHandler;
  front.fetch = front;
  front.websocket = handler.websocket;
  const http = await serve(front);
  try {
    // A timeout longer than the heartbeat: long polls come back in time, nothing breaks.
    const socket = io(http.url, {
      forceNew: true,
      reconnection: false,
      transports: ["polling"],
      requestTimeout: 1000,
    });
    await nextEvent(socket, "connect");
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(socket.connected, true);
    // Stalled polls are aborted after requestTimeout: a transport error, not a hang.
    stall = true;
    const started = Date.now();
    const [reason] = await nextEvent<[string]>(socket, "disconnect", 5000);
    assert.equal(reason, "transport error");
    assert.ok(
      Date.now() - started < 3000,
      "aborted by requestTimeout, well before any ping timeout",
    );
  } finally {
    await server.close();
    await http.close();
  }
}, opts);
