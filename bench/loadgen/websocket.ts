/**
 * The load generator's WebSocket client over raw TCP (`Bun.connect`): it
 * writes hand-made frames with a zero mask key (the payload goes as is), all
 * frames one read produced in one `write`, answers the Engine.IO handshake,
 * pings and the Socket.IO CONNECT by itself, and hands the scenario the byte
 * range of every other text frame, undecoded.
 *
 * tests/raw_websocket.ts is the tests' raw client on `node:net`; it reads one
 * frame at a time and masks with a random key, where this one must keep up
 * with a server several times faster than a WebSocket-object client.
 *
 * @module
 */

import { DEADLINE } from "./measure.ts";
import { Bun, type BunSocket, concat, encoder, indexOfHeaderEnd } from "./wire.ts";

/** A masked client frame with a zero mask key: the payload goes as is. */
export function frame(payload: Uint8Array, opcode = 1): Uint8Array {
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

export const textFrame = (s: string) => frame(encoder.encode(s));
const CONNECT_FRAME = textFrame("40");
const PONG_FRAME = textFrame("3");

/** One WebSocket client connection; a scenario sets its handlers. */
export class Conn {
  socket: BunSocket<Conn> | null = null;
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
      this.pending = concat(this.pending, data);
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

  /** Parses what arrived: the 101 response, then server frames. */
  receive(chunk: Uint8Array): void {
    this.buffer = concat(this.buffer, chunk);
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

/** The HTTP request that opens an Engine.IO WebSocket on `port` (`query`: "&name=value..."). */
export function upgradeRequest(port: number, query: string): string {
  return `GET /socket.io/?EIO=4&transport=websocket${query} HTTP/1.1\r\n` +
    `Host: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

/** Opens a WebSocket connection (the Engine.IO and Socket.IO handshakes follow on their own). */
export async function open(conn: Conn): Promise<void> {
  const request = upgradeRequest(conn.port, conn.query);
  conn.socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: conn.port,
    data: conn,
    socket: {
      open(s: BunSocket<Conn>) {
        s.write(encoder.encode(request));
      },
      data(s: BunSocket<Conn>, chunk: Uint8Array) {
        s.data.receive(chunk);
        s.data.flush();
      },
      drain(s: BunSocket<Conn>) {
        s.data.drain();
      },
      close(s: BunSocket<Conn>) {
        s.data.closed = true;
        s.data.onClose(s.data);
      },
      error(s: BunSocket<Conn>) {
        s.data.closed = true;
      },
    },
  });
}

/**
 * Opens `count` connections, at most `parallel` handshakes at once; resolves when all are
 * connected, rejects past `deadline` (ms since the epoch; the load generator's own by default).
 */
export async function openAll(
  count: number,
  setup: (i: number) => Conn,
  parallel = 256,
  deadline = DEADLINE,
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
      if (Date.now() > deadline) {
        clearInterval(guard);
        reject(new Error(`only ${done} of ${count} connected`));
      }
      if (done === count) clearInterval(guard);
    }, 100);
  });
}

/** Ends every connection (no close handshake). */
export function closeAll(conns: Conn[]): void {
  for (const c of conns) {
    try {
      c.socket?.end();
    } catch { /* already closed */ }
  }
}
