/**
 * A WebSocket client on a raw TCP socket (`node:net`), for tests that must
 * see the wire: the extensions the server negotiated, each frame's RSV1 bit
 * (permessage-deflate) and its size as sent. Runs under Deno and Bun.
 *
 * @module
 */

import { connect, type Socket } from "node:net";
import { withTimeout } from "./harness.ts";

/** One frame as the server sent it. */
export interface RawFrame {
  /** The opcode: 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  opcode: number;
  /** RSV1: the payload is compressed (permessage-deflate, RFC 7692). */
  compressed: boolean;
  /** The payload as received (compressed when `compressed`). */
  payload: Uint8Array;
  /** Bytes of the frame on the wire, header included. */
  wireBytes: number;
}

/** Options of {@linkcode RawWebSocket.connect}. */
export interface RawWebSocketOptions {
  /** The `Sec-WebSocket-Extensions` request header, e.g. "permessage-deflate". */
  extensions?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A raw WebSocket client: frames are read one at a time, unmasked, still compressed. */
export class RawWebSocket {
  readonly #socket: Socket;
  #buffer = new Uint8Array(0);
  #frames: RawFrame[] = [];
  #waiter: (() => void) | null = null;
  #ended = false;
  /** The response headers of the upgrade (lower-case names). */
  headers: Record<string, string> = {};
  /** Bytes received after the upgrade response. */
  received = 0;
  /** Resolves when the TCP connection ends. */
  readonly closed: Promise<void>;

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
  }

  /** Connects and upgrades; rejects unless the server answers 101. */
  static async connect(url: string, options: RawWebSocketOptions = {}): Promise<RawWebSocket> {
    const target = new URL(url);
    const socket = connect(Number(target.port), target.hostname);
    const ws = new RawWebSocket(socket);
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    const head = [
      `GET ${target.pathname}${target.search} HTTP/1.1`,
      `Host: ${target.host}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${key}`,
      "Sec-WebSocket-Version: 13",
      ...(options.extensions ? [`Sec-WebSocket-Extensions: ${options.extensions}`] : []),
      "",
      "",
    ].join("\r\n");
    let upgraded = false;
    const opened = new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.once("close", () => reject(new Error("Connection closed before the upgrade")));
      socket.on("data", (chunk: Uint8Array) => {
        ws.#append(chunk);
        if (!upgraded) {
          const text = decoder.decode(ws.#buffer);
          const end = text.indexOf("\r\n\r\n");
          if (end < 0) return;
          const lines = text.slice(0, end).split("\r\n");
          if (!/^HTTP\/1\.1 101/.test(lines[0])) {
            reject(new Error(`Upgrade refused: ${lines[0]}`));
            return;
          }
          for (const line of lines.slice(1)) {
            const colon = line.indexOf(":");
            ws.headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
          }
          upgraded = true;
          ws.#buffer = ws.#buffer.slice(encoder.encode(text.slice(0, end + 4)).length);
          resolve();
        }
        ws.received += chunk.length;
        ws.#parse();
      });
    });
    socket.once("connect", () => socket.write(head));
    socket.once("close", () => {
      ws.#ended = true;
      ws.#waiter?.();
    });
    await withTimeout(opened, 3000, "raw WebSocket upgrade");
    return ws;
  }

  #append(chunk: Uint8Array): void {
    if (this.#buffer.length === 0) {
      this.#buffer = new Uint8Array(chunk);
      return;
    }
    const next = new Uint8Array(this.#buffer.length + chunk.length);
    next.set(this.#buffer);
    next.set(chunk, this.#buffer.length);
    this.#buffer = next;
  }

  #parse(): void {
    const b = this.#buffer;
    // Frames are read from `at` on; what is left is kept once at the end (no copy per frame).
    let at = 0;
    for (;;) {
      const left = b.length - at;
      if (left < 2) break;
      let length = b[at + 1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (left < 4) break;
        length = (b[at + 2] << 8) | b[at + 3];
        offset = 4;
      } else if (length === 127) {
        if (left < 10) break;
        length = Number(new DataView(b.buffer, b.byteOffset + at + 2, 8).getBigUint64(0));
        offset = 10;
      }
      if (left < offset + length) break;
      this.#frames.push({
        opcode: b[at] & 0x0f,
        compressed: (b[at] & 0x40) !== 0,
        payload: b.slice(at + offset, at + offset + length),
        wireBytes: offset + length,
      });
      at += offset + length;
    }
    if (at > 0) {
      this.#buffer = b.subarray(at);
      this.#waiter?.();
    }
  }

  /** Stops reading from the connection (the server's writes back up). */
  pause(): void {
    this.#socket.pause();
  }

  /** Reads from the connection again. */
  resume(): void {
    this.#socket.resume();
  }

  /** The next frame; rejects after `ms` or when the connection ends first. */
  async next(ms = 3000): Promise<RawFrame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const frame = this.#frames.shift();
      if (frame) return frame;
      if (this.#ended) throw new Error("Connection closed");
      await withTimeout(
        new Promise<void>((resolve) => this.#waiter = resolve),
        Math.max(1, deadline - Date.now()),
        "raw WebSocket frame",
      );
      this.#waiter = null;
    }
  }

  /** The next data frame (text or binary), answering Engine.IO pings ("2") on the way. */
  async nextData(ms = 3000): Promise<RawFrame> {
    for (;;) {
      const frame = await this.next(ms);
      if (frame.opcode === 1 && !frame.compressed && decoder.decode(frame.payload) === "2") {
        this.sendText("3");
        continue;
      }
      return frame;
    }
  }

  /** Sends one masked frame (uncompressed). */
  send(opcode: number, payload: Uint8Array): void {
    const length = payload.length;
    const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
    const frame = new Uint8Array(header + 4 + length);
    frame[0] = 0x80 | opcode;
    if (length < 126) frame[1] = 0x80 | length;
    else if (length < 65536) {
      frame[1] = 0x80 | 126;
      frame[2] = length >> 8;
      frame[3] = length & 0xff;
    } else {
      frame[1] = 0x80 | 127;
      new DataView(frame.buffer, 2, 8).setBigUint64(0, BigInt(length));
    }
    const mask = crypto.getRandomValues(new Uint8Array(4));
    frame.set(mask, header);
    for (let i = 0; i < length; i++) frame[header + 4 + i] = payload[i] ^ mask[i & 3];
    this.#socket.write(frame);
  }

  /** Sends a text frame. */
  sendText(text: string): void {
    this.send(1, encoder.encode(text));
  }

  /** Ends the connection (no close handshake) and waits for it to close. */
  async destroy(): Promise<void> {
    this.#socket.destroy();
    await withTimeout(this.closed, 3000, "raw WebSocket close");
  }
}

/** The text of an uncompressed frame. */
export function frameText(frame: RawFrame): string {
  return decoder.decode(frame.payload);
}
