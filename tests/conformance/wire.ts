/**
 * Plain `fetch` and `WebSocket` helpers for protocol-level tests: no client
 * library in between, so the tests see the bytes the server sends.
 *
 * @module
 */

import { withTimeout } from "../harness.ts";

/** A WebSocket whose messages are queued and read one at a time with a timeout. */
export class WireSocket {
  readonly ws: WebSocket;
  #queue: Array<string | ArrayBuffer> = [];
  #waiters: Array<(m: string | ArrayBuffer | null) => void> = [];
  #closed = false;
  /** Resolves with the close code when the socket closes. */
  readonly closed: Promise<number>;
  /** Resolves once the socket is open; rejects if it fails first. */
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = "arraybuffer";
    this.ws.onmessage = (e) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(e.data);
      else this.#queue.push(e.data);
    };
    this.opened = new Promise((resolve, reject) => {
      this.ws.onopen = () => resolve();
      this.ws.onerror = () => reject(new Error(`WebSocket to ${url} failed`));
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.ws.onclose = (e) => {
        this.#closed = true;
        for (const w of this.#waiters.splice(0)) w(null);
        resolve(e.code);
      };
    });
  }

  /** The next message; rejects after `ms` or when the socket closes first. */
  async next(ms = 3000): Promise<string | ArrayBuffer> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return queued;
    if (this.#closed) throw new Error("WebSocket closed");
    const message = await withTimeout(
      new Promise<string | ArrayBuffer | null>((resolve) => this.#waiters.push(resolve)),
      ms,
      "WebSocket message",
    );
    if (message === null) throw new Error("WebSocket closed");
    return message;
  }

  /** The next text message, skipping server pings ("2") after answering them. */
  async nextText(ms = 3000): Promise<string> {
    for (;;) {
      const m = await this.next(ms);
      if (m === "2") {
        this.send("3");
        continue;
      }
      if (typeof m !== "string") throw new Error("Expected a text message, got binary");
      return m;
    }
  }

  /** Reads (answering pings) until the server closes the socket; rejects after `ms`. */
  async untilClosed(ms = 5000): Promise<number> {
    const deadline = Date.now() + ms;
    while (!this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("Timed out waiting for the server to close the WebSocket");
      try {
        const m = await this.next(left);
        if (m === "2") this.send("3");
      } catch (error) {
        if (!this.#closed) throw error;
      }
    }
    return await this.closed;
  }

  /** Sends a frame. */
  send(data: string | ArrayBuffer | Uint8Array<ArrayBuffer>): void {
    this.ws.send(data);
  }

  /** Closes the socket and waits for the close. */
  async close(): Promise<void> {
    if (!this.#closed) this.ws.close();
    await withTimeout(this.closed, 3000, "WebSocket close");
  }
}

/** Opens a WebSocket and waits until it is open. */
export async function openSocket(url: string): Promise<WireSocket> {
  const socket = new WireSocket(url);
  await withTimeout(socket.opened, 3000, "WebSocket open");
  return socket;
}

/** The parsed Engine.IO open packet. */
export interface OpenPacket {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** Does a long-polling handshake; returns the open packet. */
export async function pollingHandshake(base: string, path = "/engine.io/"): Promise<OpenPacket> {
  const res = await fetch(`${base}${path}?EIO=4&transport=polling`);
  const body = await res.text();
  if (res.status !== 200 || body[0] !== "0") {
    throw new Error(`Bad handshake: ${res.status} ${body}`);
  }
  return JSON.parse(body.slice(1));
}

/** GET on a polling session; returns status and body. */
export async function poll(
  base: string,
  sid: string,
  path = "/engine.io/",
): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}${path}?EIO=4&transport=polling&sid=${sid}`);
  return { status: res.status, body: await res.text() };
}

/** POST on a polling session; returns status and body. */
export async function post(
  base: string,
  sid: string,
  body: string,
  path = "/engine.io/",
): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}${path}?EIO=4&transport=polling&sid=${sid}`, {
    method: "POST",
    body,
  });
  return { status: res.status, body: await res.text() };
}

/** `http://` to `ws://`. */
export function wsUrl(base: string, query: string, path = "/engine.io/"): string {
  return `${base.replace(/^http/, "ws")}${path}?${query}`;
}
