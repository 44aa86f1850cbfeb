/**
 * What the Redis adapter does with the messages of the request and response
 * channels: the other nodes' requests and commands are answered from this
 * node's own sockets and rooms; responses go to the requests this node is
 * waiting on (`requests.ts`).
 *
 * @module
 */

import { encodeMsgpack } from "../../protocol/msgpack.ts";
import type { Packet } from "../../protocol/parser.ts";
import type { BroadcastOptions, Room, SocketId } from "../adapter.ts";
import { RedisAdapterError } from "./errors.ts";
import type { Requests } from "./requests.ts";
import {
  type Channels,
  type ClusterMessage,
  decodeMessage,
  encodeMessage,
  isBroadcastPacket,
  RequestType,
  socketDetails,
  toOptions,
  toSet,
} from "./wire.ts";

/** This node's own operations, which answer the others: none of them reaches the cluster. */
export interface LocalNode {
  /** This node's id: its own requests come back on the channel and are not answered. */
  readonly uid: string;
  /** The ids of this node's sockets in `rooms`. */
  sockets(rooms: Set<Room>): Promise<Set<SocketId>>;
  /** The names of this node's rooms. */
  roomNames(): Iterable<Room>;
  /** Makes this node's selected sockets join `rooms`. */
  addSockets(opts: BroadcastOptions, rooms: Room[]): void;
  /** Makes this node's selected sockets leave `rooms`. */
  delSockets(opts: BroadcastOptions, rooms: Room[]): void;
  /** Disconnects this node's selected sockets. */
  disconnectSockets(opts: BroadcastOptions, close: boolean): void;
  /** This node's selected sockets. */
  fetchSockets(opts: BroadcastOptions): Promise<unknown[]>;
  /** Broadcasts to this node's sockets with acks. */
  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCount: (count: number) => void,
    ack: (...args: unknown[]) => void,
  ): void;
  /** Hands a server-side emit (its arguments, an ack last if any) to the namespace. */
  onServerSideEmit(data: unknown[]): void;
}

/** How {@linkcode Answers} reaches the rest of the adapter. */
export interface AnswersOptions {
  /** The channel names of the namespace. */
  channels: Channels;
  /** The requests this node waits on: responses go there. */
  requests: Requests;
  /** Publishes a message (failures are reported by the publisher). */
  publish: (channel: string, message: string | Uint8Array, operation: string) => void;
  /** Reports a malformed message or a failed answer. */
  onError: (error: RedisAdapterError) => void;
  /** Answer on the requester's own response channel. */
  publishOnSpecificResponseChannel: boolean;
}

/** The handler of the request and response channels of one adapter. */
export class Answers {
  #node: LocalNode;
  #opts: AnswersOptions;

  /** @param node This node's operations. @param opts The rest of the adapter. */
  constructor(node: LocalNode, opts: AnswersOptions) {
    this.#node = node;
    this.#opts = opts;
  }

  /** A message on the request channel or a response channel. */
  receive(message: Uint8Array, channel: string): void {
    let request: ClusterMessage | null;
    try {
      request = decodeMessage(message);
    } catch (error) {
      this.#opts.onError(new RedisAdapterError("receive", "Malformed request", { cause: error }));
      return;
    }
    // Responses to SOCKETS, ALL_ROOMS and REMOTE_FETCH carry no type.
    if (request === null) return;
    const channels = this.#opts.channels;
    if (channel.startsWith(channels.response)) {
      this.#opts.requests.onResponse(request);
    } else if (
      channel === channels.request && request.uid !== this.#node.uid &&
      typeof request.type === "number"
    ) {
      void this.#answer(request).catch((error) =>
        this.#opts.onError(
          new RedisAdapterError("answer", "Cannot answer request", { cause: error }),
        )
      );
    }
  }

  async #answer(request: ClusterMessage): Promise<void> {
    const node = this.#node;
    const opts = toOptions(request.opts);
    switch (request.type) {
      case RequestType.SOCKETS: {
        const ids = await node.sockets(toSet(request.rooms));
        return this.#respond(request, { requestId: request.requestId, sockets: [...ids] });
      }
      case RequestType.ALL_ROOMS:
        return this.#respond(request, {
          requestId: request.requestId,
          rooms: [...node.roomNames()],
        });
      case RequestType.REMOTE_JOIN:
        return node.addSockets(opts, Array.isArray(request.rooms) ? request.rooms : []);
      case RequestType.REMOTE_LEAVE:
        return node.delSockets(opts, Array.isArray(request.rooms) ? request.rooms : []);
      case RequestType.REMOTE_DISCONNECT:
        return node.disconnectSockets(opts, request.close === true);
      case RequestType.REMOTE_FETCH: {
        const sockets = await node.fetchSockets(opts);
        return this.#respond(request, {
          requestId: request.requestId,
          sockets: sockets.map(socketDetails),
        });
      }
      case RequestType.SERVER_SIDE_EMIT: {
        const data = Array.isArray(request.data) ? [...request.data] : [];
        if (request.requestId === undefined) return node.onServerSideEmit(data);
        let called = false;
        data.push((response: unknown) => {
          if (called) return;
          called = true;
          // The npm adapter answers server-side emits on the shared response channel.
          this.#opts.publish(
            this.#opts.channels.response,
            JSON.stringify({
              type: RequestType.SERVER_SIDE_EMIT,
              requestId: request.requestId,
              data: response,
            }),
            "serverSideEmit",
          );
        });
        return node.onServerSideEmit(data);
      }
      case RequestType.BROADCAST: {
        if (!isBroadcastPacket(request.packet)) return;
        node.broadcastWithAck(request.packet, opts, (clientCount) => {
          this.#respond(request, {
            type: RequestType.BROADCAST_CLIENT_COUNT,
            requestId: request.requestId,
            clientCount,
          });
        }, (arg) => {
          this.#respond(
            request,
            encodeMsgpack({
              type: RequestType.BROADCAST_ACK,
              requestId: request.requestId,
              packet: arg,
            }),
          );
        });
        return;
      }
    }
  }

  #respond(request: ClusterMessage, response: Record<string, unknown> | Uint8Array): void {
    const channels = this.#opts.channels;
    const channel = this.#opts.publishOnSpecificResponseChannel
      ? channels.responseTo(request.uid)
      : channels.response;
    this.#opts.publish(channel, encodeMessage(response), "respond");
  }
}
