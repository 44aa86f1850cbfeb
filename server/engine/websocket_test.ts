// The WebSocket transport's backpressure, against a runtime stand-in whose buffer the test
// drains by hand: frames go straight to the runtime up to its working amount, are held in
// order past it, refused past maxBufferSize, and sent on drain.
import assert from "node:assert/strict";
import { test } from "../../tests/harness.ts";
import { PROTOCOL_V4 } from "./codec.ts";
import { resolveEngineOptions } from "./options.ts";
import type { RawSocket, SocketBuffers } from "./socket.ts";
import { type Frame, runtimeShare, type WebSocketOwner, WebSocketTransport } from "./websocket.ts";

/** A runtime socket whose buffer only empties when the test says so. */
class SlowSocket implements RawSocket {
  sent: string[] = [];
  buffered = 0;
  send(data: string | Uint8Array): unknown {
    this.sent.push(data as string);
    this.buffered += (data as string).length;
    return -1;
  }
  close(): void {}
  /** The peer read everything. */
  read(): void {
    this.buffered = 0;
  }
}

/** A session stand-in: what the transport reports up goes nowhere unless a test says. */
function owner(): WebSocketOwner {
  return {
    options: resolveEngineOptions({}),
    buffers: null,
    handler: { onMessage() {}, onClose() {} },
    hasListeners: () => false,
    onSocketOpened() {},
    onProbeFrame() {},
    onSocketClosed() {},
    onHolding() {},
    onOverflow() {},
    receive() {},
    parseError() {},
    onTooLarge() {},
    emit: () => false,
  };
}

function setup(maxBufferSize: number, drainEvents: boolean) {
  const socket = new SlowSocket();
  const buffers: SocketBuffers = {
    buffered: (s) => (s as SlowSocket).buffered,
    drainEvents,
  };
  const changes: boolean[] = [];
  const overflows: number[] = [];
  const transport = new WebSocketTransport(false, PROTOCOL_V4, {
    ...owner(),
    options: resolveEngineOptions({ maxBufferSize }),
    buffers,
    onHolding: (holding) => changes.push(holding),
    onOverflow: (size) => overflows.push(size),
  });
  transport.onSocketOpen(socket);
  return { socket, transport, changes, overflows };
}

const KB = "x".repeat(1023);
const frame = (i: number): Frame => `4${String(i).padStart(6, "0")}${KB}`;

test("websocket transport: frames are held past the working amount, in order, up to the bound", () => {
  const maxBufferSize = 64 * 1024;
  const { socket, transport, changes, overflows } = setup(maxBufferSize, true);
  let i = 0;
  // Straight to the runtime until it holds the working amount.
  while (!transport.holding) transport.write(frame(i++), undefined);
  const direct = i;
  assert.equal(socket.sent.length, direct);
  assert.ok(socket.buffered > runtimeShare(maxBufferSize));
  assert.deepEqual(changes, [true]);
  // Then held, up to maxBufferSize (64 KiB: 63 frames of 1030 units).
  const fits = Math.floor(64 * 1024 / 1030);
  for (let n = 0; n < fits; n++) transport.write(frame(i++), undefined);
  assert.equal(socket.sent.length, direct, "nothing held went to the runtime");
  assert.equal(transport.heldSize, fits * 1030);
  // The peer reads; on each drain the held frames go out in order, the runtime's share at a
  // time, and once none is left the owner hears of it.
  let drains = 0;
  while (transport.holding && drains < 10) {
    socket.read();
    transport.drain();
    drains++;
  }
  assert.equal(transport.holding, false);
  assert.equal(drains, 2, "two shares of the runtime's");
  assert.deepEqual(changes, [true, false]);
  assert.deepEqual(socket.sent, Array.from({ length: i }, (_, n) => frame(n)));
  assert.deepEqual(overflows, []);
  // Past the bound: refused once, the owner told once, nothing after it sent.
  socket.buffered = runtimeShare(maxBufferSize) + 1;
  transport.write(frame(i++), undefined);
  for (let n = 0; n <= fits; n++) transport.write(frame(i++), undefined);
  assert.deepEqual(overflows, [fits * 1030]);
  for (let n = 0; n < 5; n++) transport.write(frame(i++), undefined);
  assert.deepEqual(overflows, [fits * 1030]);
  socket.read();
  transport.drain();
  assert.equal(socket.sent.length, direct + fits + 1, "only what came before the refusal");
});

test("websocket transport: without drain events (Deno) it looks again on a timer; release stops it", async () => {
  const maxBufferSize = 1024 * 1024;
  const { socket, transport, changes } = setup(maxBufferSize, false);
  let i = 0;
  while (!transport.holding) transport.write(frame(i++), undefined);
  transport.write(frame(i++), undefined);
  socket.read();
  const deadline = Date.now() + 2000;
  while (transport.holding && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(changes, [true, false]);
  assert.equal(socket.sent.length, i);
  // Holding again, then released (the session ended): no timer is left (Deno's sanitizer).
  socket.buffered = runtimeShare(maxBufferSize) + 1;
  transport.write(frame(i++), undefined);
  transport.write(frame(i++), undefined);
  assert.equal(transport.holding, true);
  transport.release();
  assert.equal(transport.holding, false);
});

test("websocket transport: a frame the runtime dropped is refused (the session closes)", () => {
  const socket = new SlowSocket();
  const transport = new WebSocketTransport(false, PROTOCOL_V4, {
    ...owner(),
    options: resolveEngineOptions({}),
    buffers: { buffered: () => Infinity, drainEvents: true },
    onOverflow: (size) => overflows.push(size),
  });
  transport.onSocketOpen(socket);
  const overflows: number[] = [];
  transport.write("4hi", undefined);
  transport.write("4more", undefined);
  assert.deepEqual(overflows, [0]);
  assert.deepEqual(socket.sent, ["4hi"]);
});
