// The Engine.IO client on its own, against our Engine.IO server on a real
// port, on both transports: a listener that throws is the program's bug, not
// a network failure, and `closeOnBeforeunload` closes silently.
import assert from "node:assert/strict";
import { catchUncaught, deferred, nextEvent, test, until } from "../../tests/harness.ts";
import { serve } from "../../tests/serve.ts";
import { Engine, type EngineOptions } from "../../server/engine/mod.ts";
import type { EngineSession } from "../../server/engine/mod.ts";
import type { EngineClientOptions } from "./options.ts";
import { EngineClient } from "./socket.ts";

/** An echo Engine.IO server; `sessions` in order of connection. */
async function start(options: EngineOptions = {}) {
  const engine = new Engine({ pingInterval: 10_000, pingTimeout: 5_000, ...options });
  const sessions: EngineSession[] = [];
  engine.on("connection", (session) => {
    sessions.push(session);
    session.on("message", (data) => session.send(data));
  });
  const http = await serve(engine.handler());
  return {
    url: http.url,
    sessions,
    close: async () => {
      engine.close();
      await http.close();
    },
  };
}

function client(url: string, options: EngineClientOptions): EngineClient {
  return new EngineClient(url, { upgrade: false, ...options });
}

for (const transport of ["polling", "websocket"] as const) {
  test(`EngineClient (${transport}): a throwing "message" listener is reported, the others run and the connection goes on`, async () => {
    const server = await start();
    const uncaught = catchUncaught();
    const conn = client(server.url, { transports: [transport] });
    try {
      const closes: string[] = [];
      conn.on("close", (reason) => closes.push(reason));
      await nextEvent(conn, "open");
      const received: unknown[] = [];
      const bug = new Error("listener bug");
      conn.on("message", (data) => {
        if (data === "first") throw bug;
      });
      conn.on("message", (data) => received.push(data));
      conn.send("first");
      await until(() => received.length === 1, 5000, "the second listener");
      conn.send("second");
      await until(() => received.length === 2, 5000, "the next message");
      assert.deepEqual(received, ["first", "second"]);
      assert.deepEqual(uncaught.errors, [bug]);
      assert.deepEqual(closes, []);
      assert.equal(conn.readyState, "open");
      assert.equal(server.sessions.length, 1);
      assert.equal(server.sessions[0].state, "open");
    } finally {
      conn.close();
      await server.close();
      uncaught.restore();
    }
  });

  test(`EngineClient (${transport}): throwing "open", "packet" and "close" listeners are reported, not a "parse error" or "transport error"`, async () => {
    const server = await start();
    const uncaught = catchUncaught();
    const conn = client(server.url, { transports: [transport] });
    try {
      const bugs = [new Error("open bug"), new Error("packet bug"), new Error("close bug")];
      let packetThrown = false;
      conn.on("open", () => {
        throw bugs[0];
      });
      conn.on("packet", (packet) => {
        if (packet.type === "message" && !packetThrown) {
          packetThrown = true;
          throw bugs[1];
        }
      });
      const closes: string[] = [];
      conn.on("close", (reason) => {
        closes.push(reason);
        throw bugs[2];
      });
      const opened = deferred();
      conn.on("open", () => opened.resolve());
      await opened.promise;
      const echoed = nextEvent<[string]>(conn, "message");
      conn.send("hello");
      assert.deepEqual(await echoed, ["hello"]);
      assert.equal(conn.readyState, "open");
      assert.deepEqual(closes, []);
      const closed = nextEvent(conn, "close");
      conn.close();
      await closed;
      assert.deepEqual(closes, ["forced close"]);
      assert.deepEqual(uncaught.errors, bugs);
    } finally {
      conn.close();
      await server.close();
      uncaught.restore();
    }
  });

  test(`EngineClient (${transport}): a bad handshake is still a "parse error"`, async () => {
    // A server answering every request with an open packet that is not JSON.
    // deno-lint-ignore no-explicit-any
    const g = globalThis as any;
    // deno-lint-ignore no-explicit-any
    const fetch = (request: Request, bunServer: any) => {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return new Response("0{not json");
      }
      if (g.Bun) {
        bunServer.upgrade(request);
        return undefined;
      }
      const { socket, response } = g.Deno.upgradeWebSocket(request);
      socket.onopen = () => socket.send("0{not json");
      return response;
    };
    const websocket = {
      open(ws: { send(data: string): void }) {
        ws.send("0{not json");
      },
      message() {},
    };
    // deno-lint-ignore no-explicit-any
    const http = await serve(Object.assign(fetch, { fetch, websocket }) as any);
    const conn = client(http.url, { transports: [transport] });
    try {
      const [reason, description] = await nextEvent<[string, unknown]>(conn, "close");
      assert.equal(reason, "parse error");
      assert.ok(description instanceof SyntaxError);
    } finally {
      conn.close();
      await http.close();
    }
  });
}
