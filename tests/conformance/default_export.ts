/**
 * A server that is only a default export, as `deno serve` and Bun's
 * `bun run` serve it: `export default io.handler()`.
 *
 * @module
 */

import { Server } from "../../server/mod.ts";

const io = new Server({ perMessageDeflate: true, pingInterval: 300, pingTimeout: 200 });
io.on("connection", (socket) => socket.emit("hello", "x".repeat(64)));

export default io.handler();
