/**
 * Where and how the Redis client connects: `redis://` URL parsing and the
 * client's options, merged into one connection config.
 *
 * @module
 */

/** Where and how to connect, as parsed from a URL by {@linkcode parseRedisUrl}. */
export interface RedisConnectionConfig {
  /** Host name or IP address. @default "127.0.0.1" */
  hostname: string;
  /** TCP port. @default 6379 */
  port: number;
  /** Use TLS (`rediss://`). @default false */
  tls: boolean;
  /** ACL user for AUTH. @default undefined */
  username?: string;
  /** Password for AUTH. @default undefined (no AUTH) */
  password?: string;
  /** Database index for SELECT. @default 0 (no SELECT) */
  db: number;
}

/** Options for {@linkcode RedisClient}. */
export interface RedisClientOptions extends Partial<RedisConnectionConfig> {
  /** A `redis://` URL; explicit fields above override its parts. @default "redis://127.0.0.1:6379" */
  url?: string;
  /** First reconnection delay in ms; it doubles per failed attempt. @default 50 */
  reconnectMinDelay?: number;
  /** Largest reconnection delay in ms. @default 5000 */
  reconnectMaxDelay?: number;
  /** Reconnect after the connection drops. @default true */
  reconnect?: boolean;
  /** Milliseconds to wait for the TCP connection to open. @default 10000 */
  connectTimeout?: number;
}

/**
 * Parses `redis://[user:pass@]host:port/db` (or `rediss://` for TLS).
 *
 * @param url The URL.
 * @returns The connection settings.
 * @throws {TypeError} When the URL is invalid or not redis:// / rediss://.
 *
 * @example
 * ```ts
 * import { parseRedisUrl } from "./client.ts";
 * const config = parseRedisUrl("redis://:secret@localhost:6380/2");
 * console.log(config.port, config.password, config.db); // 6380 "secret" 2
 * ```
 */
export function parseRedisUrl(url: string): RedisConnectionConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`Cannot parse Redis URL: ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new TypeError(
      `Cannot parse Redis URL: scheme must be redis: or rediss:, got ${parsed.protocol}`,
    );
  }
  const path = parsed.pathname.replace(/^\//, "");
  if (path !== "" && !/^\d+$/.test(path)) {
    throw new TypeError(
      `Cannot parse Redis URL: database must be a number, got ${JSON.stringify(path)}`,
    );
  }
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
  return {
    hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    tls: parsed.protocol === "rediss:",
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: path === "" ? 0 : Number(path),
  };
}

/** The URL (or the default one) with the explicit fields of `options` laid over it. */
export function resolveRedisConfig(options: RedisClientOptions): RedisConnectionConfig {
  const base = parseRedisUrl(options.url ?? "redis://127.0.0.1:6379");
  return {
    hostname: options.hostname ?? base.hostname,
    port: options.port ?? base.port,
    tls: options.tls ?? base.tls,
    username: options.username ?? base.username,
    password: options.password ?? base.password,
    db: options.db ?? base.db,
  };
}
