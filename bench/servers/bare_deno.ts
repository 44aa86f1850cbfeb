/**
 * The Deno ceiling: a bare `Deno.serve` + `Deno.upgradeWebSocket` server
 * answering the benchmark's wire bytes with string slicing (open packet,
 * CONNECT reply, echo ack, fan-out to every socket or a room, binary echo).
 * What any Socket.IO on Deno could at best reach.
 *
 * @module
 */

import { barePolling } from "./bare_polling.ts";

const OPEN =
  '0{"sid":"bare","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":10000000}';
const CONNECTED = '40{"sid":"bare"}';
const BINARY_ACK_TAIL = '[{"_placeholder":true,"num":0}]';

const all = new Set<WebSocket>();
const rooms = new Map<string, Set<WebSocket>>();

function publish(
  targets: Iterable<WebSocket> | undefined,
  message: string,
): void {
  if (!targets) return;
  for (const ws of targets) {
    if (ws.readyState === WebSocket.OPEN) ws.send(message);
  }
}

Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 3000),
  hostname: "127.0.0.1",
  onListen() {},
}, (request) => {
  if (request.url.includes("transport=polling")) return barePolling(request);
  if (request.headers.get("upgrade") !== "websocket") {
    return new Response("bare", { status: 400 });
  }
  const room = new URL(request.url).searchParams.get("room");
  const { socket: ws, response } = Deno.upgradeWebSocket(request);
  ws.binaryType = "arraybuffer";
  let binaryAck: string | null = null;
  ws.onopen = () => {
    ws.send(OPEN);
    all.add(ws);
    if (room) {
      let members = rooms.get(room);
      if (!members) rooms.set(room, members = new Set());
      members.add(ws);
    }
  };
  ws.onclose = () => {
    all.delete(ws);
    if (room) rooms.get(room)?.delete(ws);
  };
  ws.onmessage = (event) => {
    const message = event.data;
    if (typeof message !== "string") {
      if (binaryAck) ws.send(binaryAck);
      binaryAck = null;
      ws.send(message);
      return;
    }
    if (message.charCodeAt(0) !== 52) return;
    if (message === "40") return ws.send(CONNECTED);
    const bracket = message.indexOf("[");
    if (message.startsWith("451-")) {
      binaryAck = "461-" + message.slice(4, bracket) + BINARY_ACK_TAIL;
      return;
    }
    const body = message.slice(bracket);
    if (body.startsWith('["echo",')) {
      ws.send("43" + message.slice(2, bracket) + "[" + body.slice(8));
    } else if (body.startsWith('["fan",')) {
      publish(all, message);
    } else if (body.startsWith('["room",')) {
      const end = body.indexOf('"', 9);
      publish(rooms.get(body.slice(9, end)), '42["fan",' + body.slice(end + 2));
    }
  };
  return response;
});
