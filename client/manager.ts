/**
 * The Manager: one Engine.IO connection shared by the sockets of every
 * namespace (multiplexing), and reconnection with exponential backoff.
 *
 * @module
 */

import type { EngineData } from "../protocol/engine_io.ts";
import { Emitter } from "../protocol/emitter.ts";
import type { Decoder, Encoder, Packet, Parser } from "../protocol/parser.ts";
import { defaultParser } from "../protocol/socket_io.ts";
import { type NpmParser, toParser } from "../protocol/npm_parser.ts";
import { Backoff } from "./backoff.ts";
import { EngineClient, type EngineClientOptions, type EngineCloseReason } from "./engine/socket.ts";
import { callUser } from "./report.ts";
import { callEach, type Fn, Socket, type SocketOptions } from "./socket.ts";

/** Options of the Manager (socket.io-client names and defaults). */
export interface ManagerOptions extends EngineClientOptions {
  /** Reconnect automatically. @default true */
  reconnection?: boolean;
  /** Attempts before giving up; 0 means the default, as in socket.io-client. @default Infinity */
  reconnectionAttempts?: number;
  /** First delay in ms; 0 means the default, as in socket.io-client. @default 1000 */
  reconnectionDelay?: number;
  /** Largest delay in ms; 0 means the default, as in socket.io-client. @default 5000 */
  reconnectionDelayMax?: number;
  /** Jitter, 0 to 1. @default 0.5 */
  randomizationFactor?: number;
  /** Milliseconds before a connection attempt fails. `false` for none. @default 20000 */
  timeout?: number | false;
  /** Connect at once. @default true */
  autoConnect?: boolean;
  /**
   * The parser: webio's (default or msgpack), or one written for socket.io as
   * its npm package exports it (`Encoder` and `Decoder` classes).
   * @default defaultParser
   */
  parser?: Parser | NpmParser;
  /** Upgrade only to transports that carry binary (all of ours do). @default false */
  onlyBinaryUpgrades?: boolean;
}

/** Why the Manager's connection closed. */
export type ManagerCloseReason = EngineCloseReason | "parse error";

/** Events of the Manager. */
export type ManagerEvents = {
  open: () => void;
  error: (error: Error) => void;
  ping: () => void;
  packet: (packet: Packet) => void;
  close: (reason: ManagerCloseReason, description?: unknown) => void;
  reconnect_failed: () => void;
  reconnect_attempt: (attempt: number) => void;
  reconnect_error: (error: Error) => void;
  reconnect: (attempt: number) => void;
};

type State = "closed" | "opening" | "open";

/**
 * Manages the connection of a client: `io.Manager` in socket.io-client.
 *
 * @example
 * ```ts ignore
 * import { Manager } from "./mod.ts";
 * const manager = new Manager("http://localhost:3000", { reconnectionDelayMax: 10000 });
 * const admin = manager.socket("/admin", { auth: { token: "abc" } });
 * ```
 */
export class Manager extends Emitter<ManagerEvents> {
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
  #reconnecting = false;
  #skipReconnect = false;
  #reconnection: boolean;
  #reconnectionAttempts: number;
  #reconnectionDelay: number;
  #reconnectionDelayMax: number;
  #randomizationFactor: number;
  #timeout: number | false;
  #autoConnect: boolean;
  #cleanups: Array<() => void> = [];

  /** @param uri The server URL. @param options Manager and engine options. */
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
   * `undefined` included) and returns the Manager.
   */
  reconnection(): boolean;
  reconnection(value: boolean): this;
  reconnection(value?: boolean): boolean | this {
    if (arguments.length === 0) return this.#reconnection;
    this.#reconnection = !!value;
    if (!value) this.#skipReconnect = true;
    return this;
  }

  /** Gets or sets the attempts before giving up. */
  reconnectionAttempts(): number;
  reconnectionAttempts(value: number): this;
  reconnectionAttempts(value?: number): number | this {
    if (value === undefined) return this.#reconnectionAttempts;
    this.#reconnectionAttempts = value;
    return this;
  }

  /** Gets or sets the first delay. */
  reconnectionDelay(): number;
  reconnectionDelay(value: number): this;
  reconnectionDelay(value?: number): number | this {
    if (value === undefined) return this.#reconnectionDelay;
    this.#reconnectionDelay = value;
    this.backoff.min = value;
    return this;
  }

  /** Gets or sets the largest delay. */
  reconnectionDelayMax(): number;
  reconnectionDelayMax(value: number): this;
  reconnectionDelayMax(value?: number): number | this {
    if (value === undefined) return this.#reconnectionDelayMax;
    this.#reconnectionDelayMax = value;
    this.backoff.max = value;
    return this;
  }

  /** Gets or sets the jitter. */
  randomizationFactor(): number;
  randomizationFactor(value: number): this;
  randomizationFactor(value?: number): number | this {
    if (value === undefined) return this.#randomizationFactor;
    this.#randomizationFactor = value;
    this.backoff.jitter = value;
    return this;
  }

  /** Gets or sets the connection timeout. */
  timeout(): number | false;
  timeout(value: number | false): this;
  timeout(value?: number | false): number | false | this {
    if (value === undefined) return this.#timeout;
    this.#timeout = value;
    return this;
  }

  /** The connection state. */
  get readyState(): State {
    return this.#state;
  }

  /** @internal Whether a reconnection is under way. */
  get reconnecting(): boolean {
    return this.#reconnecting;
  }

  /** @internal Whether sockets connect on creation. */
  get autoConnect(): boolean {
    return this.#autoConnect;
  }

  /**
   * Opens the connection; `callback` gets an error or nothing. Returns the
   * Manager (also when the connection is already open or opening).
   */
  open(callback?: (error?: Error) => void): this {
    if (this.#state !== "closed") return this;
    const engine = new EngineClient(this.uri, this.opts);
    this.engine = engine;
    this.#state = "opening";
    this.#skipReconnect = false;
    const onOpen = () => {
      this.#onOpen(engine);
      if (callback) callUser(this, callback, []);
    };
    const onError = (error: Error) => {
      this.#cleanup();
      this.#state = "closed";
      this.emit("error", error);
      if (callback) callUser(this, callback, [error]);
      else this.#maybeReconnectOnOpen();
    };
    engine.once("open", onOpen);
    engine.once("error", onError);
    this.#cleanups.push(() => engine.off("open", onOpen), () => engine.off("error", onError));
    if (this.#timeout !== false) {
      const timer = setTimeout(() => {
        engine.off("open", onOpen);
        onError(new Error("timeout"));
        engine.close();
      }, this.#timeout);
      this.#cleanups.push(() => clearTimeout(timer));
    }
    return this;
  }

  /**
   * Calls the listeners of `event`. What a listener throws is reported as an
   * uncaught error of the program (`reportError`) and the other listeners
   * still run: a bug in a `reconnect_attempt` or `packet` listener never
   * breaks the connection or the reconnection loop.
   */
  override emit<E extends keyof ManagerEvents>(
    event: E,
    ...args: Parameters<ManagerEvents[E]>
  ): boolean {
    return callEach(this, this.rawListener(event) as Fn | readonly Fn[] | undefined, args);
  }

  /** Alias of {@linkcode Manager.open}. */
  connect(callback?: (error?: Error) => void): this {
    return this.open(callback);
  }

  #onOpen(engine: EngineClient): void {
    this.#cleanup();
    this.#state = "open";
    this.#decoder = this.#parser.createDecoder({ binaryType: "arraybuffer" });
    const onPing = () => this.emit("ping");
    const onData = (data: EngineData) => this.#onData(data);
    const onError = (error: Error) => this.emit("error", error);
    const onClose = (reason: EngineCloseReason, description?: unknown) =>
      this.#onClose(reason, description);
    engine.on("ping", onPing).on("data", onData).on("error", onError).on("close", onClose);
    this.#cleanups.push(() => {
      engine.off("ping", onPing).off("data", onData).off("error", onError).off("close", onClose);
    });
    this.emit("open");
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

  /** @internal A socket went inactive: close the connection when none is left. */
  destroySocket(_socket: Socket): void {
    for (const socket of this.nsps.values()) if (socket.active) return;
    this.#close();
  }

  /** @internal Encodes and writes a packet. */
  packet(packet: Packet, options?: { compress?: boolean }): void {
    const engine = this.engine;
    if (!engine) return;
    const frames = this.encoder.encode(packet);
    for (const frame of frames) engine.write(frame, options);
  }

  #cleanup(): void {
    for (const fn of this.#cleanups.splice(0)) fn();
    this.#decoder?.destroy();
  }

  #close(): void {
    this.#skipReconnect = true;
    this.#reconnecting = false;
    this.#onClose("forced close");
  }

  /**
   * Closes the connection and stops reconnecting. Emits "close" with
   * "forced close", also when the connection is already closed (as
   * socket.io-client does), and the active sockets emit "disconnect".
   */
  disconnect(): void {
    this.#close();
  }

  /** Alias of {@linkcode Manager.disconnect}. */
  close(): void {
    this.#close();
  }

  #onClose(reason: ManagerCloseReason, description?: unknown): void {
    this.#cleanup();
    this.engine?.close();
    this.backoff.reset();
    this.#state = "closed";
    // Also when already closed, as socket.io-client does: each `disconnect()`
    // of a Manager, or of its last active socket, reports "forced close".
    this.emit("close", reason, description);
    if (this.#reconnection && !this.#skipReconnect) this.#reconnect();
  }

  #maybeReconnectOnOpen(): void {
    if (!this.#reconnecting && this.#reconnection && this.backoff.attempts === 0) this.#reconnect();
  }

  #reconnect(): void {
    if (this.#reconnecting || this.#skipReconnect) return;
    if (this.backoff.attempts >= this.#reconnectionAttempts) {
      this.backoff.reset();
      this.#reconnecting = false;
      this.emit("reconnect_failed");
      return;
    }
    const delay = this.backoff.duration();
    this.#reconnecting = true;
    const timer = setTimeout(() => {
      if (this.#skipReconnect) return;
      this.emit("reconnect_attempt", this.backoff.attempts);
      if (this.#skipReconnect) return;
      this.open((error) => {
        if (error) {
          this.#reconnecting = false;
          this.#reconnect();
          this.emit("reconnect_error", error);
        } else {
          const attempt = this.backoff.attempts;
          this.#reconnecting = false;
          this.backoff.reset();
          this.emit("reconnect", attempt);
        }
      });
    }, delay);
    this.#cleanups.push(() => clearTimeout(timer));
  }
}
