/**
 * Engine.IO client transports: long-polling over `fetch` and the native
 * `WebSocket`. A transport reports to its engine through a small handler
 * interface.
 *
 * @module
 */

import {
  decodePacket,
  decodePayload,
  encodePacket,
  encodePacketText,
  encodePayload,
  type EnginePacket,
} from "../../protocol/engine_io.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { reportUncaught } from "../report.ts";
import type { CookieJar } from "./cookie_jar.ts";
import { isBrowser, openWebSocket, type TlsContext } from "./runtime.ts";

/** Transport names. */
export type TransportName = "polling" | "websocket";

/** What a transport reports. */
export interface TransportHandler {
  onTransportOpen(transport: Transport): void;
  onTransportPacket(transport: Transport, packet: EnginePacket): void;
  onTransportDrain(transport: Transport): void;
  onTransportError(transport: Transport, error: TransportError): void;
  onTransportClose(transport: Transport, description?: unknown): void;
}

/** A transport failure, with the engine.io-client shape (`type`, `description`, `context`). */
export class TransportError extends Error {
  /** Always "TransportError". */
  readonly type = "TransportError";
  /** @param reason What failed. @param description The underlying error or status. @param context More detail. */
  constructor(reason: string, readonly description: unknown, readonly context?: unknown) {
    super(reason);
    this.name = "TransportError";
  }
}

/** Options every transport uses. */
export interface TransportOptions {
  hostname: string;
  port: string;
  secure: boolean;
  path: string;
  query: Record<string, string>;
  extraHeaders?: Record<string, string>;
  withCredentials: boolean;
  forceBase64: boolean;
  timestampRequests: boolean;
  timestampParam: string;
  requestTimeout?: number;
  protocols?: string | string[];
  /** The connection's TLS context (owned and closed by the engine). */
  tls?: TlsContext;
  cookieJar?: CookieJar;
}

const ignore = (): void => {};

/** The handler of a silenced transport. */
const SILENT: TransportHandler = {
  onTransportOpen: ignore,
  onTransportPacket: ignore,
  onTransportDrain: ignore,
  onTransportError: ignore,
  onTransportClose: ignore,
};

type TransportState = "closed" | "opening" | "open" | "pausing" | "paused";

let timestampCounter = 0;
function timestamp(): string {
  // Unique per call even within one millisecond (what yeast does in the reference).
  return Date.now().toString(36) + (timestampCounter++).toString(36);
}

/** The shared part of both transports. */
export abstract class Transport {
  /** The transport name. */
  abstract readonly name: TransportName;
  /** Whether a send goes out at once. */
  writable = false;
  /** The transport state. */
  state: TransportState = "closed";
  /** The query (the engine sets `sid` after the handshake). */
  readonly query: Record<string, string>;
  protected readonly options: TransportOptions;
  protected handler: TransportHandler;

  /** @param options Connection options. @param handler Where events go. */
  constructor(options: TransportOptions, handler: TransportHandler) {
    this.options = options;
    this.query = { ...options.query };
    this.handler = handler;
  }

  /** Opens the transport. */
  open(): void {
    this.state = "opening";
    this.doOpen();
  }

  /** Closes the transport. */
  close(): void {
    if (this.state === "opening" || this.state === "open") {
      this.doClose();
      this.onClose();
    }
  }

  /** Sends packets (only when open). */
  send(packets: EnginePacket[]): void {
    if (this.state === "open") this.write(packets);
  }

  /**
   * Stops reporting to the engine: what the transport does from now on
   * (its close included) goes nowhere.
   */
  silence(): void {
    this.handler = SILENT;
  }

  /** Drops the transport without telling the server (after an upgrade). */
  discard(): void {
    this.state = "closed";
    this.writable = false;
    this.doDiscard();
  }

  /** Releases what the transport holds, without any I/O to the server. */
  protected doDiscard(): void {}

  /** Stops reading, for an upgrade; calls `onPause` once paused. */
  pause(onPause: () => void): void {
    onPause();
  }

  protected onOpen(): void {
    this.state = "open";
    this.writable = true;
    this.handler.onTransportOpen(this);
  }

  protected onPacket(packet: EnginePacket): void {
    this.handler.onTransportPacket(this, packet);
  }

  protected onError(reason: string, description: unknown, context?: unknown): void {
    this.handler.onTransportError(this, new TransportError(reason, description, context));
  }

  protected onClose(description?: unknown): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.writable = false;
    this.handler.onTransportClose(this, description);
  }

  /** The transport URL, with a timestamp when asked. */
  protected uri(schema: string): string {
    const o = this.options;
    const query: Record<string, string> = { ...this.query };
    if (o.timestampRequests) query[o.timestampParam] = timestamp();
    // Binary as base64 text: asked on the polling handshake (the session keeps it) and on
    // every WebSocket, the upgrade probe included (each WebSocket is a new transport).
    if (o.forceBase64 && (this.name === "websocket" || !query.sid)) query.b64 = "1";
    const defaultPort = o.secure ? "443" : "80";
    const port = o.port && o.port !== defaultPort ? `:${o.port}` : "";
    const host = o.hostname.includes(":") && !o.hostname.startsWith("[")
      ? `[${o.hostname}]`
      : o.hostname;
    const search = new URLSearchParams(query).toString();
    return `${schema}://${host}${port}${o.path}${search ? "?" + search : ""}`;
  }

  protected abstract doOpen(): void;
  protected abstract doClose(): void;
  protected abstract write(packets: EnginePacket[]): void;
}

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

/** The native `WebSocket`, binary as ArrayBuffer. */
export class WebSocketTransport extends Transport {
  /** "websocket". */
  readonly name = "websocket" as const;
  #ws: WebSocket | null = null;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;

  protected doOpen(): void {
    const o = this.options;
    let headers = o.extraHeaders;
    const cookie = o.cookieJar?.header();
    if (cookie) headers = { ...headers, cookie };
    let ws: WebSocket;
    try {
      ws = openWebSocket(this.uri(o.secure ? "wss" : "ws"), o.protocols, headers, o.tls);
    } catch (error) {
      queueMicrotask(() => this.onError("websocket error", error));
      return;
    }
    ws.binaryType = "arraybuffer";
    ws.onopen = () => this.onOpen();
    ws.onclose = (event) =>
      this.onClose({ description: "websocket connection closed", context: event });
    ws.onmessage = (event) => this.#onData(event.data);
    ws.onerror = (event) => {
      // A WebSocket's error is always followed by its close event (WHATWG WebSockets). Once open,
      // the close reports the loss: Deno fires an error before the close of a connection cut
      // without a closing handshake, where browsers, Node's ws and Bun fire only the close.
      if (this.state !== "open") this.onError("websocket error", event);
    };
    this.#ws = ws;
  }

  #onData(data: string | ArrayBuffer): void {
    let packet: EnginePacket;
    try {
      packet = decodePacket(data);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.onError("parse error", error);
      return;
    }
    this.onPacket(packet);
  }

  protected doClose(): void {
    const ws = this.#ws;
    this.#ws = null;
    if (!ws) return;
    ws.onerror = null;
    ws.onclose = null;
    ws.onmessage = null;
    try {
      ws.close();
    } catch { /* already closing */ }
  }

  protected write(packets: EnginePacket[]): void {
    const ws = this.#ws;
    if (!ws) return;
    this.writable = false;
    const base64 = this.options.forceBase64;
    for (const packet of packets) {
      const frame = base64 ? encodePacketText(packet) : encodePacket(packet);
      try {
        ws.send(frame as string | Uint8Array<ArrayBuffer>);
      } catch (error) {
        this.onError("websocket error", error);
        return;
      }
    }
    // Like the reference: writable again on the next tick, then drain.
    this.#drainTimer = setTimeout(this.#drained, 0);
  }

  #drained = (): void => {
    this.#drainTimer = undefined;
    if (this.state === "closed") return;
    this.writable = true;
    this.handler.onTransportDrain(this);
  };

  protected override onClose(description?: unknown): void {
    clearTimeout(this.#drainTimer);
    super.onClose(description);
  }

  protected override doDiscard(): void {
    clearTimeout(this.#drainTimer);
    this.doClose();
  }
}

/** Drops a response's body unread (a failure to cancel is of no interest). */
function discard(response: Response): Promise<void> | undefined {
  return response.body?.cancel().catch(() => {});
}

/** Makes a transport by name. */
export function createTransport(
  name: TransportName,
  options: TransportOptions,
  handler: TransportHandler,
): Transport {
  return name === "polling"
    ? new PollingTransport(options, handler)
    : new WebSocketTransport(options, handler);
}

/** Whether `WebSocket` exists here. */
export function hasWebSocket(): boolean {
  return typeof WebSocket !== "undefined" || isBrowser();
}
