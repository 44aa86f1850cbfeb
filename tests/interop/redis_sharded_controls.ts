// deno-lint-ignore-file no-explicit-any
/**
 * The control events of a webio node in the mixed Redis tests, the same as
 * `redis_sharded_node.mjs`'s: test users (`tests/cluster/user.ts`) ask a
 * node to join rooms, broadcast, fetch sockets, gather acks, and so on.
 *
 * @module
 */
import assert from "node:assert/strict";
import { until } from "../harness.ts";
import type { Server } from "../../mod.ts";
import type { Socket } from "../../client/mod.ts";
import { ask, connectUser } from "../cluster/user.ts";

/** The webio node's control events: the same as redis_sharded_node.mjs's. */
export function controls(io: Server, name: string): void {
  const target = (room: string, except?: string) => {
    let operator = io.to(room ? [room] : []);
    if (except) operator = operator.except(except);
    return operator;
  };
  const result = async (fn: () => Promise<unknown>, ack: (r: unknown) => void) => {
    try {
      ack({ ok: await fn() });
    } catch (error) {
      ack({ error: (error as Error).message });
    }
  };
  io.on("connection", (socket: any) => {
    socket.data = { node: name, user: socket.handshake.auth.user };
    socket.on("whoami", (ack: any) => ack(name));
    socket.on("join", (room: string, ack: any) => {
      socket.join(room);
      ack();
    });
    socket.on("to", (room: string, except: string, event: string, payload: unknown) => {
      target(room, except).emit(event, payload, name);
    });
    socket.on(
      "askAll",
      (room: string, ack: any) =>
        result(() => target(room).timeout(1500).emitWithAck("question", name), ack),
    );
    socket.on(
      "fetch",
      (room: string, ack: any) =>
        result(async () =>
          (await target(room).fetchSockets()).map((s) => ({
            id: s.id,
            rooms: [...s.rooms],
            data: s.data,
          })), ack),
    );
    socket.on("socketsJoin", (room: string, joined: string, ack: any) => {
      target(room).socketsJoin(joined);
      ack();
    });
    socket.on("disconnectRoom", (room: string) => target(room).disconnectSockets());
    socket.on("servers", (ack: any) => result(() => io.of("/").adapter.serverCount(), ack));
    socket.on(
      "serverSideEmit",
      (ack: any) => result(() => io.serverSideEmitWithAck("hello", name), ack),
    );
    socket.on("rooms", (ack: any) => ack([...socket.rooms]));
  });
  io.on("hello" as any, (from: string, ack: (v: string) => void) => ack(`${name} greets ${from}`));
}

/**
 * Connects the users w0, n0, w1, n1 (`w` to the webio node, `n` to the Node
 * one), each pushed on `users` as it connects (the caller disconnects them),
 * and waits until every node counts two servers.
 */
export async function connectMixedUsers(
  webio: string,
  node: string,
  users: Socket[],
): Promise<Socket[]> {
  const urls = [webio, node];
  for (const [n, user] of [[0, "w0"], [1, "n0"], [0, "w1"], [1, "n1"]] as const) {
    users.push(await connectUser(urls[n], user));
  }
  for (const u of users) {
    await until(async () => (await ask(u, "servers")).ok === 2, 10_000, "2 servers");
  }
  assert.deepEqual(await Promise.all(users.map((u) => ask(u, "whoami"))), [
    "webio",
    "node",
    "webio",
    "node",
  ]);
  return users;
}
