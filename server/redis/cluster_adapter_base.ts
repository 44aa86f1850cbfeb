/**
 * {@linkcode ClusterAdapter}: the socket.io-adapter "cluster" protocol (npm
 * `socket.io-adapter` 2.5's `ClusterAdapter`) on top of webio's in-memory
 * adapter; what crosses processes travels as {@linkcode ClusterMessage}s
 * (`cluster_messages.ts`), so webio nodes and Node.js socket.io nodes on one
 * transport serve one cluster. Import it from `cluster_adapter.ts`, which
 * adds the heartbeat variant. Publishing and the order of broadcasts are
 * `cluster_adapter_broadcast.ts`'s; this file adds requests across nodes
 * (their bookkeeping is `cluster_requests.ts`'s) and what comes in.
 *
 * ## Connection state recovery
 * Each node keeps its own log of recent broadcasts and its own sessions (the
 * in-memory adapter's). A transport that assigns offsets (a stream entry id,
 * resolved by `doPublish` and given to `onMessage`) has every node log each
 * broadcast under that one offset; otherwise (`assignsOffsets()` false) each
 * node assigns its own, so only the node a client left can restore it. The
 * reference's `ClusterAdapter` keeps no sessions at all (`restoreSession`
 * resolves null); sessions shared across nodes are the transport's to add.
 *
 * @module
 */

import type { Packet } from "../../protocol/parser.ts";
import type { AdapterNamespace, BroadcastOptions, Room } from "../adapter.ts";
import { ClusterBroadcastAdapter } from "./cluster_adapter_broadcast.ts";
import {
  type ClusterMessage,
  type ClusterResponse,
  decodeOptions,
  encodeOptions,
  isResponseType,
  isSocketDetails,
  MessageType,
  roomNames,
  toClusterMessage,
} from "./cluster_messages.ts";
import {
  type ClusterRequestDone,
  ClusterRequests,
  noResponders,
  type Responders,
} from "./cluster_requests.ts";
import { RedisAdapterError } from "./errors.ts";
import { isBroadcastPacket, socketDetails } from "./wire.ts";

export { type ClusterMessage, type ClusterResponse, MessageType };

/** Options of a {@linkcode ClusterAdapter}. */
export interface ClusterAdapterOptions {
  /**
   * Milliseconds to wait for the other nodes' answers to `fetchSockets`
   * (unless the operator has its own `timeout`) and `serverSideEmitWithAck`.
   * @default 5000
   */
  requestsTimeout?: number;
}

/**
 * A cluster adapter: local work is the in-memory adapter's; every operation
 * that crosses processes is published as a {@linkcode ClusterMessage}. A
 * transport implements {@linkcode ClusterAdapter.doPublish} and
 * {@linkcode ClusterAdapter.doPublishResponse} and calls
 * {@linkcode ClusterAdapter.onMessage} and {@linkcode ClusterAdapter.onResponse}
 * with what it decodes. It counts the servers with `serverCount()` (one by
 * default: override it, or extend `ClusterAdapterWithHeartbeat`).
 * `sharded.ts` is an example.
 */
export abstract class ClusterAdapter extends ClusterBroadcastAdapter {
  #requests = new ClusterRequests();
  #requestsTimeout: number;
  #state: "open" | "closed" = "open";

  /**
   * Makes the adapter of one namespace; a transport's subclass calls it.
   *
   * @param nsp The namespace.
   * @param opts Options.
   */
  constructor(nsp: AdapterNamespace, opts: ClusterAdapterOptions = {}) {
    super(nsp);
    this.#requestsTimeout = opts.requestsTimeout ?? 5000;
  }

  /** Fails pending requests and releases timers (a transport closes its subscriptions too). */
  override close(): Promise<void> | void {
    this.#state = "closed";
    this.#requests.close();
    super.close();
  }

  // ---- broadcasts with acks, cluster-wide commands and queries ---------------------------

  /** Asks every node to broadcast with acks; their counts and acks come back here. */
  override broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    packet.nsp = this.nsp.name;
    if (!opts.flags?.local) {
      const timeout = opts.flags?.timeout ?? this.#requestsTimeout;
      const requestId = this.#requests.startAck(timeout, clientCountCallback, ack);
      this.publish({
        type: MessageType.BROADCAST,
        // Without the ack id this node is about to give it: each node gives its own.
        data: { packet: { ...packet }, requestId, opts: encodeOptions(opts) },
      });
    }
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  /** Makes the selected sockets of every node join rooms. */
  override addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (!opts.flags?.local) {
      this.publish({ type: MessageType.SOCKETS_JOIN, data: { opts: encodeOptions(opts), rooms } });
    }
    super.addSockets(opts, rooms);
  }

  /** Makes the selected sockets of every node leave rooms. */
  override delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (!opts.flags?.local) {
      this.publish({ type: MessageType.SOCKETS_LEAVE, data: { opts: encodeOptions(opts), rooms } });
    }
    super.delSockets(opts, rooms);
  }

  /** Disconnects the selected sockets of every node. */
  override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    if (!opts.flags?.local) {
      this.publish({
        type: MessageType.DISCONNECT_SOCKETS,
        data: { opts: encodeOptions(opts), close },
      });
    }
    super.disconnectSockets(opts, close);
  }

  /** The nodes whose answers a request waits for: how many, by default the other servers. */
  protected async responders(): Promise<Responders> {
    return Math.max(0, (await this.serverCount()) - 1);
  }

  /** A node left: requests stop waiting for it (the heartbeat variant's). */
  protected forgetNode(uid: string): void {
    this.#requests.forgetNode(uid);
  }

  /**
   * The sockets the options select on every node (remote ones as plain
   * details); rejects when some node did not answer in time.
   */
  override async fetchSockets(opts: BroadcastOptions): Promise<unknown[]> {
    const local = await super.fetchSockets(opts);
    if (opts.flags?.local) return local;
    const waitFor = await this.responders();
    if (noResponders(waitFor)) return local;
    return await new Promise((resolve, reject) => {
      if (this.#state === "closed") {
        return reject(
          new RedisAdapterError("fetchSockets", "Cannot fetch: the adapter was closed"),
        );
      }
      const requestId = this.#requests.start(
        "fetchSockets",
        waitFor,
        opts.flags?.timeout || this.#requestsTimeout,
        local,
        (error, items) => error ? reject(error) : resolve(items),
      );
      this.publish({
        type: MessageType.FETCH_SOCKETS,
        data: { opts: encodeOptions(opts), requestId },
      });
    });
  }

  /**
   * Sends an event to the other nodes. With a function as last element, it
   * is called once with `(error, responses)`: one response per other node, or
   * a timeout error with the responses that came.
   */
  override serverSideEmit(packet: unknown[]): void {
    const last = packet[packet.length - 1];
    if (typeof last !== "function") {
      this.publish({ type: MessageType.SERVER_SIDE_EMIT, data: { packet } });
      return;
    }
    const ack = last as ClusterRequestDone;
    const data = packet.slice(0, -1);
    this.responders().then(
      (waitFor) => {
        if (noResponders(waitFor)) return ack(null, []);
        if (this.#state === "closed") {
          return ack(
            new RedisAdapterError("serverSideEmit", "Cannot emit: the adapter was closed"),
            [],
          );
        }
        const requestId = this.#requests.start(
          "serverSideEmit",
          waitFor,
          this.#requestsTimeout,
          [],
          ack,
        );
        this.publish({ type: MessageType.SERVER_SIDE_EMIT, data: { requestId, packet: data } });
      },
      (error) =>
        ack(new RedisAdapterError("serverSideEmit", "Cannot count servers", { cause: error }), []),
    );
  }

  // ---- receiving -------------------------------------------------------------------------

  /**
   * A message from another node, as the transport decoded it, with the
   * offset the transport gave it. Malformed messages are reported as
   * `error` events; nothing here throws.
   */
  protected onMessage(message: ClusterMessage, offset?: string): void {
    const checked = toClusterMessage(message);
    if (checked === null) return this.#malformed("message");
    if (checked.uid === this.uid || this.#state === "closed") return;
    if (checked.nsp !== undefined && checked.nsp !== this.nsp.name) return;
    if (isResponseType(checked.type)) return this.onResponse(checked as ClusterResponse);
    try {
      this.#handle(checked as ClusterMessage, offset);
    } catch (error) {
      this.emit(
        "error",
        new RedisAdapterError("receive", "Cannot handle message", { cause: error }),
      );
    }
  }

  #handle(message: ClusterMessage, offset: string | undefined): void {
    switch (message.type) {
      case MessageType.BROADCAST: {
        const { packet, requestId } = message.data;
        if (!isBroadcastPacket(packet)) return this.#malformed("broadcast");
        packet.nsp = this.nsp.name;
        const opts = decodeOptions(message.data.opts);
        if (typeof requestId !== "string") return this.deliverWithOffset(packet, opts, offset);
        return super.broadcastWithAck(packet, opts, (clientCount) => {
          this.publishResponse(message.uid, {
            type: MessageType.BROADCAST_CLIENT_COUNT,
            data: { requestId, clientCount },
          });
        }, (arg) => {
          this.publishResponse(message.uid, {
            type: MessageType.BROADCAST_ACK,
            data: { requestId, packet: arg },
          });
        });
      }
      case MessageType.SOCKETS_JOIN:
        return super.addSockets(decodeOptions(message.data.opts), roomNames(message.data.rooms));
      case MessageType.SOCKETS_LEAVE:
        return super.delSockets(decodeOptions(message.data.opts), roomNames(message.data.rooms));
      case MessageType.DISCONNECT_SOCKETS:
        return super.disconnectSockets(
          decodeOptions(message.data.opts),
          message.data.close === true,
        );
      case MessageType.FETCH_SOCKETS: {
        const { requestId } = message.data;
        if (typeof requestId !== "string") return this.#malformed("fetchSockets request");
        void super.fetchSockets(decodeOptions(message.data.opts)).then((sockets) => {
          this.publishResponse(message.uid, {
            type: MessageType.FETCH_SOCKETS_RESPONSE,
            data: { requestId, sockets: sockets.map(socketDetails) },
          });
        });
        return;
      }
      case MessageType.SERVER_SIDE_EMIT: {
        const { packet, requestId } = message.data;
        if (!Array.isArray(packet) || typeof packet[0] !== "string") {
          return this.#malformed("serverSideEmit");
        }
        if (typeof requestId !== "string") return this.nsp.onServerSideEmit([...packet]);
        let called = false;
        return this.nsp.onServerSideEmit([...packet, (arg: unknown) => {
          // One answer per node, as the reference takes only the first.
          if (called) return;
          called = true;
          this.publishResponse(message.uid, {
            type: MessageType.SERVER_SIDE_EMIT_RESPONSE,
            data: { requestId, packet: arg },
          });
        }]);
      }
    }
  }

  /**
   * A response to one of this node's requests, as the transport decoded it;
   * unknown request ids are ignored, malformed responses reported.
   */
  protected onResponse(response: ClusterResponse): void {
    const checked = toClusterMessage(response);
    if (checked === null || !isResponseType(checked.type)) return this.#malformed("response");
    const r = checked as ClusterResponse;
    const { requestId } = r.data;
    switch (r.type) {
      case MessageType.BROADCAST_CLIENT_COUNT:
        return this.#requests.clientCount(requestId, Number(r.data.clientCount) || 0);
      case MessageType.BROADCAST_ACK:
        return this.#requests.ack(requestId, r.data.packet);
      case MessageType.FETCH_SOCKETS_RESPONSE: {
        const sockets = r.data.sockets;
        if (!Array.isArray(sockets)) return this.#malformed("fetchSockets response");
        return this.#requests.answer(requestId, r.uid, sockets.filter(isSocketDetails));
      }
      case MessageType.SERVER_SIDE_EMIT_RESPONSE:
        return this.#requests.answer(requestId, r.uid, [r.data.packet]);
    }
  }

  #malformed(what: string): void {
    this.emit("error", new RedisAdapterError("receive", `Malformed ${what} from the cluster`));
  }
}
