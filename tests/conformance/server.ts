// deno-lint-ignore-file no-explicit-any
/**
 * The conformance test server (runs unchanged on Deno and on Bun), one
 * process on 127.0.0.1 at PORT (default 3000):
 * - `/engine.io/`: a bare Engine.IO server echoing every message;
 * - `/socket.io/`: the Socket.IO server. Namespace "/" emits "auth" with the
 *   handshake auth, echoes "message" as "message-back" and acks
 *   "message-with-ack" with its arguments; "/custom" emits "auth"; every other
 *   namespace is refused.
 * Both with pingInterval 300, pingTimeout 200, maxHttpBufferSize 1e6 and
 * CORS for any origin; the Socket.IO server with connectTimeout 1000.
 *
 * @module
 */

import process from "node:process";
import { Engine, Server } from "../../server/mod.ts";

const settings = {
  pingInterval: 300,
  pingTimeout: 200,
  maxHttpBufferSize: 1e6,
  cors: { origin: "*" },
};

const engine = new Engine({ ...settings, path: "/engine.io/" });
engine.on("connection", (conn) => conn.on("message", (data) => conn.send(data)));

const io = new Server({ ...settings, connectTimeout: 1000 });
io.on("connection", (socket) => {
  socket.emit("auth", socket.handshake.auth);
  socket.on("message", (...args: unknown[]) => socket.emit("message-back", ...args));
  socket.on("message-with-ack", (...args: unknown[]) => {
    const ack = args.pop() as (...a: unknown[]) => void;
    ack(...args);
  });
});
io.of("/custom").on("connection", (socket) => socket.emit("auth", socket.handshake.auth));

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "127.0.0.1";
const handler = io.handler(engine.handler());
const runtime = globalThis as any;
if (runtime.Bun) runtime.Bun.serve({ port, hostname, ...handler });
else runtime.Deno.serve({ port, hostname, onListen() {} }, handler);
console.log(`conformance server on http://${hostname}:${port}`);
