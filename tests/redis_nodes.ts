/**
 * Several webio servers in one test process, joined by a cluster adapter
 * (Redis, sharded, streams, or an in-memory bus), each served on its own
 * loopback port, with the Socket.IO clients a test makes tracked so that
 * {@linkcode TestNodes.close} releases everything: clients first, then the
 * servers, then the front address of recovery tests.
 *
 * @module
 */

import { io as connect, type Socket as ClientSocket } from "../client/mod.ts";
import type { ServeHandler, Server, ServerOptions, Socket } from "../server/mod.ts";
import { nextEvent, until } from "./harness.ts";
import { serve, type TestServer } from "./serve.ts";
import { type ServerSetup, setupServer } from "./server_setup.ts";

/** One server of the cluster. */
export interface TestNode {
  io: Server;
  http: TestServer;
  /** What the server reported through `onError`. */
  errors: Error[];
}

/** Options of {@linkcode startNodes}. */
export interface StartNodesOptions {
  /** How many servers. */
  count: number;
  /** The adapter of server `index`. */
  adapter: (index: number) => ServerOptions["adapter"];
  /** Further options of every server (after pingInterval 1000 and pingTimeout 500). */
  server?: ServerOptions;
  /** Resolves once the servers can work together (subscriptions in place, counted). */
  ready?: (nodes: TestNode[]) => Promise<unknown>;
}

/** The servers and what a test does with them. */
export interface TestNodes {
  nodes: TestNode[];
  /** Every client made through `client` or `connected`. */
  clients: ClientSocket[];
  /**
   * A client of node `target` (or of the URL `target`), over WebSocket, not
   * reconnecting unless `opts` says so.
   */
  client(target: number | string, opts?: Record<string, unknown>): ClientSocket;
  /** {@linkcode TestNodes.client}, once connected (3 s at most). */
  connected(target: number | string, opts?: Record<string, unknown>): Promise<ClientSocket>;
  /** The server socket of client `c` on node `node`. */
  socketOf(node: number, c: ClientSocket): Socket;
  /**
   * One address in front of every node: each request goes to the node last
   * chosen by `switchTo` (node 0 first), so a client can come back elsewhere.
   */
  front(): Promise<{ url: string; switchTo(node: number): void }>;
  /** Disconnects the clients, closes the servers and the front address. */
  close(): Promise<void>;
}

/** A client of the front address: the defaults of a node's clients (`setupServer`'s). */
const FRONT_CLIENT = { forceNew: true, reconnection: false, transports: ["websocket" as const] };

/** Starts the servers; closes what started when one of them or `ready` fails. */
export async function startNodes(options: StartNodesOptions): Promise<TestNodes> {
  const setups: ServerSetup[] = [];
  const nodes: TestNode[] = [];
  const clients: ClientSocket[] = [];
  const fronts: TestServer[] = [];
  const client = (target: number | string, opts: Record<string, unknown> = {}) => {
    const c = typeof target === "number"
      ? setups[target].client("", opts)
      : connect(target, { ...FRONT_CLIENT, ...opts });
    clients.push(c);
    return c;
  };
  const close = async () => {
    // Every client first (those of the front address included), then the servers.
    for (const c of clients) c.disconnect();
    await until(() => clients.every((c) => c.io.engine?.readyState !== "open"), 3000, "clients");
    for (const setup of setups) await setup.close();
    for (const http of fronts) await http.close();
  };
  try {
    for (let i = 0; i < options.count; i++) {
      const setup = await setupServer({ adapter: options.adapter(i), ...options.server });
      const errors: Error[] = [];
      setup.io.onError = (error) => errors.push(error);
      setups.push(setup);
      nodes.push({ io: setup.io, http: setup.http, errors });
    }
    await options.ready?.(nodes);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    nodes,
    clients,
    client,
    connected: async (target, opts) => {
      const c = client(target, opts);
      await nextEvent(c, "connect", 3000);
      return c;
    },
    socketOf: (node, c) => nodes[node].io.of("/").sockets.get(c.id!)!,
    front: async () => {
      const handlers = nodes.map((n) => n.io.handler());
      let target = 0;
      const handler =
        ((request: Request, context?: unknown) =>
          handlers[target](request, context)) as ServeHandler;
      handler.fetch = handler;
      handler.websocket = handlers[0].websocket;
      const http = await serve(handler);
      fronts.push(http);
      return { url: http.url, switchTo: (node: number) => target = node };
    },
    close,
  };
}

/** The arguments of every `event` each client received, one list per client, as they come. */
export function collect(clients: ClientSocket[], event: string): unknown[][][] {
  const got = clients.map(() => [] as unknown[][]);
  clients.forEach((c, i) => c.on(event, (...args: unknown[]) => got[i].push(args)));
  return got;
}
