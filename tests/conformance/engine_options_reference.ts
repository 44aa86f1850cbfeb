// deno-lint-ignore-file no-explicit-any
/**
 * The reference twin of `engine_options_server.ts`: npm engine.io 6.6.4 on
 * Node's http, the same options from `ENGINE_OPTIONS` and the same commands.
 *
 * @module
 */

import { createServer } from "node:http";
import process from "node:process";
import { Server as EngineServer } from "engine.io";

const http = createServer();
const engine = new EngineServer(JSON.parse(process.env.ENGINE_OPTIONS ?? "{}"));
engine.attach(http, { path: "/engine.io/" });
engine.on("connection", (socket: any) => {
  if (process.env.LOG_CLOSE) {
    socket.on("close", (reason: string) => console.log(`closed ${reason}`));
  }
  socket.on("message", (data: unknown) => {
    const [command, count] = typeof data === "string" ? data.split(":") : [];
    const n = Number(count);
    if (command === "big") socket.send("x".repeat(n));
    else if (command === "nocompress") socket.send("y".repeat(n), { compress: false });
    else if (command === "bin") socket.send(Uint8Array.from({ length: n }, (_, i) => i + 1));
    else socket.send(data);
  });
});
http.listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
