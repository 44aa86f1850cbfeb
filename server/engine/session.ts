/**
 * One Engine.IO session: the state machine behind the `EngineConnection`
 * seam. What it drives has files of its own: the heartbeat rule
 * (`heartbeat.ts`), the packet queue (`queue.ts`), long-polling
 * (`polling.ts`), the WebSocket (`websocket.ts`) and the upgrade probe
 * (`probe.ts`), and what differs by protocol revision (`codec.ts`, `v3.ts`).
 *
 * One state union, changed only by `#transition`, which clears the
 * deadlines of the state left; the transition to "closed" releases every
 * deadline, pending long-poll and queued packet.
 *
 * @module
 */

import type { EngineData, EnginePacket } from "../../protocol/engine_io.ts";
import type { DeadlineQueue } from "../../common/deadlines.ts";
import { Emitter } from "../../common/emitter.ts";
import type { SessionProtocol } from "./codec.ts";
import { Polling } from "./polling.ts";
import { PacketQueue } from "./queue.ts";
import type { SessionEvents, SessionHost, SessionInit, SessionState } from "./session_types.ts";
import type { SocketTarget } from "./socket.ts";
import {
  type ConnectionHandler,
  type ConnectionState,
  type EngineCloseReason,
  type EngineConnection,
  isPrepared,
  type PreparedMessage,
  type SendOptions,
  type TransportName,
} from "./types.ts";
import { UpgradeProbe } from "./probe.ts";
import { type Frame, WebSocketTransport } from "./websocket.ts";
import { closeQuietly } from "./websocket_frames.ts";
import type { ResolvedEngineOptions } from "./options.ts";
import type { SocketBuffers } from "./socket.ts";

export type { SessionEvents, SessionHost, SessionState };

const NOOP_HANDLER: ConnectionHandler = { onMessage() {}, onClose() {} };
/** What `takeQueue` gives a session that never queued a packet (never written). */
const NO_PACKETS: EnginePacket[] = Object.freeze([]) as unknown as EnginePacket[];
const NO_COMPRESSION: SendOptions = Object.freeze({ compress: false });

/** Why a session whose client does not take what it is sent is closed. */
function overflowError(size: number): Error {
  return new Error(
    `Cannot send: the client does not take what it is sent (${size} waiting, over maxBufferSize)`,
  );
}

/**
 * The copies of handshake requests made so far (few sessions ask: not a
 * field of every session). Sessions hold many fields; past 18, the runtime's
 * object grows by a size class (Bun: 160 B to 224 B), hence here.
 */
const REQUESTS = new WeakMap<EngineSession, Request>();

/**
 * One Engine.IO session. Implements the {@linkcode EngineConnection} seam for
 * the Socket.IO layer and is a typed emitter for users of the bare engine.
 */
export class EngineSession extends Emitter<SessionEvents> implements EngineConnection {
  /** The session id. */
  readonly id: string;
  /** The handshake request's URL. */
  readonly url: string;
  /** The handshake request's headers, lower-case names (shared with the Socket.IO handshake). */
  readonly headers: Record<string, string>;
  /** The handshake request's query parameters (shared with the Socket.IO handshake). */
  readonly query: Record<string, string>;

  /** The protocol revision the client speaks. */
  get protocol(): 3 | 4 {
    return this.#protocol.protocol;
  }

  /** The handshake request (a GET): a copy without body, made on first access. */
  get request(): Request {
    let request = REQUESTS.get(this);
    if (request === undefined) {
      REQUESTS.set(this, request = new Request(this.url, { headers: this.headers }));
    }
    return request;
  }
  /** The client's address. */
  readonly remoteAddress: string;
  /** Whether the handshake came over TLS (or a trusted forwarded-proto header). */
  readonly secure: boolean;
  /** Where messages and the close are reported (the Socket.IO layer sets it). */
  handler: ConnectionHandler = NOOP_HANDLER;

  #host: SessionHost;
  #protocol: SessionProtocol;
  #state: SessionState;
  #transport: TransportName;
  /** The WebSocket the session runs on ("open" on WebSocket; "closing" never has one). */
  #ws: WebSocketTransport | null = null;
  /** Packets waiting for a poll or an upgrade, made when the first one is queued. */
  #queue: PacketQueue | null = null;
  /** The long-polling transport, made on the first poll. */
  #polling: Polling | null = null;
  /** The upgrade in progress ("probing", "upgrading"). */
  #probe: UpgradeProbe | null = null;
  /** Why the session is "closing", for when it ends. */
  #closeReason: EngineCloseReason = "forced close";

  /** Sets up a session; the engine sends the open packet right after. */
  constructor(host: SessionHost, init: SessionInit) {
    super();
    this.#host = host;
    this.id = init.id;
    this.#protocol = init.protocol;
    this.url = init.request.url;
    this.headers = init.request.headers;
    this.query = init.request.query;
    this.remoteAddress = init.remoteAddress;
    this.secure = init.secure;
    this.#transport = init.transport;
    this.#state = init.transport === "websocket" ? "opening" : "open";
  }

  /** The session state, as the layer above sees it. */
  get state(): ConnectionState {
    const state = this.#state;
    return state === "closing" || state === "closed" ? state : "open";
  }

  /** Alias of `state` with engine.io's name. */
  get readyState(): ConnectionState {
    return this.state;
  }

  /** The transport in use. */
  get transport(): TransportName {
    return this.#transport;
  }

  /**
   * Whether a packet sent now goes out at once: an open WebSocket whose
   * client reads, or a pending long-poll. Volatile packets are sent only then.
   */
  get writable(): boolean {
    const state = this.#state;
    const ws = this.#ws;
    if (state === "open" && ws !== null) return !ws.holding;
    return state !== "closing" && state !== "closed" && this.#polling !== null &&
      this.#polling.waiting;
  }

  /** Whether frames published to its topics reach the session now (see the seam). */
  get takesPublished(): boolean {
    const ws = this.#ws;
    return ws !== null && this.#state === "open" && !ws.holding;
  }

  /** What waits in the engine for the client (see the seam). */
  get backlog(): number {
    const ws = this.#ws;
    return ws !== null ? ws.heldSize : this.#queue?.size ?? 0;
  }

  /** @internal The engine's options (for the transports). */
  get options(): ResolvedEngineOptions {
    return this.#host.options;
  }

  /** @internal What the runtime holds of each socket's writes (for the WebSocket transport). */
  get buffers(): SocketBuffers | null {
    return this.#host.buffers;
  }

  /** Whether an upgrade is in progress (its probe answered). */
  get upgrading(): boolean {
    return this.#state === "upgrading";
  }

  /**
   * The single way to change state. Clears the deadlines of the state left:
   * the upgrade timer (leaving the probe steps), the close deadline (leaving
   * "closing"), the heartbeat (leaving the open states).
   */
  #transition(next: SessionState): void {
    const left = this.#state;
    this.#state = next;
    if ((left === "probing" || left === "upgrading") && next !== "upgrading") {
      this.#probe!.cancel();
      this.#probe = null;
    }
    // The heartbeat's deadlines, or the close's.
    if (next === "closing" || next === "closed") this.#host.clearDeadlines(this);
  }

  /** Open, in any step: not closing or closed. */
  #live(): boolean {
    const state = this.#state;
    return state !== "closing" && state !== "closed";
  }

  /** The open packet payload. */
  handshake(): string {
    const o = this.#host.options;
    const upgrades = this.#transport === "polling" && o.allowUpgrades &&
      o.transports.includes("websocket");
    // JSON.stringify({ sid, upgrades, pingInterval, pingTimeout, maxPayload }), the same text,
    // with what follows the id written once for every session.
    return '{"sid":' + JSON.stringify(this.id) +
      this.#host.openTail(upgrades, this.#protocol.maxPayload(o.maxHttpBufferSize));
  }

  /** The first long-polling response's body: the open packet (base64 framing when asked, v3). */
  openPayload(): string | Uint8Array {
    return this.#protocol.payload(
      [{ type: "open", data: this.handshake() }],
      !("b64" in this.query),
    );
  }

  /** Starts the heartbeat; called once the open packet is on its way. */
  start(): void {
    this.#protocol.heartbeat.start(this, this.#host);
  }

  /** @internal A deadline of this session passed: the close's ("closing"), or the heartbeat's. */
  onDeadline(queue: DeadlineQueue): void {
    const state = this.#state;
    if (state === "closing") this.end(this.#closeReason);
    else if (state !== "closed") this.#protocol.heartbeat.onDeadline(this, this.#host, queue);
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * The WebSocket that v4 frames may go to as they are: open, not mid-upgrade,
   * and no `packetCreate` listener that must see each packet. Null otherwise.
   */
  #direct(): WebSocketTransport | null {
    const ws = this.#ws;
    return ws && ws.rawFrames && this.#state === "open" && !this.hasListeners("packetCreate")
      ? ws
      : null;
  }

  /** Queues one message, or a message prepared once for many sessions. */
  send(data: EngineData | PreparedMessage, options?: SendOptions): void {
    if (typeof data === "string") {
      const ws = this.#direct();
      // WebSocket fast path: a v4 text message frame is "4" + data; no packet object.
      if (ws) ws.write("4" + data, options);
      else this.sendPacket({ type: "message", data }, options);
    } else if (isPrepared(data)) {
      const ws = this.#direct();
      // A message framed once for many sessions: its v4 frame goes to the WebSocket as it is.
      if (ws) ws.write(data.frame as Frame, options);
      else this.sendPacket({ type: "message", data: data.data }, options);
    } else this.sendPacket({ type: "message", data }, options);
  }

  /** Alias of {@linkcode EngineSession.send}, as engine.io names it. */
  write(data: EngineData, options?: SendOptions): void {
    this.send(data, options);
  }

  /** @internal Sends one packet: on the WebSocket, or queued for a poll or the upgrade. */
  sendPacket(packet: EnginePacket, options?: SendOptions): void {
    if (!this.#live()) return;
    if (this.hasListeners("packetCreate")) this.emit("packetCreate", packet);
    const ws = this.#ws;
    if (ws) {
      ws.writePacket(packet, options);
      return;
    }
    const queue = this.#queue ??= new PacketQueue();
    const before = queue.size;
    if (queue.push(packet, options?.compress !== false, this.#host.options.maxBufferSize)) {
      this.#polling?.flush();
    } else if (before !== Infinity) {
      // A long-polling client that does not come back for what waits: the session closes.
      this.#overflowed(before);
    }
  }

  /** @internal The client does not read what its WebSocket is sent: the session closes. */
  onOverflow(size: number): void {
    this.#overflowed(size);
  }

  /**
   * The session closes for its backlog of `size`: told to the engine now,
   * closed once the caller's task is done (a send may come from the middle
   * of the layer above's work, a replay on connect say, which must finish
   * before it sees the close).
   */
  #overflowed(size: number): void {
    this.#host.overflowed(this, size);
    queueMicrotask(() => this.fail(overflowError(size)));
  }

  /** @internal The WebSocket transport started or stopped holding frames for a slow client. */
  onHolding(holding: boolean): void {
    // Published frames would overtake the held ones: the layer above takes the session off
    // its topics now, and back on once everything held went out.
    this.handler.onTransportChange?.();
    if (!holding) this.#drained();
  }

  /** @internal Whether packets wait in the queue. */
  get hasQueued(): boolean {
    return this.#queue !== null && this.#queue.length > 0;
  }

  /** @internal Whether a queued packet may be compressed. */
  get queueCompressible(): boolean {
    return this.#queue?.compressible ?? false;
  }

  /** @internal Empties the queue; returns what was in it. */
  takeQueue(): EnginePacket[] {
    return this.#queue?.take() ?? NO_PACKETS;
  }

  /** @internal The queue went out in a poll's response: the close, or a drain. */
  onFlushed(packets: readonly EnginePacket[]): void {
    if (this.#state === "closing" && packets[packets.length - 1]?.type === "close") {
      this.end(this.#closeReason);
      return;
    }
    this.#drained();
  }

  /** Every queued packet was written: the bare engine's listeners, then the layer above. */
  #drained(): void {
    if (this.hasListeners("drain")) this.emit("drain");
    this.handler.onDrain?.();
  }

  // ---- pub/sub (Bun) ---------------------------------------------------------------------

  /** Subscribes the WebSocket to an engine topic when published frames can reach it as they are. */
  subscribe(topic: string): boolean {
    const pubsub = this.#host.pubsub;
    const ws = pubsub && this.#direct();
    return ws && !ws.holding ? pubsub.subscribe(ws.socket!, topic) : false;
  }

  /** Whether the WebSocket is subscribed to an engine topic now. */
  subscribed(topic: string): boolean {
    const ws = this.#ws;
    const pubsub = this.#host.pubsub;
    return ws !== null && pubsub !== null && pubsub.isSubscribed(ws.socket!, topic);
  }

  /** Leaves an engine topic. */
  unsubscribe(topic: string): void {
    const ws = this.#ws;
    if (ws && this.#state === "open") this.#host.pubsub?.unsubscribe(ws.socket!, topic);
  }

  // ---- closing ---------------------------------------------------------------------------

  /** Closes the session, flushing what is queued first. */
  close(reason: EngineCloseReason = "forced close"): void {
    if (!this.#live()) return;
    if (this.#ws) {
      this.end(reason);
      return;
    }
    // Polling: the close packet (after what is queued) goes out with the next GET. An upgrade
    // in progress is dropped: the close goes out on long-polling.
    const probe = this.#probe;
    (this.#queue ??= new PacketQueue()).pushClose();
    this.#closeReason = reason;
    this.#transition("closing");
    probe?.socket.close(1000);
    if (this.#polling?.waiting) this.#polling.flush();
    else if (reason === "server shutting down") this.end(reason);
    // Give the client's next GET the chance to collect the close packet.
    else this.#host.deadlines("close", this.#host.options.pingTimeout).set(this);
  }

  /**
   * @internal The transition to "closed", the only way out: releases every
   * deadline, poll and socket, then tells the layer above.
   */
  end(reason: EngineCloseReason, description?: unknown): void {
    if (this.#state === "closed") return;
    const probe = this.#probe;
    this.#transition("closed");
    probe?.socket.close(1000);
    this.takeQueue();
    const polling = this.#polling;
    if (polling?.waiting) polling.settle(this.#protocol.payload([{ type: "close" }], false), false);
    const ws = this.#ws;
    this.#ws = null;
    if (ws) {
      ws.release();
      closeQuietly(ws.socket!, 1000);
    }
    this.#host.release(this);
    try {
      this.handler.onClose(reason, description);
    } finally {
      if (this.hasListeners("close")) this.emit("close", reason, description);
    }
  }

  /** @internal The transport failed: the session ends ("transport error"). */
  fail(error: unknown): void {
    this.#fault("transport error", error);
  }

  /** @internal A payload or frame did not decode: the session ends ("parse error"). */
  parseError(error: unknown): void {
    this.#fault("parse error", error);
  }

  #fault(reason: EngineCloseReason, error: unknown): void {
    this.emit("error", error instanceof Error ? error : new Error(String(error)));
    this.end(reason, error);
  }

  // ---- receiving -------------------------------------------------------------------------

  /** @internal One packet from the client (a POST's, or a WebSocket frame's). */
  receive(packet: EnginePacket): void {
    if (!this.#live()) return;
    this.emit("packet", packet);
    switch (packet.type) {
      case "message":
        this.handler.onMessage(packet.data ?? "", 0);
        this.emit("message", packet.data ?? "");
        return;
      case "pong":
        this.#protocol.heartbeat.onPong(this, this.#host);
        return;
      case "ping":
        this.#protocol.heartbeat.onPing(this, this.#host, packet.data);
        return;
      case "close":
        // The client closes over polling: its pending GET returns a noop, as the reference's
        // does, not a close packet (the close came from the client, not from us).
        this.#polling?.noop();
        this.end("transport close");
        return;
      default:
        // open, upgrade and noop have no meaning here; upgrade is handled by the probe.
        return;
    }
  }

  // ---- long-polling ----------------------------------------------------------------------

  /** @internal The long-polling transport (made on first use). */
  get polling(): Polling {
    return this.#polling ??= new Polling(this, this.#host, this.#protocol);
  }

  // ---- WebSocket -------------------------------------------------------------------------

  /**
   * @internal The target of a WebSocket request's socket for this session
   * (its first transport, or an upgrade): whether it asked for binary as
   * base64 text (`b64` in its query).
   */
  socketTarget(base64: boolean): SocketTarget {
    return new WebSocketTransport(base64, this.#protocol, this);
  }

  /** @internal A WebSocket of this session opened: its first transport, or an upgrade probe. */
  onSocketOpened(transport: WebSocketTransport): void {
    const socket = transport.socket!;
    if (!this.#live()) {
      socket.close(1000);
    } else if (this.#state === "opening") {
      this.#ws = transport;
      transport.active = true;
      this.#transition("open");
      this.#host.openSocket(this, socket);
    } else if (this.#probe || this.#transport === "websocket") {
      // Already upgrading or upgraded: a second socket for the session is refused.
      socket.close(1000);
    } else {
      const timeout = this.#host.options.upgradeTimeout;
      this.#probe = new UpgradeProbe(this, transport, timeout);
      this.#transition("probing");
    }
  }

  /** @internal A frame on a socket the session does not run on: the probe's, if it is. */
  onProbeFrame(transport: WebSocketTransport, data: string | ArrayBuffer | Uint8Array): void {
    const probe = this.#probe;
    if (!this.#live() || probe?.transport !== transport) return;
    probe.onFrame(data, this.#protocol, this.#host.options.maxHttpBufferSize);
  }

  /** @internal The session's socket was sent a message over `maxHttpBufferSize` (closed: 1009). */
  onTooLarge(transport: WebSocketTransport): void {
    if (transport !== this.#ws) return;
    this.#ws = null;
    this.fail(new Error("Cannot read message: larger than maxHttpBufferSize"));
  }

  /** @internal The probe was answered ("3probe"): GETs now get a noop. */
  onProbed(probe: UpgradeProbe): void {
    if (probe !== this.#probe) return;
    this.#transition("upgrading");
    this.emit("upgrading", "websocket");
    // Spec: a noop makes the pending GET return, so the client can pause polling.
    this.#polling?.noop();
  }

  /** @internal The client sent "5": the session moves to the probe's socket. */
  onUpgraded(probe: UpgradeProbe): void {
    if (probe !== this.#probe) return;
    this.#transition("open");
    const ws = this.#ws = probe.transport;
    ws.active = true;
    this.#transport = "websocket";
    this.#polling?.noop();
    this.emit("upgrade", "websocket");
    // The queue keeps one flag for all its packets: none is compressed if none allowed it.
    const options = this.queueCompressible ? undefined : NO_COMPRESSION;
    const queued = this.takeQueue();
    for (const packet of queued) ws.writePacket(packet, options);
    // After the queue: published frames must not overtake what was queued before them.
    this.handler.onTransportChange?.();
    if (queued.length > 0 && !ws.holding) this.#drained();
  }

  /** @internal The probe failed (its socket is closed) or timed out (a pending GET is served). */
  onProbeFailed(probe: UpgradeProbe, timedOut: boolean): void {
    if (probe !== this.#probe) return;
    this.#transition("open");
    probe.socket.close(1000);
    if (timedOut) this.#polling?.flush();
  }

  /** @internal One of this session's sockets closed. */
  onSocketClosed(transport: WebSocketTransport, code?: number): void {
    if (transport === this.#ws) {
      this.#ws = null;
      // 1009: the runtime cut a message over maxHttpBufferSize while reading it (Bun), the
      // transport error the reference's ws reports for it.
      if (code === 1009) this.end("transport error", new Error("Max payload size exceeded"));
      else this.end("transport close");
    } else if (this.#probe?.transport === transport) this.#transition("open");
  }
}
