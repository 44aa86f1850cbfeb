/**
 * Per-event cost without the network (Bun): the echo frames of the echo
 * scenario fed straight into the servers' Bun WebSocket handlers, the
 * `send` of each socket a counter. Compares webio's handlers (the real
 * Server, its handshake and its listener, through `io.handler().websocket`)
 * with the bare ceiling's, with and without the JSON decode and encode any
 * Socket.IO must do: nanoseconds of JavaScript per acked echo, what the
 * network scenarios add native I/O to.
 *
 * Usage: `bun bench/dispatch.ts [--clients=100] [--rounds=5000] [--runs=5]`, best pinned
 * (`taskset -c 0`). Prints one JSON line per implementation (median of the runs).
 *
 * @module
 */
import process from "node:process";
import { Server } from "../mod.ts";
import { bareWebsocket } from "./servers/bare_bun.ts";

const args = new Map(
  process.argv.slice(2).filter((a) => a.startsWith("--")).map((a) => {
    const [k, v] = a.slice(2).split("=");
    return [k, v] as const;
  }),
);
const clients = Number(args.get("clients") ?? 100);
const rounds = Number(args.get("rounds") ?? 5000);
const runs = Number(args.get("runs") ?? 5);

type Handlers = {
  open(ws: unknown): void;
  message(ws: unknown, message: string | Uint8Array): void;
};

let sent = 0;
let lastCode = 0;
/**
 * A stand-in for Bun's ServerWebSocket: sends are counted and nothing is
 * written, but a text message is read as Bun's send reads it (a string built
 * by concatenation is flattened first).
 */
function fakeSocket(data: unknown) {
  return {
    data,
    readyState: 1,
    remoteAddress: "127.0.0.1",
    send(message: string | Uint8Array) {
      sent++;
      if (typeof message === "string") lastCode = message.charCodeAt(message.length - 1);
      return 1;
    },
    subscribe() {},
    unsubscribe() {},
    isSubscribed: () => false,
    close() {},
    cork(fn: () => void) {
      fn();
    },
  };
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
    let data: unknown;
    const server = {
      upgrade(_request: Request, options: { data: unknown }) {
        data = options.data;
        return true;
      },
      requestIP: () => ({ address: "127.0.0.1" }),
    };
    await handler.fetch(
      new Request("http://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket", {
        headers: {
          upgrade: "websocket",
          connection: "Upgrade",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          "sec-websocket-version": "13",
        },
      }),
      server,
    );
    const ws = fakeSocket(data);
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
    const ws = fakeSocket({ room: null, binaryAck: null });
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
