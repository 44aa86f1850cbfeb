/**
 * The built-in client of `createRedisAdapter({ url })`: a {@linkcode RedisClient}
 * for one Redis, or a {@linkcode RedisClusterClient} for a Redis Cluster,
 * chosen by the `cluster` option or, without it, when connecting: the first
 * seed is asked `INFO cluster`, and `cluster_enabled:1` means a cluster.
 *
 * @module
 */

import { RedisClient } from "./client.ts";
import { RedisClusterClient, type RedisClusterClientOptions } from "./cluster.ts";
import { RedisConnectionError } from "./link.ts";
import { type NormalizedRedisClient, normalizeRedisClient } from "./normalize.ts";
import { RedisReplyError } from "./resp.ts";

/** Options of {@linkcode builtInRedisClient}. */
export interface BuiltInRedisClientOptions extends RedisClusterClientOptions {
  /**
   * Talk to a Redis Cluster (`true`) or to one Redis (`false`); unset, the
   * first seed is asked when connecting (`INFO cluster`). @default undefined
   */
  cluster?: boolean;
}

/** A built-in client as the adapter uses it, and how its owner lets it go. */
export interface BuiltInRedisClient {
  /** The client, wrapped for the adapter. */
  readonly client: NormalizedRedisClient;
  /**
   * QUITs the client (or closes it at once with `"close"`, for a connection
   * held by a blocking command); one still being chosen is closed once chosen.
   */
  release(how?: "quit" | "close"): Promise<void>;
}

type Ours = RedisClient | RedisClusterClient;

/**
 * Makes the built-in client `options` ask for; see the module documentation.
 *
 * @example
 * ```ts ignore
 * import { builtInRedisClient } from "./cluster_detect.ts";
 * const { client, release } = builtInRedisClient({ url: "redis://127.0.0.1:7000" });
 * await client.connect(); // A cluster client if the node says cluster_enabled:1.
 * await release();
 * ```
 */
export function builtInRedisClient(options: BuiltInRedisClientOptions): BuiltInRedisClient {
  const seed = { ...options, url: options.url ?? options.urls?.[0] };
  if (options.cluster !== undefined) {
    const ours = options.cluster ? new RedisClusterClient(options) : new RedisClient(seed);
    return { client: normalizeRedisClient(ours), release: (how) => end(ours, how) };
  }
  let chosen: Promise<{ ours: Ours; client: NormalizedRedisClient }> | null = null;
  let released = false;
  const choose = () => {
    chosen ??= detect(seed, () => released).catch((error) => {
      chosen = null; // A later call tries again (Redis may be up by then).
      throw error;
    });
    return chosen;
  };
  const client: NormalizedRedisClient = {
    kind: "webio",
    connect: async () => void await choose(),
    publish: async (channel, message) => (await choose()).client.publish(channel, message),
    subscribe: async (channel, handler) => (await choose()).client.subscribe(channel, handler),
    psubscribe: async (pattern, handler) => (await choose()).client.psubscribe(pattern, handler),
    unsubscribe: async (channel) => (await choose()).client.unsubscribe(channel),
    punsubscribe: async (pattern) => (await choose()).client.punsubscribe(pattern),
    spublish: async (channel, message) => (await choose()).client.spublish(channel, message),
    ssubscribe: async (channel, handler) => (await choose()).client.ssubscribe(channel, handler),
    sunsubscribe: async (channel) => (await choose()).client.sunsubscribe(channel),
    sendCommand: async (args) => (await choose()).client.sendCommand(args),
  };
  const release = async (how?: "quit" | "close") => {
    released = true;
    const pending = chosen;
    if (pending) await pending.then(({ ours }) => end(ours, how), () => {});
  };
  return { client, release };
}

async function detect(
  options: BuiltInRedisClientOptions,
  released: () => boolean,
): Promise<{ ours: Ours; client: NormalizedRedisClient }> {
  const probe = new RedisClient(options);
  await probe.connect();
  let ours: Ours = probe;
  try {
    let info = "";
    try {
      info = String(await probe.send(["INFO", "cluster"]));
    } catch (error) {
      // A server that refuses INFO (a proxy, an ACL) is taken for one Redis.
      if (!(error instanceof RedisReplyError)) throw error;
    }
    if (/^cluster_enabled:1\b/m.test(info)) {
      await end(probe);
      ours = new RedisClusterClient(options);
      await ours.connect();
    }
    if (released()) throw new RedisConnectionError("Cannot connect: the client was released");
  } catch (error) {
    await ours.close();
    throw error;
  }
  return { ours, client: normalizeRedisClient(ours) };
}

function end(client: Ours, how: "quit" | "close" = "quit"): Promise<void> {
  if (how === "close") return client.close();
  return client.quit().catch(() => client.close());
}
