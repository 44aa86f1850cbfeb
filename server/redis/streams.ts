/**
 * The Redis streams adapter: the socket.io-adapter cluster protocol
 * (`cluster_adapter.ts`) over one Redis stream, wire-compatible with npm
 * `@socket.io/redis-streams-adapter` 0.2, so webio nodes on Deno or Bun and
 * socket.io nodes on Node.js can share one stream.
 *
 * Unlike pub/sub, a stream keeps what was published: each node appends with
 * `XADD ... MAXLEN ~ maxLen` and reads with `XREAD BLOCK` from the last entry
 * it read, so a node cut from Redis for a while gets everything published
 * meanwhile when it is back, once and in order (as long as the stream, of
 * about `maxLen` entries, still holds it). The servers of the cluster count
 * each other by their heartbeats.
 *
 * Connection state recovery works across nodes: a disconnected client's
 * session is stored in Redis for `maxDisconnectionDuration`, and any node
 * restores it with the broadcasts it missed, read back from the stream after
 * the client's offset (the id of the last entry it received).
 *
 * The blocking read needs a connection of its own: the built-in client form
 * makes two; with npm `redis` or `ioredis` the adapter reads on
 * `client.duplicate()`; with a {@linkcode RedisClient} or a
 * `RedisClusterClient` pass a second one as `readClient`.
 *
 * On a Redis Cluster the stream is one key, so every node's XADD, XRANGE and
 * XREAD go to the master of its slot (the built-in client form finds the
 * cluster as `createRedisAdapter` does, and follows `MOVED` and failover).
 * When that master dies, publishing fails (reported through `io.onError`)
 * until its replica is promoted, and reading goes on from the last entry
 * read; entries the old master took but had not yet replicated are lost.
 *
 * @module
 */

import type { AdapterNamespace, PrivateSessionId, Session, SessionToPersist } from "../adapter.ts";
import type { BuiltInRedisClientOptions } from "./cluster_detect.ts";
import {
  ClusterAdapterWithHeartbeat,
  type ClusterAdapterWithHeartbeatOptions,
  type ClusterMessage,
  type ClusterResponse,
} from "./cluster_adapter.ts";
import { RedisAdapterError } from "./errors.ts";
import { decodeStreamMessage, encodeStreamMessage, type StreamEntry } from "./streams_codec.ts";
import {
  checkUserClient,
  ownedConnections,
  type StreamsConnections,
  StreamsHub,
  userConnections,
} from "./streams_hub.ts";
import { StreamSessions } from "./streams_sessions.ts";
import type { StreamsTransportOptions } from "./streams_transport.ts";

/** Options of the streams adapter; names and defaults are the npm package's. */
export interface RedisStreamsAdapterOptions extends ClusterAdapterWithHeartbeatOptions {
  /** The stream's key. @default "socket.io" */
  streamName?: string;
  /** The stream's length kept, almost exactly (`MAXLEN ~`). @default 10000 */
  maxLen?: number;
  /** Entries read per XREAD. @default 100 */
  readCount?: number;
  /** Prefix of the keys of sessions kept for connection state recovery. @default "sio:session:" */
  sessionKeyPrefix?: string;
  /** Milliseconds one XREAD waits when nothing comes (webio's; the npm package waits 5000). @default 5000 */
  blockTime?: number;
  /**
   * A second connection for the blocking XREAD, with a client you bring (you close it). Needed
   * for a {@linkcode RedisClient}; npm `redis` and `ioredis` clients are duplicated otherwise.
   */
  readClient?: unknown;
}

/** Options of the built-in client form of {@linkcode createRedisStreamsAdapter}. */
export interface RedisStreamsAdapterConnectOptions
  extends Omit<RedisStreamsAdapterOptions, "readClient">, BuiltInRedisClientOptions {}

/**
 * A cluster adapter over a Redis stream; see the module documentation.
 * Made by {@linkcode createRedisStreamsAdapter}.
 */
export class RedisStreamsAdapter extends ClusterAdapterWithHeartbeat {
  /** Resolves when the adapter reads the stream and has announced itself. */
  readonly ready: Promise<void>;
  #hub: StreamsHub;
  #sessions: StreamSessions;
  #readyResolve!: () => void;
  #state: "idle" | "starting" | "open" | "closed" = "idle";

  /**
   * @internal Makes the adapter of one namespace; use
   * {@linkcode createRedisStreamsAdapter}, which makes the hub.
   *
   * @param nsp The namespace.
   * @param hub What the namespaces of the server share (connections, the reading loop).
   * @param opts Options.
   */
  constructor(nsp: AdapterNamespace, hub: StreamsHub, opts: RedisStreamsAdapterOptions = {}) {
    super(nsp, opts);
    this.#hub = hub;
    this.#sessions = new StreamSessions(
      hub.send,
      hub.transport,
      opts.sessionKeyPrefix ?? "sio:session:",
      nsp.name,
      (error) => this.emit("error", error),
    );
    this.ready = new Promise((resolve) => this.#readyResolve = resolve);
  }

  /** Starts reading (from the stream's current end), then announces this node. */
  override async init(): Promise<void> {
    if (this.#state !== "idle") return;
    this.#state = "starting";
    await this.#hub.join(this.nsp.name, this);
    if (this.#state !== "starting") return; // closed meanwhile
    this.#state = "open";
    await super.init();
    this.#readyResolve();
  }

  /** Says goodbye, then leaves the shared loop (the last namespace out closes the connections). */
  override async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closed";
    await super.close();
    this.#readyResolve();
    await this.#hub.leave(this.nsp.name, this);
  }

  /** Appends the message to the stream; resolves with the entry's id (the offset). */
  protected doPublish(message: ClusterMessage): Promise<string | undefined> {
    return this.#hub.transport.publish(encodeStreamMessage(message));
  }

  /** Responses go to the stream too: every node reads them, the others ignore them. */
  protected async doPublishResponse(
    _requesterUid: string,
    response: ClusterResponse,
  ): Promise<void> {
    const { uid = this.uid, nsp = this.nsp.name } = response;
    await this.#hub.transport.publish(encodeStreamMessage({ ...response, uid, nsp }));
  }

  /** @internal An entry of this namespace from the stream (the hub's loop calls it). */
  receive(entry: StreamEntry): void {
    let message;
    try {
      message = decodeStreamMessage(entry.fields);
    } catch (error) {
      this.emit(
        "error",
        new RedisAdapterError("receive", `Malformed stream entry ${entry.id}`, { cause: error }),
      );
      return;
    }
    this.onMessage(message as ClusterMessage, entry.id);
  }

  /** @internal A failure of the shared loop, as an `error` event. */
  report(error: RedisAdapterError): void {
    this.emit("error", error);
  }

  /** Stores the session in Redis, so that any node can restore it. */
  override persistSession(session: SessionToPersist): void {
    const recovery = this.nsp.recovery;
    if (recovery) this.#sessions.persist(session, recovery.maxDisconnectionDuration);
  }

  /** Takes the session from Redis with the broadcasts it missed, read from the stream. */
  override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null> {
    if (!this.nsp.recovery) return Promise.resolve(null);
    return this.#sessions.restore(pid, offset);
  }
}

/**
 * Makes a Redis streams adapter factory for the `adapter` option.
 *
 * - `createRedisStreamsAdapter({ url, ...options })`: the built-in client,
 *   two connections (commands, and the blocking read) shared by the
 *   namespaces of one server, closed when the server closes.
 * - `createRedisStreamsAdapter(redisClient, options?)`: a client you bring
 *   and close: npm `redis` v4+ or `ioredis` (connected; the adapter reads on
 *   a `duplicate()` it makes and closes), or a {@linkcode RedisClient} with a
 *   second one as `readClient`.
 *
 * Use one factory per `Server`.
 *
 * @example
 * ```ts ignore
 * import { createRedisStreamsAdapter, Server } from "@webio/socketio";
 * const io = new Server({
 *   adapter: createRedisStreamsAdapter({ url: "redis://127.0.0.1:6379", maxLen: 50_000 }),
 * });
 * ```
 */
export function createRedisStreamsAdapter(
  options?: RedisStreamsAdapterConnectOptions,
): (nsp: AdapterNamespace) => RedisStreamsAdapter;
/**
 * Makes a Redis streams adapter factory for the `adapter` option over a
 * client you bring and close: npm `redis` v4+ or `ioredis` (connected; the
 * adapter reads on a `duplicate()` it makes and closes), or a
 * {@linkcode RedisClient} with a second one as `readClient`.
 *
 * @param redisClient The client that appends to the stream and sends commands.
 * @param options Adapter options.
 * @returns The `adapter` option of a `Server`.
 *
 * @example With npm `redis`
 * ```ts ignore
 * import { Server } from "@webio/socketio";
 * import { createRedisStreamsAdapter } from "@webio/socketio/redis";
 * import { createClient } from "redis";
 * const redis = createClient({ url: "redis://127.0.0.1:6379" });
 * await redis.connect();
 * const io = new Server({ adapter: createRedisStreamsAdapter(redis, { maxLen: 50_000 }) });
 * ```
 */
export function createRedisStreamsAdapter(
  redisClient: unknown,
  options?: RedisStreamsAdapterOptions,
): (nsp: AdapterNamespace) => RedisStreamsAdapter;
export function createRedisStreamsAdapter(
  first: unknown = {},
  second?: RedisStreamsAdapterOptions,
): (nsp: AdapterNamespace) => RedisStreamsAdapter {
  const userClient = second !== undefined || isClient(first);
  const opts = (userClient ? second ?? {} : first ?? {}) as RedisStreamsAdapterConnectOptions;
  const connect = (): StreamsConnections =>
    userClient ? userConnections(first, second?.readClient) : ownedConnections(opts);
  if (userClient) checkUserClient(first, second?.readClient);
  const stream: StreamsTransportOptions = {
    streamName: opts.streamName ?? "socket.io",
    maxLen: opts.maxLen ?? 10_000,
    readCount: opts.readCount ?? 100,
    blockTime: opts.blockTime ?? 5000,
  };
  let hub: StreamsHub | null = null;
  return (nsp) => {
    if (hub === null || hub.released) hub = new StreamsHub(connect(), stream);
    return new RedisStreamsAdapter(nsp, hub, opts);
  };
}

/** Whether the first argument is a client rather than options (it has methods). */
function isClient(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.send === "function" || typeof v.sendCommand === "function" ||
    typeof v.call === "function";
}
