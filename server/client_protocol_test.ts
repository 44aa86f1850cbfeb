// The rules of each Socket.IO revision, without a connection.
import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { clientProtocolOf, SOCKET_IO_V4, SOCKET_IO_V5 } from "./client_protocol.ts";
import type { EngineConnection } from "./engine/types.ts";
import { type Packet, PacketType } from "../protocol/parser.ts";

const conn = (protocol: 3 | 4) => ({ id: "eio-id", protocol }) as unknown as EngineConnection;

test("client protocol: picked from the Engine.IO revision", () => {
  assert.equal(clientProtocolOf(conn(3)), SOCKET_IO_V4);
  assert.equal(clientProtocolOf(conn(4)), SOCKET_IO_V5);
});

test("client protocol v5: namespace and auth as sent, ids random, errors as objects", () => {
  const p = SOCKET_IO_V5;
  assert.equal(p.joinsMainOnOpen, false);
  const packet: Packet = { type: PacketType.CONNECT, nsp: "/admin?x=1", data: { token: "t" } };
  assert.equal(p.namespace(packet), "/admin?x=1");
  assert.deepEqual(p.auth(packet), { token: "t" });
  assert.deepEqual(p.auth({ type: PacketType.CONNECT, nsp: "/" }), {});
  const id = p.socketId("/", conn(4));
  assert.equal(id.length, 20);
  assert.notEqual(id, p.socketId("/", conn(4)));
  assert.deepEqual(p.connectData("s", undefined), { sid: "s" });
  assert.deepEqual(p.connectData("s", "p"), { sid: "s", pid: "p" });
  assert.deepEqual(p.connectError("no", undefined), { message: "no" });
  assert.deepEqual(p.connectError("no", { code: 1 }), { message: "no", data: { code: 1 } });
});

test("client protocol v4 (socket.io-client 2.x): query in the name, ids from the connection", () => {
  const p = SOCKET_IO_V4;
  assert.equal(p.joinsMainOnOpen, true);
  const cases: [string, string, Record<string, unknown>][] = [
    ["/", "/", {}],
    ["/admin", "/admin", {}],
    ["/admin?token=abc&x=1", "/admin", { token: "abc", x: "1" }],
    ["/admin?", "/admin", {}],
  ];
  for (const [nsp, name, auth] of cases) {
    const packet: Packet = { type: PacketType.CONNECT, nsp, data: { ignored: true } };
    assert.equal(p.namespace(packet), name, nsp);
    assert.deepEqual(p.auth(packet), auth, nsp);
  }
  assert.equal(p.socketId("/", conn(3)), "eio-id");
  assert.equal(p.socketId("/admin", conn(3)), "/admin#eio-id");
  assert.equal(p.connectData("s", "p"), undefined);
  assert.equal(p.connectError("no", undefined), "no");
  assert.deepEqual(p.connectError("no", { code: 1 }), { code: 1 });
});
