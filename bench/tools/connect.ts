/**
 * Per-connection cost without the network (Bun): full handshakes fed
 * straight into a server's Bun handlers, in a fresh process each run. The
 * request goes through the fetch handler (its `server.upgrade` captured),
 * then the socket opens, sends the Socket.IO CONNECT ("40") and, once the
 * round is done, closes. webio is the real `Server` behind `io.handler()`;
 * the bare ceiling is bench/servers/bare_bun.ts's handlers behind the same
 * URL parse its fetch does.
 *
 * The first round runs on a cold process, as the connection scenario's
 * first burst does: its CPU time counts JavaScriptCore's compiler threads,
 * which share the pinned core. Later rounds are warm. CPU is
 * `process.cpuUsage()` (every thread of the process), microseconds per
 * connection; the close of each round is measured apart.
 *
 * Usage: `taskset -c 0 bun bench/tools/connect.ts [--connections=10000] [--rounds=3] [--runs=5]
 * [--impl=webio-bun,bare-bun]`. The runs alternate between implementations; one JSON line per
 * implementation with the median of each round.
 *
 * @module
 */
import process from "node:process";
import { spawnSync } from "node:child_process";
import { Server } from "../../mod.ts";
import { bareWebsocket } from "../servers/bare_bun.ts";
import { flags } from "../harness/flags.ts";
import { fakeServer, fakeSocket, handshakeRequest } from "./inprocess.ts";

const args = flags(process.argv.slice(2));
const connections = Number(args.get("connections") ?? 10_000);
const rounds = Number(args.get("rounds") ?? 3);
const runs = Number(args.get("runs") ?? 5);

interface Handlers {
  fetch(request: Request, server: unknown): unknown;
  open(ws: unknown): void;
  message(ws: unknown, message: string): void;
  close(ws: unknown, code: number, reason: string): void;
  /** Sockets connected to the main namespace now. */
  connected(): number;
}

let sent = 0;
const countSend = () => {
  sent++;
};

function webio(): Handlers {
  const io = new Server({});
  io.on("connection", (socket) => {
    socket.on("echo", (payload: unknown, ack: (p: unknown) => void) => ack(payload));
  });
  const handler = io.handler();
  const websocket = handler.websocket as unknown as Omit<Handlers, "fetch" | "connected">;
  return {
    fetch: handler.fetch as Handlers["fetch"],
    open: websocket.open,
    message: websocket.message,
    close: websocket.close,
    connected: () => io.of("/").sockets.size,
  };
}

function bare(): Handlers {
  let open = 0;
  const websocket = bareWebsocket(false, () => {});
  return {
    fetch(request, server) {
      const room = new URL(request.url).searchParams.get("room");
      (server as { upgrade(r: Request, o: unknown): boolean }).upgrade(request, {
        data: { room, binaryAck: null },
      });
    },
    open(ws) {
      open++;
      websocket.open(ws as Parameters<typeof websocket.open>[0]);
    },
    message: websocket.message as Handlers["message"],
    close() {
      open--;
    },
    connected: () => open,
  };
}

/** One round: `connections` handshakes, then their closes. CPU and wall us per connection. */
function round(handlers: Handlers): Record<string, number> {
  const server = fakeServer();
  const sockets = [];
  const before = sent;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < connections; i++) {
    handlers.fetch(handshakeRequest(), server);
    const ws = fakeSocket(server.take(), countSend);
    handlers.open(ws);
    handlers.message(ws, "40");
    sockets.push(ws);
  }
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  // The open packet and the CONNECT reply, for every connection.
  const frames = sent - before;
  if (frames !== 2 * connections || handlers.connected() !== connections) {
    throw new Error(
      `Expected ${
        2 * connections
      } frames and ${connections} connected, got ${frames} and ${handlers.connected()}`,
    );
  }
  const closeCpu = process.cpuUsage();
  for (const ws of sockets) handlers.close(ws, 1000, "");
  const closeUsed = process.cpuUsage(closeCpu);
  if (handlers.connected() !== 0) throw new Error("Sockets left after the close");
  return {
    usPerConnection: (used.user + used.system) / connections,
    wallUsPerConnection: (wall * 1000) / connections,
    closeUsPerConnection: (closeUsed.user + closeUsed.system) / connections,
  };
}

const IMPLS: Record<string, () => Handlers> = { "webio-bun": webio, "bare-bun": bare };

const child = args.get("child");
if (child) {
  const handlers = IMPLS[child]();
  const results = [];
  for (let r = 0; r < rounds; r++) {
    results.push(round(handlers));
    // Timers the closes left (none expected) and the event loop get a turn between rounds.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  console.log(JSON.stringify(results));
  process.exit(0);
}

const impls = args.get("impl")?.split(",") ?? Object.keys(IMPLS);
const byImpl = new Map<string, Record<string, number>[][]>(impls.map((i) => [i, []]));
for (let run = 0; run < runs; run++) {
  for (const impl of impls) {
    const out = spawnSync(process.execPath, [
      new URL(import.meta.url).pathname,
      `--child=${impl}`,
      `--connections=${connections}`,
      `--rounds=${rounds}`,
    ], { encoding: "utf8" });
    if (out.status !== 0) throw new Error(`${impl} run failed: ${out.stderr}`);
    byImpl.get(impl)!.push(JSON.parse(out.stdout.trim().split("\n").pop()!));
  }
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
for (const [impl, all] of byImpl) {
  const perRound = Array.from({ length: rounds }, (_, r) => {
    const pick = (key: string) => Math.round(median(all.map((run) => run[r][key])) * 10) / 10;
    return {
      usPerConnection: pick("usPerConnection"),
      wallUsPerConnection: pick("wallUsPerConnection"),
      closeUsPerConnection: pick("closeUsPerConnection"),
    };
  });
  console.log(JSON.stringify({ scenario: "connect-inprocess", impl, connections, runs, perRound }));
}
