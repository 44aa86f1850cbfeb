/**
 * The Bun runtime bridge: everything of webio's server that is Bun's own.
 * WebSocket upgrades go through `server.upgrade` with the session as
 * `ws.data`, and Bun sends every socket's events to one `websocket` object
 * (added to `handler()`'s value with `idleTimeout`) that dispatches on
 * `ws.data`, so any of our handlers can serve sockets any of our servers
 * upgraded. The client's address comes from `server.requestIP`; broadcasts
 * may go out once through Bun's native pub/sub (`server.publish`).
 *
 * The root entry point picks this bridge when it runs on Bun; pass it as the
 * `runtime` option to choose it explicitly.
 *
 * @example Choosing the runtime explicitly
 * ```ts ignore
 * import { Server } from "@webio/socketio";
 * import { bunRuntime } from "@webio/socketio/bun";
 * const io = new Server({ runtime: bunRuntime });
 * Bun.serve({ port: 3000, ...io.handler() });
 * ```
 *
 * @module
 */

import type { ResolvedEngineOptions } from "../engine/options.ts";
import { bunPerMessageDeflate } from "../engine/compression.ts";
import {
  type Publisher,
  type RawSocket,
  type RuntimeBridge,
  type RuntimePubSub,
  type SocketTarget,
  watchSignal,
} from "../engine/socket.ts";

interface BunServer {
  upgrade(request: Request, options: { data: unknown; headers?: Record<string, string> }): boolean;
  requestIP(request: Request): { address: string } | null;
  publish?(topic: string, data: string | Uint8Array, compress?: boolean): number;
}

/** Bun's `ServerWebSocket`, as far as the bridge uses it. */
interface BunSocket {
  data: SocketTarget;
  subscribe?(topic: string): void;
  unsubscribe?(topic: string): void;
  isSubscribed?(topic: string): boolean;
  getBufferedAmount(): number;
}

function isBunServer(value: unknown): value is BunServer {
  return typeof (value as BunServer | undefined)?.upgrade === "function";
}

/**
 * Bun's WebSocket events, for every socket of every webio server: each goes
 * to the target that is `ws.data` (the session), no closure per socket.
 */
const DISPATCH = {
  open(ws: BunSocket) {
    ws.data.onSocketOpen(ws as unknown as RawSocket);
  },
  message(ws: BunSocket, message: string | Uint8Array) {
    ws.data.onSocketMessage(ws as unknown as RawSocket, message);
  },
  drain(ws: BunSocket) {
    ws.data.onSocketDrain(ws as unknown as RawSocket);
  },
  close(ws: BunSocket, code: number, reason: string) {
    // Bun reports its own cut of a message over maxPayloadLength as 1006 with this reason; the
    // session reads 1009 ("message too big") as the runtime's enforcement of the limit.
    if (code === 1006 && reason === "Received too big message") code = 1009;
    ws.data.onSocketClose(ws as unknown as RawSocket, code, reason);
  },
};

/** Bun's native pub/sub: `ws.subscribe(topic)`, `server.publish(topic, frame, compress)`. */
const PUBSUB: RuntimePubSub = {
  subscribe(socket: RawSocket, topic: string): boolean {
    const ws = socket as unknown as BunSocket;
    if (typeof ws.subscribe !== "function") return false;
    ws.subscribe(topic);
    return true;
  },
  unsubscribe(socket: RawSocket, topic: string): void {
    (socket as unknown as BunSocket).unsubscribe?.(topic);
  },
  isSubscribed(socket: RawSocket, topic: string): boolean {
    return (socket as unknown as BunSocket).isSubscribed?.(topic) ?? false;
  },
  publisher(context: unknown): Publisher | null {
    if (!isBunServer(context) || typeof context.publish !== "function") return null;
    const server = context as BunServer & { publish: NonNullable<BunServer["publish"]> };
    return (topic, data, compress) => server.publish(topic, data, compress);
  },
};

/** The runtime bridge for Bun. */
export const bunRuntime: RuntimeBridge = {
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
  serveOptions(options: ResolvedEngineOptions): Record<string, unknown> {
    const seconds = Math.ceil((options.pingInterval + options.pingTimeout) / 1000) + 5;
    return {
      websocket: {
        ...DISPATCH,
        // The limit is enforced while Bun reads a message: it closes with 1009 (and its own
        // reason, "Received too big message", where the reference's ws gives none) before
        // buffering more.
        maxPayloadLength: options.maxHttpBufferSize,
        // ws-style options translated; the threshold is applied per message by the session.
        perMessageDeflate: bunPerMessageDeflate(options.perMessageDeflate),
        // Engine.IO has its own heartbeat; Bun's idle cut would only race it.
        idleTimeout: 0,
        sendPings: false,
        // The engine holds a session's frames itself past a small working amount in Bun's
        // buffer, up to maxBufferSize. Bun's own limit is for what bypasses that queue (native
        // publishes): past it Bun would drop frames silently, so it closes the socket instead.
        // Bun's memory per buffered byte is above one (measured 1.2-1.4): its limit is the
        // bound itself, so that a subscriber it holds costs what the engine's bound allows.
        backpressureLimit: options.maxBufferSize,
        closeOnBackpressureLimit: true,
      },
      // Seconds a request may idle (255 at most): above the heartbeat, so long-polls are not cut.
      idleTimeout: seconds > 255 ? 0 : seconds,
    };
  },
  pubsub: PUBSUB,
  // send(): bytes written, -1 when Bun buffered the frame, 0 when it dropped it.
  buffers: {
    buffered: (socket: RawSocket, sent: unknown) =>
      sent === -1
        ? (socket as unknown as BunSocket).getBufferedAmount()
        : sent === 0
        ? Infinity
        : 0,
    drainEvents: true,
  },
  // Bun aborts a request's signal only when its client goes away.
  watchAbort: (request: Request, _context: unknown, onAbort: () => void) =>
    watchSignal(request, onAbort),
};

// What a bridge's type names, for users who wrap a bridge or write their own.
export type * from "./types.ts";
