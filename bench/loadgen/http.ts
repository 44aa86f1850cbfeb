/**
 * The load generator's long-polling client: one keep-alive HTTP/1.1
 * connection over raw TCP (`Bun.connect`) issuing one hand-made request at a
 * time, and the Engine.IO + Socket.IO handshake over it.
 *
 * @module
 */

import { Bun, type BunSocket, concat, encoder, indexOfHeaderEnd, readInt } from "./wire.ts";

/** One keep-alive HTTP/1.1 connection issuing one request at a time. */
export class Http {
  socket: BunSocket<Http> | null = null;
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
        data: (_s: BunSocket<Http>, chunk: Uint8Array) => this.#receive(chunk),
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
    this.buffer = concat(this.buffer, chunk);
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
export async function pollingHandshake(http: Http): Promise<string> {
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
