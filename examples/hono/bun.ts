/**
 * The Hono example on Bun (PORT, default 3000). In this repository `hono` is
 * installed in tests/interop (`cd tests/interop && bun install`):
 *
 *   NODE_PATH=tests/interop/node_modules bun examples/hono/bun.ts
 *
 * Bun passes its server to `app.fetch` beside each request; Hono hands it on
 * as `c.env`, and webio upgrades WebSockets through it. webio's handler
 * brings Bun's `websocket` object and an `idleTimeout` above the heartbeat;
 * `fetch` is the app's.
 *
 * @module
 */

import { app, socketio } from "./app.ts";

const server = Bun.serve({
  port: Number(Bun.env.PORT ?? 3000),
  fetch: app.fetch,
  websocket: socketio.websocket,
  idleTimeout: socketio.idleTimeout,
});
console.log(`Hono and webio on Bun: ${server.url}`);
