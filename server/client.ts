/**
 * One Engine.IO connection as the Socket.IO layer sees it: decodes packets,
 * connects namespaces, writes encoded packets, and closes everything on the
 * connection's close.
 *
 * @module
 */

import type { EngineData } from "../protocol/engine_io.ts";
import { ProtocolError } from "../protocol/errors.ts";
import { type Decoder, type Packet, PacketType } from "../protocol/parser.ts";
import { type BroadcastFlags, NO_FLAGS } from "./adapter.ts";
import type {
  ConnectionHandler,
  EngineCloseReason,
  EngineConnection,
  PreparedMessage,
} from "./engine/types.ts";
import { type ClientProtocol, clientProtocolOf } from "./client_protocol.ts";
import type { Server } from "./server.ts";
import type { Socket } from "./socket.ts";
import type { DisconnectReason } from "./types.ts";

/** Decoded binary values are handed to user code as `Uint8Array`s. */

/** The Socket.IO side of one Engine.IO connection. */
export class Client implements ConnectionHandler {
  /** The Engine.IO connection. */
  readonly conn: EngineConnection;
  /** @internal The rules of the Socket.IO revision this client speaks. */
  readonly protocol: ClientProtocol;
  /**
   * The sockets of this client: the one socket itself while there is one (the
   * usual case, no Map per connection), a Map by namespace name from the second.
   */
  #sockets: Socket | Map<string, Socket> | null = null;
  #server: Server;
  /**
   * The decoder that holds a packet while its attachments come; none between
   * packets (see {@linkcode DecoderPool}).
   */
  #decoder: Decoder | null = null;

  /** Takes over the connection's events. */
  constructor(server: Server, conn: EngineConnection) {
    this.#server = server;
    this.conn = conn;
    this.protocol = clientProtocolOf(conn);
    conn.handler = this;
    if (this.protocol.joinsMainOnOpen) {
      this.#connect("/", {});
      return;
    }
    // connectTimeout: a client that joins no namespace in time is closed.
    server.connectDeadlines.set(this);
  }

  /** @internal connectTimeout passed. */
  onDeadline(): void {
    if (!this.#sockets) this.#closeConnection("forced server close");
  }

  /** The sockets of this client by namespace name (a copy). */
  get nsps(): Map<string, Socket> {
    const sockets = this.#sockets;
    if (sockets instanceof Map) return new Map(sockets);
    return sockets ? new Map([[sockets.nsp.name, sockets]]) : new Map();
  }

  #socket(name: string): Socket | undefined {
    const sockets = this.#sockets;
    if (sockets instanceof Map) return sockets.get(name);
    return sockets?.nsp.name === name ? sockets : undefined;
  }

  /** The sockets, copied (closing one changes the set). */
  #list(): Socket[] {
    const sockets = this.#sockets;
    if (sockets instanceof Map) return [...sockets.values()];
    return sockets ? [sockets] : [];
  }

  /** The connection id. */
  get id(): string {
    return this.conn.id;
  }

  /** Engine message (text from `start` on): decode, then route. */
  onMessage(data: EngineData, start = 0): void {
    const decoders = this.#server.decoders;
    const decoder = this.#decoder ?? decoders.take();
    let packet: Packet | null;
    try {
      packet = typeof data !== "string"
        ? decoder.add(data)
        : decoder.addText
        ? decoder.addText(data, start)
        : decoder.add(start === 0 ? data : data.slice(start));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#decoder = null;
      decoder.destroy();
      this.#onParseError(error);
      return;
    }
    if (packet) {
      this.#decoder = null;
      decoders.give(decoder);
      this.#route(packet);
    } else this.#decoder = decoder;
  }

  #route(packet: Packet): void {
    const name = this.protocol.namespace(packet);
    const socket = this.#socket(name);
    if (!socket && packet.type === PacketType.CONNECT) {
      this.#connect(name, this.protocol.auth(packet));
    } else if (
      socket && packet.type !== PacketType.CONNECT && packet.type !== PacketType.CONNECT_ERROR
    ) {
      socket.onPacket(packet);
    } else {
      // A packet for a namespace the client never joined, or a second CONNECT: invalid state.
      this.#closeConnection("forced server close");
    }
  }

  #connect(name: string, auth: Record<string, unknown>): void {
    const server = this.#server;
    const existing = server.namespaces.get(name);
    if (existing) {
      // Synchronous unless a session is restored: no promise or closure per connection.
      try {
        existing.add(this, auth)?.catch((error) => this.#report(error));
      } catch (error) {
        this.#report(error);
      }
      return;
    }
    server.checkNamespace(name, auth).then((nsp) => {
      if (this.conn.state !== "open") return;
      if (nsp) return nsp.add(this, auth);
      const data = this.protocol.connectError("Invalid namespace", undefined);
      this.writePacket({ type: PacketType.CONNECT_ERROR, nsp: name, data }, {});
      return undefined;
    }).catch((error) => this.#report(error));
  }

  #report(error: unknown): void {
    this.#server.reportError(error instanceof Error ? error : new Error(String(error)));
  }

  /** The sockets may now take published broadcasts, or no longer (see the seam). */
  onTransportChange(): void {
    for (const socket of this.#list()) socket.nsp.pubsub?.update(socket);
  }

  /** @internal A socket connected to its namespace. */
  added(socket: Socket): void {
    const sockets = this.#sockets;
    const name = socket.nsp.name;
    if (sockets instanceof Map) sockets.set(name, socket);
    else if (!sockets || sockets.nsp.name === name) this.#sockets = socket;
    else this.#sockets = new Map([[sockets.nsp.name, sockets], [name, socket]]);
    this.#server.connectDeadlines.delete(this);
  }

  /** @internal A socket left. */
  remove(socket: Socket): void {
    const sockets = this.#sockets;
    if (sockets === socket) this.#sockets = null;
    else if (sockets instanceof Map && sockets.get(socket.nsp.name) === socket) {
      sockets.delete(socket.nsp.name);
    }
  }

  /**
   * While a restored session's missed packets are replayed: every write to
   * this connection, in order, waiting for room in the engine (see
   * {@linkcode Client.pace}). Null otherwise.
   */
  #paced: Array<() => void> | null = null;

  /** @internal Whether writes wait behind a replay (no published frames may overtake them). */
  get pacing(): boolean {
    return this.#paced !== null;
  }

  /**
   * @internal From now on, writes to this connection wait in order and go
   * out as the engine has room: at most half of `maxBufferSize` waiting in
   * it. A replay of missed packets larger than the bound then goes out as
   * the client takes it, instead of closing the connection. {@linkcode
   * Client.pump} starts it.
   */
  pace(): void {
    this.#paced ??= [];
  }

  /** @internal Writes what waits while the engine has room; pacing ends when nothing is left. */
  pump(): void {
    const queue = this.#paced;
    if (queue === null) return;
    const conn = this.conn;
    const room = this.#server.engine.options.maxBufferSize / 2;
    let next = 0;
    while (next < queue.length && conn.state === "open" && conn.backlog <= room) queue[next++]();
    queue.splice(0, next);
    if (queue.length > 0 && conn.state === "open") return;
    this.#paced = null;
    // The sockets may take published broadcasts again.
    for (const socket of this.#list()) socket.nsp.pubsub?.update(socket);
  }

  /** The engine wrote what it held or queued: paced writes go on. */
  onDrain(): void {
    if (this.#paced !== null) this.pump();
  }

  /** Encodes and writes one packet. */
  writePacket(packet: Packet, flags: BroadcastFlags): void {
    const conn = this.conn;
    if (conn.state !== "open") return;
    if (flags.volatile && !conn.writable) return;
    if (this.#paced !== null) {
      if (!flags.volatile) this.#paced.push(() => this.#writePacket(packet, flags));
      return;
    }
    this.#writePacket(packet, flags);
  }

  #writePacket(packet: Packet, flags: BroadcastFlags): void {
    const conn = this.conn;
    const options = flags.compress === false ? { compress: false } : undefined;
    const encoder = this.#server.encoder;
    // A packet that is one text message goes without an array, where the encoder can say so.
    const text = encoder.encodeText ? encoder.encodeText(packet) : null;
    if (text !== null) {
      conn.send(text, options);
      return;
    }
    const messages = encoder.encode(packet);
    for (let i = 0; i < messages.length; i++) conn.send(messages[i], options);
  }

  /** Writes the ack of an event this client sent (no flags): the usual reply, no packet object. */
  writeAck(nsp: string, id: number, data: unknown[]): void {
    if (this.conn.state !== "open") return;
    if (this.#paced !== null) {
      this.#paced.push(() => this.#writePacket({ type: PacketType.ACK, nsp, id, data }, NO_FLAGS));
      return;
    }
    const text = this.#server.encoder.encodeAck?.(nsp, id, data);
    if (text) this.conn.send(text);
    else this.writePacket({ type: PacketType.ACK, nsp, id, data }, NO_FLAGS);
  }

  /** Writes messages encoded and framed once for many clients. */
  writePrepared(prepared: PreparedMessage[], flags: BroadcastFlags): void {
    const conn = this.conn;
    if (conn.state !== "open") return;
    if (flags.volatile && !conn.writable) return;
    if (this.#paced !== null) {
      if (!flags.volatile) this.#paced.push(() => this.#writePrepared(prepared, flags));
      return;
    }
    this.#writePrepared(prepared, flags);
  }

  #writePrepared(prepared: PreparedMessage[], flags: BroadcastFlags): void {
    const conn = this.conn;
    const options = flags.compress === false ? { compress: false } : undefined;
    for (let i = 0; i < prepared.length; i++) conn.send(prepared[i], options);
  }

  /** Disconnects every namespace, then closes the connection. */
  disconnectAll(): void {
    for (const socket of this.#list()) socket.disconnect();
    this.#closeConnection("forced server close");
  }

  #closeConnection(reason: DisconnectReason): void {
    if (this.conn.state === "open") {
      // Sockets first, so they see this reason and not the engine's "forced close".
      this.#closeSockets(reason);
      this.conn.close();
    }
  }

  #onParseError(error: ProtocolError): void {
    for (const socket of this.#list()) socket.onError(error);
    this.conn.close("parse error");
  }

  /** Engine close: every socket disconnects with the same reason. */
  onClose(reason: EngineCloseReason, description?: unknown): void {
    this.#closeSockets(reason, description);
  }

  #closeSockets(reason: DisconnectReason, description?: unknown): void {
    this.#server.connectDeadlines.delete(this);
    for (const socket of this.#list()) socket.onClose(reason, description);
    this.#sockets = null;
    this.#paced = null;
    this.#decoder?.destroy();
    this.#decoder = null;
  }
}
