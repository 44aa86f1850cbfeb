/**
 * What the namespaces of one server share with the streams adapter: the
 * Redis connections (one for commands, one for the blocking read), the
 * stream's reading loop, and the adapters it hands each entry to, by
 * namespace. Made by `createRedisStreamsAdapter` on the first namespace,
 * released with the last.
 *
 * @module
 */

import { builtInRedisClient, type BuiltInRedisClientOptions } from "./cluster_detect.ts";
import type { RedisAdapterError } from "./errors.ts";
import { normalizeRedisClient } from "./normalize.ts";
import type { StreamEntry } from "./streams_codec.ts";
import {
  type RedisSend,
  StreamsTransport,
  type StreamsTransportOptions,
} from "./streams_transport.ts";

/** An adapter the hub serves: it takes the entries of its namespace and reports failures. */
export interface StreamsMember {
  /** An entry whose `nsp` field names this member's namespace. */
  receive(entry: StreamEntry): void;
  /** Reports a failure of the shared loop. */
  report(error: RedisAdapterError): void;
}

/** The two connections of a hub: commands, and the blocking read. */
export interface StreamsConnections {
  send: RedisSend;
  read: RedisSend;
  /** Releases what the hub owns (nothing for clients the user brought and closes). */
  release(): Promise<void>;
}

/** The stream, its loop and the adapters of one server. */
export class StreamsHub {
  readonly transport: StreamsTransport;
  readonly send: RedisSend;
  #members = new Map<string, StreamsMember>();
  #connections: StreamsConnections;
  #state: "open" | "released" = "open";

  /** @param connections The connections. @param options The stream's settings. */
  constructor(connections: StreamsConnections, options: StreamsTransportOptions) {
    this.#connections = connections;
    this.send = connections.send;
    this.transport = new StreamsTransport(connections.send, connections.read, options, {
      onEntry: (entry) => this.#members.get(entry.fields.nsp)?.receive(entry),
      // The loop is the server's, not a namespace's: reported once, by the first member.
      onError: (error) => this.#members.values().next().value?.report(error),
    });
  }

  /** Whether the hub was released (its last member left): a new namespace needs a new hub. */
  get released(): boolean {
    return this.#state === "released";
  }

  /** Serves `nsp`'s adapter; resolves once the loop reads from the stream's current end. */
  join(nsp: string, member: StreamsMember): Promise<void> {
    this.#members.set(nsp, member);
    return this.transport.start();
  }

  /** Stops serving `nsp`; the last member out stops the loop and releases the connections. */
  async leave(nsp: string, member: StreamsMember): Promise<void> {
    if (this.#members.get(nsp) === member) this.#members.delete(nsp);
    if (this.#members.size > 0 || this.#state === "released") return;
    this.#state = "released";
    this.transport.stop();
    await this.#connections.release();
  }
}

/**
 * Connections of the built-in client: two, made from the same options, each
 * a `RedisClient`, or a `RedisClusterClient` on a Redis Cluster (see
 * `cluster_detect.ts`): the stream is one key, so XADD, XRANGE and the
 * blocking XREAD go to its slot's master, the read on a client of its own.
 * Each is made when first used: a Redis that cannot be reached at the start
 * fails the command, and the next command tries again (once connected, a
 * client reconnects by itself).
 */
export function ownedConnections(opts: BuiltInRedisClientOptions): StreamsConnections {
  const command = builtInRedisClient(opts);
  const reader = builtInRedisClient(opts);
  return {
    send: command.client.sendCommand,
    read: reader.client.sendCommand,
    // QUIT after the commands already sent; the blocked read is closed at once.
    release: async () => {
      await Promise.all([command.release("quit"), reader.release("close")]);
    },
  };
}

type Loose = Record<string, unknown>;
// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => any;

/**
 * Checks a client the user brought (npm `redis` v4+, `ioredis` or
 * {@linkcode RedisClient}) and how its blocking read will be made.
 *
 * @throws {TypeError} When a client has no known shape, or no reader can be made.
 */
export function checkUserClient(client: unknown, readClient?: unknown): void {
  normalizeRedisClient(client);
  if (readClient !== undefined) normalizeRedisClient(readClient);
  else if (typeof (client as Loose).duplicate !== "function") {
    throw new TypeError(
      "Cannot create the streams adapter: the client has no duplicate(); pass a second " +
        "connection as the readClient option (the blocking XREAD needs one of its own)",
    );
  }
}

/**
 * Connections over a client the user brought (checked by
 * {@linkcode checkUserClient}) and, for the blocking read, `readClient` or
 * else a duplicate of the client, made here and closed on release.
 */
export function userConnections(client: unknown, readClient?: unknown): StreamsConnections {
  const command = normalizeRedisClient(client);
  if (readClient !== undefined) {
    const reader = normalizeRedisClient(readClient);
    return {
      send: command.sendCommand,
      read: reader.sendCommand,
      release: () => Promise.resolve(),
    };
  }
  const copy = ((client as Loose).duplicate as AnyFn).call(client) as Loose;
  const reader = normalizeRedisClient(copy);
  // node-redis copies connect when told; ioredis copies connect by themselves.
  const connected = command.kind === "redis" && typeof copy.connect === "function"
    ? Promise.resolve((copy.connect as AnyFn).call(copy))
    : Promise.resolve();
  connected.catch(() => {}); // A failure shows as a failed read, reported by the loop.
  return {
    send: command.sendCommand,
    read: (args) => connected.then(() => reader.sendCommand(args)),
    release: async () => {
      const end = (copy.disconnect ?? copy.quit) as AnyFn | undefined;
      await Promise.resolve(end?.call(copy)).catch(() => {});
    },
  };
}
