/**
 * A webio server as a module's default export, `{ fetch }` and (on Bun) the
 * `websocket` object: served by `deno serve` and by Bun as it is.
 *
 *   deno serve -A --port 3000 examples/default_export.ts
 *   bun examples/default_export.ts      (PORT, default 3000)
 *
 * Emit `hello` with a name and an ack to get a greeting.
 *
 * @module
 */

import { Server } from "../mod.ts";

const io = new Server();
io.on("connection", (socket) => {
  socket.on("hello", (name, ack) => ack(`hello ${name}`));
});

export default io.handler();
