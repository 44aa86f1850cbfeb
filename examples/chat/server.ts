// deno-lint-ignore-file no-explicit-any
/**
 * The webio chat demo: one file that runs unchanged on Deno and on Bun.
 *
 *   deno run -A examples/chat/server.ts      (or: npx -y deno@2 task demo)
 *   bun examples/chat/server.ts              (or: npx -y bun@1 examples/chat/server.ts)
 *
 * Listens on PORT (default 3000) and serves the page in `public/`, which loads
 * the browser client from `/socket.io/socket.io.js`.
 *
 * Wire contract (any Socket.IO client can join):
 * - connect with `auth: { nick }`;
 * - emit `"chat message"` with the text (and an optional ack): the server
 *   broadcasts `"chat message"` `{ id, nick, room, text, time }` to the
 *   sender's room ("lobby" until another is joined) and acks `{ id, time }`;
 * - emit `"join"` with a room name (ack `{ room, members }`), `"typing"` (no
 *   payload; relayed as volatile `"typing"` `{ nick }`), `"image"`
 *   `{ name, type, data: <binary> }` (relayed as `"image"` with `nick`, `time`).
 * - the server emits `"online"` with the number of connected users.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import process from "node:process";
import { Server, type Socket } from "../../mod.ts";

const DEFAULT_ROOM = "lobby";
const MAX_TEXT = 2000;
const MAX_IMAGE = 4 * 1024 * 1024;
const PUBLIC = new URL("./public/", import.meta.url);
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

interface ChatData {
  nick: string;
  room: string;
}

const io = new Server({
  // PING_INTERVAL / PING_TIMEOUT (ms) tune how fast a lost client is noticed.
  pingInterval: Number(process.env.PING_INTERVAL ?? 25_000),
  pingTimeout: Number(process.env.PING_TIMEOUT ?? 20_000),
  maxHttpBufferSize: MAX_IMAGE + 64 * 1024,
  connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true },
});

let sequence = 0;

io.use((socket, next) => {
  const nick = String((socket.handshake.auth as { nick?: unknown }).nick ?? "").trim().slice(0, 32);
  if (!nick) {
    return next(Object.assign(new Error("A nickname is required"), { data: { field: "nick" } }));
  }
  (socket.data as ChatData).nick = nick;
  next();
});

io.on("connection", (socket: Socket) => {
  const data = socket.data as ChatData;
  if (!socket.recovered) {
    data.room = DEFAULT_ROOM;
    socket.join(DEFAULT_ROOM);
  }
  io.emit("online", io.engine.clientsCount);

  socket.on("join", (room: unknown, ack?: (reply: unknown) => void) => {
    const name = String(room ?? "").trim().slice(0, 32) || DEFAULT_ROOM;
    socket.leave(data.room);
    data.room = name;
    socket.join(name);
    const members = io.of("/").adapter.rooms.get(name)?.size ?? 1;
    if (typeof ack === "function") ack({ room: name, members });
  });

  socket.on("chat message", (text: unknown, ack?: (reply: unknown) => void) => {
    if (typeof text !== "string" || !text.trim()) return;
    const message = {
      id: ++sequence,
      nick: data.nick,
      room: data.room,
      text: text.slice(0, MAX_TEXT),
      time: Date.now(),
    };
    io.to(data.room).emit("chat message", message);
    if (typeof ack === "function") ack({ id: message.id, time: message.time });
  });

  socket.on("typing", () => {
    socket.to(data.room).volatile.emit("typing", { nick: data.nick });
  });

  socket.on(
    "image",
    (image: { name?: unknown; type?: unknown; data?: unknown }, ack?: (r: unknown) => void) => {
      const bytes = image?.data;
      if (!(bytes instanceof Uint8Array) || bytes.byteLength > MAX_IMAGE) return;
      const type = String(image.type ?? "");
      if (!/^image\/(png|jpeg|gif|webp)$/.test(type)) return;
      io.to(data.room).emit("image", {
        id: ++sequence,
        nick: data.nick,
        name: String(image.name ?? "image").slice(0, 64),
        type,
        data: bytes,
        time: Date.now(),
      });
      if (typeof ack === "function") ack({ ok: true });
    },
  );

  socket.on("disconnect", () => io.emit("online", io.engine.clientsCount));
});

async function serveStatic(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const file = pathname === "/" ? "index.html" : pathname.slice(1);
  if (!/^[a-z0-9_-]+\.(html|js|css|svg)$/.test(file)) {
    return new Response("Not found", { status: 404 });
  }
  try {
    const body = await readFile(new URL(file, PUBLIC), "utf8");
    const type = TYPES[file.slice(file.lastIndexOf("."))];
    return new Response(body, { headers: { "content-type": type, "cache-control": "no-cache" } });
  } catch {
    return new Response("Not found", { status: 404 });
  }
}

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "0.0.0.0";
const handler = io.handler(serveStatic);

const runtime = globalThis as any;
if (runtime.Bun) {
  const server = runtime.Bun.serve({ port, hostname, ...handler });
  console.log(`webio chat on Bun: http://localhost:${server.port}/`);
} else {
  runtime.Deno.serve({
    port,
    hostname,
    onListen: ({ port }: { port: number }) =>
      console.log(`webio chat on Deno: http://localhost:${port}/`),
  }, handler);
}
