/**
 * The smallest webio server on Bun: `Bun.serve` with `io.handler()` spread
 * in. The spread brings `fetch`, Bun's `websocket` object (every webio
 * socket's events) and an `idleTimeout` above the heartbeat, so that Bun does
 * not cut a long-poll.
 *
 *   bun examples/bun_server.ts      (PORT, default 3000)
 *
 * Any Socket.IO client can connect; browsers load the client from
 * `/socket.io/socket.io.js`. Emit `hello` with a name and an ack to get a greeting.
 *
 * @module
 */

import { Server } from "../mod.ts";

const io = new Server();
io.on("connection", (socket) => {
  socket.on("hello", (name, ack) => ack(`hello ${name}`));
});

const server = Bun.serve({ port: Number(Bun.env.PORT ?? 3000), ...io.handler() });
console.log(`webio on Bun: ${server.url}`);
