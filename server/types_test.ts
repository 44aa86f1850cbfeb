// Compile-time checks of the typed event maps (deno test type-checks this
// file); at run time it only builds the objects.
import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { Server } from "./mod.ts";

interface ListenEvents {
  hello: (name: string, ack: (reply: string) => void) => void;
}
interface EmitEvents {
  news: (headline: string, year: number) => void;
}
interface ServerSideEvents {
  sync: (version: number) => void;
}
interface SocketData {
  user: string;
}

test("types: ListenEvents, EmitEvents, ServerSideEvents and SocketData are checked", async () => {
  const io = new Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>();
  io.on("connection", (socket) => {
    socket.data.user = "ada";
    socket.on("hello", (name, ack) => ack(`hi ${name.toUpperCase()}`));
    socket.emit("news", "typed", 2026);
    // @ts-expect-error: wrong argument type for a typed event
    socket.emit("news", 1, 2);
  });
  io.emit("news", "to all", 1);
  io.serverSideEmit("sync", 3);
  // @ts-expect-error: not a server-side event
  io.serverSideEmit("other", 3);
  assert.equal(typeof io.handler(), "function");
  await io.close();
});
