/**
 * The long-polling transport of the Engine.IO client: one GET in flight over
 * `fetch`, POSTs that batch what is queued (at most the server's
 * `maxPayload` each), and a pause for the upgrade to WebSocket.
 *
 * @module
 */

import { decodePayload, encodePayload, type EnginePacket } from "../../protocol/engine_io.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { reportUncaught } from "../report.ts";
import { ignore, Transport } from "./transport.ts";

/** Long-polling over `fetch`: one GET in flight, POSTs batch what is queued. */
export class PollingTransport extends Transport {
  /** "polling". */
  readonly name = "polling" as const;
  #polling = false;
  #onPollComplete: (() => void) | null = null;
  #onDrain: (() => void) | null = null;
  #controller = new AbortController();

  /** Pauses once the pending GET and POST are done. */
  override pause(onPause: () => void): void {
    this.state = "pausing";
    const paused = () => {
      this.state = "paused";
      onPause();
    };
    let pending = 0;
    const done = () => {
      if (--pending === 0) paused();
    };
    if (this.#polling) {
      pending++;
      this.#onPollComplete = done;
    }
    if (!this.writable) {
      pending++;
      this.#onDrain = done;
    }
    if (pending === 0) paused();
  }

  /** At most `maxPayload` bytes per POST (the server's limit), at least one packet. */
  override batch(buffer: readonly EnginePacket[], maxPayload: number): EnginePacket[] {
    if (!maxPayload || buffer.length <= 1) return buffer.slice();
    let size = 1;
    for (let i = 0; i < buffer.length; i++) {
      const data = buffer[i].data;
      size += data === undefined
        ? 1
        : typeof data === "string"
        ? utf8Length(data) + 1
        : Math.ceil(data.byteLength * 4 / 3) + 2;
      if (i > 0 && size > maxPayload) return buffer.slice(0, i);
      size += 2;
    }
    return buffer.slice();
  }

  protected doOpen(): void {
    this.#poll();
  }

  protected override doDiscard(): void {
    this.#controller.abort();
  }

  protected doClose(): void {
    const controller = this.#controller;
    if (this.state !== "open") {
      controller.abort();
      return;
    }
    // The pending GET is dropped once the close packet went out, not before: a GET aborted
    // first can reach the server first, which then sees a failed poll ("transport error").
    this.#request("POST", encodePayload([{ type: "close" }]))
      .then(discard, ignore)
      .finally(() => controller.abort());
  }

  protected write(packets: EnginePacket[]): void {
    this.writable = false;
    const body = encodePayload(packets);
    this.#request("POST", body).then(async (response) => {
      await discard(response);
      if (this.state === "closed") return;
      if (!response.ok) {
        this.onError("xhr post error", response.status);
        return;
      }
      this.writable = true;
      const onDrain = this.#onDrain;
      this.#onDrain = null;
      onDrain?.();
      this.handler.onTransportDrain(this);
    }, (error) => {
      if (this.state !== "closed") this.onError("xhr post error", error);
    }).catch(reportUncaught);
  }

  #poll(): void {
    this.#polling = true;
    // Only the request and reading its body are network failures; what the
    // packets then trigger further up is not (a bug there is reported as
    // uncaught, never turned into "xhr poll error").
    this.#request("GET").then(async (response) => {
      if (this.state === "closed") return discard(response);
      if (!response.ok) {
        await discard(response);
        this.onError("xhr poll error", response.status);
        return;
      }
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        if (this.#live()) this.onError("xhr poll error", error);
        return;
      }
      // The transport may have closed while the body was read.
      if (this.#live()) this.#onData(text);
    }, (error) => {
      if (this.state !== "closed") this.onError("xhr poll error", error);
    }).catch(reportUncaught);
  }

  #live(): boolean {
    return this.state !== "closed";
  }

  #onData(data: string): void {
    let packets: EnginePacket[];
    try {
      packets = decodePayload(data);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.onError("parse error", error);
      return;
    }
    for (const packet of packets) {
      if (this.state === "opening" && packet.type === "open") this.onOpen();
      if (packet.type === "close") {
        this.onClose({ description: "transport closed by the server" });
        return;
      }
      this.onPacket(packet);
      if (this.state === "closed") return;
    }
    this.#polling = false;
    const onPollComplete = this.#onPollComplete;
    this.#onPollComplete = null;
    onPollComplete?.();
    if (this.state === "open") this.#poll();
  }

  #request(method: "GET" | "POST", body?: string): Promise<Response> {
    const o = this.options;
    const headers: Record<string, string> = { ...o.extraHeaders };
    if (method === "POST") headers["content-type"] = "text/plain;charset=UTF-8";
    const jar = o.cookieJar;
    const cookie = jar?.header();
    if (cookie) headers.cookie = cookie;
    const signals: AbortSignal[] = method === "GET" ? [this.#controller.signal] : [];
    if (o.requestTimeout) signals.push(AbortSignal.timeout(o.requestTimeout));
    const init: RequestInit & Record<string, unknown> = {
      method,
      body,
      headers,
      signal: signals.length === 0
        ? undefined
        : signals.length === 1
        ? signals[0]
        : AbortSignal.any(signals),
      credentials: o.withCredentials ? "include" : "same-origin",
      ...o.tls?.fetchInit,
    };
    return fetch(this.uri(o.secure ? "https" : "http"), init).then((response) => {
      jar?.parse(response.headers);
      return response;
    });
  }
}

/** Drops a response's body unread (a failure to cancel is of no interest). */
function discard(response: Response): Promise<void> | undefined {
  return response.body?.cancel().catch(() => {});
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c < 0xd800 || c >= 0xe000) n += 3;
    else {
      i++;
      n += 4;
    }
  }
  return n;
}
