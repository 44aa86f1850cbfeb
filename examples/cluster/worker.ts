/**
 * One worker of the cluster example: a webio server on Deno or Bun, joined
 * to the others through Redis. Its session ids start with `WORKER_ID.` so
 * that a sticky front (front.ts, or any balancer that can read the `sid`
 * query parameter) sends every request of a session to the worker that owns
 * it.
 *
 * Env: PORT (listen on 127.0.0.1), WORKER_ID, REDIS_URL (default
 * redis://127.0.0.1:6379).
 *
 * Wire contract (what the test and a client can rely on):
 * - `whoami` (ack) -> the worker id;
 * - `say` (text) -> every client of every worker gets `said` (text, worker id);
 * - `count` (ack) -> how many clients the whole cluster has.
 *
 * @module
 */

import process from "node:process";
import { createRedisAdapter, Server } from "../../mod.ts";

const id = process.env.WORKER_ID ?? "0";
const io = new Server({
  cors: { origin: "*" },
  adapter: createRedisAdapter({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" }),
});
const makeId = io.engine.generateId;
io.engine.generateId = (request) => `${id}.${makeId(request)}`;

io.on("connection", (socket) => {
  socket.on("whoami", (ack: (id: string) => void) => ack(id));
  socket.on("say", (text: string) => io.emit("said", text, id));
  socket.on("count", async (ack: (n: number) => void) => ack((await io.fetchSockets()).length));
});

const port = Number(process.env.PORT ?? 3001);
const handler = io.handler();
// deno-lint-ignore no-explicit-any
const bun = (globalThis as any).Bun;
if (bun) bun.serve({ port, hostname: "127.0.0.1", ...handler });
else Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, handler);
console.log(`worker ${id} on http://127.0.0.1:${port}`);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => io.close().finally(() => process.exit(0)));
}
