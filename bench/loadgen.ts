/**
 * The load generator (run under Bun, pinned to its own core by bench/main.ts):
 * Socket.IO clients of its own over raw TCP (`Bun.connect`), with hand-made
 * WebSocket frames (zero mask key) and hand-made HTTP/1.1 for long-polling.
 * It writes every frame a read produced in one `write`, parses only the bytes
 * it needs (packet type, ack id, sequence number), and never decodes JSON, so
 * it can drive a server several times faster than a WebSocket-object client.
 *
 * Usage: `bun bench/loadgen.ts '<json config>'` (see {@linkcode Config}).
 * Prints JSON lines: `{"event":"start"}` when measuring begins,
 * `{"event":"holding"}` while idle connections are held, then one result.
 *
 * @module
 */

/** What to run. */
import process from "node:process";

interface Config {
  scenario:
    | "echo"
    | "fanout"
    | "rooms"
    | "connections"
    | "polling"
    | "binary"
    | "soak";
  /** Server ports; clients are spread over them in turn. */
  ports: number[];
  clients: number;
  /** Messages (or broadcasts) in flight: per client for echo, in all for fan-out. */
  inflight?: number;
  /** Fixed rate instead of a closed loop: echo msg/s or broadcasts/s in all. */
  rate?: number;
  /** Measurement window and warm-up, seconds. */
  duration?: number;
  warmup?: number;
  /** Payload length in bytes (characters for text). */
  payload?: number;
  /** Rooms for the room scenario. */
  rooms?: number;
  /** Cycles for the soak; handshakes for the connection scenario. */
  cycles?: number;
  /** Seconds to hold idle connections open. */
  hold?: number;
  /** Handshakes in flight at once in the connection scenario. */
  parallel?: number;
  /** Connection scenario: seconds after the first burst closed, then a second (warm) burst. */
  warm?: number;
}

const config: Config = JSON.parse(process.argv[2] ?? "{}");
const encoder = new TextEncoder();
const DURATION = (config.duration ?? 5) * 1000;
const WARMUP = (config.warmup ?? 1) * 1000;
const DEADLINE = Date.now() + 120_000; // no scenario may run longer than this

function emit(line: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(line) + "\n");
}

// ---- WebSocket frames ------------------------------------------------------------------

/** A masked client frame with a zero mask key: the payload goes as is. */
function frame(payload: Uint8Array, opcode = 1): Uint8Array {
  const n = payload.length;
  const head = n < 126 ? 6 : n < 65536 ? 8 : 14;
  const out = new Uint8Array(head + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) {
    out[1] = 0x80 | 126;
    out[2] = n >> 8;
    out[3] = n & 255;
  } else {
    out[1] = 0x80 | 127;
    new DataView(out.buffer).setUint32(6, n);
  }
  out.set(payload, head);
  return out;
}

const textFrame = (s: string) => frame(encoder.encode(s));
const CONNECT_FRAME = textFrame("40");
const PONG_FRAME = textFrame("3");

type BunSocket = {
  write(data: Uint8Array): number;
  end(): void;
  data: Conn;
};

/** Reads an unsigned decimal at `i` of `b`; returns [value, next index]. */
function readInt(b: Uint8Array, i: number, end: number): [number, number] {
  let v = 0;
  while (i < end && b[i] >= 48 && b[i] <= 57) v = v * 10 + b[i++] - 48;
  return [v, i];
}

/** One client connection: WebSocket or HTTP long-polling. */
class Conn {
  socket: BunSocket | null = null;
  buffer: Uint8Array = new Uint8Array(0);
  out: Uint8Array[] = [];
  pending: Uint8Array | null = null;
  upgraded = false;
  connected = false;
  closed = false;
  nextAck = 0;
  sent = new Map<number, number>();
  index: number;
  port: number;
  query: string;
  onText: (conn: Conn, b: Uint8Array, start: number, end: number) => void = () => {};
  onBinary: (conn: Conn) => void = () => {};
  onConnected: (conn: Conn) => void = () => {};
  onClose: (conn: Conn) => void = () => {};

  constructor(index: number, port: number, query = "") {
    this.index = index;
    this.port = port;
    this.query = query;
  }

  send(bytes: Uint8Array): void {
    this.out.push(bytes);
  }

  flush(): void {
    if (!this.socket || this.out.length === 0) return;
    let data: Uint8Array;
    if (this.out.length === 1) data = this.out[0];
    else {
      let n = 0;
      for (const o of this.out) n += o.length;
      data = new Uint8Array(n);
      n = 0;
      for (const o of this.out) {
        data.set(o, n);
        n += o.length;
      }
    }
    this.out = [];
    if (this.pending) {
      const merged = new Uint8Array(this.pending.length + data.length);
      merged.set(this.pending);
      merged.set(data, this.pending.length);
      this.pending = merged;
      return;
    }
    const written = this.socket.write(data);
    if (written < data.length) {
      this.pending = data.subarray(Math.max(0, written));
    }
  }

  drain(): void {
    if (!this.pending || !this.socket) return;
    const data = this.pending;
    this.pending = null;
    const written = this.socket.write(data);
    if (written < data.length) {
      this.pending = data.subarray(Math.max(0, written));
    }
  }

  append(chunk: Uint8Array): void {
    if (this.buffer.length === 0) {
      this.buffer = chunk;
      return;
    }
    const merged = new Uint8Array(this.buffer.length + chunk.length);
    merged.set(this.buffer);
    merged.set(chunk, this.buffer.length);
    this.buffer = merged;
  }

  /** Parses what arrived: the 101 response, then server frames. */
  receive(chunk: Uint8Array): void {
    this.append(chunk);
    let b = this.buffer;
    let i = 0;
    if (!this.upgraded) {
      const end = indexOfHeaderEnd(b, 0);
      if (end === -1) return;
      if (b[9] !== 49 || b[10] !== 48 || b[11] !== 49) {
        throw new Error(
          "WebSocket upgrade refused: " +
            new TextDecoder().decode(b.subarray(0, 80)),
        );
      }
      this.upgraded = true;
      i = end;
    }
    while (b.length - i >= 2) {
      const opcode = b[i] & 0x0f;
      let len = b[i + 1] & 0x7f;
      let head = 2;
      if (len === 126) {
        if (b.length - i < 4) break;
        len = (b[i + 2] << 8) | b[i + 3];
        head = 4;
      } else if (len === 127) {
        if (b.length - i < 10) break;
        len = new DataView(b.buffer, b.byteOffset + i + 2, 8).getUint32(4);
        head = 10;
      }
      if (b.length - i < head + len) break;
      const start = i + head;
      const end = start + len;
      i = end;
      if (opcode === 1) this.#text(b, start, end);
      else if (opcode === 2) this.onBinary(this);
      else if (opcode === 9) this.send(frame(b.slice(start, end), 10));
      else if (opcode === 8) this.closed = true;
    }
    b = this.buffer;
    this.buffer = i >= b.length ? new Uint8Array(0) : b.slice(i);
  }

  #text(b: Uint8Array, start: number, end: number): void {
    const type = b[start];
    if (type === 50) return this.send(PONG_FRAME); // "2": ping
    if (type === 48) return this.send(CONNECT_FRAME); // "0": open -> CONNECT
    if (type === 52 && b[start + 1] === 48 && !this.connected) {
      this.connected = true; // "40": connected
      return this.onConnected(this);
    }
    this.onText(this, b, start, end);
  }
}

function indexOfHeaderEnd(b: Uint8Array, from: number): number {
  for (let i = from; i + 3 < b.length; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) {
      return i + 4;
    }
  }
  return -1;
}

// deno-lint-ignore no-explicit-any
const Bun = (globalThis as any).Bun;

/** Opens a WebSocket connection (the Engine.IO and Socket.IO handshakes follow on their own). */
async function open(conn: Conn): Promise<void> {
  const request = `GET /socket.io/?EIO=4&transport=websocket${conn.query} HTTP/1.1\r\n` +
    `Host: 127.0.0.1:${conn.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  conn.socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: conn.port,
    data: conn,
    socket: {
      open(s: BunSocket) {
        s.write(encoder.encode(request));
      },
      data(s: BunSocket, chunk: Uint8Array) {
        s.data.receive(chunk);
        s.data.flush();
      },
      drain(s: BunSocket) {
        s.data.drain();
      },
      close(s: BunSocket) {
        s.data.closed = true;
        s.data.onClose(s.data);
      },
      error(s: BunSocket) {
        s.data.closed = true;
      },
    },
  });
}

/** Opens `count` connections, at most `parallel` handshakes at once; resolves when all are connected. */
async function openAll(
  count: number,
  setup: (i: number) => Conn,
  parallel = 256,
): Promise<Conn[]> {
  const conns: Conn[] = [];
  let next = 0;
  let done = 0;
  return await new Promise((resolve, reject) => {
    const start = () => {
      if (next >= count) return;
      const conn = setup(next++);
      conns.push(conn);
      const user = conn.onConnected;
      conn.onConnected = (c) => {
        done++;
        c.onConnected = user;
        user(c);
        if (done === count) resolve(conns);
        else start();
      };
      open(conn).catch(reject);
    };
    for (let i = 0; i < Math.min(parallel, count); i++) start();
    const guard = setInterval(() => {
      if (Date.now() > DEADLINE) {
        clearInterval(guard);
        reject(new Error(`only ${done} of ${count} connected`));
      }
      if (done === count) clearInterval(guard);
    }, 100);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Warm-up, then a measured window; `count()` reads the running total. */
async function measure(
  count: () => number,
): Promise<{ total: number; seconds: number; cpu: number }> {
  await sleep(WARMUP);
  emit({ event: "start" });
  const cpu0 = process.cpuUsage();
  const n0 = count();
  const t0 = performance.now();
  await sleep(DURATION);
  const n1 = count();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    total: n1 - n0,
    seconds,
    cpu: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}

const port = (i: number) => config.ports[i % config.ports.length];
const payloadText = "x".repeat(config.payload ?? 32);

// ---- scenarios -------------------------------------------------------------------------

async function echo(binary: boolean): Promise<Record<string, unknown>> {
  const inflight = config.inflight ?? 10;
  const rate = config.rate;
  let acks = 0;
  let measuring = false;
  const latencies: number[] = [];
  const attachment = frame(new Uint8Array(config.payload ?? 4096).fill(7), 2);
  const sendOne = (conn: Conn) => {
    const id = conn.nextAck++;
    if (rate) conn.sent.set(id, performance.now());
    if (binary) {
      conn.send(textFrame(`451-${id}["echo",{"_placeholder":true,"num":0}]`));
      conn.send(attachment);
    } else {
      conn.send(textFrame(`42${id}["echo","${payloadText}"]`));
    }
  };
  const onAck = (conn: Conn, id: number) => {
    acks++;
    if (rate) {
      const t = conn.sent.get(id);
      conn.sent.delete(id);
      if (measuring && t !== undefined) latencies.push(performance.now() - t);
    } else sendOne(conn);
  };
  const conns = await openAll(config.clients, (i) => {
    const conn = new Conn(i, port(i));
    let waitingBinary = -1;
    conn.onText = (c, b, s, e) => {
      if (b[s] !== 52) return;
      if (!binary && b[s + 1] === 51) onAck(c, readInt(b, s + 2, e)[0]); // "43<id>[...]"
      if (binary && b[s + 1] === 54) waitingBinary = readInt(b, s + 4, e)[0]; // "461-<id>[...]"
    };
    conn.onBinary = (c) => {
      if (waitingBinary >= 0) onAck(c, waitingBinary);
      waitingBinary = -1;
    };
    conn.onConnected = (c) => {
      if (rate) return;
      for (let k = 0; k < inflight; k++) sendOne(c);
      c.flush();
    };
    return conn;
  });
  let turn = 0;
  const timer = rate
    ? atRate(rate, (due) => {
      // Spread over the clients in turn; each touched connection writes once.
      const touched = new Set<Conn>();
      for (let k = 0; k < due; k++) {
        const conn = conns[turn++ % conns.length];
        sendOne(conn);
        touched.add(conn);
      }
      for (const c of touched) c.flush();
    })
    : undefined;
  setTimeout(() => (measuring = true), WARMUP);
  const result = await measure(() => acks);
  clearInterval(timer);
  closeAll(conns);
  return {
    msgPerSec: result.total / result.seconds,
    generatorCpu: result.cpu,
    ...(rate ? latencyFields(rate, latencies) : {}),
  };
}

/** Fan-out to everyone (`rooms` = 0) or to one room of `rooms` at a time. */
async function fanout(rooms: number): Promise<Record<string, unknown>> {
  const inflight = config.inflight ?? 8;
  const rate = config.rate;
  const perBroadcast = rooms ? Math.ceil(config.clients / rooms) : config.clients;
  let deliveries = 0;
  let measuring = false;
  let seq = 0;
  const remaining = new Map<number, number>();
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  // Recipients per room: clients are given rooms in turn.
  const roomSize = (r: number) =>
    rooms
      ? Math.floor(config.clients / rooms) +
        (r < config.clients % rooms ? 1 : 0)
      : config.clients;
  let senders: Conn[] = [];
  const broadcast = () => {
    const id = seq++;
    const room = rooms ? id % rooms : -1;
    remaining.set(id, rooms ? roomSize(room) : perBroadcast);
    sentAt.set(id, performance.now());
    const sender = senders[id % senders.length];
    sender.send(textFrame(
      rooms ? `42["room","r${room}","s${id}:${payloadText}"]` : `42["fan","s${id}:${payloadText}"]`,
    ));
    sender.flush();
  };
  const onDelivery = (id: number) => {
    deliveries++;
    if (measuring && rate) {
      const t = sentAt.get(id);
      if (t !== undefined) latencies.push(performance.now() - t);
    }
    const left = (remaining.get(id) ?? 1) - 1;
    if (left > 0) {
      remaining.set(id, left);
      return;
    }
    remaining.delete(id);
    sentAt.delete(id);
    if (!rate) broadcast();
  };
  // 42["fan","s<id>:...
  const PREFIX = 11;
  const conns = await openAll(config.clients, (i) => {
    const conn = new Conn(i, port(i), rooms ? `&room=r${i % rooms}` : "");
    conn.onText = (_c, b, s, e) => {
      if (b[s] === 52 && b[s + 1] === 50 && b[s + PREFIX - 1] === 115) {
        onDelivery(readInt(b, s + PREFIX, e)[0]);
      }
    };
    return conn;
  });
  // Senders: a few clients on every server, so that no single socket is the bottleneck.
  senders = conns.slice(0, Math.min(conns.length, 8 * config.ports.length));
  const timer = rate
    ? atRate(rate, (due) => {
      for (let k = 0; k < due; k++) broadcast();
    })
    : undefined;
  if (!rate) { for (let k = 0; k < inflight; k++) broadcast(); }
  setTimeout(() => (measuring = true), WARMUP);
  const result = await measure(() => deliveries);
  clearInterval(timer);
  closeAll(conns);
  return {
    deliveriesPerSec: result.total / result.seconds,
    generatorCpu: result.cpu,
    ...(rate ? latencyFields(rate, latencies) : {}),
  };
}

/** Every millisecond, calls `send` with how many messages are due to keep `rate` per second. */
function atRate(
  rate: number,
  send: (due: number) => void,
): ReturnType<typeof setInterval> {
  let sent = 0;
  const t0 = performance.now();
  return setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate) - sent;
    if (due <= 0) return;
    sent += due;
    send(due);
  }, 1);
}

/** The latency part of a fixed-rate result. */
function latencyFields(
  rate: number,
  latencies: number[],
): Record<string, number> {
  latencies.sort((a, b) => a - b);
  return {
    rate,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    samples: latencies.length,
  };
}

function closeAll(conns: Conn[]): void {
  for (const c of conns) {
    try {
      c.socket?.end();
    } catch { /* already closed */ }
  }
}

/** One burst of `config.clients` connections, between the events `<prefix>start` and `<prefix>holding`. */
async function burst(prefix: string): Promise<{ conns: Conn[]; seconds: number; cpu: number }> {
  emit({ event: prefix + "start" }); // the harness samples the server's CPU from here to "holding"
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const conns = await openAll(config.clients, (i) => new Conn(i, port(i)), config.parallel ?? 128);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  emit({ event: prefix + "holding", connections: conns.length });
  return { conns, seconds, cpu: (cpu.user + cpu.system) / 1e6 / seconds };
}

/**
 * The first burst into a fresh server (its connect path not yet compiled: what a restarted
 * server meets when every client reconnects), held while the harness reads the server's
 * memory; with `warm`, a second burst after the first one's connections closed, as every other
 * scenario measures after a warm-up.
 */
async function connections(): Promise<Record<string, unknown>> {
  const cold = await burst("");
  // Idle connections stay open (answering pings) while the harness reads the server's memory.
  await sleep((config.hold ?? 3) * 1000);
  const alive = cold.conns.filter((c) => !c.closed).length;
  closeAll(cold.conns);
  const result: Record<string, unknown> = {
    connectsPerSec: cold.conns.length / cold.seconds,
    alive,
    generatorCpu: cold.cpu,
  };
  if (config.warm) {
    await sleep(config.warm * 1000); // the server closes the first burst's connections
    const warm = await burst("warm-");
    await sleep(500);
    closeAll(warm.conns);
    result.connectsPerSecWarm = warm.conns.length / warm.seconds;
    result.generatorCpuWarm = warm.cpu;
  }
  return result;
}

// ---- long-polling ----------------------------------------------------------------------

/** One keep-alive HTTP/1.1 connection issuing one request at a time. */
class Http {
  socket: BunSocket | null = null;
  buffer: Uint8Array = new Uint8Array(0);
  waiting: ((body: Uint8Array) => void) | null = null;
  port: number;
  constructor(port: number) {
    this.port = port;
  }

  async connect(): Promise<void> {
    this.socket = await Bun.connect({
      hostname: "127.0.0.1",
      port: this.port,
      data: this,
      socket: {
        data: (_s: BunSocket, chunk: Uint8Array) => this.#receive(chunk),
        close: () => {},
        error: () => {},
      },
    });
  }

  request(
    method: "GET" | "POST",
    query: string,
    body = "",
  ): Promise<Uint8Array> {
    const payload = encoder.encode(body);
    const head = `${method} /socket.io/?EIO=4&transport=polling${query} HTTP/1.1\r\n` +
      `Host: 127.0.0.1:${this.port}\r\nConnection: keep-alive\r\n` +
      (method === "POST"
        ? `Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${payload.length}\r\n`
        : "") +
      "\r\n";
    return new Promise((resolve) => {
      this.waiting = resolve;
      const h = encoder.encode(head);
      const all = new Uint8Array(h.length + payload.length);
      all.set(h);
      all.set(payload, h.length);
      this.socket!.write(all);
    });
  }

  #receive(chunk: Uint8Array): void {
    if (this.buffer.length) {
      const merged = new Uint8Array(this.buffer.length + chunk.length);
      merged.set(this.buffer);
      merged.set(chunk, this.buffer.length);
      this.buffer = merged;
    } else this.buffer = chunk;
    const end = indexOfHeaderEnd(this.buffer, 0);
    if (end === -1) return;
    const length = contentLength(this.buffer, end);
    if (length === -1) {
      throw new Error(
        "polling response without Content-Length: " +
          new TextDecoder().decode(this.buffer.subarray(0, Math.min(end, 200))),
      );
    }
    if (this.buffer.length < end + length) return;
    const body = this.buffer.slice(end, end + length);
    this.buffer = this.buffer.slice(end + length);
    const done = this.waiting;
    this.waiting = null;
    done?.(body);
  }

  close(): void {
    try {
      this.socket?.end();
    } catch { /* closed */ }
  }
}

const decoder = new TextDecoder();
const CONTENT_LENGTH = encoder.encode("content-length:");

/** The Content-Length of the response head `b[0, end)`, read byte by byte (-1: none). */
function contentLength(b: Uint8Array, end: number): number {
  const n = CONTENT_LENGTH.length;
  for (let i = 0; i + n < end; i++) {
    if (b[i] !== 10) continue; // header names start after a line feed
    let k = 0;
    while (k < n && (b[i + 1 + k] | 0x20) === CONTENT_LENGTH[k]) k++;
    if (k < n) continue;
    let j = i + 1 + n;
    while (b[j] === 32) j++;
    return readInt(b, j, end)[0];
  }
  return -1;
}

/** Handshake over polling: the sid, after the Socket.IO CONNECT went through. */
async function pollingHandshake(http: Http): Promise<string> {
  const open = decoder.decode(await http.request("GET", ""));
  const sid = /"sid":"([^"]+)"/.exec(open)?.[1];
  if (!sid) throw new Error("no sid in " + open);
  await http.request("POST", `&sid=${sid}`, "40");
  let reply = "";
  while (!reply.includes("40")) {
    reply = decoder.decode(await http.request("GET", `&sid=${sid}`));
  }
  return sid;
}

async function polling(): Promise<Record<string, unknown>> {
  let acks = 0;
  let running = true;
  const clients = await Promise.all(
    Array.from({ length: config.clients }, async (_, i) => {
      const http = new Http(port(i));
      await http.connect();
      return { http, sid: await pollingHandshake(http) };
    }),
  );
  const loops = clients.map(async ({ http, sid }) => {
    let id = 0;
    while (running && Date.now() < DEADLINE) {
      const ackId = id++;
      await http.request(
        "POST",
        `&sid=${sid}`,
        `42${ackId}["echo","${payloadText}"]`,
      );
      // Read until the ack arrives (a poll may bring a ping first).
      for (;;) {
        const body = decoder.decode(await http.request("GET", `&sid=${sid}`));
        if (body.split("\x1e").includes("2")) {
          await http.request("POST", `&sid=${sid}`, "3");
        }
        if (body.includes(`43${ackId}[`)) break;
      }
      acks++;
    }
  });
  const result = await measure(() => acks);
  running = false;
  await Promise.all(loops);
  for (const c of clients) c.http.close();
  return { msgPerSec: result.total / result.seconds, generatorCpu: result.cpu };
}

// ---- soak ------------------------------------------------------------------------------

async function soak(): Promise<Record<string, unknown>> {
  const cycles = config.cycles ?? 100_000;
  const parallel = config.clients || 50;
  let done = 0;
  let wsCycles = 0;
  let pollingCycles = 0;
  const t0 = performance.now();
  const oneWebSocket = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const conn = new Conn(i, port(i));
      conn.onConnected = (c) => {
        c.socket?.end();
        resolve();
      };
      open(conn).catch(reject);
    });
  const onePolling = async (i: number) => {
    const http = new Http(port(i));
    await http.connect();
    const sid = await pollingHandshake(http);
    await http.request("POST", `&sid=${sid}`, "1");
    http.close();
  };
  let next = 0;
  const worker = async () => {
    while (next < cycles && Date.now() < DEADLINE) {
      const i = next++;
      if (i % 2 === 0) {
        await oneWebSocket(i);
        wsCycles++;
      } else {
        await onePolling(i);
        pollingCycles++;
      }
      done++;
      if (done === Math.min(2000, cycles)) emit({ event: "start" });
      if (done === Math.floor(cycles / 2)) emit({ event: "half" });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return {
    cycles: done,
    websocket: wsCycles,
    polling: pollingCycles,
    cyclesPerSec: done / ((performance.now() - t0) / 1000),
  };
}

const runners: Record<
  Config["scenario"],
  () => Promise<Record<string, unknown>>
> = {
  echo: () => echo(false),
  binary: () => echo(true),
  fanout: () => fanout(0),
  rooms: () => fanout(config.rooms ?? 100),
  connections,
  polling,
  soak,
};

try {
  const result = await runners[config.scenario]();
  emit({ event: "result", ...result });
  process.exit(0);
} catch (error) {
  emit({ event: "error", message: String((error as Error)?.message ?? error) });
  process.exit(1);
}
