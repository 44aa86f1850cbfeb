/**
 * The Bun bridge: WebSocket upgrade with `server.upgrade` (the `websocket`
 * handler object dispatches on `ws.data.target`, so any of our handlers can
 * serve sockets any of our servers upgraded) and the client's address from
 * `server.requestIP`.
 *
 * @module
 */

import {
  type Publisher,
  type RuntimeBridge,
  type SocketTarget,
  watchSignal,
} from "../engine/socket.ts";

interface BunServer {
  upgrade(request: Request, options: { data: unknown; headers?: Record<string, string> }): boolean;
  requestIP(request: Request): { address: string } | null;
  publish?(topic: string, data: string | Uint8Array, compress?: boolean): number;
}

function isBunServer(value: unknown): value is BunServer {
  return typeof (value as BunServer | undefined)?.upgrade === "function";
}

/** The bridge for Bun. */
export const bunBridge: RuntimeBridge = {
  name: "bun",
  // Bun.serve ends a "Connection: close" request's connection without answering "close".
  silentClose: true,
  upgrade(
    request: Request,
    context: unknown,
    target: SocketTarget,
    headers: Record<string, string>,
  ) {
    if (!isBunServer(context)) return null;
    return context.upgrade(request, { data: target, headers }) ? undefined : null;
  },
  remoteAddress(request: Request, context: unknown): string {
    return isBunServer(context) ? context.requestIP(request)?.address ?? "" : "";
  },
  publisher(context: unknown): Publisher | null {
    if (!isBunServer(context) || typeof context.publish !== "function") return null;
    const server = context as BunServer & { publish: NonNullable<BunServer["publish"]> };
    return (topic, data, compress) => server.publish(topic, data, compress);
  },
  // Bun aborts a request's signal only when its client goes away.
  watchAbort: (request: Request, _context: unknown, onAbort: () => void) =>
    watchSignal(request, onAbort),
};
