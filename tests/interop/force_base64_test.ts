// deno-lint-ignore-file no-explicit-any
// `forceBase64` over WebSocket, our client against the official server
// (socket.io 4.8.1 on node:http): like engine.io-client, the client asks with
// `b64=1` in every WebSocket URL and sends binary as "b" + base64 text; the
// server then answers the same way, and the client decodes it.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Server as RefServer } from "socket.io";
import { nextEvent, test } from "../harness.ts";
import { io } from "../../client/mod.ts";

const opts = { sanitize: false, timeout: 15_000 };

async function referenceServer() {
  const http = createServer();
  const server = new RefServer(
    http,
    { pingInterval: 500, pingTimeout: 400 } as any,
  );
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", () => resolve()));
  const { port } = http.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    io: server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        http.closeAllConnections?.();
      }),
  };
}

/** Replaces the global WebSocket while `fn` runs, recording URLs and frames both ways. */
async function recordingWebSockets<T>(
  fn: (
    log: { urls: string[]; sent: unknown[]; received: unknown[] },
  ) => Promise<T>,
): Promise<T> {
  const log = {
    urls: [] as string[],
    sent: [] as unknown[],
    received: [] as unknown[],
  };
  const g = globalThis as any;
  const Original = g.WebSocket;
  g.WebSocket = class extends Original {
    constructor(url: string, options?: unknown) {
      super(url, options);
      log.urls.push(url);
      this.addEventListener(
        "message",
        (event: MessageEvent) => log.received.push(event.data),
      );
    }
    send(data: unknown): void {
      log.sent.push(data);
      super.send(data);
    }
  };
  try {
    return await fn(log);
  } finally {
    g.WebSocket = Original;
  }
}

const bytes = (data: unknown): number[] =>
  Array.from(
    data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(
      (data as Uint8Array).buffer,
      (data as Uint8Array).byteOffset,
      (data as Uint8Array).byteLength,
    ),
  );

for (const transports of [["websocket"], ["polling", "websocket"]] as const) {
  test(
    `forceBase64 (${transports.join("+")}): binary round-trips as base64 text over WebSocket`,
    async () => {
      const server = await referenceServer();
      const queries: Array<Record<string, unknown>> = [];
      const upgradeUrls: string[] = [];
      server.io.on("connection", (socket: any) => {
        queries.push(socket.handshake.query);
        socket.conn.on(
          "upgrade",
          () => upgradeUrls.push(socket.conn.request.url),
        );
        socket.on("bin", (data: unknown, ack: (reply: unknown) => void) => {
          ack({ echo: data, extra: new Uint8Array([7, 8, 9]) });
        });
      });
      await recordingWebSockets(async (log) => {
        const socket = io(server.url, {
          forceNew: true,
          transports: [...transports],
          forceBase64: true,
          reconnection: false,
        });
        try {
          await nextEvent(socket, "connect");
          if (socket.io.engine!.transport!.name !== "websocket") {
            await nextEvent(socket.io.engine!, "upgrade");
          }
          const reply: any = await socket.timeout(5000).emitWithAck(
            "bin",
            new Uint8Array([1, 2, 3, 250]),
          );
          assert.deepEqual(bytes(reply.echo), [1, 2, 3, 250]);
          assert.deepEqual(bytes(reply.extra), [7, 8, 9]);
          // The client asked for base64 on every WebSocket and the server saw it.
          assert.equal(log.urls.length, 1);
          assert.equal(new URL(log.urls[0]).searchParams.get("b64"), "1");
          assert.equal(queries[0].b64, "1");
          if (transports.length === 2) {
            assert.equal(
              new URL(upgradeUrls[0], server.url).searchParams.get("b64"),
              "1",
            );
          }
          // Both ways, every frame was text; the binary ones went as "b" + base64.
          assert.ok(
            log.sent.every((frame) => typeof frame === "string"),
            "text frames sent",
          );
          assert.ok(
            log.received.every((frame) => typeof frame === "string"),
            "text frames received",
          );
          assert.ok(
            log.sent.includes("bAQID+g=="),
            `sent ${JSON.stringify(log.sent)}`,
          );
          assert.ok(
            log.received.includes("bAQID+g=="),
            `received ${JSON.stringify(log.received)}`,
          );
          assert.ok(log.received.includes("bBwgJ"));
        } finally {
          socket.disconnect();
          await server.close();
        }
      });
    },
    opts,
  );
}
