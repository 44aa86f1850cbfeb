/**
 * A webio server on a loopback port with a maker of WebSocket clients (no
 * reconnection, a fresh Manager each), and a `close` that disconnects the
 * clients, waits for their engines to finish closing, then stops the server.
 *
 * @module
 */

import { until } from "./harness.ts";
import { serve, type TestServer } from "./serve.ts";
import { io as connect, type Socket as ClientSocket } from "../client/mod.ts";
import { Server, type ServerOptions } from "../server/mod.ts";

/** What {@linkcode setupServer} gives. */
export interface ServerSetup {
  io: Server;
  http: TestServer;
  /** A new client of the namespace at `path`; extra options override the defaults. */
  client(path?: string, opts?: Record<string, unknown>): ClientSocket;
  /** Disconnects the clients, waits for their engines to close, stops the server. */
  close(): Promise<void>;
}

/** Starts a server (short heartbeats unless `options` say otherwise) and its client maker. */
export async function setupServer(options: ServerOptions = {}): Promise<ServerSetup> {
  const io = new Server({ pingInterval: 1000, pingTimeout: 500, ...options });
  const http = await serve(io.handler());
  const clients: ClientSocket[] = [];
  const client = (path = "", opts: Record<string, unknown> = {}) => {
    const c = connect(http.url + path, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
      ...opts,
    });
    clients.push(c);
    return c;
  };
  const close = async () => {
    for (const c of clients) c.disconnect();
    // The client engines finish closing (their timers end) before the server goes.
    await until(
      () => clients.every((c) => !c.io.engine || c.io.engine.readyState === "closed"),
      3000,
      "clients closed",
    );
    await io.close();
    await http.close();
  };
  return { io, http, client, close };
}
