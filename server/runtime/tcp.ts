/**
 * A small outbound TCP seam for the server side (used by the Redis client).
 * The runtime is detected when {@linkcode connectTcp} is called, so this module
 * imports cleanly in Deno and in Bun.
 *
 * @module
 */

/** Options for {@linkcode connectTcp}. */
export interface TcpConnectOptions {
  /** Host to connect to. @default "127.0.0.1" */
  hostname?: string;
  /** Port to connect to. */
  port: number;
  /** Wrap the connection in TLS (server name = hostname). @default false */
  tls?: boolean;
  /** Called with every chunk of bytes received. @default undefined (bytes are dropped) */
  onData?: (bytes: Uint8Array) => void;
}

/** An open TCP connection, the same shape in every runtime. */
export interface TcpConnection {
  /** Queues `bytes` for writing, in order. Ignored once the connection is closed. */
  write(bytes: Uint8Array): void;
  /** Closes the connection (idempotent). {@linkcode TcpConnection.closed} then resolves. */
  close(): void;
  /** Resolves once the connection is closed, by either side or by an error. */
  readonly closed: Promise<void>;
}

/**
 * Opens a TCP (or TLS) connection with `Deno.connect` / `Deno.connectTls` in
 * Deno and `Bun.connect` in Bun.
 *
 * @param options Where to connect and the data callback.
 * @returns The open connection.
 * @throws {Error} When the connection cannot be established.
 *
 * @example Sending a PING to Redis
 * ```ts ignore
 * import { connectTcp } from "./tcp.ts";
 * const conn = await connectTcp({
 *   port: 6379,
 *   onData: (bytes) => console.log(new TextDecoder().decode(bytes)),
 * });
 * conn.write(new TextEncoder().encode("PING\r\n"));
 * conn.close();
 * await conn.closed;
 * ```
 */
export function connectTcp(options: TcpConnectOptions): Promise<TcpConnection> {
  if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) {
    throw new RangeError(
      `Cannot connect: port must be an integer in 1..65535, got ${options.port}`,
    );
  }
  const g = globalThis as Record<string, unknown>;
  if ("Bun" in g) return connectBun(g.Bun as BunLike, options);
  if ("Deno" in g) return connectDeno(g.Deno as DenoLike, options);
  return Promise.reject(new Error("Cannot connect: no TCP API in this runtime (need Deno or Bun)"));
}

// ---- Deno ---------------------------------------------------------------------------------

interface DenoConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
}

interface DenoLike {
  connect(options: { hostname: string; port: number; transport: "tcp" }): Promise<DenoConn>;
  connectTls(options: { hostname: string; port: number }): Promise<DenoConn>;
}

async function connectDeno(deno: DenoLike, options: TcpConnectOptions): Promise<TcpConnection> {
  const hostname = options.hostname ?? "127.0.0.1";
  const conn = options.tls
    ? await deno.connectTls({ hostname, port: options.port })
    : await deno.connect({ hostname, port: options.port, transport: "tcp" });
  let open = true;
  let writing: Promise<void> = Promise.resolve();
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => resolveClosed = resolve);
  const shutdown = () => {
    if (!open) return;
    open = false;
    try {
      conn.close();
    } catch {
      // Already closed by the runtime (peer reset): nothing left to release.
    }
  };
  const readLoop = async () => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (open) {
        const n = await conn.read(buffer);
        if (n === null) break;
        if (n > 0) options.onData?.(buffer.slice(0, n));
      }
    } catch {
      // A read error (reset, or close() during a read) ends the connection.
    }
    shutdown();
    // Let a write in flight settle before reporting the connection closed.
    await writing.catch(() => {});
    resolveClosed();
  };
  readLoop();
  return {
    write(bytes) {
      if (!open) return;
      writing = writing.then(async () => {
        let offset = 0;
        while (open && offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
      }).catch(() => shutdown());
    },
    close: shutdown,
    closed,
  };
}

// ---- Bun ----------------------------------------------------------------------------------

interface BunSocket {
  write(bytes: Uint8Array): number;
  end(): void;
}

interface BunSocketHandlers {
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  close(socket: BunSocket): void;
  error(socket: BunSocket, error: Error): void;
}

interface BunLike {
  connect(options: {
    hostname: string;
    port: number;
    tls?: boolean;
    socket: BunSocketHandlers;
  }): Promise<BunSocket>;
}

async function connectBun(bun: BunLike, options: TcpConnectOptions): Promise<TcpConnection> {
  let open = true;
  let pending: Uint8Array[] = [];
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => resolveClosed = resolve);
  const finish = () => {
    open = false;
    pending = [];
    resolveClosed();
  };
  const flush = (socket: BunSocket) => {
    while (pending.length > 0) {
      const chunk = pending[0];
      const written = socket.write(chunk);
      if (written < 0) return;
      if (written < chunk.length) {
        pending[0] = chunk.subarray(written);
        return;
      }
      pending.shift();
    }
  };
  const socket = await bun.connect({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port,
    tls: options.tls ?? false,
    socket: {
      data(_socket, data) {
        // Bun hands out a Buffer that may be reused: copy into a plain Uint8Array.
        if (open) options.onData?.(new Uint8Array(data));
      },
      drain(s) {
        if (open) flush(s);
      },
      close() {
        finish();
      },
      error() {
        finish();
      },
    },
  });
  return {
    write(bytes) {
      if (!open) return;
      if (pending.length > 0) {
        pending.push(bytes);
        return;
      }
      const written = socket.write(bytes);
      if (written < bytes.length) pending.push(bytes.subarray(Math.max(0, written)));
    },
    close() {
      if (!open) return;
      open = false;
      socket.end();
    },
    closed,
  };
}
