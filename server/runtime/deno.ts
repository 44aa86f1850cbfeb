/**
 * The Deno runtime bridge: WebSocket upgrade with `Deno.upgradeWebSocket` and the
 * client's address from `Deno.ServeHandlerInfo`.
 *
 * Deno cannot negotiate permessage-deflate through `Deno.upgradeWebSocket`,
 * so the `perMessageDeflate` option has no effect on Deno.
 *
 * A pending long-poll is watched through `ServeHandlerInfo.completed`, not
 * `request.signal`: Deno 2 prints a warning ("request.signal aborts on
 * successful responses (legacy behavior)") once a request whose signal was
 * read completes normally. `completed` rejects only when the answer could not
 * be delivered, so a client that leaves mid-poll is noticed when its poll is
 * answered (at the latest by the next ping, the session ending on the ping
 * timeout if not then), not at once as on Bun.
 *
 * The root entry point picks this bridge when it does not run on Bun; pass it
 * as the `runtime` option to choose it explicitly.
 *
 * @example Choosing the runtime explicitly
 * ```ts ignore
 * import { Server } from "@webio/socketio";
 * import { denoRuntime } from "@webio/socketio/deno";
 * const io = new Server({ runtime: denoRuntime });
 * Deno.serve({ port: 3000 }, io.handler());
 * ```
 *
 * @module
 */

import {
  type RawSocket,
  type RuntimeBridge,
  type SocketTarget,
  watchCompletion,
  watchSignal,
} from "../engine/socket.ts";

/** The runtime bridge for Deno. */
export const denoRuntime: RuntimeBridge = {
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
  // Deno counts what a socket's sends have not written yet; it reports no drain.
  buffers: {
    buffered: (socket: RawSocket) => (socket as unknown as WebSocket).bufferedAmount,
    drainEvents: false,
  },
  watchAbort(request: Request, context: unknown, onAbort: () => void): () => void {
    const completed = (context as { completed?: unknown } | undefined)?.completed;
    // Without Deno.serve's info (a handler called directly), the request's own signal.
    return completed instanceof Promise
      ? watchCompletion(completed, onAbort)
      : watchSignal(request, onAbort);
  },
  remoteAddress(_request: Request, context: unknown): string {
    const addr = (context as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr;
    return addr?.hostname ?? "";
  },
};

// What a bridge's type names, for users who wrap a bridge or write their own.
export type * from "./types.ts";
