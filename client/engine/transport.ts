/**
 * What an Engine.IO client transport is: the shared base of long-polling
 * (`polling.ts`) and WebSocket (`websocket.ts`), the options both take, the
 * handler interface through which a transport reports to its engine client,
 * and the transport error.
 *
 * @module
 */

import type { EnginePacket } from "../../protocol/engine_io.ts";
import type { CookieJar } from "./cookie_jar.ts";
import type { TlsContext } from "./runtime.ts";

/** Transport names. */
export type TransportName = "polling" | "websocket";

/** What a transport reports to its engine client. */
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
  /**
   * Makes the error of one transport failure.
   *
   * @param reason What failed.
   * @param description The underlying error or status.
   * @param context More detail.
   */
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

/** A no-op, for handlers and promises whose outcome is of no interest. */
export const ignore = (): void => {};

/** The handler of a silenced transport. */
const SILENT: TransportHandler = {
  onTransportOpen: ignore,
  onTransportPacket: ignore,
  onTransportDrain: ignore,
  onTransportError: ignore,
  onTransportClose: ignore,
};

/** The states of a transport; "pausing" and "paused" only for an upgrade away from polling. */
export type TransportState = "closed" | "opening" | "open" | "pausing" | "paused";

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
  /** @internal The connection options. */
  protected readonly options: TransportOptions;
  /** @internal Where the transport reports. */
  protected handler: TransportHandler;

  /**
   * @internal Makes a closed transport.
   *
   * @param options Connection options.
   * @param handler Where events go.
   */
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

  /** @internal Reports to `handler` from now on (a probe's, then its engine's once it is the transport). */
  reportTo(handler: TransportHandler): void {
    this.handler = handler;
  }

  /**
   * @internal Stops reporting to the engine: what the transport does from now on
   * (its close included) goes nowhere.
   */
  silence(): void {
    this.handler = SILENT;
  }

  /** @internal Drops the transport without telling the server (after an upgrade). */
  discard(): void {
    this.state = "closed";
    this.writable = false;
    this.doDiscard();
  }

  /** @internal Releases what the transport holds, without any I/O to the server. */
  protected doDiscard(): void {}

  /** @internal Stops reading, for an upgrade; calls `onPause` once paused. */
  pause(onPause: () => void): void {
    onPause();
  }

  /**
   * @internal The packets of `buffer` that one write takes, from the first: all of
   * them, unless the transport limits a write (see `PollingTransport`).
   */
  batch(buffer: readonly EnginePacket[], _maxPayload: number): EnginePacket[] {
    return buffer.slice();
  }

  /** @internal The transport opened. */
  protected onOpen(): void {
    this.state = "open";
    this.writable = true;
    this.handler.onTransportOpen(this);
  }

  /** @internal A packet arrived. */
  protected onPacket(packet: EnginePacket): void {
    this.handler.onTransportPacket(this, packet);
  }

  /** @internal The transport failed. */
  protected onError(reason: string, description: unknown, context?: unknown): void {
    this.handler.onTransportError(this, new TransportError(reason, description, context));
  }

  /** @internal The transport closed. */
  protected onClose(description?: unknown): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.writable = false;
    this.handler.onTransportClose(this, description);
  }

  /** @internal The transport URL, with a timestamp when asked. */
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

  /** @internal Opens the underlying connection. */
  protected abstract doOpen(): void;
  /** @internal Closes the underlying connection, telling the server. */
  protected abstract doClose(): void;
  /** @internal Writes packets to the underlying connection. */
  protected abstract write(packets: EnginePacket[]): void;
}
