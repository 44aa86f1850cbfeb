/**
 * Per-event cost without the network (Bun): the echo frames of the echo
 * scenario fed straight into the servers' Bun WebSocket handlers, the
 * `send` of each socket a counter. Compares webio's handlers (the real
 * Server, its handshake and its listener, through `io.handler().websocket`)
 * with the bare ceiling's, with and without the JSON decode and encode any
 * Socket.IO must do: nanoseconds of JavaScript per acked echo, what the
 * network scenarios add native I/O to.
 *
 * Usage: `bun bench/tools/dispatch.ts [--clients=100] [--rounds=5000] [--runs=5]`, best pinned
 * (`taskset -c 0`). Prints one JSON line per implementation (median of the runs).
 *
 * @module
 */
import process from "node:process";
import { Server } from "../../mod.ts";
import { bareWebsocket } from "../servers/bare_bun.ts";
import { flags } from "../harness/flags.ts";
import { fakeServer, fakeSocket, handshakeRequest } from "./inprocess.ts";

const args = flags(process.argv.slice(2));
const clients = Number(args.get("clients") ?? 100);
const rounds = Number(args.get("rounds") ?? 5000);
const runs = Number(args.get("runs") ?? 5);

type Handlers = {
  open(ws: unknown): void;
  message(ws: unknown, message: string | Uint8Array): void;
};

let sent = 0;
let lastCode = 0;
/** Counts sends; a text message is read as Bun's send reads it (a concatenation is flattened). */
function countSend(message: string | Uint8Array): void {
  sent++;
  if (typeof message === "string") lastCode = message.charCodeAt(message.length - 1);
}

/** webio: a real handshake through the fetch handler (the upgrade captured), then CONNECT. */
async function webioSockets(): Promise<{ handlers: Handlers; sockets: unknown[] }> {
  const io = new Server({ maxHttpBufferSize: 1e7 });
  io.on("connection", (socket) => {
    socket.on("echo", (payload: unknown, ack: (p: unknown) => void) => ack(payload));
  });
  const handler = io.handler();
  const handlers = handler.websocket as unknown as Handlers;
  const sockets = [];
  for (let i = 0; i < clients; i++) {
    const server = fakeServer();
    await handler.fetch(handshakeRequest(), server);
    const ws = fakeSocket(server.take(), countSend);
    handlers.open(ws);
    handlers.message(ws, "40");
    sockets.push(ws);
  }
  return { handlers, sockets };
}

function bareSockets(json: boolean): { handlers: Handlers; sockets: unknown[] } {
  const handlers = bareWebsocket(json, () => {}) as unknown as Handlers;
  const sockets = [];
  for (let i = 0; i < clients; i++) {
    const ws = fakeSocket({ room: null, binaryAck: null }, countSend);
    handlers.open(ws);
    handlers.message(ws, "40");
    sockets.push(ws);
  }
  return { handlers, sockets };
}

// The echo scenario's frames: a 32-character payload, ack ids of six digits (a client's counter
// passes 100,000 within seconds of the echo scenario), varied.
const payload = "x".repeat(32);
const frames = Array.from({ length: 1000 }, (_, i) => `42${100_000 + i * 7}["echo","${payload}"]`);

function drive({ handlers, sockets }: { handlers: Handlers; sockets: unknown[] }, n: number) {
  const message = handlers.message;
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < sockets.length; i++) {
      message(sockets[i], frames[(r * sockets.length + i) % 1000]);
    }
  }
}

/** Median nanoseconds per acked echo over `runs` runs of `rounds` x `clients` echoes. */
function measure(target: { handlers: Handlers; sockets: unknown[] }): number {
  drive(target, Math.max(1, rounds >> 1)); // warm-up: the JIT settles
  const results: number[] = [];
  for (let run = 0; run < runs; run++) {
    const before = sent;
    const start = performance.now();
    drive(target, rounds);
    const elapsed = performance.now() - start;
    const acked = sent - before;
    if (acked !== rounds * target.sockets.length) {
      throw new Error(`Expected ${rounds * target.sockets.length} acks, got ${acked}`);
    }
    if (lastCode !== 93) throw new Error("The last ack frame does not end its JSON array");
    results.push((elapsed * 1e6) / acked);
  }
  return results.sort((a, b) => a - b)[results.length >> 1];
}

const targets: Array<
  [
    string,
    () => Promise<{ handlers: Handlers; sockets: unknown[] }> | {
      handlers: Handlers;
      sockets: unknown[];
    },
  ]
> = [
  ["webio-bun", webioSockets],
  ["bare-bun", () => bareSockets(false)],
  ["bare-bun-json", () => bareSockets(true)],
];
const only = args.get("impl")?.split(",");
for (const [impl, make] of targets) {
  if (only && !only.includes(impl)) continue;
  const nsPerEcho = measure(await make());
  console.log(
    JSON.stringify({
      scenario: "dispatch",
      impl,
      clients,
      rounds,
      runs,
      nsPerEcho: Math.round(nsPerEcho),
    }),
  );
}
process.exit(0);
