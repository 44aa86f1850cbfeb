/**
 * The Redis adapter: rooms, broadcasts and cluster-wide operations across
 * server processes over Redis pub/sub, speaking the wire format of npm
 * `@socket.io/redis-adapter` 8.x (`createAdapter`, see `wire.ts` for the
 * channels), so webio nodes on Deno or Bun and socket.io nodes on Node.js
 * can serve one cluster. The subscriptions and publishing are `pubsub.ts`'s;
 * requests to the other nodes and their timeouts `requests.ts`'s; answering
 * theirs `answers.ts`'s; `createRedisAdapter`, which makes the adapters of a
 * server and their clients, is `factory.ts`'s.
 *
 * With `sharded: true`, `createRedisAdapter` makes a `ShardedRedisAdapter`
 * (`sharded.ts`) instead: npm `createShardedAdapter`'s protocol over Redis 7
 * sharded pub/sub.
 *
 * ## Connection state recovery across nodes
 * Every node receives every broadcast (the pattern subscription), so each
 * keeps the same log of recent packets; the node that emits assigns the
 * offset and sends it along. Sessions of disconnected clients are stored in
 * Redis (`sessions.ts`), so a client may come back on any node.
 *
 * @module
 */

import { encodeMsgpack } from "../../protocol/msgpack.ts";
import type { Packet } from "../../protocol/parser.ts";
import {
  type Adapter,
  type AdapterNamespace,
  type BroadcastOptions,
  InMemoryAdapter,
  type PrivateSessionId,
  type Room,
  type SessionToPersist,
  type SocketId,
} from "../adapter.ts";
import { randomId } from "../../common/ids.ts";
import { Answers, type LocalNode } from "./answers.ts";
import { RedisAdapterError } from "./errors.ts";
import type { NormalizedRedisClient } from "./normalize.ts";
import type { ShardedSubscriptionMode } from "./sharded.ts";
import { PubSub } from "./pubsub.ts";
import { type RequestDone, Requests } from "./requests.ts";
import { RedisSessions } from "./sessions.ts";
import {
  Channels,
  type ClusterMessage,
  decodeBroadcast,
  encodeBroadcast,
  isObject,
  rawOptions,
  requestName,
  RequestType,
} from "./wire.ts";

export { RedisAdapterError };

/** Options of a {@linkcode RedisAdapter} (and of `createRedisAdapter`, `factory.ts`). */
export interface RedisAdapterOptions {
  /** Prefix of every channel and key. @default "socket.io" */
  key?: string;
  /** Milliseconds to wait for the other nodes' answers. @default 5000 */
  requestsTimeout?: number;
  /** Answer on the requester's own response channel (as the npm adapter's option). @default false */
  publishOnSpecificResponseChannel?: boolean;
  /**
   * Use Redis 7 sharded pub/sub: `createRedisAdapter` then makes a
   * `ShardedRedisAdapter` (`sharded.ts`), wire-compatible with npm
   * `createShardedAdapter`, not this class. @default false
   */
  sharded?: boolean;
  /** With `sharded`: which rooms get a channel of their own. @default "dynamic" */
  subscriptionMode?: ShardedSubscriptionMode;
  /** With `sharded`: the channel prefix (npm `createShardedAdapter`'s name). @default key */
  channelPrefix?: string;
}

/**
 * A cluster adapter over Redis pub/sub; see the module documentation for the
 * channels. Local work (rooms, encoding once, recovery log) is the in-memory
 * adapter's; this class adds what crosses processes.
 */
export class RedisAdapter extends InMemoryAdapter implements Adapter {
  /** This node's id in the cluster. */
  readonly uid: string = randomId(6);
  /** Resolves when the subscriptions are in place. */
  readonly ready: Promise<void>;
  #opts: { requestsTimeout: number; publishOnSpecificResponseChannel: boolean };
  #channels: Channels;
  #requests: Requests;
  #pubsub: PubSub;
  #answers: Answers;
  #sessions: RedisSessions;
  #onRelease: () => void;
  #closed = false;
  #readyResolve!: () => void;

  /**
   * Makes the adapter of one namespace; `createRedisAdapter` makes these for
   * a server, and its clients too.
   *
   * @param nsp The namespace.
   * @param pub The client used to publish and send commands.
   * @param sub The client used to subscribe (may be `pub` for our own client).
   * @param opts Options.
   * @param onRelease Called once when the adapter closes.
   * @throws {TypeError} With `sharded: true` (that is `ShardedRedisAdapter`'s).
   */
  constructor(
    nsp: AdapterNamespace,
    pub: NormalizedRedisClient,
    sub: NormalizedRedisClient,
    opts: RedisAdapterOptions = {},
    onRelease: () => void = () => {},
  ) {
    super(nsp);
    if (opts.sharded) {
      throw new TypeError(
        "Cannot make a RedisAdapter with sharded: true: use createRedisAdapter or ShardedRedisAdapter",
      );
    }
    this.#onRelease = onRelease;
    this.#opts = {
      requestsTimeout: opts.requestsTimeout ?? 5000,
      publishOnSpecificResponseChannel: opts.publishOnSpecificResponseChannel ?? false,
    };
    this.#channels = new Channels(opts.key ?? "socket.io", nsp.name, this.uid);
    this.#requests = new Requests(this.#opts.requestsTimeout);
    const onError = (error: RedisAdapterError) => this.emit("error", error);
    this.#pubsub = new PubSub(pub, sub, this.#channels, {
      onBroadcast: (message, channel) => this.#onMessage(message, channel),
      onRequest: (message, channel) => this.#answers.receive(message, channel),
      onError,
    });
    this.#answers = new Answers(this.#localNode(), {
      channels: this.#channels,
      requests: this.#requests,
      publish: (channel, message, operation) => this.#pubsub.publish(channel, message, operation),
      onError,
      publishOnSpecificResponseChannel: this.#opts.publishOnSpecificResponseChannel,
    });
    this.#sessions = new RedisSessions(pub, this.#channels, onError);
    this.ready = new Promise((resolve) => this.#readyResolve = resolve);
  }

  /** Subscribes to the channels; rejects (and reports) when Redis refuses. */
  override async init(): Promise<void> {
    super.init();
    await this.#pubsub.subscribe();
    this.#readyResolve();
  }

  /** Unsubscribes, fails pending requests and releases timers. */
  override async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    super.close();
    this.#requests.close();
    await this.#pubsub.close();
    this.#onRelease();
  }

  /** How many servers share this namespace: the subscribers of the request channel. */
  override serverCount(): Promise<number> {
    return this.#pubsub.serverCount();
  }

  // ---- broadcasts ------------------------------------------------------------------------

  /** Publishes to the cluster (unless `local`), then delivers here. */
  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    packet.nsp = this.nsp.name;
    const offset = this.keepForRecovery(packet, opts);
    if (!opts.flags?.local) {
      const channel = opts.rooms.size === 1
        ? this.#channels.room(opts.rooms.values().next().value as Room)
        : this.#channels.broadcast;
      this.#pubsub.publish(channel, encodeBroadcast(this.uid, packet, opts, offset), "broadcast");
    }
    this.deliver(packet, opts);
  }

  /** Asks every node to broadcast with acks; their counts and acks come back here. */
  override broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    packet.nsp = this.nsp.name;
    if (!opts.flags?.local) {
      const requestId = this.#requests.startAck(
        opts.flags?.timeout ?? this.#opts.requestsTimeout,
        clientCountCallback,
        ack,
      );
      const message = encodeMsgpack({
        uid: this.uid,
        requestId,
        type: RequestType.BROADCAST,
        packet,
        opts: rawOptions(opts),
      });
      this.#pubsub.publish(this.#channels.request, message, "broadcastWithAck");
    }
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  // ---- cluster-wide queries and commands -------------------------------------------------

  /** The ids of the sockets in `rooms`, on every node. */
  override async sockets(rooms: Set<Room>): Promise<Set<SocketId>> {
    const local = await super.sockets(rooms);
    const remote = await this.#request(RequestType.SOCKETS, { rooms: [...rooms] });
    for (const id of remote) local.add(String(id));
    return local;
  }

  /** The names of every room on every node. */
  async allRooms(): Promise<Set<Room>> {
    const rooms = new Set(this.rooms.keys());
    for (const room of await this.#request(RequestType.ALL_ROOMS, {})) rooms.add(String(room));
    return rooms;
  }

  /** The sockets the options select, on every node (remote ones as plain details). */
  override async fetchSockets(opts: BroadcastOptions): Promise<unknown[]> {
    const local = await super.fetchSockets(opts);
    if (opts.flags?.local) return local;
    const raw = rawOptions(opts);
    const remote = await this.#request(RequestType.REMOTE_FETCH, {
      opts: { rooms: raw.rooms, except: raw.except },
    });
    return [...local, ...remote.filter(isObject)];
  }

  /** Makes the selected sockets of every node join rooms. */
  override addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    super.addSockets(opts, rooms);
    if (opts.flags?.local) return;
    this.#command({ type: RequestType.REMOTE_JOIN, opts: rawOptions(opts), rooms: [...rooms] });
  }

  /** Makes the selected sockets of every node leave rooms. */
  override delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    super.delSockets(opts, rooms);
    if (opts.flags?.local) return;
    this.#command({ type: RequestType.REMOTE_LEAVE, opts: rawOptions(opts), rooms: [...rooms] });
  }

  /** Disconnects the selected sockets of every node. */
  override disconnectSockets(opts: BroadcastOptions, close: boolean): void {
    super.disconnectSockets(opts, close);
    if (opts.flags?.local) return;
    this.#command({ type: RequestType.REMOTE_DISCONNECT, opts: rawOptions(opts), close });
  }

  /**
   * Sends an event to the other nodes. With a function as last element, it
   * is called once with `(error, responses)`: one response per other node, or
   * a timeout error with the responses that came.
   */
  override serverSideEmit(packet: unknown[]): void {
    const last = packet[packet.length - 1];
    if (typeof last !== "function") {
      this.#command({ type: RequestType.SERVER_SIDE_EMIT, data: packet });
      return;
    }
    const ack = last as RequestDone;
    const data = packet.slice(0, -1);
    this.serverCount().then(
      (count) => {
        if (count <= 1) return ack(null, []);
        this.#ask(RequestType.SERVER_SIDE_EMIT, { data }, count - 1, ack);
      },
      (error) =>
        ack(new RedisAdapterError("serverSideEmit", "Cannot count servers", { cause: error }), []),
    );
  }

  // ---- connection state recovery ---------------------------------------------------------

  /** Keeps the session here and in Redis, so that any node can restore it. */
  override persistSession(session: SessionToPersist): void {
    super.persistSession(session);
    const recovery = this.nsp.recovery;
    if (recovery) this.#sessions.store(session, recovery.maxDisconnectionDuration);
  }

  /** Takes the session from this node, or else from Redis. */
  protected override async takeSession(
    pid: PrivateSessionId,
  ): Promise<(SessionToPersist & { disconnectedAt: number }) | undefined> {
    const local = await super.takeSession(pid);
    if (!local) return await this.#sessions.take(pid);
    this.#sessions.forget(pid);
    return local;
  }

  // ---- receiving -------------------------------------------------------------------------

  #onMessage(message: Uint8Array, channel: string): void {
    const room = this.#channels.roomOf(channel);
    if (room === null) return;
    let broadcast;
    try {
      broadcast = decodeBroadcast(message);
    } catch (error) {
      this.emit("error", new RedisAdapterError("receive", "Malformed broadcast", { cause: error }));
      return;
    }
    if (broadcast === null) {
      this.emit("error", new RedisAdapterError("receive", "Malformed broadcast: not an event"));
      return;
    }
    const { uid, packet, opts, offset } = broadcast;
    if (uid === this.uid) return;
    if (packet.nsp === undefined) packet.nsp = "/";
    if (packet.nsp !== this.nsp.name) return;
    try {
      // Kept for recovery even when no local socket is in the room: a client may come back here.
      this.keepForRecovery(packet, opts, offset);
      if (room !== "" && !this.rooms.has(room)) return;
      this.deliver(packet, opts);
    } catch (error) {
      // The parser refused what the packet carries: reported, never thrown into the Redis client.
      this.emit(
        "error",
        new RedisAdapterError("receive", "Cannot deliver broadcast", { cause: error }),
      );
    }
  }

  // ---- sending ---------------------------------------------------------------------------

  /** A request every other node answers; resolves with their items gathered. */
  async #request(type: RequestType, body: Omit<ClusterMessage, "type">): Promise<unknown[]> {
    const count = await this.serverCount();
    if (count <= 1) return [];
    return await new Promise((resolve, reject) => {
      this.#ask(type, body, count - 1, (error, items) => error ? reject(error) : resolve(items));
    });
  }

  #ask(
    type: RequestType,
    body: Omit<ClusterMessage, "type">,
    expected: number,
    done: RequestDone,
  ): void {
    if (this.#closed) return done(new RedisAdapterError("request", "The adapter was closed"), []);
    const requestId = this.#requests.start(type, expected, done);
    this.#pubsub.publish(
      this.#channels.request,
      JSON.stringify({ uid: this.uid, requestId, type, ...body }),
      requestName(type),
    );
  }

  #command(body: ClusterMessage): void {
    this.#pubsub.publish(
      this.#channels.request,
      JSON.stringify({ uid: this.uid, ...body }),
      "command",
    );
  }

  /** This node's own operations (the in-memory adapter's), with which it answers the others. */
  #localNode(): LocalNode {
    return {
      uid: this.uid,
      sockets: (rooms) => super.sockets(rooms),
      roomNames: () => this.rooms.keys(),
      addSockets: (opts, rooms) => super.addSockets(opts, rooms),
      delSockets: (opts, rooms) => super.delSockets(opts, rooms),
      disconnectSockets: (opts, close) => super.disconnectSockets(opts, close),
      fetchSockets: (opts) => super.fetchSockets(opts),
      broadcastWithAck: (packet, opts, clientCount, ack) =>
        super.broadcastWithAck(packet, opts, clientCount, ack),
      onServerSideEmit: (data) => this.nsp.onServerSideEmit(data),
    };
  }
}
