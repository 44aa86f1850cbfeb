/**
 * The client Socket: one namespace over the Manager's connection, with acks,
 * offline buffering, retries and connection state recovery.
 *
 * @module
 */

// deno-lint-ignore-file no-explicit-any

import type { EventsMap } from "../common/emitter.ts";
import { type Packet, PacketType } from "../protocol/parser.ts";
import { hasBlob, RESERVED_EVENTS, resolveBlobs } from "../protocol/socket_io.ts";
import type { Manager, ManagerCloseReason, ManagerSocketHandler } from "./manager.ts";
import { type Ack, Acks, type EmitFlags, RetryQueue } from "./ack.ts";
import { SocketListeners } from "./listeners.ts";
import { callUser } from "./report.ts";

export type { AnyListener } from "./listeners.ts";

/** Why a client socket disconnected: the official strings. */
export type ClientDisconnectReason =
  | "io server disconnect"
  | "io client disconnect"
  | "ping timeout"
  | "transport close"
  | "transport error"
  | "parse error"
  | "forced close";

/** Options of a socket. */
export interface SocketOptions {
  /** Auth payload of the CONNECT packet, or a function that provides it. */
  auth?: Record<string, unknown> | ((callback: (data: Record<string, unknown>) => void) => void);
  /** Default timeout of every ack, in ms. */
  ackTimeout?: number;
  /** Retries of each emit until acked (at-least-once; one packet in flight). */
  retries?: number;
}

/** The events a socket emits itself, beside those of the server. */
export type ReservedEvents = {
  /** Joined the namespace (again, after a reconnection). */
  connect: () => void;
  /** The server refused the CONNECT (a middleware's error), or the connection failed. */
  connect_error: (error: Error & { data?: unknown }) => void;
  /** Left the namespace: the reason, and what caused it when the transport failed. */
  disconnect: (reason: ClientDisconnectReason, description?: unknown) => void;
};

/**
 * The states of a socket. "connecting": it uses its Manager (it is active)
 * and waits for the connection or the server's answer to its CONNECT;
 * "disconnecting": it was connected and has just left its Manager, its
 * "disconnect" comes next.
 */
type State = "disconnected" | "connecting" | "connected" | "disconnecting";

/** The event map used when none is given: any event, any arguments. */
export type DefaultEvents = { [event: string]: (...args: any[]) => void };

/**
 * A client socket in one namespace.
 *
 * @example An ack awaited with a timeout
 * ```ts ignore
 * import { io } from "./mod.ts";
 * const socket = io("http://localhost:3000");
 * socket.on("connect", async () => {
 *   const reply = await socket.timeout(1000).emitWithAck("ping");
 * });
 * ```
 */
export class Socket<L extends EventsMap = DefaultEvents, E extends EventsMap = DefaultEvents>
  extends SocketListeners<L & ReservedEvents> {
  /** The Manager. */
  readonly io: Manager;
  /** The namespace. */
  readonly nsp: string;
  /** The session id given by the server, while connected. */
  id: string | undefined;
  /** Whether the last connection restored a session. */
  recovered = false;
  /** Auth payload or provider. */
  auth: SocketOptions["auth"];
  /** Events received before the socket connected. */
  receiveBuffer: unknown[][] = [];
  /** Packets emitted while disconnected, sent on connect. */
  sendBuffer: Packet[] = [];
  #opts: SocketOptions;
  #acks: Acks = new Acks(this);
  #flags: EmitFlags = {};
  #state: State = "disconnected";
  /** How the Manager reports to this socket while it is active. */
  #handler: ManagerSocketHandler = {
    onOpen: () => this.#onOpen(),
    onError: (error) => {
      if (!this.connected) this.#local("connect_error", error);
    },
    onClose: (reason, description) => this.#onClose(reason, description),
  };
  /** The emits retried until acked, with the `retries` option. */
  #queue: RetryQueue | null;
  #pid: string | undefined;
  #lastOffset: string | undefined;

  /** Made by `manager.socket(nsp)` or `io(url)`. */
  constructor(io: Manager, nsp: string, options: SocketOptions = {}) {
    super();
    this.io = io;
    this.nsp = nsp;
    this.auth = options.auth;
    this.#opts = { ...options };
    this.#queue = options.retries
      ? new RetryQueue(
        this,
        options.retries,
        (event, args, flags) => this.#emit(event, args, flags),
      )
      : null;
    if (io.autoConnect) this.open();
  }

  /** Whether connected. */
  get connected(): boolean {
    return this.#state === "connected" || this.#state === "disconnecting";
  }

  /** Whether the socket is disconnected. */
  get disconnected(): boolean {
    return !this.connected;
  }

  /** Whether the socket reconnects by itself (it uses its Manager). */
  get active(): boolean {
    return this.#state === "connecting" || this.#state === "connected";
  }

  /** The one place the state changes (a socket's state has no timers of its own). */
  #setState(next: State): void {
    this.#state = next;
  }

  /** Connects (or reconnects) the socket. */
  connect(): this {
    if (this.connected) return this;
    if (this.#state === "disconnected") {
      this.#setState("connecting");
      this.io.attach(this.#handler);
    }
    if (!this.io.reconnecting) this.io.open();
    if (this.io.readyState === "open") this.#onOpen();
    return this;
  }

  /** Alias of {@linkcode Socket.connect}. */
  open(): this {
    return this.connect();
  }

  #onOpen(): void {
    const auth = this.auth;
    if (typeof auth === "function") {
      callUser(this, auth, [(data: Record<string, unknown>) => this.#sendConnect(data)]);
    } else this.#sendConnect(auth);
  }

  #sendConnect(data: Record<string, unknown> | undefined): void {
    const payload = this.#pid ? { pid: this.#pid, offset: this.#lastOffset, ...data } : data;
    this.#packet({ type: PacketType.CONNECT, nsp: this.nsp, data: payload });
  }

  // ---- emitting --------------------------------------------------------------------------

  /**
   * Emits an event; a function as last argument receives the server's ack.
   * Returns the socket, so calls chain (as in socket.io-client).
   *
   * @throws {Error} For reserved event names.
   */
  emit<Ev extends keyof E & string>(event: Ev, ...args: Parameters<E[Ev]> | unknown[]): this {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    const flags = this.#flags;
    this.#flags = {};
    if (this.#blobChain || hasBlob(args)) {
      // Blobs are read asynchronously; later emits wait behind them to keep their order.
      const chain = (this.#blobChain ?? Promise.resolve()).then(async () => {
        this.#emit(event, await resolveBlobs(args) as unknown[], flags);
      }).catch((error) => this.#local("connect_error", error)).finally(() => {
        if (this.#blobChain === chain) this.#blobChain = null;
      });
      this.#blobChain = chain;
      return this;
    }
    this.#emit(event, args as unknown[], flags);
    return this;
  }

  #blobChain: Promise<void> | null = null;

  #emit(event: string, args: unknown[], flags: EmitFlags): void {
    if (this.#queue && !flags.fromQueue && !flags.volatile) {
      this.#queue.add([event, ...args], flags);
      return;
    }
    const data: unknown[] = [event, ...args];
    const packet: Packet & { options?: { compress: boolean } } = {
      type: PacketType.EVENT,
      nsp: this.nsp,
      data,
    };
    packet.options = { compress: flags.compress !== false };
    if (typeof data[data.length - 1] === "function") {
      const timeout = flags.timeout ?? this.#opts.ackTimeout;
      packet.id = this.#acks.add(data.pop() as Ack, timeout, (id) => {
        this.sendBuffer = this.sendBuffer.filter((p) => p.id !== id);
      });
    }
    const engine = this.io.engine;
    const writable = engine?.transport?.writable ?? false;
    const connected = this.connected && !(engine?.hasPingExpired() ?? false);
    if (flags.volatile && !writable) return;
    if (connected) {
      this.notifyAnyOutgoing(data);
      this.#packet(packet);
    } else {
      this.sendBuffer.push(packet);
    }
  }

  /** Emits and resolves with the ack (rejects on timeout). */
  emitWithAck<Ev extends keyof E & string>(event: Ev, ...args: unknown[]): Promise<any> {
    return new Promise((resolve, reject) => {
      const fn: Ack = (error: unknown, value: unknown) => error ? reject(error) : resolve(value);
      fn.withError = true;
      this.emit(event, ...args, fn);
    });
  }

  /** Emits "message"; returns the socket. */
  send(...args: unknown[]): this {
    this.emit("message", ...args);
    return this;
  }

  /** Alias of {@linkcode Socket.send}. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /**
   * Sets the compression flag of the next emit; returns the socket.
   *
   * The flag travels with the packet to the Engine.IO connection, where it
   * has no effect (see `EngineClient.send`): no runtime's client `WebSocket`
   * takes a per-message flag (Bun's compresses every frame once
   * permessage-deflate is agreed; Deno's and browsers' negotiate none), and
   * over HTTP long-polling socket.io-client ignores it too. socket.io-client
   * honours it only on Node, where its `ws` WebSocket takes the flag.
   *
   * @param compress Whether to compress the next emit.
   */
  compress(compress: boolean): this {
    this.#flags.compress = compress;
    return this;
  }

  /** Drops the next emit when the connection cannot take it now. */
  get volatile(): this {
    this.#flags.volatile = true;
    return this;
  }

  /** The next emit's ack fails with an error after `ms`. */
  timeout(ms: number): this {
    this.#flags.timeout = ms;
    return this;
  }

  #packet(packet: Packet & { options?: { compress: boolean } }): void {
    packet.nsp = this.nsp;
    this.io.packet(packet, packet.options);
  }

  // ---- receiving -------------------------------------------------------------------------

  /** @internal A packet for this namespace arrived. */
  onPacket(packet: Packet): void {
    if (!this.active) return;
    switch (packet.type) {
      case PacketType.CONNECT: {
        const data = packet.data as { sid?: string; pid?: string } | undefined;
        if (data?.sid) this.#onConnect(data.sid, data.pid);
        else {
          this.#local(
            "connect_error",
            new Error(
              "It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible",
            ),
          );
        }
        return;
      }
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT:
        this.#onEvent(packet);
        return;
      case PacketType.ACK:
      case PacketType.BINARY_ACK:
        this.#acks.resolve(packet.id!, packet.data as unknown[]);
        return;
      case PacketType.DISCONNECT:
        this.#destroy();
        this.#onClose("io server disconnect");
        return;
      case PacketType.CONNECT_ERROR: {
        this.#destroy();
        const payload = packet.data as { message?: string; data?: unknown } | string;
        const message = typeof payload === "string" ? payload : payload?.message ?? "";
        const error: Error & { data?: unknown } = new Error(message);
        if (typeof payload === "object") error.data = payload.data;
        this.#local("connect_error", error);
        return;
      }
    }
  }

  #onEvent(packet: Packet): void {
    const args = (packet.data as unknown[]).slice();
    if (packet.id !== undefined) args.push(this.#ack(packet.id));
    if (this.connected) this.#emitEvent(args);
    else this.receiveBuffer.push(Object.freeze(args) as unknown[]);
  }

  #emitEvent(args: unknown[]): void {
    this.notifyAny(args);
    this.callListeners(args[0] as string, args.slice(1));
    if (this.#pid && args.length && typeof args[args.length - 1] === "string") {
      this.#lastOffset = args[args.length - 1] as string;
    }
  }

  #ack(id: number): (...args: unknown[]) => void {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent) return;
      sent = true;
      this.#packet({ type: PacketType.ACK, nsp: this.nsp, id, data: args });
    };
  }

  #onConnect(id: string, pid: string | undefined): void {
    this.id = id;
    this.recovered = Boolean(pid && this.#pid === pid);
    this.#pid = pid;
    this.#setState("connected");
    for (const args of this.receiveBuffer) this.#emitEvent(args);
    this.receiveBuffer = [];
    const buffered = this.sendBuffer;
    this.sendBuffer = [];
    for (const packet of buffered) {
      this.notifyAnyOutgoing(packet.data as unknown[]);
      this.#packet(packet);
    }
    this.#queue?.drain(true);
    this.#local("connect");
  }

  // ---- disconnecting ---------------------------------------------------------------------

  /** The socket leaves its Manager, which closes its connection when no socket is left. */
  #destroy(): void {
    if (this.#state === "connected") this.#setState("disconnecting");
    else if (this.#state === "connecting") this.#setState("disconnected");
    this.io.detach(this.#handler);
  }

  /**
   * Disconnects this namespace: "disconnect" with "io client disconnect" when
   * it was connected. The Manager's connection closes once no socket is
   * active, and the Manager then emits "close" with "forced close"; as in
   * socket.io-client this happens again on every call, also on a socket
   * already disconnected or refused by the server.
   */
  disconnect(): this {
    if (this.connected) this.#packet({ type: PacketType.DISCONNECT, nsp: this.nsp });
    this.#destroy();
    if (this.connected) this.#onClose("io client disconnect");
    return this;
  }

  /** Alias of {@linkcode Socket.disconnect}. */
  close(): this {
    return this.disconnect();
  }

  /**
   * The socket closed, or its Manager's connection did. "disconnect" fires
   * also when the socket never connected (the Manager closed while its
   * CONNECT was unanswered), as in socket.io-client: a socket subscribed to
   * its Manager reports every close of the Manager's connection.
   */
  #onClose(reason: ClientDisconnectReason | ManagerCloseReason, description?: unknown): void {
    if (this.#state === "connected") this.#setState("connecting");
    else if (this.#state === "disconnecting") this.#setState("disconnected");
    this.id = undefined;
    this.#local("disconnect", reason as ClientDisconnectReason, description);
    this.#acks.clear((id) => this.sendBuffer.some((p) => p.id === id));
  }

  #local(event: keyof ReservedEvents, ...args: unknown[]): void {
    this.callListeners(event, args);
  }
}
