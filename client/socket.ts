/**
 * The client Socket: one namespace over the Manager's connection, with acks,
 * offline buffering, retries and connection state recovery.
 *
 * @module
 */

// deno-lint-ignore-file no-explicit-any

import { type EventsMap, Listeners } from "../protocol/emitter.ts";
import { type Packet, PacketType } from "../protocol/parser.ts";
import { hasBlob, RESERVED_EVENTS, resolveBlobs } from "../protocol/socket_io.ts";
import type { Manager, ManagerCloseReason } from "./manager.ts";
import { callUser } from "./report.ts";

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

type ReservedEvents = {
  connect: () => void;
  connect_error: (error: Error & { data?: unknown }) => void;
  disconnect: (reason: ClientDisconnectReason, description?: unknown) => void;
};

/** Listener of `onAny` / `onAnyOutgoing`. */
export type AnyListener = (event: string, ...args: any[]) => void;

interface Flags {
  compress?: boolean;
  volatile?: boolean;
  timeout?: number;
  fromQueue?: boolean;
}

interface QueuedPacket {
  id: number;
  tryCount: number;
  pending: boolean;
  args: unknown[];
  flags: Flags;
}

type Ack = ((...args: any[]) => void) & { withError?: boolean };

/** @internal */
export type Fn = (...args: any[]) => unknown;

/**
 * @internal Calls each listener of `entry` (one function or a list, never
 * mutated while in use) with `args`. What a listener throws is reported as
 * uncaught and the next listener still runs: an application's bug must not
 * look like a network failure of the connection that delivered the event.
 */
export function callEach(
  self: unknown,
  entry: Fn | readonly Fn[] | undefined,
  args: readonly unknown[],
): boolean {
  if (entry === undefined) return false;
  if (typeof entry === "function") callUser(self, entry, args);
  else for (const listener of entry) callUser(self, listener, args);
  return true;
}

const DEFAULT_MAP = {} as { [event: string]: (...args: any[]) => void };
type DefaultEvents = typeof DEFAULT_MAP;

/**
 * A client socket in one namespace.
 *
 * @example
 * ```ts ignore
 * import { io } from "./mod.ts";
 * const socket = io("http://localhost:3000");
 * socket.on("connect", async () => {
 *   const reply = await socket.timeout(1000).emitWithAck("ping");
 * });
 * ```
 */
export class Socket<L extends EventsMap = DefaultEvents, E extends EventsMap = DefaultEvents>
  extends Listeners<L & ReservedEvents> {
  /** The Manager. */
  readonly io: Manager;
  /** The namespace. */
  readonly nsp: string;
  /** The session id given by the server, while connected. */
  id: string | undefined;
  /** Whether connected. */
  connected = false;
  /** Whether the last connection restored a session. */
  recovered = false;
  /** Auth payload or provider. */
  auth: SocketOptions["auth"];
  /** Events received before the socket connected. */
  receiveBuffer: unknown[][] = [];
  /** Packets emitted while disconnected, sent on connect. */
  sendBuffer: Packet[] = [];
  #opts: SocketOptions;
  #ids = 0;
  #acks = new Map<number, Ack>();
  #flags: Flags = {};
  #subscribed: Array<() => void> | null = null;
  #any: AnyListener[] = [];
  #anyOutgoing: AnyListener[] = [];
  #queue: QueuedPacket[] = [];
  #queueSeq = 0;
  #pid: string | undefined;
  #lastOffset: string | undefined;

  /** Made by `manager.socket(nsp)` or `io(url)`. */
  constructor(io: Manager, nsp: string, options: SocketOptions = {}) {
    super();
    this.io = io;
    this.nsp = nsp;
    this.auth = options.auth;
    this.#opts = { ...options };
    if (io.autoConnect) this.open();
  }

  /** Whether the socket is disconnected. */
  get disconnected(): boolean {
    return !this.connected;
  }

  /** Whether the socket reconnects by itself (it is subscribed to its Manager). */
  get active(): boolean {
    return this.#subscribed !== null;
  }

  #subscribe(): void {
    if (this.#subscribed) return;
    const io = this.io;
    const onOpen = () => this.#onOpen();
    const onError = (error: Error) => {
      if (!this.connected) this.#local("connect_error", error);
    };
    const onClose = (reason: ManagerCloseReason, description?: unknown) =>
      this.#onClose(reason, description);
    io.on("open", onOpen).on("error", onError).on("close", onClose);
    this.#subscribed = [() => io.off("open", onOpen).off("error", onError).off("close", onClose)];
  }

  /** Connects (or reconnects) the socket. */
  connect(): this {
    if (this.connected) return this;
    this.#subscribe();
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

  #emit(event: string, args: unknown[], flags: Flags): void {
    if (this.#opts.retries && !flags.fromQueue && !flags.volatile) {
      this.#addToQueue([event, ...args], flags);
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
      const id = this.#ids++;
      this.#registerAck(id, data.pop() as Ack, flags.timeout);
      packet.id = id;
    }
    const engine = this.io.engine;
    const writable = engine?.transport?.writable ?? false;
    const connected = this.connected && !(engine?.hasPingExpired() ?? false);
    if (flags.volatile && !writable) return;
    if (connected) {
      this.#notifyOutgoing(data);
      this.#packet(packet);
    } else {
      this.sendBuffer.push(packet);
    }
  }

  #registerAck(id: number, ack: Ack, flagTimeout: number | undefined): void {
    const timeout = flagTimeout ?? this.#opts.ackTimeout;
    if (timeout === undefined) {
      this.#acks.set(id, ack);
      return;
    }
    const timer = setTimeout(() => {
      this.#acks.delete(id);
      this.sendBuffer = this.sendBuffer.filter((p) => p.id !== id);
      callUser(this, ack, [new Error("operation has timed out")]);
    }, timeout);
    const wrapped: Ack = (...args: unknown[]) => {
      clearTimeout(timer);
      callUser(this, ack, args);
    };
    wrapped.withError = true;
    (wrapped as { timer?: unknown }).timer = timer;
    this.#acks.set(id, wrapped);
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

  #addToQueue(args: unknown[], flags: Flags): void {
    let ack: Ack | undefined;
    if (typeof args[args.length - 1] === "function") ack = args.pop() as Ack;
    const packet: QueuedPacket = {
      id: this.#queueSeq++,
      tryCount: 0,
      pending: false,
      args,
      flags: { ...flags, fromQueue: true },
    };
    const onResponse: Ack = (error: unknown, ...response: unknown[]) => {
      if (packet !== this.#queue[0]) return;
      if (error !== null) {
        if (packet.tryCount > this.#opts.retries!) {
          this.#queue.shift();
          if (ack) callUser(this, ack, [error]);
        }
      } else {
        this.#queue.shift();
        if (ack) callUser(this, ack, [null, ...response]);
      }
      packet.pending = false;
      this.#drainQueue();
    };
    onResponse.withError = true;
    args.push(onResponse);
    this.#queue.push(packet);
    this.#drainQueue();
  }

  #drainQueue(force = false): void {
    if (!this.connected || this.#queue.length === 0) return;
    const packet = this.#queue[0];
    if (packet.pending && !force) return;
    packet.pending = true;
    packet.tryCount++;
    const [event, ...args] = packet.args as [string, ...unknown[]];
    this.#emit(event, args, packet.flags);
  }

  #packet(packet: Packet & { options?: { compress: boolean } }): void {
    packet.nsp = this.nsp;
    this.io.packet(packet, packet.options);
  }

  // ---- receiving -------------------------------------------------------------------------

  /** @internal A packet for this namespace arrived. */
  onPacket(packet: Packet): void {
    if (!this.#subscribed) return;
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
        this.#onAck(packet);
        return;
      case PacketType.DISCONNECT:
        this.#destroy();
        this.#onClose("io server disconnect");
        return;
      case PacketType.CONNECT_ERROR: {
        this.#destroy();
        const payload = packet.data as { message?: string; data?: unknown } | string;
        const error = new Error(typeof payload === "string" ? payload : payload?.message ?? "") as
          & Error
          & {
            data?: unknown;
          };
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
    const any = this.#any;
    for (const listener of any) callUser(this, listener, args);
    callEach(this, this.rawListener(args[0] as string) as Fn | readonly Fn[], args.slice(1));
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

  #onAck(packet: Packet): void {
    const ack = this.#acks.get(packet.id!);
    if (typeof ack !== "function") return;
    this.#acks.delete(packet.id!);
    const data = (packet.data as unknown[]).slice();
    if (ack.withError) data.unshift(null);
    callUser(this, ack, data);
  }

  #onConnect(id: string, pid: string | undefined): void {
    this.id = id;
    this.recovered = Boolean(pid && this.#pid === pid);
    this.#pid = pid;
    this.connected = true;
    for (const args of this.receiveBuffer) this.#emitEvent(args);
    this.receiveBuffer = [];
    const buffered = this.sendBuffer;
    this.sendBuffer = [];
    for (const packet of buffered) {
      this.#notifyOutgoing(packet.data as unknown[]);
      this.#packet(packet);
    }
    this.#drainQueue(true);
    this.#local("connect");
  }

  // ---- disconnecting ---------------------------------------------------------------------

  #destroy(): void {
    if (this.#subscribed) {
      for (const fn of this.#subscribed) fn();
      this.#subscribed = null;
    }
    this.io.destroySocket(this as unknown as Socket);
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
    this.connected = false;
    this.id = undefined;
    this.#local("disconnect", reason as ClientDisconnectReason, description);
    this.#clearAcks();
  }

  #clearAcks(): void {
    for (const [id, ack] of this.#acks) {
      if (this.sendBuffer.some((p) => p.id === id)) continue;
      this.#acks.delete(id);
      if (ack.withError) {
        clearTimeout((ack as { timer?: ReturnType<typeof setTimeout> }).timer);
        callUser(this, ack, [new Error("socket has been disconnected")]);
      }
    }
  }

  #local(event: keyof ReservedEvents, ...args: unknown[]): void {
    callEach(this, this.rawListener(event) as Fn | readonly Fn[] | undefined, args);
  }

  /**
   * @internal Calls the local listeners of an event; what a listener throws
   * is reported as uncaught (`reportError`), not thrown.
   */
  override emitLocal<Ev extends keyof (L & ReservedEvents)>(
    event: Ev,
    ...args: Parameters<(L & ReservedEvents)[Ev]>
  ): boolean {
    return callEach(this, this.rawListener(event) as Fn | readonly Fn[] | undefined, args);
  }

  /** Whether an event has listeners (as `hasListeners` in socket.io-client). */
  hasListeners<Ev extends keyof (L & ReservedEvents)>(event: Ev): boolean {
    return this.rawListener(event) !== undefined;
  }

  // ---- catch-all listeners ---------------------------------------------------------------

  /** Adds a listener for every incoming event. */
  onAny(listener: AnyListener): this {
    this.#any = [...this.#any, listener];
    return this;
  }

  /** Adds a listener for every incoming event, first in line. */
  prependAny(listener: AnyListener): this {
    this.#any = [listener, ...this.#any];
    return this;
  }

  /** Removes one catch-all listener (its first registration), or all. */
  offAny(listener?: AnyListener): this {
    this.#any = listener ? withoutFirst(this.#any, listener) : [];
    return this;
  }

  /** The catch-all listeners. */
  listenersAny(): AnyListener[] {
    return [...this.#any];
  }

  /** Adds a listener for every outgoing event. */
  onAnyOutgoing(listener: AnyListener): this {
    this.#anyOutgoing = [...this.#anyOutgoing, listener];
    return this;
  }

  /** Adds a listener for every outgoing event, first in line. */
  prependAnyOutgoing(listener: AnyListener): this {
    this.#anyOutgoing = [listener, ...this.#anyOutgoing];
    return this;
  }

  /** Removes one outgoing catch-all listener (its first registration), or all. */
  offAnyOutgoing(listener?: AnyListener): this {
    this.#anyOutgoing = listener ? withoutFirst(this.#anyOutgoing, listener) : [];
    return this;
  }

  /** The outgoing catch-all listeners. */
  listenersAnyOutgoing(): AnyListener[] {
    return [...this.#anyOutgoing];
  }

  #notifyOutgoing(data: unknown[]): void {
    const listeners = this.#anyOutgoing;
    for (const listener of listeners) callUser(this, listener, data);
  }
}

/** `list` without the first occurrence of `item` (the same array when absent). */
function withoutFirst<T>(list: T[], item: T): T[] {
  const index = list.indexOf(item);
  return index === -1 ? list : [...list.slice(0, index), ...list.slice(index + 1)];
}
