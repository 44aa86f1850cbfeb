/**
 * {@linkcode ClusterBroadcastAdapter}: the publishing half of the cluster
 * adapter (`cluster_adapter_base.ts`). It stamps messages with the node's uid
 * and namespace, reports what could not be sent as `error` events, and
 * publishes each broadcast before delivering it here: at once, or, when the
 * transport assigns offsets (stream entry ids) and the packet is one a
 * session may need again, once its offset is known, in the order the
 * broadcasts were emitted.
 *
 * @module
 */

import { type Packet, PacketType } from "../../protocol/parser.ts";
import { type BroadcastOptions, InMemoryAdapter } from "../adapter.ts";
import {
  type ClusterMessage,
  type ClusterMessageBody,
  type ClusterResponse,
  type ClusterResponseBody,
  encodeOptions,
  MessageType,
} from "./cluster_messages.ts";
import { randomHex } from "./cluster_requests.ts";
import { RedisAdapterError } from "./errors.ts";

/**
 * The in-memory adapter with a transport to publish to; `ClusterAdapter`
 * (`cluster_adapter_base.ts`) adds requests and receiving. A transport
 * implements {@linkcode ClusterBroadcastAdapter.doPublish} and
 * {@linkcode ClusterBroadcastAdapter.doPublishResponse}.
 */
export abstract class ClusterBroadcastAdapter extends InMemoryAdapter {
  /** This node's id in the cluster (16 hex characters, as the reference's). */
  readonly uid: string = randomHex();
  /** Broadcasts waiting for their offset, delivered here in the order they were emitted. */
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;

  /**
   * Sends `message` to every other node. Encode it before returning: the
   * caller may change its packet afterwards.
   *
   * @returns The offset the transport gave the message (a stream entry id), if any.
   */
  protected abstract doPublish(message: ClusterMessage): Promise<string | undefined>;

  /** Sends `response` to the node `requesterUid` only (or to every node, which ignore it). */
  protected abstract doPublishResponse(
    requesterUid: string,
    response: ClusterResponse,
  ): Promise<void>;

  /**
   * Whether `doPublish` resolves with offsets that every node also receives
   * with the message (stream ids). When false, broadcasts are delivered here
   * at once and each node gives them offsets of its own.
   */
  protected assignsOffsets(): boolean {
    return true;
  }

  // ---- publishing ------------------------------------------------------------------------

  /** Publishes a message with this node's uid and namespace; resolves with its offset. */
  protected publishAndReturnOffset(body: ClusterMessageBody): Promise<string | undefined> {
    const message = { ...body, uid: this.uid, nsp: this.nsp.name } as ClusterMessage;
    try {
      return this.doPublish(message);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Publishes a message; a failure is reported as an `error` event, never thrown. */
  protected publish(body: ClusterMessageBody): void {
    this.publishAndReturnOffset(body).catch((error) => this.reportUnsent("publish", error));
  }

  /** Sends a response to `requesterUid`; a failure is reported as an `error` event. */
  protected publishResponse(requesterUid: string, body: ClusterResponseBody): void {
    const response = { ...body, uid: this.uid, nsp: this.nsp.name } as ClusterResponse;
    try {
      this.doPublishResponse(requesterUid, response).catch((error) =>
        this.reportUnsent("respond", error)
      );
    } catch (error) {
      this.reportUnsent("respond", error);
    }
  }

  /** Reports that a message could not be sent, as an `error` event. */
  protected reportUnsent(operation: string, error: unknown): void {
    this.emit(
      "error",
      new RedisAdapterError(operation, `Cannot ${operation}: the message was not sent`, {
        cause: error,
      }),
    );
  }

  // ---- broadcasts ------------------------------------------------------------------------

  /** Publishes to the cluster (unless `local`), then delivers here. */
  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    packet.nsp = this.nsp.name;
    if (opts.flags?.local) {
      if (this.#queued === 0) return super.broadcast(packet, opts);
      return this.#inOrder(packet, opts, Promise.resolve(undefined));
    }
    const waits = this.assignsOffsets() && this.#recoverable(packet, opts);
    if (!waits && this.#queued === 0) {
      // Encoded by the transport now, before the local offset is appended.
      this.publish({ type: MessageType.BROADCAST, data: { packet, opts: encodeOptions(opts) } });
      return super.broadcast(packet, opts);
    }
    // The wire copy keeps its own argument list: the offset is appended to the local one later.
    const wire = { ...packet, data: [...packet.data as unknown[]] };
    const offset = this.publishAndReturnOffset({
      type: MessageType.BROADCAST,
      data: { packet: wire, opts: encodeOptions(opts) },
    });
    this.#inOrder(packet, opts, offset);
  }

  #inOrder(packet: Packet, opts: BroadcastOptions, offset: Promise<string | undefined>): void {
    this.#queued++;
    this.#queue = this.#queue.then(async () => {
      let id: string | undefined;
      try {
        id = await offset;
      } catch (error) {
        this.reportUnsent("publish", error);
      }
      this.#queued--;
      this.deliverWithOffset(packet, opts, id);
    });
  }

  #recoverable(packet: Packet, opts: BroadcastOptions): boolean {
    return this.nsp.recovery !== undefined && packet.type === PacketType.EVENT &&
      packet.id === undefined && !opts.flags?.volatile && Array.isArray(packet.data);
  }

  /** Logs for recovery (under `offset`, or one of this node's) and delivers to local sockets. */
  protected deliverWithOffset(
    packet: Packet,
    opts: BroadcastOptions,
    offset: string | undefined,
  ): void {
    try {
      if (offset) {
        // The log keeps the argument array itself: the offset appended next is part of it.
        if (this.keepForRecovery(packet, opts, offset) !== undefined) {
          (packet.data as unknown[]).push(offset);
        }
      } else {
        this.keepForRecovery(packet, opts);
      }
      this.deliver(packet, opts);
    } catch (error) {
      // The parser refused what the packet carries: reported, never thrown into the transport.
      this.emit(
        "error",
        new RedisAdapterError("receive", "Cannot deliver broadcast", { cause: error }),
      );
    }
  }
}
