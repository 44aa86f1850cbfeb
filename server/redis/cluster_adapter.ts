/**
 * The socket.io-adapter "cluster" protocol (npm `socket.io-adapter` 2.5):
 * {@linkcode ClusterAdapter} (`cluster_adapter_base.ts`), for transports that
 * count servers themselves (Redis sharded pub/sub: `PUBSUB SHARDNUMSUB`), and
 * {@linkcode ClusterAdapterWithHeartbeat}, for transports that cannot (Redis
 * streams): each node announces itself when it starts, publishes a heartbeat
 * when it has published nothing for `heartbeatInterval`, says goodbye when it
 * closes, and counts as servers the nodes it heard from within
 * `heartbeatTimeout`. Requests then wait for those nodes by name, and stop
 * waiting for one that leaves.
 *
 * @module
 */

import type { AdapterNamespace } from "../adapter.ts";
import { ClusterAdapter, type ClusterAdapterOptions } from "./cluster_adapter_base.ts";
import { type ClusterMessage, type ClusterMessageBody, MessageType } from "./cluster_messages.ts";
import type { Responders } from "./cluster_requests.ts";

export { ClusterAdapter, type ClusterAdapterOptions };
export {
  type ClusterMessage,
  type ClusterResponse,
  decodeClusterMessage,
  encodeClusterMessage,
  MessageType,
} from "./cluster_messages.ts";

/** The uid of messages from a socket.io emitter: not a node, never counted. */
const EMITTER_UID = "emitter";

/** Options of a {@linkcode ClusterAdapterWithHeartbeat}. */
export interface ClusterAdapterWithHeartbeatOptions extends ClusterAdapterOptions {
  /** Milliseconds without publishing after which a node publishes a heartbeat. @default 5000 */
  heartbeatInterval?: number;
  /** Milliseconds without hearing from a node after which it counts as gone. @default 10000 */
  heartbeatTimeout?: number;
}

/**
 * A cluster adapter that learns the other nodes from their messages and
 * heartbeats (see the module documentation). `init()` announces this node
 * (call it after the transport receives); `close()` says goodbye (call it
 * before the transport stops publishing).
 *
 * @example
 * ```ts ignore
 * class StreamAdapter extends ClusterAdapterWithHeartbeat {
 *   constructor(nsp: AdapterNamespace) {
 *     super(nsp, { heartbeatInterval: 5000, heartbeatTimeout: 10000 });
 *   }
 *   // doPublish, doPublishResponse; messages read go to this.onMessage(message, offset)
 * }
 * ```
 */
export abstract class ClusterAdapterWithHeartbeat extends ClusterAdapter {
  /** Node uid to the time it was last heard from. */
  #nodes = new Map<string, number>();
  #interval: number;
  #timeout: number;
  #state: "idle" | "running" | "closed" = "idle";
  #lastPublish = 0;
  #heartbeat: ReturnType<typeof setTimeout> | undefined;
  #sweeper: ReturnType<typeof setInterval> | undefined;

  /**
   * Makes the adapter of one namespace; a transport's subclass calls it.
   *
   * @param nsp The namespace.
   * @param opts Options.
   */
  constructor(nsp: AdapterNamespace, opts: ClusterAdapterWithHeartbeatOptions = {}) {
    super(nsp, opts);
    this.#interval = opts.heartbeatInterval ?? 5000;
    this.#timeout = opts.heartbeatTimeout ?? 10_000;
  }

  /** Announces this node (`INITIAL_HEARTBEAT`: the others answer with a heartbeat). */
  override init(): Promise<void> | void {
    super.init();
    if (this.#state !== "idle") return;
    this.#state = "running";
    // Released by close().
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(1000, this.#timeout));
    this.publish({ type: MessageType.INITIAL_HEARTBEAT });
  }

  /** Says goodbye (`ADAPTER_CLOSE`), stops the timers and fails pending requests. */
  override close(): Promise<void> | void {
    if (this.#state === "running") this.publish({ type: MessageType.ADAPTER_CLOSE });
    this.#state = "closed";
    clearTimeout(this.#heartbeat);
    clearInterval(this.#sweeper);
    this.#heartbeat = this.#sweeper = undefined;
    this.#nodes.clear();
    return super.close();
  }

  /** This node and every node heard from within `heartbeatTimeout`. */
  override serverCount(): Promise<number> {
    return Promise.resolve(1 + this.#nodes.size);
  }

  /** The nodes known now, by uid: a request waits for each of them. */
  protected override responders(): Promise<Responders> {
    return Promise.resolve(new Set(this.#nodes.keys()));
  }

  /** Every publish counts as a sign of life: the heartbeat waits for a quiet interval. */
  protected override publishAndReturnOffset(
    body: ClusterMessageBody,
  ): Promise<string | undefined> {
    this.#lastPublish = Date.now();
    if (this.#heartbeat === undefined && this.#state === "running") {
      this.#heartbeat = setTimeout(() => this.#beat(), this.#interval);
    }
    return super.publishAndReturnOffset(body);
  }

  #beat(): void {
    this.#heartbeat = undefined;
    if (this.#state !== "running") return;
    const quiet = Date.now() - this.#lastPublish;
    if (quiet >= this.#interval) {
      this.publish({ type: MessageType.HEARTBEAT });
    } else {
      this.#heartbeat = setTimeout(() => this.#beat(), this.#interval - quiet);
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const [uid, seen] of this.#nodes) {
      if (now - seen > this.#timeout) this.#removeNode(uid);
    }
  }

  #removeNode(uid: string): void {
    this.#nodes.delete(uid);
    this.forgetNode(uid);
  }

  /** Notes the sender as alive, answers announcements, forgets nodes that say goodbye. */
  protected override onMessage(message: ClusterMessage, offset?: string): void {
    const m = message as Partial<ClusterMessage> | null;
    const uid = m?.uid;
    if (typeof uid !== "string" || uid === this.uid || this.#state === "closed") {
      return super.onMessage(message, offset);
    }
    // Another namespace's adapter on the same node has a uid of its own: not a node here.
    if (m?.nsp !== this.nsp.name) return;
    if (uid !== EMITTER_UID) this.#nodes.set(uid, Date.now());
    switch (m.type) {
      case MessageType.INITIAL_HEARTBEAT:
        return this.publish({ type: MessageType.HEARTBEAT });
      case MessageType.HEARTBEAT:
        return;
      case MessageType.ADAPTER_CLOSE:
        return this.#removeNode(uid);
    }
    super.onMessage(message, offset);
  }
}
