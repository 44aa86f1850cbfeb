/**
 * Slow readers: `clients` WebSocket clients complete the Engine.IO and
 * Socket.IO handshakes, then stop reading (their TCP sockets paused, so the
 * server's writes back up), and one reading client asks the server to
 * broadcast `events` events of `payload` characters, `batch` at a time. The
 * harness samples the server's memory from "flood-start" to "flood-end";
 * the result says how many slow readers the server disconnected, and why.
 *
 * The slow readers are `node:net` sockets, which can pause: a paused socket
 * leaves what arrives in the kernel, whose buffers fill, and the server
 * sees a client that does not take what it is sent.
 *
 * @module
 */

import { connect, type Socket } from "node:net";
import { type Config, portOf } from "../config.ts";
import { DEADLINE, emit, sleep } from "../measure.ts";
import { closeAll, Conn, openAll, textFrame, upgradeRequest } from "../websocket.ts";
import { concat, encoder, indexOfHeaderEnd, readInt } from "../wire.ts";

const decoder = new TextDecoder();
const CONNECT = textFrame("40");

/** Opens a WebSocket on a raw socket, answers the open packet with CONNECT, pauses once connected. */
function slowReader(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let buffer: Uint8Array = new Uint8Array(0);
    let upgraded = false;
    socket.once("error", reject);
    socket.once("connect", () => socket.write(encoder.encode(upgradeRequest(port, "&slow=1"))));
    const onData = (chunk: Uint8Array) => {
      buffer = concat(buffer, chunk);
      if (!upgraded) {
        const end = indexOfHeaderEnd(buffer, 0);
        if (end === -1) return;
        if (decoder.decode(buffer.subarray(9, 12)) !== "101") {
          return reject(new Error("WebSocket upgrade refused: " + decoder.decode(buffer)));
        }
        upgraded = true;
        buffer = buffer.slice(end);
      }
      // Server frames are unmasked; the handshake's are short (no 64-bit lengths).
      while (buffer.length >= 2) {
        let length = buffer[1] & 0x7f;
        let head = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = (buffer[2] << 8) | buffer[3];
          head = 4;
        }
        if (buffer.length < head + length) return;
        const text = decoder.decode(buffer.subarray(head, head + length));
        buffer = buffer.slice(head + length);
        if (text.startsWith("0")) socket.write(CONNECT); // open -> Socket.IO CONNECT
        else if (text.startsWith("40")) {
          // Connected: from here on nothing is read (pings go unanswered too).
          socket.off("data", onData);
          socket.pause();
          socket.off("error", reject);
          socket.on("error", () => {}); // reset by the server: it is counted there
          return resolve(socket);
        }
      }
    };
    socket.on("data", onData);
  });
}

/** Acks the reading client is waiting for, by ack id. */
class Acks {
  readonly #waiting = new Map<number, (value: unknown) => void>();
  #next = 0;

  /** Sends event `name` with `arg` from `conn`; resolves with the ack's first argument. */
  request(conn: Conn, name: string, arg?: unknown): Promise<unknown> {
    const id = this.#next++;
    const args = arg === undefined ? [name] : [name, arg];
    conn.send(textFrame(`42${id}${JSON.stringify(args)}`));
    conn.flush();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to "${name}"`)),
        Math.max(1000, DEADLINE - Date.now()),
      );
      this.#waiting.set(id, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  }

  /** Reads an ack ("43<id>[...]") among the text frames; other frames are left alone. */
  onText = (_c: Conn, b: Uint8Array, s: number, e: number): void => {
    if (b[s] !== 52 || b[s + 1] !== 51) return;
    const [id, at] = readInt(b, s + 2, e);
    const done = this.#waiting.get(id);
    this.#waiting.delete(id);
    done?.(JSON.parse(decoder.decode(b.subarray(at, e)))[0]);
  };
}

/** Slow readers against one server (`ports[0]`); the harness samples its memory meanwhile. */
export async function slowReaders(config: Config): Promise<Record<string, unknown>> {
  const port = portOf(config, 0);
  const acks = new Acks();
  const [control] = await openAll(1, () => {
    const conn = new Conn(0, port, "&flood=1");
    conn.onText = acks.onText;
    return conn;
  });
  const flood = { events: config.events ?? 20_000, size: config.payload ?? 1000 };
  const batch = config.batch ?? 100;
  const readers: Socket[] = [];
  try {
    // A warm-up flood to the reading client alone: the growth measured is the readers', not the
    // flood path's compiled code and heap.
    await acks.request(control, "flood", { events: 10 * batch, size: flood.size, batch });
    for (let i = 0; i < config.clients; i += 50) {
      const n = Math.min(50, config.clients - i);
      readers.push(...await Promise.all(Array.from({ length: n }, () => slowReader(port))));
    }
    await sleep(1000); // the handshakes settle: the baseline has every reader connected
    emit({ event: "flood-start", readers: readers.length });
    await sleep(300); // the harness takes the baseline
    const done = await acks.request(control, "flood", { ...flood, batch }) as { seconds: number };
    await sleep(2000); // closes the server decided on take effect
    const stats = await acks.request(control, "stats") as {
      sockets: number;
      reasons: Record<string, number>;
      heapUsed: number;
      external: number;
      backpressure?: { overflowed: number; holding: number };
    };
    emit({ event: "flood-end" });
    return {
      readers: readers.length,
      events: flood.events,
      payload: flood.size,
      floodSeconds: done.seconds,
      // The reading client is one of the server's sockets.
      disconnected: readers.length - (stats.sockets - 1),
      reasons: stats.reasons,
      heapUsedMB: Math.round(stats.heapUsed / 2 ** 20),
      externalMB: Math.round(stats.external / 2 ** 20),
      ...(stats.backpressure ? { overflowed: stats.backpressure.overflowed } : {}),
      ...(stats.backpressure ? { holding: stats.backpressure.holding } : {}),
    };
  } finally {
    for (const socket of readers) socket.destroy();
    closeAll([control]);
  }
}
