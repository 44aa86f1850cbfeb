/**
 * The Deno bridge: WebSocket upgrade with `Deno.upgradeWebSocket` and the
 * client's address from `Deno.ServeHandlerInfo`.
 *
 * Deno cannot negotiate permessage-deflate through `Deno.upgradeWebSocket`,
 * so the `perMessageDeflate` option has no effect on Deno.
 *
 * @module
 */

import type { RawSocket, RuntimeBridge, SocketTarget } from "../engine/socket.ts";

/** The bridge for Deno. */
export const denoBridge: RuntimeBridge = {
  name: "deno",
  upgrade(
    request: Request,
    _context: unknown,
    target: SocketTarget,
    headers: Record<string, string>,
  ) {
    let upgraded: { socket: WebSocket; response: Response };
    try {
      upgraded = Deno.upgradeWebSocket(request, { idleTimeout: 0 });
    } catch {
      return null;
    }
    const { socket, response } = upgraded;
    socket.binaryType = "arraybuffer";
    const raw = socket as unknown as RawSocket;
    socket.onopen = () => target.onSocketOpen(raw);
    socket.onmessage = (event) => target.onSocketMessage(raw, event.data);
    socket.onclose = (event) => target.onSocketClose(raw, event.code, event.reason);
    socket.onerror = () => {};
    for (const name in headers) response.headers.set(name, headers[name]);
    return response;
  },
  remoteAddress(_request: Request, context: unknown): string {
    const addr = (context as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr;
    return addr?.hostname ?? "";
  },
};
