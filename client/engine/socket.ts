/**
 * The Engine.IO client: handshake, heartbeat, write buffer, upgrade from
 * long-polling to WebSocket, and close reasons with the official strings.
 *
 * @module
 */

import type { EngineData, EnginePacket } from "../../protocol/engine_io.ts";
import { Emitter } from "../../protocol/emitter.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { callUser } from "../report.ts";
import { CookieJar } from "./cookie_jar.ts";
import { createTlsContext, isBrowser, type TlsContext, type TlsOptions } from "./runtime.ts";
import {
  createTransport,
  type Transport,
  type TransportError,
  type TransportHandler,
  type TransportName,
  type TransportOptions,
} from "./transport.ts";

/** Why the Engine.IO client closed: the official strings. */
export type EngineCloseReason =
  | "transport close"
  | "transport error"
  | "ping timeout"
  | "parse error"
  | "forced close";

/** Options of the Engine.IO client (engine.io-client names and defaults). */
export interface EngineClientOptions extends TlsOptions {
  /** Transports, tried in order. @default ["polling", "websocket"] */
  transports?: TransportName[];
  /** Upgrade from polling to WebSocket when the server offers it. @default true */
  upgrade?: boolean;
  /** Start with WebSocket when a WebSocket connection worked before. @default false */
  rememberUpgrade?: boolean;
  /** On a failed connection, try the next transport. @default false */
  tryAllTransports?: boolean;
  /** Server path. @default "/engine.io" */
  path?: string;
  /** Append a trailing slash to the path. @default true */
  addTrailingSlash?: boolean;
  /** Query parameters. */
  query?: string | Record<string, string | number | boolean>;
  /** Headers for every request (WebSocket too in Deno and Bun). */
  extraHeaders?: Record<string, string>;
  /** Send cookies: `credentials: "include"` in browsers, a cookie jar in Deno/Bun. @default false */
  withCredentials?: boolean;
  /**
   * Send binary as base64 text ("b" + base64) and ask the server, with
   * `b64=1` in the query of the polling handshake and of every WebSocket, to
   * do the same. @default false
   */
  forceBase64?: boolean;
  /** Add a timestamp to every request. @default true */
  timestampRequests?: boolean;
  /** Name of the timestamp parameter. @default "t" */
  timestampParam?: string;
  /** Milliseconds before an HTTP request fails. */
  requestTimeout?: number;
  /** WebSocket sub-protocols. */
  protocols?: string | string[];
  /**
   * Close the connection silently on the global `beforeunload` event, like
   * engine.io-client: the transport closes (the server sees the client
   * leave) but nothing is reported up, so the Socket.IO sockets emit no
   * "disconnect" and the Manager does not reconnect. Where the event does not
   * unload the program (a cancelled unload, or a runtime that dispatches it
   * and keeps running), the session ends later with "ping timeout". Browsers
   * fire it when the page unloads; Deno fires it when its event loop is about
   * to run dry; the option needs a global `addEventListener`.
   * @default false
   */
  closeOnBeforeunload?: boolean;
  /** Options per transport, overriding the ones above. */
  transportOptions?: Partial<Record<TransportName, Partial<EngineClientOptions>>>;
  /** Host name (instead of the URL's). */
  hostname?: string;
  /** Port (instead of the URL's). */
  port?: string | number;
  /** Use TLS (instead of the URL's scheme). */
  secure?: boolean;
}

/** Events of the Engine.IO client. */
export type EngineClientEvents = {
  open: () => void;
  handshake: (data: HandshakeData) => void;
  message: (data: EngineData) => void;
  data: (data: EngineData) => void;
  packet: (packet: EnginePacket) => void;
  packetCreate: (packet: EnginePacket) => void;
  ping: () => void;
  heartbeat: () => void;
  drain: () => void;
  flush: () => void;
  upgrading: (transport: Transport) => void;
  upgrade: (transport: Transport) => void;
  upgradeError: (error: Error) => void;
  error: (error: Error) => void;
  close: (reason: EngineCloseReason, description?: unknown) => void;
};

/** The open packet. */
export interface HandshakeData {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

type State = "opening" | "open" | "closing" | "closed";

let priorWebSocketSuccess = false;

/** Splits `http://host:port/path?query` into parts. */
export interface ParsedUri {
  secure: boolean;
  hostname: string;
  port: string;
  path: string;
  query: Record<string, string>;
}

/** Parses an absolute URL (or a bare `host:port`). */
export function parseUri(uri: string): ParsedUri {
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? uri : `http://${uri}`);
  const secure = url.protocol === "https:" || url.protocol === "wss:";
  return {
    secure,
    hostname: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port || (secure ? "443" : "80"),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
  };
}

/**
 * An Engine.IO client connection.
 *
 * @example Echo against an Engine.IO server
 * ```ts ignore
 * import { EngineClient } from "./socket.ts";
 * const conn = new EngineClient("http://localhost:3000", { path: "/engine.io/" });
 * conn.on("open", () => conn.send("hello"));
 * conn.on("message", (data) => console.log(data));
 * ```
 */
export class EngineClient extends Emitter<EngineClientEvents> implements TransportHandler {
  /** The session id, once open. */
  id: string | null = null;
  /** The transport in use. */
  transport: Transport | null = null;
  /** Transports the server offers for an upgrade. */
  upgrades: string[] = [];
  /** Milliseconds between the server's pings. */
  pingInterval = 0;
  /** Milliseconds the server waits for a pong. */
  pingTimeout = 0;
  /** Largest payload the server accepts. */
  maxPayload = 0;
  #state: State = "opening";
  #options:
    & Required<Pick<EngineClientOptions, "upgrade" | "rememberUpgrade" | "tryAllTransports">>
    & EngineClientOptions;
  #transports: TransportName[];
  #base: TransportOptions;
  #writeBuffer: EnginePacket[] = [];
  #inFlight = 0;
  #upgrading = false;
  #probe: Transport | null = null;
  #pingTimer: ReturnType<typeof setTimeout> | undefined;
  #pingDeadline = 0;
  #beforeUnload: (() => void) | null = null;
  #tls: TlsContext | undefined;

  /** Connects to `uri` (`http(s)://host:port`, path from the options). */
  constructor(uri: string, options: EngineClientOptions = {}) {
    super();
    const parsed = parseUri(uri);
    this.#options = { upgrade: true, rememberUpgrade: false, tryAllTransports: false, ...options };
    const o = this.#options;
    let path = (o.path ?? "/engine.io").replace(/\/$/, "");
    if (o.addTrailingSlash !== false) path += "/";
    const query = typeof o.query === "string"
      ? Object.fromEntries(new URLSearchParams(o.query))
      : Object.fromEntries(Object.entries(o.query ?? {}).map(([k, v]) => [k, String(v)]));
    this.#transports = (o.transports ?? ["polling", "websocket"]).filter((t) =>
      t === "polling" || t === "websocket"
    );
    if (this.#transports.length === 0) throw new TypeError("Cannot connect: no usable transport");
    // Last of what may throw (an option the runtime cannot honour): it may hold a resource.
    this.#tls = createTlsContext(o);
    this.#base = {
      hostname: o.hostname ?? parsed.hostname,
      port: String(o.port ?? parsed.port),
      secure: o.secure ?? parsed.secure,
      path,
      query: { ...parsed.query, ...query, EIO: "4" },
      extraHeaders: o.extraHeaders,
      withCredentials: o.withCredentials ?? false,
      forceBase64: o.forceBase64 ?? false,
      timestampRequests: o.timestampRequests !== false,
      timestampParam: o.timestampParam ?? "t",
      requestTimeout: o.requestTimeout,
      protocols: o.protocols,
      tls: this.#tls,
      cookieJar: o.withCredentials && !isBrowser() ? new CookieJar() : undefined,
    };
    if (
      o.closeOnBeforeunload && typeof addEventListener === "function" &&
      typeof removeEventListener === "function"
    ) {
      this.#beforeUnload = () => this.#closeSilently();
      addEventListener("beforeunload", this.#beforeUnload, false);
    }
    this.#open();
  }

  /** The connection state. */
  get readyState(): State {
    return this.#state;
  }

  /**
   * Calls the listeners of `event`. A listener that throws (the layer above,
   * or the user's code) is reported as an uncaught error
   * ({@linkcode callUser}) and the other listeners still run: it never
   * reaches the transport, so it never looks like a network failure.
   */
  override emit<E extends keyof EngineClientEvents>(
    event: E,
    ...args: Parameters<EngineClientEvents[E]>
  ): boolean {
    const entry = this.rawListener(event);
    if (entry === undefined) return false;
    if (typeof entry === "function") callUser(this, entry, args);
    else for (const listener of entry) callUser(this, listener, args);
    return true;
  }

  #transportOptions(name: TransportName): TransportOptions {
    const override = this.#options.transportOptions?.[name];
    const base = this.#base;
    if (!override) return { ...base, query: { ...base.query } };
    return {
      ...base,
      query: { ...base.query, ...(override.query as Record<string, string> | undefined) },
      extraHeaders: override.extraHeaders ?? base.extraHeaders,
      forceBase64: override.forceBase64 ?? base.forceBase64,
      requestTimeout: override.requestTimeout ?? base.requestTimeout,
      protocols: override.protocols ?? base.protocols,
      withCredentials: override.withCredentials ?? base.withCredentials,
    };
  }

  #create(name: TransportName): Transport {
    const options = this.#transportOptions(name);
    if (this.id) options.query.sid = this.id;
    options.query.transport = name;
    return createTransport(name, options, this);
  }

  #open(): void {
    const name = this.#options.rememberUpgrade && priorWebSocketSuccess &&
        this.#transports.includes("websocket")
      ? "websocket"
      : this.#transports[0];
    this.#state = "opening";
    const transport = this.#create(name);
    this.transport = transport;
    transport.open();
  }

  // ---- transport events ------------------------------------------------------------------

  /** @internal */
  onTransportOpen(transport: Transport): void {
    if (transport === this.#probe) {
      transport.send([{ type: "ping", data: "probe" }]);
    }
  }

  /** @internal */
  onTransportPacket(transport: Transport, packet: EnginePacket): void {
    if (transport === this.#probe) {
      this.#onProbePacket(transport, packet);
      return;
    }
    if (transport !== this.transport) return;
    if (this.#state !== "opening" && this.#state !== "open" && this.#state !== "closing") return;
    this.emit("packet", packet);
    this.emit("heartbeat");
    switch (packet.type) {
      case "open": {
        const data = parseHandshake(packet.data);
        if (data instanceof Error) this.#onClose("parse error", data);
        else this.#onHandshake(data);
        return;
      }
      case "ping":
        this.#resetPingTimeout();
        this.#sendPacket({ type: "pong" });
        this.emit("ping");
        return;
      case "message":
        this.emit("data", packet.data ?? "");
        this.emit("message", packet.data ?? "");
        return;
      default:
        return;
    }
  }

  /** @internal */
  onTransportDrain(transport: Transport): void {
    if (transport !== this.transport) return;
    this.#writeBuffer.splice(0, this.#inFlight);
    this.#inFlight = 0;
    if (this.#writeBuffer.length === 0) this.emit("drain");
    else this.#flush();
  }

  /** @internal */
  onTransportError(transport: Transport, error: TransportError): void {
    if (transport === this.#probe) {
      this.#failProbe(error);
      return;
    }
    if (transport !== this.transport) return;
    priorWebSocketSuccess = false;
    if (
      this.#options.tryAllTransports && this.#transports.length > 1 && this.#state === "opening"
    ) {
      // Try the next transport before giving up.
      this.#transports.shift();
      transport.close();
      this.#open();
      return;
    }
    this.emit("error", error);
    this.#onClose("transport error", error);
  }

  /** @internal */
  onTransportClose(transport: Transport, description?: unknown): void {
    if (transport === this.#probe) {
      this.#failProbe(new Error("transport closed"));
      return;
    }
    if (transport !== this.transport) return;
    this.#onClose("transport close", description);
  }

  // ---- handshake and heartbeat -----------------------------------------------------------

  #onHandshake(data: HandshakeData): void {
    this.emit("handshake", data);
    this.id = data.sid;
    this.transport!.query.sid = data.sid;
    this.upgrades = data.upgrades.filter((u) => this.#transports.includes(u as TransportName));
    this.pingInterval = data.pingInterval;
    this.pingTimeout = data.pingTimeout;
    this.maxPayload = data.maxPayload;
    this.#state = "open";
    priorWebSocketSuccess = this.transport!.name === "websocket";
    this.emit("open");
    this.#flush();
    if (this.#state !== "open") return;
    this.#resetPingTimeout();
    if (
      this.#options.upgrade && this.transport!.name === "polling" &&
      this.upgrades.includes("websocket")
    ) {
      this.#startProbe();
    }
  }

  #resetPingTimeout(): void {
    clearTimeout(this.#pingTimer);
    const delay = this.pingInterval + this.pingTimeout;
    this.#pingDeadline = Date.now() + delay;
    this.#pingTimer = setTimeout(() => this.#onClose("ping timeout"), delay);
  }

  /** Whether the server has been silent past pingInterval + pingTimeout (a suspended tab). */
  hasPingExpired(): boolean {
    return this.#pingDeadline !== 0 && Date.now() > this.#pingDeadline;
  }

  // ---- upgrade ---------------------------------------------------------------------------

  #startProbe(): void {
    priorWebSocketSuccess = false;
    const probe = this.#create("websocket");
    this.#probe = probe;
    probe.open();
  }

  #onProbePacket(probe: Transport, packet: EnginePacket): void {
    if (packet.type !== "pong" || packet.data !== "probe") {
      this.#failProbe(new Error("probe error"));
      return;
    }
    this.#upgrading = true;
    this.emit("upgrading", probe);
    priorWebSocketSuccess = true;
    this.transport!.pause(() => {
      if (this.#probe !== probe || this.#state === "closed") return;
      const old = this.transport!;
      this.#probe = null;
      this.transport = probe;
      // Not close(): that would send a close packet and end the session.
      old.discard();
      probe.send([{ type: "upgrade" }]);
      this.emit("upgrade", probe);
      this.#upgrading = false;
      this.#flush();
    });
  }

  #failProbe(error: Error): void {
    const probe = this.#probe;
    if (!probe) return;
    this.#probe = null;
    this.#upgrading = false;
    probe.close();
    this.emit("upgradeError", error);
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * Sends a message; `callback` runs once it was handed to the transport.
   *
   * `options.compress` is accepted for engine.io-client compatibility and has
   * no effect, as in engine.io-client in browsers: no client `WebSocket` here
   * takes a per-message flag (browsers and Deno have none; Bun's compresses
   * every message once permessage-deflate is agreed and ignores a flag), and
   * polling requests are never compressed by the client (engine.io-client
   * ignores the flag over polling too).
   *
   * @param data Text or binary.
   * @param options `compress`: see above.
   * @param callback Called when the message was flushed to the transport.
   * @returns The connection.
   * @example Send a message
   * ```ts ignore
   * conn.send("hello", { compress: false }, () => console.log("flushed"));
   * ```
   */
  send(data: EngineData, options?: { compress?: boolean }, callback?: () => void): this {
    this.#sendPacket({ type: "message", data }, callback);
    void options;
    return this;
  }

  /** Alias of {@linkcode EngineClient.send}. */
  write(data: EngineData, options?: { compress?: boolean }, callback?: () => void): this {
    return this.send(data, options, callback);
  }

  #sendPacket(packet: EnginePacket, callback?: () => void): void {
    if (this.#state === "closing" || this.#state === "closed") return;
    this.emit("packetCreate", packet);
    this.#writeBuffer.push(packet);
    if (callback) this.once("flush", callback);
    this.#flush();
  }

  #flush(): void {
    const transport = this.transport;
    if (
      this.#state === "closed" || !transport || !transport.writable || this.#upgrading ||
      this.#writeBuffer.length === 0 || this.#inFlight > 0
    ) return;
    const packets = this.#writablePackets();
    transport.send(packets);
    this.#inFlight = packets.length;
    this.emit("flush");
  }

  /** For polling, at most maxPayload bytes per request (the server's limit). */
  #writablePackets(): EnginePacket[] {
    const buffer = this.#writeBuffer;
    if (!this.maxPayload || this.transport?.name !== "polling" || buffer.length <= 1) {
      return buffer.slice();
    }
    let size = 1;
    for (let i = 0; i < buffer.length; i++) {
      const data = buffer[i].data;
      size += data === undefined
        ? 1
        : typeof data === "string"
        ? utf8Length(data) + 1
        : Math.ceil(data.byteLength * 4 / 3) + 2;
      if (i > 0 && size > this.maxPayload) return buffer.slice(0, i);
      size += 2;
    }
    return buffer.slice();
  }

  // ---- closing ---------------------------------------------------------------------------

  /** Closes the connection ("forced close") after what is queued went out. */
  close(): this {
    if (this.#state !== "opening" && this.#state !== "open") return this;
    this.#state = "closing";
    const close = () => {
      this.#onClose("forced close");
    };
    // A transport closed by "beforeunload" drains nothing: close at once.
    if (this.#writeBuffer.length > 0 && this.transport?.state !== "closed") {
      this.once("drain", close);
    } else close();
    return this;
  }

  /**
   * The page is unloading: the transport (and a probe) close without a word
   * to the layers above, as engine.io-client does, so no "disconnect" and no
   * reconnection follow. The session stays "open" with its ping timer: if the
   * unload is cancelled, the missing pings end it with "ping timeout".
   */
  #closeSilently(): void {
    const probe = this.#probe;
    if (probe) {
      this.#probe = null;
      this.#upgrading = false;
      probe.silence();
      probe.close();
    }
    const transport = this.transport;
    if (!transport) return;
    transport.silence();
    transport.close();
  }

  #onClose(reason: EngineCloseReason, description?: unknown): void {
    if (this.#state === "closed") return;
    clearTimeout(this.#pingTimer);
    this.#pingDeadline = 0;
    const probe = this.#probe;
    this.#probe = null;
    probe?.close();
    this.#state = "closed";
    const transport = this.transport;
    if (transport) transport.close();
    // After the close: requests already made (the close packet's POST) keep their client.
    this.#tls?.close();
    if (this.#beforeUnload) {
      removeEventListener("beforeunload", this.#beforeUnload, false);
      this.#beforeUnload = null;
    }
    this.id = null;
    this.#writeBuffer = [];
    this.#inFlight = 0;
    this.#upgrading = false;
    this.emit("close", reason, description);
  }
}

/** The open packet's JSON, checked: an Error when it is not a handshake. */
function parseHandshake(data: unknown): HandshakeData | Error {
  let value: Partial<HandshakeData>;
  try {
    value = JSON.parse(data as string);
  } catch (error) {
    return error as Error;
  }
  if (
    value === null || typeof value !== "object" || typeof value.sid !== "string" ||
    !Array.isArray(value.upgrades) || typeof value.pingInterval !== "number" ||
    typeof value.pingTimeout !== "number"
  ) {
    return new ProtocolError("Cannot decode the handshake: not an open packet's JSON");
  }
  if (typeof value.maxPayload !== "number") value.maxPayload = 0;
  return value as HandshakeData;
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
