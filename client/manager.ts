/**
 * The Manager: one Engine.IO connection shared by the sockets of every
 * namespace (multiplexing), and reconnection with exponential backoff. Its
 * options, events and socket handler are `manager_types.ts`'s, re-exported
 * here.
 *
 * @module
 */

import type { EngineData } from "../protocol/engine_io.ts";
import type { Decoder, Encoder, Packet, Parser } from "../protocol/parser.ts";
import { defaultParser } from "../protocol/socket_io.ts";
import { toParser } from "../protocol/npm_parser.ts";
import { Backoff } from "./backoff.ts";
import { DETACHED, type EngineClientHandler } from "./engine/handler.ts";
import { EngineClient } from "./engine/socket.ts";
import type {
  ManagerCloseReason,
  ManagerEvents,
  ManagerOptions,
  ManagerReadyState,
  ManagerSocketHandler,
} from "./manager_types.ts";
import { ReportingEmitter } from "./listeners.ts";
import { callUser } from "./report.ts";
import { Socket, type SocketOptions } from "./socket.ts";

export type {
  ManagerCloseReason,
  ManagerEvents,
  ManagerOptions,
  ManagerReadyState,
  ManagerSocketHandler,
} from "./manager_types.ts";

/**
 * The states of the Manager. "opening": an engine connects, under the
 * connection timeout; "reconnecting": the same, as an attempt of a
 * reconnection; "backoff": a reconnection waits its delay before the next
 * attempt. Each has its one timer, which `#setState` clears.
 */
type State = "closed" | "opening" | "reconnecting" | "open" | "backoff";

/**
 * Manages the connection of a client: `io.Manager` in socket.io-client.
 *
 * @example Two namespaces over one connection
 * ```ts ignore
 * import { Manager } from "./mod.ts";
 * const manager = new Manager("http://localhost:3000", { reconnectionDelayMax: 10000 });
 * const admin = manager.socket("/admin", { auth: { token: "abc" } });
 * ```
 */
export class Manager extends ReportingEmitter<ManagerEvents> {
  /** The Engine.IO connection, once opened. */
  engine: EngineClient | null = null;
  /** The URI. */
  readonly uri: string;
  /** The options. */
  readonly opts: ManagerOptions;
  /** Sockets by namespace. */
  readonly nsps: Map<string, Socket> = new Map();
  /** The backoff of reconnection. */
  readonly backoff: Backoff;
  /** @internal */
  readonly encoder: Encoder;
  #parser: Parser;
  #decoder: Decoder | null = null;
  #state: State = "closed";
  /** The timer of the state: the connection timeout, or the delay of a reconnection. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The callback of `open(callback)`, while opening. */
  #openCallback: ((error?: Error) => void) | undefined;
  /** The active sockets, in the order they started to use the Manager (copied on change). */
  #sockets: readonly ManagerSocketHandler[] = [];
  /** How the engine reports to this Manager; an engine left behind gets `DETACHED`. */
  #engineHandler: EngineClientHandler = {
    onOpen: () => this.#onEngineOpen(),
    onPing: () => this.emit("ping"),
    onMessage: (data) => this.#onData(data),
    onError: (error) => this.#onEngineError(error),
    // Before the open, only an error ends an attempt (else the connection timeout does).
    onClose: (reason, description) => {
      if (this.#state === "open") this.#onClose(reason, description);
    },
  };
  #reconnection: boolean;
  #reconnectionAttempts: number;
  #reconnectionDelay: number;
  #reconnectionDelayMax: number;
  #randomizationFactor: number;
  #timeout: number | false;
  #autoConnect: boolean;

  /**
   * Makes the Manager of `uri`; it connects at once unless `autoConnect` is false.
   *
   * @param uri The server URL.
   * @param options Manager and engine options.
   */
  constructor(uri: string, options: ManagerOptions = {}) {
    super();
    this.uri = uri;
    this.opts = { ...options, path: options.path ?? "/socket.io" };
    this.#reconnection = options.reconnection !== false;
    // socket.io-client takes a falsy value (0 included) as "the default" here.
    this.#reconnectionAttempts = options.reconnectionAttempts || Infinity;
    this.#reconnectionDelay = options.reconnectionDelay || 1000;
    this.#reconnectionDelayMax = options.reconnectionDelayMax || 5000;
    this.#randomizationFactor = options.randomizationFactor ?? 0.5;
    this.backoff = new Backoff({
      min: this.#reconnectionDelay,
      max: this.#reconnectionDelayMax,
      jitter: this.#randomizationFactor,
    });
    this.#timeout = options.timeout ?? 20_000;
    this.#parser = options.parser ? toParser(options.parser) : defaultParser;
    this.encoder = this.#parser.createEncoder();
    this.#autoConnect = options.autoConnect !== false;
    if (this.#autoConnect) this.open();
  }

  /**
   * Gets automatic reconnection, or sets it (any value, read as a boolean,
   * `undefined` included) and returns the Manager. Turning it off cancels a
   * reconnection that waits for its next attempt.
   */
  reconnection(): boolean;
  /** Turns automatic reconnection on or off; returns the Manager. */
  reconnection(value: boolean): this;
  reconnection(value?: boolean): boolean | this {
    if (arguments.length === 0) return this.#reconnection;
    this.#reconnection = !!value;
    if (!value && this.#state === "backoff") this.#setState("closed");
    return this;
  }

  /** Gets or sets the attempts before giving up. */
  reconnectionAttempts(): number;
  /** Sets the attempts before giving up; returns the Manager. */
  reconnectionAttempts(value: number): this;
  reconnectionAttempts(value?: number): number | this {
    if (value === undefined) return this.#reconnectionAttempts;
    this.#reconnectionAttempts = value;
    return this;
  }

  /** Gets or sets the first delay. */
  reconnectionDelay(): number;
  /** Sets the first delay, in ms; returns the Manager. */
  reconnectionDelay(value: number): this;
  reconnectionDelay(value?: number): number | this {
    if (value === undefined) return this.#reconnectionDelay;
    this.#reconnectionDelay = value;
    this.backoff.min = value;
    return this;
  }

  /** Gets or sets the largest delay. */
  reconnectionDelayMax(): number;
  /** Sets the largest delay, in ms; returns the Manager. */
  reconnectionDelayMax(value: number): this;
  reconnectionDelayMax(value?: number): number | this {
    if (value === undefined) return this.#reconnectionDelayMax;
    this.#reconnectionDelayMax = value;
    this.backoff.max = value;
    return this;
  }

  /** Gets or sets the jitter. */
  randomizationFactor(): number;
  /** Sets the jitter, 0 to 1; returns the Manager. */
  randomizationFactor(value: number): this;
  randomizationFactor(value?: number): number | this {
    if (value === undefined) return this.#randomizationFactor;
    this.#randomizationFactor = value;
    this.backoff.jitter = value;
    return this;
  }

  /** Gets or sets the connection timeout. */
  timeout(): number | false;
  /** Sets the connection timeout, in ms (`false`: none); returns the Manager. */
  timeout(value: number | false): this;
  timeout(value?: number | false): number | false | this {
    if (value === undefined) return this.#timeout;
    this.#timeout = value;
    return this;
  }

  /** The connection state: "opening" also during an attempt to reconnect. */
  get readyState(): ManagerReadyState {
    const state = this.#state;
    return state === "backoff" ? "closed" : state === "reconnecting" ? "opening" : state;
  }

  /** @internal Whether a reconnection is under way (waiting, or attempting). */
  get reconnecting(): boolean {
    return this.#state === "backoff" || this.#state === "reconnecting";
  }

  /** @internal Whether sockets connect on creation. */
  get autoConnect(): boolean {
    return this.#autoConnect;
  }

  /**
   * Opens the connection; `callback` gets an error or nothing. Returns the
   * Manager (also when the connection is already open or opening). While a
   * reconnection waits, this makes its next attempt at once.
   */
  open(callback?: (error?: Error) => void): this {
    const state = this.#state;
    if (state === "closed") this.#connect("opening", callback);
    else if (state === "backoff") this.#connect("reconnecting", callback);
    return this;
  }

  /** Alias of {@linkcode Manager.open}. */
  connect(callback?: (error?: Error) => void): this {
    return this.open(callback);
  }

  /**
   * The one place the state changes. It clears the timer of the state left,
   * drops the decoder when leaving "open" and detaches the engine when no
   * connection is left.
   */
  #setState(next: State): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#state === "open" && next !== "open") {
      this.#decoder?.destroy();
      this.#decoder = null;
    }
    if ((next === "closed" || next === "backoff") && this.engine) this.engine.handler = DETACHED;
    this.#state = next;
  }

  #connect(next: "opening" | "reconnecting", callback?: (error?: Error) => void): void {
    const engine = new EngineClient(this.uri, this.opts);
    this.engine = engine;
    this.#setState(next);
    engine.handler = this.#engineHandler;
    this.#openCallback = callback;
    if (this.#timeout !== false) {
      this.#timer = setTimeout(() => {
        this.#openFailed(new Error("timeout"));
        engine.close();
      }, this.#timeout);
    }
  }

  #onEngineOpen(): void {
    const attempt = this.#state === "reconnecting";
    const callback = this.#openCallback;
    this.#openCallback = undefined;
    this.#setState("open");
    this.#decoder = this.#parser.createDecoder({ binaryType: "arraybuffer" });
    for (const socket of this.#sockets) socket.onOpen();
    this.emit("open");
    if (callback) callUser(this, callback, []);
    if (attempt) {
      const attempts = this.backoff.attempts;
      this.backoff.reset();
      this.emit("reconnect", attempts);
    }
  }

  #onEngineError(error: Error): void {
    if (this.#state === "open") this.#error(error);
    else this.#openFailed(error);
  }

  /** The engine failed to open (or timed out): the sockets and the users hear of it. */
  #openFailed(error: Error): void {
    const attempt = this.#state === "reconnecting";
    const callback = this.#openCallback;
    this.#openCallback = undefined;
    this.#setState("closed");
    this.#error(error);
    if (callback) callUser(this, callback, [error]);
    if (attempt) {
      this.#reconnect();
      this.emit("reconnect_error", error);
    } else if (!callback && this.backoff.attempts === 0) {
      this.#reconnect();
    }
  }

  #error(error: Error): void {
    for (const socket of this.#sockets) socket.onError(error);
    this.emit("error", error);
  }

  #onData(data: EngineData): void {
    let packet: Packet | null;
    try {
      packet = this.#decoder!.add(data);
    } catch (error) {
      this.#onClose("parse error", error);
      return;
    }
    if (!packet) return;
    this.emit("packet", packet);
    this.nsps.get(packet.nsp)?.onPacket(packet);
  }

  /** The socket of namespace `nsp` (created on first use). */
  socket(nsp: string, options: SocketOptions = {}): Socket {
    let socket = this.nsps.get(nsp);
    if (!socket) {
      socket = new Socket(this, nsp, options);
      this.nsps.set(nsp, socket);
    } else if (this.#autoConnect && !socket.active) {
      socket.connect();
    }
    return socket;
  }

  /** @internal A socket became active: it hears of the connection's open, errors and close. */
  attach(socket: ManagerSocketHandler): void {
    this.#sockets = [...this.#sockets, socket];
  }

  /** @internal A socket went inactive: close the connection when none is left. */
  detach(socket: ManagerSocketHandler): void {
    this.#sockets = this.#sockets.filter((s) => s !== socket);
    for (const socket of this.nsps.values()) if (socket.active) return;
    this.#onClose("forced close", undefined, false);
  }

  /** @internal Encodes and writes a packet. */
  packet(packet: Packet, options?: { compress?: boolean }): void {
    const engine = this.engine;
    if (!engine) return;
    const frames = this.encoder.encode(packet);
    for (const frame of frames) engine.write(frame, options);
  }

  /**
   * Closes the connection and stops reconnecting. Emits "close" with
   * "forced close", also when the connection is already closed (as
   * socket.io-client does), and the active sockets emit "disconnect".
   */
  disconnect(): void {
    this.#onClose("forced close", undefined, false);
  }

  /** Alias of {@linkcode Manager.disconnect}. */
  close(): void {
    this.#onClose("forced close", undefined, false);
  }

  /**
   * The connection closed, or is closed (`reconnect` false: by the user, or
   * because no socket is left). Also when already closed, as socket.io-client
   * does: each `disconnect()` of a Manager, or of its last active socket,
   * reports "forced close".
   */
  #onClose(reason: ManagerCloseReason, description?: unknown, reconnect = true): void {
    const engine = this.engine;
    this.#setState("closed");
    engine?.close();
    this.backoff.reset();
    for (const socket of this.#sockets) socket.onClose(reason, description);
    this.emit("close", reason, description);
    if (reconnect) this.#reconnect();
  }

  /** Waits the next delay of the backoff, then attempts to connect, unless attempts ran out. */
  #reconnect(): void {
    if (!this.#reconnection || this.#state !== "closed") return;
    if (this.backoff.attempts >= this.#reconnectionAttempts) {
      this.backoff.reset();
      this.emit("reconnect_failed");
      return;
    }
    const delay = this.backoff.duration();
    this.#setState("backoff");
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.emit("reconnect_attempt", this.backoff.attempts);
      // A listener may have closed the Manager, or opened it.
      if (this.#state === "backoff") this.#connect("reconnecting");
    }, delay);
  }
}
