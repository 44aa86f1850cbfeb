/**
 * The Engine.IO client: handshake, heartbeat, sending (through its write
 * buffer, `write_buffer.ts`), upgrade from long-polling to WebSocket, and
 * close reasons with the official strings.
 * It reports to the layer above through its `handler` (`handler.ts`) and to
 * users through its events.
 *
 * @module
 */

import type { EngineData, EnginePacket } from "../../protocol/engine_io.ts";
import { ReportingEmitter } from "../listeners.ts";
import {
  DETACHED,
  type EngineClientEvents,
  type EngineClientHandler,
  type EngineCloseReason,
  type HandshakeData,
  parseHandshake,
} from "./handler.ts";
import {
  baseTransportOptions,
  type EngineClientOptions,
  parseUri,
  transportOptions,
  usableTransports,
} from "./options.ts";
import { PollingTransport } from "./polling.ts";
import { createTlsContext, type TlsContext } from "./runtime.ts";
import type {
  Transport,
  TransportError,
  TransportHandler,
  TransportName,
  TransportOptions,
} from "./transport.ts";
import { WebSocketTransport } from "./websocket.ts";
import { WriteBuffer } from "./write_buffer.ts";

/**
 * The states of the connection. "upgrading": the WebSocket probe answered and
 * polling is pausing, so nothing is written until the transports are swapped.
 * A probe that has not answered yet is the `#probe` slot, in "open" (or
 * "closing"): it changes nothing of the connection until it answers.
 */
type State = "opening" | "open" | "upgrading" | "closing" | "closed";

/** The connection state as engine.io-client names it ("upgrading" is "open" there). */
export type EngineReadyState = "opening" | "open" | "closing" | "closed";

let priorWebSocketSuccess = false;

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
export class EngineClient extends ReportingEmitter<EngineClientEvents> {
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
  /**
   * @internal The layer above (the Manager sets it), told of the open,
   * messages, pings, errors and the close before the user-facing events.
   */
  handler: EngineClientHandler = DETACHED;
  #state: State = "opening";
  #options:
    & Required<Pick<EngineClientOptions, "upgrade" | "rememberUpgrade" | "tryAllTransports">>
    & EngineClientOptions;
  #transports: TransportName[];
  #base: TransportOptions;
  #writeBuffer = new WriteBuffer();
  /** The WebSocket being probed for an upgrade, until it replaces polling or fails. */
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
    this.#transports = usableTransports(o);
    // Last of what may throw (an option the runtime cannot honour): it may hold a resource.
    this.#tls = createTlsContext(o);
    this.#base = baseTransportOptions(parsed, o, this.#tls);
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
  get readyState(): EngineReadyState {
    return this.#state === "upgrading" ? "open" : this.#state;
  }

  /** The one place the state changes; "closed" ends the heartbeat. */
  #setState(next: State): void {
    if (next === "closed") {
      clearTimeout(this.#pingTimer);
      this.#pingDeadline = 0;
    }
    this.#state = next;
  }

  #create(name: TransportName, handler: TransportHandler = this): Transport {
    const options = transportOptions(this.#base, this.#options, name);
    if (this.id) options.query.sid = this.id;
    options.query.transport = name;
    return name === "polling"
      ? new PollingTransport(options, handler)
      : new WebSocketTransport(options, handler);
  }

  #open(): void {
    const name = this.#options.rememberUpgrade && priorWebSocketSuccess &&
        this.#transports.includes("websocket")
      ? "websocket"
      : this.#transports[0];
    this.#setState("opening");
    const transport = this.#create(name);
    this.transport = transport;
    transport.open();
  }

  // ---- transport events ------------------------------------------------------------------

  /** @internal The handshake, not the transport's open, opens the connection. */
  onTransportOpen(_transport: Transport): void {}

  /** @internal */
  onTransportPacket(transport: Transport, packet: EnginePacket): void {
    if (transport !== this.transport || this.#state === "closed") return;
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
        this.handler.onPing();
        this.emit("ping");
        return;
      case "message": {
        const data = packet.data ?? "";
        this.handler.onMessage(data);
        this.emit("data", data);
        this.emit("message", data);
        return;
      }
      default:
        return;
    }
  }

  /** @internal */
  onTransportDrain(transport: Transport): void {
    if (transport !== this.transport) return;
    if (this.#writeBuffer.drained()) {
      this.#flush();
      return;
    }
    this.emit("drain");
    // A close waits for what was queued before it (see close()).
    if (this.#state === "closing") this.#onClose("forced close");
  }

  /** @internal */
  onTransportError(transport: Transport, error: TransportError): void {
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
    this.handler.onError(error);
    this.emit("error", error);
    this.#onClose("transport error", error);
  }

  /** @internal */
  onTransportClose(transport: Transport, description?: unknown): void {
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
    this.#setState("open");
    priorWebSocketSuccess = this.transport!.name === "websocket";
    this.handler.onOpen();
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
    const probe = this.#create("websocket", this.#probeHandler);
    this.#probe = probe;
    probe.open();
  }

  /** How the probe reports until it replaces polling: "2probe" out, "3probe" back. */
  #probeHandler: TransportHandler = {
    onTransportOpen: (probe) => probe.send([{ type: "ping", data: "probe" }]),
    onTransportPacket: (probe, packet) => {
      if (packet.type === "pong" && packet.data === "probe") this.#onProbeAnswered(probe);
      else this.#failProbe(probe, new Error("probe error"));
    },
    onTransportDrain: () => {},
    onTransportError: (probe, error) => this.#failProbe(probe, error),
    onTransportClose: (probe) => this.#failProbe(probe, new Error("transport closed")),
  };

  #onProbeAnswered(probe: Transport): void {
    if (probe !== this.#probe) return;
    if (this.#state === "open") this.#setState("upgrading");
    this.emit("upgrading", probe);
    priorWebSocketSuccess = true;
    this.transport!.pause(() => {
      if (this.#probe !== probe || this.#state === "closed") return;
      const old = this.transport!;
      this.#probe = null;
      this.transport = probe;
      probe.reportTo(this);
      // Not close(): that would send a close packet and end the session.
      old.discard();
      probe.send([{ type: "upgrade" }]);
      this.emit("upgrade", probe);
      if (this.#state === "upgrading") this.#setState("open");
      this.#flush();
    });
  }

  #failProbe(probe: Transport, error: Error): void {
    if (probe !== this.#probe) return;
    this.#dropProbe();
    this.emit("upgradeError", error);
  }

  /** Closes the probe, if any; the connection stays on its transport. */
  #dropProbe(silently = false): void {
    const probe = this.#probe;
    if (!probe) return;
    this.#probe = null;
    if (this.#state === "upgrading") this.#setState("open");
    if (silently) probe.silence();
    probe.close();
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * Sends a message; `callback` runs once it was handed to the transport.
   *
   * `options.compress` is accepted for engine.io-client compatibility and has
   * no effect, as in engine.io-client in browsers: no client `WebSocket` here
   * takes a per-message flag (see `runtime.ts`) and the client never
   * compresses a polling request (nor does engine.io-client).
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
      this.#state === "closed" || this.#state === "upgrading" || !transport ||
      !transport.writable || transport.state !== "open"
    ) return;
    if (this.#writeBuffer.flushTo(transport, this.maxPayload)) this.emit("flush");
  }

  // ---- closing ---------------------------------------------------------------------------

  /** Closes the connection ("forced close") after what is queued went out. */
  close(): this {
    const state = this.#state;
    if (state !== "opening" && state !== "open" && state !== "upgrading") return this;
    this.#setState("closing");
    // The close waits for the drain of what is queued (onTransportDrain), unless the
    // transport was closed by "beforeunload", which drains nothing.
    if (this.#writeBuffer.empty || this.transport?.state === "closed") {
      this.#onClose("forced close");
    }
    return this;
  }

  /**
   * The page is unloading: the transport (and a probe) close without a word
   * to the layers above, as engine.io-client does, so no "disconnect" and no
   * reconnection follow. The session stays "open" with its ping timer: if the
   * unload is cancelled, the missing pings end it with "ping timeout".
   */
  #closeSilently(): void {
    this.#dropProbe(true);
    const transport = this.transport;
    if (!transport) return;
    transport.silence();
    transport.close();
  }

  #onClose(reason: EngineCloseReason, description?: unknown): void {
    if (this.#state === "closed") return;
    const probe = this.#probe;
    this.#probe = null;
    this.#setState("closed");
    probe?.close();
    const transport = this.transport;
    if (transport) transport.close();
    // After the close: requests already made (the close packet's POST) keep their client.
    this.#tls?.close();
    if (this.#beforeUnload) {
      removeEventListener("beforeunload", this.#beforeUnload, false);
      this.#beforeUnload = null;
    }
    this.id = null;
    this.#writeBuffer.clear();
    this.handler.onClose(reason, description);
    this.emit("close", reason, description);
  }
}
