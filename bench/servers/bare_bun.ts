/**
 * The Bun ceiling: a bare `Bun.serve` WebSocket server answering the
 * benchmark's wire bytes with string slicing and Bun's native pub/sub for
 * broadcasts. No Engine.IO or Socket.IO logic beyond what the load needs
 * (open packet, CONNECT reply, echo ack, fan-out, binary echo): what any
 * Socket.IO on Bun could at best reach.
 *
 * With `DECODE=json` the echo decodes the event's arguments with JSON.parse
 * and encodes the ack's with JSON.stringify, as any Socket.IO server must to
 * hand them to a listener: the same ceiling with the protocol's JSON paid.
 *
 * @module
 */
import process from "node:process";
import { barePolling } from "./bare_polling.ts";

const OPEN =
  '0{"sid":"bare","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":10000000}';
const CONNECTED = '40{"sid":"bare"}';
const BINARY_ACK_TAIL = '[{"_placeholder":true,"num":0}]';
const DECODE_JSON = process.env.DECODE === "json";
type Data = { room: string | null; binaryAck: string | null };

// deno-lint-ignore no-explicit-any
const Bun = (globalThis as any).Bun;

type BareSocket = {
  data: Data;
  send(m: string | Uint8Array): void;
  subscribe(t: string): void;
};

/**
 * The bare WebSocket handlers: with `decodeJson` the echo pays the JSON
 * decode and encode; `publish` is the server's (fan-out). Also driven
 * in-process by bench/tools/dispatch.ts.
 */
export function bareWebsocket(
  decodeJson: boolean,
  publish: (topic: string, message: string) => void,
): {
  open(ws: BareSocket): void;
  message(ws: BareSocket, message: string | Uint8Array): void;
} {
  return {
    open(ws) {
      ws.send(OPEN);
      ws.subscribe("all");
      if (ws.data.room) ws.subscribe(ws.data.room);
    },
    message(ws, message) {
      if (typeof message !== "string") {
        if (ws.data.binaryAck) ws.send(ws.data.binaryAck);
        ws.data.binaryAck = null;
        ws.send(message);
        return;
      }
      if (message.charCodeAt(0) !== 52) return; // not a "4" (message): a pong
      if (message === "40") return ws.send(CONNECTED);
      if (message.startsWith("451-")) {
        // 451-<id>["echo",{placeholder}] -> 461-<id>[{placeholder}] once the attachment came.
        const bracket = message.indexOf("[");
        ws.data.binaryAck = "461-" + message.slice(4, bracket) + BINARY_ACK_TAIL;
        return;
      }
      const bracket = message.indexOf("[");
      const body = message.slice(bracket);
      if (body.startsWith('["echo",')) {
        if (decodeJson) {
          const args = JSON.parse(body) as unknown[];
          ws.send("43" + message.slice(2, bracket) + JSON.stringify(args.slice(1)));
        } else ws.send("43" + message.slice(2, bracket) + "[" + body.slice(8));
      } else if (body.startsWith('["fan",')) {
        publish("all", message);
      } else if (body.startsWith('["room",')) {
        const end = body.indexOf('"', 9);
        publish(body.slice(9, end), '42["fan",' + body.slice(end + 2));
      }
    },
  };
}

if (import.meta.main) {
  const server = Bun.serve({
    port: Number(process.env.PORT ?? 3000),
    hostname: "127.0.0.1",
    fetch(
      request: Request,
      server: { upgrade(r: Request, o: unknown): boolean },
    ) {
      if (request.url.includes("transport=polling")) return barePolling(request);
      const room = new URL(request.url).searchParams.get("room");
      if (server.upgrade(request, { data: { room, binaryAck: null } })) {
        return undefined;
      }
      return new Response("bare", { status: 400 });
    },
    websocket: bareWebsocket(
      DECODE_JSON,
      (topic: string, message: string) => server.publish(topic, message),
    ),
  });
}
