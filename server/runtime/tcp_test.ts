import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { deferred, test, until } from "../../tests/harness.ts";
import { connectTcp } from "./tcp.ts";

/** A node:net echo server on 127.0.0.1 at an ephemeral port. */
async function echoServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("data", (chunk) => {
      if (String(chunk).startsWith("BYE")) socket.end();
      else socket.write(chunk);
    });
  });
  const listening = deferred();
  server.listen(0, "127.0.0.1", () => listening.resolve());
  await listening.promise;
  return { server, port: (server.address() as { port: number }).port, sockets };
}

async function stop(server: Server): Promise<void> {
  const closed = deferred();
  server.close(() => closed.resolve());
  await closed.promise;
}

test("tcp: writes in order, receives bytes, close() resolves closed", async () => {
  const { server, port } = await echoServer();
  let received = 0;
  const chunks: Uint8Array[] = [];
  const conn = await connectTcp({
    port,
    onData: (bytes) => {
      received += bytes.length;
      chunks.push(bytes);
    },
  });
  // 2 MiB in many writes exercises partial writes / backpressure.
  const block = new Uint8Array(64 * 1024);
  for (let i = 0; i < 32; i++) conn.write(block.fill(i % 251).slice());
  await until(() => received === 32 * block.length, 5000, "echo of 2 MiB");
  const all = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  for (let i = 0; i < 32; i++) assert.equal(all[i * block.length + 100], i % 251, `block ${i}`);
  conn.close();
  conn.close(); // Idempotent.
  await conn.closed;
  conn.write(new Uint8Array([1])); // Ignored after close.
  await stop(server);
});

test("tcp: closed resolves when the peer ends the connection", async () => {
  const { server, port } = await echoServer();
  const conn = await connectTcp({ hostname: "127.0.0.1", port });
  conn.write(new TextEncoder().encode("BYE"));
  await conn.closed;
  conn.close();
  await stop(server);
  assert.ok(true);
});

test("tcp: connecting to a closed port rejects; a bad port is a RangeError", async () => {
  const { server, port } = await echoServer();
  await stop(server);
  await assert.rejects(connectTcp({ port }));
  assert.throws(() => connectTcp({ port: 0 }), RangeError);
  assert.throws(() => connectTcp({ port: 70000 }), RangeError);
});
