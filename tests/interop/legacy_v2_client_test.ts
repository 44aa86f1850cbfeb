// deno-lint-ignore-file no-explicit-any
// socket.io-client 2.5.0 (Socket.IO v4 over Engine.IO v3) against our server
// with allowEIO3: the rules of server/client_protocol.ts that the official
// client test does not reach (query in the namespace name, socket ids,
// refusals as plain data).
import assert from "node:assert/strict";
import * as ioV2Module from "socket.io-client-v2";
import { nextEvent, test } from "../harness.ts";
import { serve } from "../serve.ts";
import { Server } from "../../mod.ts";

const opts = { sanitize: false, timeout: 15_000 };

const ioV2 = ((ioV2Module as any).default ?? ioV2Module) as (url: string, o?: object) => any;

async function withServer(
  run: (io: Server, url: string) => Promise<void>,
): Promise<void> {
  const io = new Server({ allowEIO3: true, pingInterval: 500, pingTimeout: 400 });
  const http = await serve(io.handler());
  try {
    await run(io, http.url);
  } finally {
    await io.close();
    await http.close();
  }
}

for (const transports of [["websocket"], ["polling"]]) {
  const name = transports[0];

  test(`v2 client (${name}): query in the namespace name is the auth`, async () => {
    await withServer(async (io, url) => {
      io.of("/admin").on("connection", (socket) => {
        socket.emit("seen", socket.id, socket.conn.id, socket.handshake.auth);
      });
      const c = ioV2(url + "/admin", {
        transports,
        forceNew: true,
        reconnection: false,
        query: { token: "abc" },
      });
      try {
        const [id, connId, auth] = await nextEvent<[string, string, unknown]>(c, "seen");
        assert.equal(id, `/admin#${connId}`);
        assert.deepEqual(auth, { token: "abc" });
      } finally {
        c.close();
      }
    });
  }, opts);

  test(`v2 client (${name}): a refusal is its data, as is`, async () => {
    await withServer(async (io, url) => {
      io.of("/guarded").use((_socket, next) => {
        const error = new Error("not authorized") as Error & { data?: unknown };
        error.data = { code: 42 };
        next(error);
      });
      io.of("/plain").use((_socket, next) => next(new Error("go away")));
      const guarded = ioV2(url + "/guarded", { transports, forceNew: true, reconnection: false });
      const plain = ioV2(url + "/plain", { transports, forceNew: true, reconnection: false });
      try {
        const [[data], [message]] = await Promise.all([
          nextEvent<[unknown]>(guarded, "error"),
          nextEvent<[unknown]>(plain, "error"),
        ]);
        assert.deepEqual(data, { code: 42 });
        assert.equal(message, "go away");
      } finally {
        guarded.close();
        plain.close();
      }
    });
  }, opts);

  test(`v2 client (${name}): an unknown namespace is a string error`, async () => {
    await withServer(async (_io, url) => {
      const c = ioV2(url + "/nowhere", { transports, forceNew: true, reconnection: false });
      try {
        const [message] = await nextEvent<[unknown]>(c, "error");
        assert.equal(message, "Invalid namespace");
      } finally {
        c.close();
      }
    });
  }, opts);
}
