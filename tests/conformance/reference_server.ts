// deno-lint-ignore-file no-explicit-any
/**
 * The conformance server on the reference implementation (npm socket.io 4.8
 * and engine.io on Node's http), with the same behaviour as `server.ts`. The
 * conformance tests run against it to prove that they test what the
 * reference does.
 *
 * @module
 */

import { createServer } from "node:http";
import process from "node:process";
import { Server as EngineServer } from "engine.io";
import { Server } from "socket.io";

const port = Number(process.env.PORT ?? 3000);
const settings = {
  pingInterval: 300,
  pingTimeout: 200,
  maxHttpBufferSize: 1e6,
  cors: { origin: "*" },
};

const http = createServer();
const engine = new EngineServer(settings);
engine.attach(http, { path: "/engine.io/" });
engine.on(
  "connection",
  (socket: any) => socket.on("message", (data: unknown) => socket.send(data)),
);

const io = new Server(http, { ...settings, connectTimeout: 1000 });
io.of("/").on("connection", (socket) => {
  socket.emit("auth", socket.handshake.auth);
  socket.on("message", (...args) => socket.emit("message-back", ...args));
  socket.on("message-with-ack", (...args) => {
    const ack = args.pop();
    ack(...args);
  });
});
io.of("/custom").on("connection", (socket) => socket.emit("auth", socket.handshake.auth));

http.listen(port, "127.0.0.1");
