/**
 * The smallest webio server on Deno: `Deno.serve` with `io.handler()`.
 *
 *   deno run -A examples/deno_server.ts      (PORT, default 3000)
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

Deno.serve({ port: Number(Deno.env.get("PORT") ?? 3000) }, io.handler());
