/**
 * `io(url, options)`: finds or makes the Manager for the URL's origin and
 * path (multiplexing), and returns the socket of the URL's namespace.
 *
 * @module
 */

import { Manager, type ManagerOptions } from "./manager.ts";
import { Socket, type SocketOptions } from "./socket.ts";

/** Options of {@linkcode io}: Manager, engine and socket options together. */
export interface IoOptions extends ManagerOptions, SocketOptions {
  /** Always make a new Manager (no multiplexing). @default false */
  forceNew?: boolean;
  /** Share Managers between sockets of the same origin. @default true */
  multiplex?: boolean;
}

/** A URL as {@linkcode parseUrl} resolves it. */
export interface ParsedUrl {
  /** The absolute URL. */
  source: string;
  /** The key of its Manager: scheme, host, port and the engine path. */
  id: string;
  /** The namespace: the URL's path ("/" when it has none). */
  path: string;
  /** The query string, without "?". */
  query: string;
}

function currentLocation(): { protocol: string; host: string } | undefined {
  const location = (globalThis as { location?: { protocol: string; host: string } }).location;
  return location?.host ? location : undefined;
}

/** Resolves `uri` against the page location (browsers) and names its Manager. */
export function parseUrl(uri: string | undefined, path: string): ParsedUrl {
  const location = currentLocation();
  let source = uri;
  if (source === undefined || source === "") {
    if (!location) {
      throw new TypeError("Cannot connect: give a URL (there is no page location here)");
    }
    source = `${location.protocol}//${location.host}`;
  } else if (source.startsWith("//")) {
    source = (location?.protocol ?? "https:") + source;
  } else if (source.startsWith("/")) {
    if (!location) {
      throw new TypeError(`Cannot connect to "${uri}": a relative URL needs a page location`);
    }
    source = `${location.protocol}//${location.host}${source}`;
  } else if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    source = (location?.protocol === "https:" ? "https://" : "http://") + source;
  }
  const url = new URL(source);
  const secure = url.protocol === "https:" || url.protocol === "wss:";
  const port = url.port || (secure ? "443" : "80");
  return {
    source,
    id: `${url.protocol.replace(":", "")}://${url.hostname}:${port}${path}`,
    path: url.pathname || "/",
    query: url.search.slice(1),
  };
}

/**
 * @internal An `io` function whose Managers are made by `ManagerClass` (a
 * subclass with other defaults, e.g. the msgpack parser of the
 * `socket.io.msgpack.min.js` bundle), with a Manager cache of its own.
 */
export function createIo(ManagerClass: typeof Manager = Manager): IoFunction {
  const cache = new Map<string, Manager>();
  const lookup = (uri?: string | IoOptions, options?: IoOptions): Socket => {
    if (typeof uri === "object") {
      options = uri;
      uri = undefined;
    }
    const opts: IoOptions = { ...options };
    const parsed = parseUrl(uri, opts.path ?? "/socket.io");
    const cached = cache.get(parsed.id);
    const sameNamespace = cached !== undefined && cached.nsps.has(parsed.path);
    const fresh = opts.forceNew || opts.multiplex === false || sameNamespace;
    let manager: Manager;
    if (fresh) manager = new ManagerClass(parsed.source, opts);
    else {
      manager = cached ?? new ManagerClass(parsed.source, opts);
      cache.set(parsed.id, manager);
    }
    if (parsed.query && !opts.query) opts.query = parsed.query;
    return manager.socket(parsed.path, opts);
  };
  return Object.assign(lookup, {
    protocol: 5 as const,
    Manager: ManagerClass,
    Socket,
    connect: lookup,
    io: lookup,
  });
}

/** The `io` function with its socket.io-client properties. */
export interface IoFunction {
  /** Connects and returns the socket of the URL's namespace. */
  (uri?: string | IoOptions, options?: IoOptions): Socket;
  /** The Socket.IO protocol revision: 5. */
  readonly protocol: 5;
  /** The Manager class, as `io.Manager` in socket.io-client. */
  readonly Manager: typeof Manager;
  /** The Socket class, as `io.Socket` in socket.io-client. */
  readonly Socket: typeof Socket;
  /** Same as `io`, as `io.connect` in socket.io-client. */
  connect(uri?: string | IoOptions, options?: IoOptions): Socket;
  /** Same as `io`, as `io.io` in socket.io-client. */
  io(uri?: string | IoOptions, options?: IoOptions): Socket;
}

/**
 * Connects to a Socket.IO server and returns the socket of the URL's
 * namespace. Sockets of one origin share one connection unless `forceNew`
 * or `multiplex: false` is given, or the namespace is already in use.
 *
 * @example Connecting to a namespace
 * ```ts ignore
 * import { io } from "./mod.ts";
 * const socket = io("http://localhost:3000/admin", { auth: { token: "abc" } });
 * socket.on("connect", () => socket.emit("hello", "world"));
 * ```
 */
export const io: IoFunction = createIo();
