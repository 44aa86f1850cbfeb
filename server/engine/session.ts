/**
 * One Engine.IO session: its state machine, its transport (long-polling or
 * WebSocket), the upgrade from one to the other, and the heartbeat.
 *
 * Every timer, pending long-poll and queued packet belongs to the session and
 * is released by {@linkcode EngineSession.close} or by the transition to
 * "closed".
 *
 * @module
 */

import type { EngineData, EnginePacket } from "../../protocol/engine_io.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { Emitter } from "../../protocol/emitter.ts";
import { type SessionCodec, utf8Length } from "./codec.ts";
import { atLeastBytes, pollResponse } from "./compression.ts";
import type { DeadlineOwner, DeadlineQueue } from "./deadlines.ts";
import {
  ENGINE_ERRORS,
  errorResponse,
  type HeaderRecord,
  PayloadTooLargeError,
  readBody,
} from "./http.ts";
import type { ResolvedEngineOptions } from "./options.ts";
import type { RawSocket, SocketTarget } from "./socket.ts";
import type {
  ConnectionHandler,
  ConnectionState,
  EngineCloseReason,
  EngineConnection,
  PreparedMessage,
  SendOptions,
  TransportName,
} from "./types.ts";

/** Events of a session, for users of the bare engine. */
export type SessionEvents = {
  /** A message arrived. */
  message: (data: EngineData) => void;
  /** The session closed. */
  close: (reason: EngineCloseReason, description?: unknown) => void;
  /** Any packet arrived. */
  packet: (packet: EnginePacket) => void;
  /** A packet is about to be sent. */
  packetCreate: (packet: EnginePacket) => void;
  /** A pong (v4) or ping (v3) arrived. */
  heartbeat: () => void;
  /** Every queued packet was written. */
  drain: () => void;
  /** An upgrade probe succeeded. */
  upgrading: (transport: TransportName) => void;
  /** The session now runs on WebSocket. */
  upgrade: (transport: TransportName) => void;
  /** A transport error (before the close). */
  error: (error: Error) => void;
};

/** What a session needs of its engine. */
export interface SessionHost {
  readonly options: ResolvedEngineOptions;
  /** Response headers for `request` (CORS and the `headers` hook). */
  responseHeaders(request: Request, extra?: HeaderRecord): HeaderRecord | Promise<HeaderRecord>;
  /** The session closed; forget it. */
  release(session: EngineSession): void;
  /**
   * Calls `onAbort` when the client of `request` goes away before its
   * response is delivered (the runtime bridge's way of knowing; `context` is
   * what the runtime handed the handler). Returns what stops watching.
   */
  watchAbort(request: Request, context: unknown, onAbort: () => void): () => void;
  /**
   * The shared deadlines of one kind and delay (heartbeat pings, ping
   * timeouts): one timer for every session instead of one each.
   */
  deadlines(kind: "ping" | "timeout", delay: number): DeadlineQueue;
  /** The first WebSocket of a session that began on WebSocket opened: send the open packet. */
  openSocket(session: EngineSession, socket: RawSocket): void;
  /** Prefix of this engine's pub/sub topics (unique per engine). */
  readonly topicPrefix: string;
}

const NOOP_HANDLER: ConnectionHandler = { onMessage() {}, onClose() {} };
/** The empty queue every session starts with (never written: the first packet makes a list). */
const NO_PACKETS: EnginePacket[] = Object.freeze([]) as unknown as EnginePacket[];
/**
 * Every response the polling transport writes (payloads, the POST's "ok") says
 * `Cache-Control: no-store`, as the reference's does; its error responses do not.
 */
const NO_STORE = "no-store";
const OK_HEADERS = { "content-type": "text/html", "cache-control": NO_STORE };
const NO_COMPRESSION: SendOptions = Object.freeze({ compress: false });
const textDecoder = new TextDecoder();

interface PendingPoll {
  request: Request;
  supportsBinary: boolean;
  /** The engine's response headers (CORS, hooks), over the content type. */
  headers: HeaderRecord;
  /** Set once the poll waits: answers the GET. */
  resolve: ((response: Response) => void) | null;
  /** Set once the poll waits: stops watching for the client going away. */
  unwatch: (() => void) | null;
  /** The answer, when it came before the poll had to wait. */
  response: Response | null;
}

interface Probe {
  socket: RawSocket;
  timer: ReturnType<typeof setTimeout>;
  probed: boolean;
  /** Its request asked for binary as base64 text (`b64`). */
  base64: boolean;
}

/**
 * One Engine.IO session. Implements the {@linkcode EngineConnection} seam for
 * the Socket.IO layer and is a typed emitter for users of the bare engine.
 */
export class EngineSession extends Emitter<SessionEvents>
  implements EngineConnection, SocketTarget, DeadlineOwner {
  /** The session id. */
  readonly id: string;
  /** The protocol revision the client speaks. */
  readonly protocol: 3 | 4;
  /** The handshake request's URL. */
  readonly url: string;
  /** The handshake request's headers, lower-case names (shared with the Socket.IO handshake). */
  readonly headers: Record<string, string>;
  /** The handshake request's query parameters (shared with the Socket.IO handshake). */
  readonly query: Record<string, string>;
  #method: string;
  #request: Request | null = null;

  /** The handshake request: a copy without body, made on first access. */
  get request(): Request {
    return this.#request ??= new Request(this.url, { method: this.#method, headers: this.headers });
  }
  /** The client's address. */
  readonly remoteAddress: string;
  /** Whether the handshake came over TLS (or a trusted forwarded-proto header). */
  readonly secure: boolean;
  /** Where messages and the close are reported (the Socket.IO layer sets it). */
  handler: ConnectionHandler = NOOP_HANDLER;

  #host: SessionHost;
  #codec: SessionCodec;
  #state: ConnectionState = "open";
  #transport: TransportName;
  #socket: RawSocket | null = null;
  /** Packets waiting for a poll or an upgrade; the shared empty list until one is queued. */
  #buffer: EnginePacket[] = NO_PACKETS;
  /** A packet in the buffer may be compressed (sent without `compress: false`). */
  #bufferCompress = false;
  /**
   * Binary goes to the WebSocket as base64 text ("b" + base64): its request
   * had `b64` in the query (a client's `forceBase64`), as engine.io's
   * transports do without `supportsBinary`.
   */
  #base64 = false;
  /** `b64` of the WebSocket request being upgraded now (see {@linkcode expectSocket}). */
  #nextBase64 = false;
  #poll: PendingPoll | null = null;
  #posting = false;
  #probe: Probe | null = null;
  /** Where the next ping is scheduled, and the wait for the client's answer (shared queues). */
  #pingQueue: DeadlineQueue | null = null;
  #timeoutQueue: DeadlineQueue | null = null;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #closeReason: EngineCloseReason = "forced close";
  /** Began on WebSocket and that socket has not opened yet. */
  #awaitingSocket: boolean;

  /** Sets up a session; the engine sends the open packet right after. */
  constructor(
    host: SessionHost,
    init: {
      id: string;
      codec: SessionCodec;
      request: {
        url: string;
        method: string;
        headers: Record<string, string>;
        query: Record<string, string>;
      };
      remoteAddress: string;
      secure: boolean;
      transport: TransportName;
    },
  ) {
    super();
    this.#host = host;
    this.id = init.id;
    this.#codec = init.codec;
    this.protocol = init.codec.protocol;
    this.url = init.request.url;
    this.headers = init.request.headers;
    this.query = init.request.query;
    this.#method = init.request.method;
    this.remoteAddress = init.remoteAddress;
    this.secure = init.secure;
    this.#transport = init.transport;
    this.#awaitingSocket = init.transport === "websocket";
  }

  /** The session state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Alias of `state` with engine.io's name. */
  get readyState(): ConnectionState {
    return this.#state;
  }

  /** The transport in use. */
  get transport(): TransportName {
    return this.#transport;
  }

  /** Whether a packet sent now goes out at once: an open WebSocket, or a pending long-poll. */
  get writable(): boolean {
    return this.#state === "open" &&
      (this.#socket !== null && !this.#probe ? true : this.#poll !== null);
  }

  /** Whether an upgrade is in progress. */
  get upgrading(): boolean {
    return this.#probe?.probed ?? false;
  }

  /** The open packet payload. */
  handshake(): string {
    const o = this.#host.options;
    const upgrades = this.#transport === "polling" && o.allowUpgrades &&
      o.transports.includes("websocket");
    const maxPayload = this.protocol === 4 ? o.maxHttpBufferSize : undefined;
    // JSON.stringify({ sid, upgrades, pingInterval, pingTimeout, maxPayload }), the same text,
    // with what follows the id written once for every session.
    return '{"sid":' + JSON.stringify(this.id) +
      openTail(upgrades, o.pingInterval, o.pingTimeout, maxPayload);
  }

  /** The first long-polling response's body: the open packet (base64 framing when asked, v3). */
  openPayload(): string | Uint8Array {
    return this.#codec.payload([{ type: "open", data: this.handshake() }], !("b64" in this.query));
  }

  /** Starts the heartbeat; called once the open packet is on its way. */
  start(): void {
    if (this.protocol === 4) this.#schedulePing();
    // v3: the client pings; silence for pingInterval + pingTimeout ends the session.
    else this.#resetTimeout(this.#host.options.pingInterval + this.#host.options.pingTimeout);
  }

  // ---- sending ---------------------------------------------------------------------------

  /**
   * The WebSocket that v4 frames may go to as they are: open, not mid-upgrade,
   * and no `packetCreate` listener that must see each packet. Null otherwise.
   */
  #direct(): RawSocket | null {
    const socket = this.#socket;
    return socket && this.#state === "open" && !this.#probe && this.protocol === 4 &&
        !this.#base64 && !this.hasListeners("packetCreate")
      ? socket
      : null;
  }

  /**
   * Whether a WebSocket frame is compressed (permessage-deflate, where the
   * runtime negotiated it): allowed by the sender and at least the threshold
   * long, as the reference's ws decides.
   */
  #deflate(frame: string | Uint8Array, options: SendOptions | undefined): boolean {
    const threshold = this.#host.options.deflateThreshold;
    return threshold !== Infinity && options?.compress !== false && atLeastBytes(frame, threshold);
  }

  /** Queues one message. */
  send(data: EngineData, options?: SendOptions): void {
    const socket = typeof data === "string" ? this.#direct() : null;
    if (socket) {
      // WebSocket fast path: a v4 text message frame is "4" + data; no packet object.
      const frame = "4" + data;
      socket.send(frame, this.#deflate(frame, options));
      return;
    }
    this.#sendPacket({ type: "message", data }, options);
  }

  /** Queues a text message given as its v4 frame: "4" + data (see `EngineConnection.sendFrame`). */
  sendFrame(frame: string, options?: SendOptions): void {
    const socket = this.#direct();
    if (socket) {
      socket.send(frame, this.#deflate(frame, options));
      return;
    }
    this.#sendPacket({ type: "message", data: frame.slice(1) }, options);
  }

  /** Alias of {@linkcode EngineSession.send}, as engine.io names it. */
  write(data: EngineData, options?: SendOptions): void {
    this.send(data, options);
  }

  /** Queues a message encoded once for many sessions. */
  sendPrepared(message: PreparedMessage, options?: SendOptions): void {
    if (this.#state !== "open") return;
    const socket = this.#direct();
    if (socket) {
      // WebSocket fast path: the frame was built once for every recipient.
      const frame = message.frame as string | Uint8Array<ArrayBuffer>;
      socket.send(frame, this.#deflate(frame, options));
      return;
    }
    this.#sendPacket({ type: "message", data: message.data }, options);
  }

  #sendPacket(packet: EnginePacket, options?: SendOptions): void {
    if (this.#state !== "open") return;
    if (this.hasListeners("packetCreate")) this.emit("packetCreate", packet);
    const socket = this.#socket;
    if (socket && !this.#probe) {
      const frame = this.#frame(packet);
      socket.send(frame, this.#deflate(frame, options));
      return;
    }
    this.#queue(packet);
    // engine.io compresses a polling response when any of its packets allows it.
    if (options?.compress !== false) this.#bufferCompress = true;
    if (this.#poll) this.#flushPoll();
  }

  /** One packet as a frame of this session's WebSocket: binary as base64 text with `b64`. */
  #frame(packet: EnginePacket): string | Uint8Array<ArrayBuffer> {
    return (this.#base64 ? this.#codec.frameText(packet) : this.#codec.frame(packet)) as
      | string
      | Uint8Array<ArrayBuffer>;
  }

  #queue(packet: EnginePacket): void {
    if (this.#buffer === NO_PACKETS) this.#buffer = [packet];
    else this.#buffer.push(packet);
  }

  // ---- pub/sub (Bun) ---------------------------------------------------------------------

  /** Subscribes the WebSocket to an engine topic when published frames can reach it as they are. */
  subscribe(topic: string): boolean {
    const socket = this.#direct();
    if (!socket?.subscribe) return false;
    socket.subscribe(this.#host.topicPrefix + topic);
    return true;
  }

  /** Leaves an engine topic. */
  unsubscribe(topic: string): void {
    if (this.#state === "open") this.#socket?.unsubscribe?.(this.#host.topicPrefix + topic);
  }

  // ---- closing ---------------------------------------------------------------------------

  /** Closes the session, flushing what is queued first. */
  close(reason: EngineCloseReason = "forced close"): void {
    if (this.#state !== "open") return;
    if (this.#transport === "websocket" && this.#socket) {
      this.#finish(reason);
      return;
    }
    // Polling: the close packet (after what is queued) goes out with the next GET.
    this.#queue({ type: "close" });
    this.#state = "closing";
    this.#closeReason = reason;
    this.#clearHeartbeat();
    if (this.#poll) this.#flushPoll();
    else if (reason === "server shutting down") this.#finish(reason);
    else {
      // Give the client's next GET the chance to collect the close packet.
      this.#closeTimer = setTimeout(() => this.#finish(reason), this.#host.options.pingTimeout);
    }
  }

  /** The single transition to "closed": releases every timer, poll and socket. */
  #finish(reason: EngineCloseReason, description?: unknown): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#clearHeartbeat();
    clearTimeout(this.#closeTimer);
    if (this.#probe) {
      clearTimeout(this.#probe.timer);
      this.#probe.socket.close(1000);
      this.#probe = null;
    }
    this.#buffer = NO_PACKETS;
    this.#bufferCompress = false;
    if (this.#poll) this.#settlePoll(this.#codec.payload([{ type: "close" }], false), false);
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      try {
        socket.close(1000);
      } catch { /* already closed */ }
    }
    this.#host.release(this);
    try {
      this.handler.onClose(reason, description);
    } finally {
      if (this.hasListeners("close")) this.emit("close", reason, description);
    }
  }

  #clearHeartbeat(): void {
    this.#pingQueue?.delete(this);
    this.#timeoutQueue?.delete(this);
  }

  // ---- heartbeat -------------------------------------------------------------------------

  #schedulePing(): void {
    const interval = this.#host.options.pingInterval;
    let queue = this.#pingQueue;
    // The engine keeps one queue per delay: the one at hand while the interval is unchanged.
    if (queue?.delay !== interval) {
      queue?.delete(this);
      this.#pingQueue = queue = this.#host.deadlines("ping", interval);
    }
    queue.set(this);
  }

  #resetTimeout(ms: number): void {
    const queue = this.#host.deadlines("timeout", ms);
    if (this.#timeoutQueue !== queue) this.#timeoutQueue?.delete(this);
    this.#timeoutQueue = queue;
    queue.set(this);
  }

  /** @internal A heartbeat deadline passed (the engine's shared queues call this). */
  onDeadline(queue: DeadlineQueue): void {
    if (queue === this.#pingQueue) {
      this.#sendPacket({ type: "ping" });
      // Spec: pingTimeout runs from when the ping is queued.
      this.#resetTimeout(this.#host.options.pingTimeout);
    } else if (queue === this.#timeoutQueue) {
      this.#finish("ping timeout");
    }
  }

  // ---- receiving -------------------------------------------------------------------------

  #onPacket(packet: EnginePacket): void {
    if (this.#state !== "open") return;
    this.emit("packet", packet);
    switch (packet.type) {
      case "message":
        this.handler.onMessage(packet.data ?? "");
        this.emit("message", packet.data ?? "");
        return;
      case "pong":
        if (this.protocol === 4) {
          this.#timeoutQueue?.delete(this);
          this.#schedulePing();
          this.emit("heartbeat");
        }
        return;
      case "ping":
        if (this.protocol === 3) {
          this.#resetTimeout(this.#host.options.pingInterval + this.#host.options.pingTimeout);
          this.#sendPacket({ type: "pong", data: packet.data });
          this.emit("heartbeat");
        } else {
          // In v4 the server pings; a ping from the client ends the session, as the reference's does.
          this.#finish("transport error", new Error("invalid heartbeat direction"));
        }
        return;
      case "close":
        // The client closes over polling: its pending GET returns a noop, as the reference's
        // does, not a close packet (the close came from the client, not from us).
        if (this.#poll) this.#settlePoll(this.#codec.payload([{ type: "noop" }], false));
        this.#finish("transport close");
        return;
      default:
        // open, upgrade and noop have no meaning here; upgrade is handled by the probe.
        return;
    }
  }

  #onParseError(error: unknown): void {
    this.emit("error", error instanceof Error ? error : new Error(String(error)));
    this.#finish("parse error", error);
  }

  // ---- long-polling ----------------------------------------------------------------------

  /**
   * Answers a long-polling GET: at once when packets wait, else when they
   * come. `headers` are the response headers the engine made (CORS, hooks).
   */
  handlePoll(
    request: Request,
    supportsBinary: boolean,
    headers: HeaderRecord,
    context?: unknown,
  ): Response | Promise<Response> {
    if (this.#poll) {
      // One pending GET per session (engine.io "overlap from client"): the session ends (its
      // pending GET gets the close packet) and this one a bare 400, as the reference answers.
      this.#fail(new Error("overlap from client"));
      return new Response(null, { status: 400, headers });
    }
    if (this.#state === "closed") {
      return errorResponse(ENGINE_ERRORS.UNKNOWN_SID, undefined, headers);
    }
    const poll: PendingPoll = {
      request,
      supportsBinary,
      headers,
      resolve: null,
      unwatch: null,
      response: null,
    };
    this.#poll = poll;
    if (this.#probe?.probed) this.#settlePoll(this.#codec.payload([{ type: "noop" }], false));
    else if (this.#buffer.length > 0) this.#flushPoll();
    // Answered at once: no promise and no abort watch.
    if (poll.response) return poll.response;
    return new Promise<Response>((resolve) => {
      poll.resolve = resolve;
      // The client went away mid-poll (or, where the runtime tells only then, its answer was not
      // delivered): end the session, as the reference does.
      poll.unwatch = this.#host.watchAbort(request, context, () => {
        if (this.#poll === poll) this.#settlePoll("");
        this.#fail(new Error("poll connection closed prematurely"));
      });
    });
  }

  #flushPoll(): void {
    const poll = this.#poll;
    if (!poll || this.#buffer.length === 0) return;
    const packets = this.#buffer;
    const compress = this.#bufferCompress;
    this.#buffer = NO_PACKETS;
    this.#bufferCompress = false;
    this.#settlePoll(this.#codec.payload(packets, poll.supportsBinary), compress);
    if (this.#state === "closing" && packets[packets.length - 1]?.type === "close") {
      this.#finish(this.#closeReason);
      return;
    }
    if (this.hasListeners("drain")) this.emit("drain");
    this.handler.onDrain?.();
  }

  #settlePoll(body: string | Uint8Array, compress = false): void {
    const poll = this.#poll;
    if (!poll) return;
    this.#poll = null;
    poll.unwatch?.();
    const type = typeof body === "string"
      ? "text/plain; charset=UTF-8"
      : "application/octet-stream";
    const extra = poll.headers;
    // The `headers` hook's values (in `extra`) win over the cache directive, as they can in the
    // reference, where the hook sees the header record last.
    const headers: HeaderRecord = hasAny(extra)
      ? { "content-type": type, "cache-control": NO_STORE, ...extra }
      : { "content-type": type, "cache-control": NO_STORE };
    const response = pollResponse(
      poll.request,
      body,
      headers,
      this.#host.options.compressionThreshold,
      compress,
    );
    if (poll.resolve) poll.resolve(response);
    else poll.response = response;
  }

  /**
   * Takes a long-polling POST: reads the payload (limit counted while
   * reading) and dispatches it. `headers` as for {@linkcode handlePoll}.
   */
  async handlePost(request: Request, headers: HeaderRecord): Promise<Response> {
    if (this.#posting) {
      this.#fail(new Error("data request overlap from client"));
      return new Response(null, { status: 400, headers });
    }
    this.#posting = true;
    let body: Uint8Array;
    try {
      body = await readBody(request, this.#host.options.maxHttpBufferSize);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        return new Response(null, { status: 413, headers });
      }
      this.#fail(error);
      return errorResponse(ENGINE_ERRORS.BAD_REQUEST, undefined, headers);
    } finally {
      this.#posting = false;
    }
    const binary = request.headers.get("content-type") === "application/octet-stream";
    const payload = binary && this.protocol === 3 ? body : textDecoder.decode(body);
    let packets: EnginePacket[];
    try {
      packets = this.#codec.decodePayload(payload, Infinity);
    } catch (error) {
      // As the reference: the packets before the one that does not decode are handled, then the
      // session ends ("parse error"; a pending GET gets the close packet), and the POST itself
      // is answered "ok" all the same.
      for (const packet of this.#codec.decodablePrefix(payload)) {
        if (this.#state !== "open") break;
        this.#onPacket(packet);
      }
      this.#onParseError(error);
      return okResponse(headers);
    }
    for (const packet of packets) {
      if (this.#state !== "open") break;
      this.#onPacket(packet);
    }
    return okResponse(headers);
  }

  #fail(error: unknown): void {
    this.emit("error", error instanceof Error ? error : new Error(String(error)));
    this.#finish("transport error", error);
  }

  // ---- WebSocket -------------------------------------------------------------------------

  /** A WebSocket of this session opened (the runtime bridge calls this). */
  onSocketOpen(socket: RawSocket): void {
    if (this.#awaitingSocket) {
      this.#awaitingSocket = false;
      this.#host.openSocket(this, socket);
    } else this.attachSocket(socket, false);
  }

  /** A WebSocket opened for this session: the first transport, or an upgrade probe. */
  attachSocket(socket: RawSocket, initial: boolean): void {
    if (this.#state !== "open") {
      socket.close(1000);
      return;
    }
    if (initial) {
      this.#socket = socket;
      this.#base64 = this.#nextBase64;
      return;
    }
    if (this.#probe || this.#transport === "websocket") {
      // Already upgrading or upgraded: a second socket for the session is refused.
      socket.close(1000);
      return;
    }
    const timer = setTimeout(() => {
      if (this.#probe?.socket !== socket) return;
      this.#probe = null;
      socket.close(1000);
      if (this.#poll) this.#flushPoll();
    }, this.#host.options.upgradeTimeout);
    this.#probe = { socket, timer, probed: false, base64: this.#nextBase64 };
  }

  /**
   * @internal The engine is upgrading a WebSocket request of this session:
   * whether it asked for binary as base64 text (`b64` in its query).
   */
  expectSocket(base64: boolean): void {
    this.#nextBase64 = base64;
  }

  /** A frame arrived on one of this session's sockets. */
  onSocketMessage(socket: RawSocket, data: string | ArrayBuffer | Uint8Array): void {
    if (this.#state !== "open") return;
    if (
      typeof data === "string" && data.charCodeAt(0) === 52 /* "4" */ && socket === this.#socket &&
      // n UTF-16 units are at most 3n UTF-8 bytes: within the limit without counting them.
      this.protocol === 4 && data.length * 3 <= this.#host.options.maxHttpBufferSize &&
      !this.hasListeners("packet") && !this.hasListeners("message")
    ) {
      // The usual frame, a v4 text message on the session's socket: no packet object. The rest is
      // in other functions, so that this one stays small (optimized after fewer calls).
      const handler = this.handler;
      if (handler.onFrame) handler.onFrame(data);
      else handler.onMessage(data.slice(1));
      return;
    }
    this.#onOtherMessage(socket, data);
  }

  #onOtherMessage(socket: RawSocket, data: string | ArrayBuffer | Uint8Array): void {
    const max = this.#host.options.maxHttpBufferSize;
    // The limit is in bytes, as on the wire: a string is counted only when it could exceed it.
    const size = typeof data !== "string"
      ? data.byteLength
      : data.length * 3 <= max
      ? data.length
      : utf8Length(data);
    if (size > max) {
      // 1009 (message too big) and no reason, as the reference's ws closes it. Deno buffers the
      // whole frame before we see it; Bun's own limit is twice this one (serveHandler), so that
      // only messages past it get Bun's close reason instead ("Received too big message").
      if (socket === this.#socket) {
        this.#socket = null;
        closeQuietly(socket, 1009);
        this.#fail(new Error("Cannot read message: larger than maxHttpBufferSize"));
      } else closeQuietly(socket, 1009);
      return;
    }
    let packet: EnginePacket;
    try {
      packet = this.#codec.decodeFrame(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      if (socket === this.#socket) this.#onParseError(error);
      else this.#abortProbe(socket);
      return;
    }
    if (socket !== this.#socket) this.#onProbeMessage(socket, packet);
    else if (packet.type === "close") {
      // A close packet over WebSocket ends nothing, as in the reference (its WebSocket transport
      // has no use for it): the session lives until the socket closes. Over polling it closes.
      this.emit("packet", packet);
    } else this.#onPacket(packet);
  }

  /** A packet on the socket of an upgrade in progress: the probe, then the upgrade. */
  #onProbeMessage(socket: RawSocket, packet: EnginePacket): void {
    const probe = this.#probe;
    if (!probe || probe.socket !== socket) return;
    if (packet.type === "ping" && packet.data === "probe") {
      socket.send(this.#codec.frame({ type: "pong", data: "probe" }) as string);
      probe.probed = true;
      this.emit("upgrading", "websocket");
      // Spec: a noop makes the pending GET return, so the client can pause polling.
      if (this.#poll) this.#settlePoll(this.#codec.payload([{ type: "noop" }], false));
      return;
    }
    if (packet.type === "upgrade" && probe.probed) {
      clearTimeout(probe.timer);
      this.#probe = null;
      this.#socket = socket;
      this.#base64 = probe.base64;
      this.#transport = "websocket";
      if (this.#poll) this.#settlePoll(this.#codec.payload([{ type: "noop" }], false));
      this.emit("upgrade", "websocket");
      const queued = this.#buffer;
      // The queue keeps one flag for all its packets: none is compressed if none allowed it.
      const options = this.#bufferCompress ? undefined : NO_COMPRESSION;
      this.#buffer = NO_PACKETS;
      this.#bufferCompress = false;
      for (const p of queued) {
        const frame = this.#frame(p);
        socket.send(frame, this.#deflate(frame, options));
      }
      // After the queue: published frames must not overtake what was queued before them.
      this.handler.onUpgrade?.();
      if (queued.length > 0) {
        if (this.hasListeners("drain")) this.emit("drain");
        this.handler.onDrain?.();
      }
      return;
    }
    this.#abortProbe(socket);
  }

  #abortProbe(socket: RawSocket): void {
    const probe = this.#probe;
    if (probe?.socket !== socket) return;
    clearTimeout(probe.timer);
    this.#probe = null;
    socket.close(1000);
  }

  /** One of this session's sockets closed. */
  onSocketClose(socket: RawSocket, code?: number): void {
    if (socket === this.#socket) {
      this.#socket = null;
      // 1009: the runtime cut a message over maxHttpBufferSize while reading it (Bun), the
      // transport error the reference's ws reports for it.
      if (code === 1009) this.#finish("transport error", new Error("Max payload size exceeded"));
      else this.#finish("transport close");
    } else if (this.#probe?.socket === socket) {
      clearTimeout(this.#probe.timer);
      this.#probe = null;
    }
  }
}

let tailUpgrades = false;
let tailInterval = NaN;
let tailTimeout = NaN;
let tailMaxPayload: number | undefined = NaN;
let tailText = "";

/** The open packet's JSON after the session id; remade only when an option changed. */
function openTail(
  upgrades: boolean,
  pingInterval: number,
  pingTimeout: number,
  maxPayload: number | undefined,
): string {
  if (
    upgrades !== tailUpgrades || pingInterval !== tailInterval || pingTimeout !== tailTimeout ||
    maxPayload !== tailMaxPayload
  ) {
    const rest = JSON.stringify({
      upgrades: upgrades ? ["websocket"] : [],
      pingInterval,
      pingTimeout,
      maxPayload,
    });
    tailText = "," + rest.slice(1);
    tailUpgrades = upgrades;
    tailInterval = pingInterval;
    tailTimeout = pingTimeout;
    tailMaxPayload = maxPayload;
  }
  return tailText;
}

/** Closes a socket that may already be closing (Deno throws then). */
function closeQuietly(socket: RawSocket, code: number): void {
  try {
    socket.close(code);
  } catch { /* already closed */ }
}

/** A POST's answer: "ok" as text/html (the reference's choice), not stored by caches. */
function okResponse(headers: HeaderRecord): Response {
  return new Response("ok", {
    headers: hasAny(headers)
      ? { "cache-control": NO_STORE, ...headers, "content-type": "text/html" }
      : OK_HEADERS,
  });
}

function hasAny(headers: HeaderRecord): boolean {
  for (const _ in headers) return true;
  return false;
}
