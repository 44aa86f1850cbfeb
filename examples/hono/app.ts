/**
 * A Hono app that hands every Socket.IO request to webio: long-polls, the
 * WebSocket upgrade and the served client file, all under `/socket.io/`.
 * The app is the same on both runtimes; `deno.ts` and `bun.ts` serve it.
 *
 * Hono gives a route's handler what the runtime passed beside the request as
 * `c.env`: Bun's server, through which webio upgrades a WebSocket, or Deno's
 * connection info, from which it reads the client's address. On Bun an
 * upgrade answers nothing (Bun sends the 101 itself), and Hono wants a
 * `Response`: an empty one, which Bun ignores after an upgrade.
 *
 * @module
 */

import { Hono } from "hono";
import { Server } from "../../mod.ts";

/** The Socket.IO server. */
export const io = new Server();
io.on("connection", (socket) => {
  socket.on("hello", (name, ack) => ack(`hello ${name} from Hono`));
});

/** webio's handler: its `websocket` and `idleTimeout` go to `Bun.serve` beside the app. */
export const socketio = io.handler();

/** The Hono app. */
export const app = new Hono();
app.get("/", (c) => c.text("Hono and webio: Socket.IO is at /socket.io/"));
app.all("/socket.io/*", async (c) => (await socketio(c.req.raw, c.env)) ?? new Response(null));
