/**
 * What the Engine.IO server needs of a WebSocket, and how runtime bridges
 * deliver its events. Deno's `WebSocket` and Bun's `ServerWebSocket` both
 * satisfy {@linkcode RawSocket} as they are, so no wrapper is allocated.
 *
 * @module
 */

import type { ResolvedEngineOptions } from "./options.ts";

/** A server-side WebSocket: Deno's `WebSocket` or Bun's `ServerWebSocket`. */
export interface RawSocket {
  /** Sends one frame. Bun's second argument asks for compression. */
  send(data: string | Uint8Array<ArrayBuffer>, compress?: boolean): unknown;
  /** Closes the socket. */
  close(code?: number, reason?: string): void;
}

/** Sends one frame to every socket subscribed to `topic` on one runtime server (Bun's publish). */
export type Publisher = (topic: string, data: string | Uint8Array, compress?: boolean) => void;

/** A runtime's native publish/subscribe (Bun's), a capability a runtime bridge may offer. */
export interface RuntimePubSub {
  /** Subscribes `socket` to `topic`; false when the socket cannot take published frames. */
  subscribe(socket: RawSocket, topic: string): boolean;
  /** Removes a subscription of `socket`. */
  unsubscribe(socket: RawSocket, topic: string): void;
  /** Whether `socket` is subscribed to `topic` (the runtime keeps the subscriptions). */
  isSubscribed(socket: RawSocket, topic: string): boolean;
  /** The publish function of the runtime server in `context` (a request's), or null. */
  publisher(context: unknown): Publisher | null;
}

/**
 * How much of a socket's writes a runtime holds, not yet taken by the peer:
 * a capability of a runtime bridge, for backpressure.
 */
export interface SocketBuffers {
  /**
   * Bytes the runtime holds for `socket` after a `send` that returned `sent`
   * (-1, what Bun returns for a frame it buffered, also asks for the amount
   * now, without a send); Infinity when the runtime dropped that frame.
   */
  buffered(socket: RawSocket, sent: unknown): number;
  /**
   * Whether the runtime reports a drained buffer
   * ({@linkcode SocketTarget.onSocketDrain}); otherwise the engine looks
   * again on a timer while it holds frames.
   */
  readonly drainEvents: boolean;
}

/** Receives one upgraded socket's events; a runtime bridge calls it. */
export interface SocketTarget {
  /** The socket is open. */
  onSocketOpen(socket: RawSocket): void;
  /** The runtime sent what it held for the socket (where it says so: Bun's `drain`). */
  onSocketDrain(socket: RawSocket): void;
  /** A frame arrived. */
  onSocketMessage(socket: RawSocket, data: string | ArrayBuffer | Uint8Array): void;
  /** The socket closed. */
  onSocketClose(socket: RawSocket, code: number, reason: string): void;
}

/**
 * What a runtime bridge offers the engine: everything that differs between
 * runtimes (`server/runtime/deno.ts`, `server/runtime/bun.ts`). An engine is
 * given one explicitly (the `runtime` option); the entry points default it to
 * the runtime the code runs on.
 */
export interface RuntimeBridge {
  /** The runtime's name, for logs. */
  readonly name: "deno" | "bun";
  /**
   * Whether the runtime closes the connection of a request that asked to
   * close (`Connection: close`) without saying so in the response (Bun); the
   * server's handler then says it, as Node does.
   */
  readonly silentClose?: boolean;
  /**
   * Upgrades `request` to a WebSocket whose events go to `target`. Returns the
   * response to send (Deno), `undefined` when the runtime answers itself
   * (Bun), or `null` when the upgrade failed.
   */
  upgrade(
    request: Request,
    context: unknown,
    target: SocketTarget,
    headers: Record<string, string>,
  ): Response | undefined | null;
  /** The client's address, from the runtime's connection info. */
  remoteAddress(request: Request, context: unknown): string;
  /**
   * What the runtime's serve function takes beside `fetch`, added to the
   * value of `handler()` (Bun: its `websocket` object and `idleTimeout`).
   */
  serveOptions?(options: ResolvedEngineOptions): Record<string, unknown>;
  /** Native publish to the sockets subscribed to a topic, when the runtime has it (Bun). */
  readonly pubsub?: RuntimePubSub;
  /** What the runtime holds of each socket's writes, when it can tell (backpressure). */
  readonly buffers?: SocketBuffers;
  /**
   * Calls `onAbort` when the client of `request` goes away before its
   * response is delivered, as the runtime can tell (a pending long-poll
   * whose client left); returns what stops watching. Without it, the
   * request's `signal` is watched.
   */
  watchAbort?(request: Request, context: unknown, onAbort: () => void): () => void;
}

const NOTHING_TO_STOP = () => {};

/**
 * Watches `request.signal` for `onAbort` (see `RuntimeBridge.watchAbort`);
 * returns what removes the listener.
 */
export function watchSignal(request: Request, onAbort: () => void): () => void {
  const signal = request.signal;
  if (signal.aborted) {
    queueMicrotask(onAbort);
    return NOTHING_TO_STOP;
  }
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}

/**
 * Calls `onAbort` when `completed` rejects (the response was not delivered),
 * the completion promise a runtime gives per request; stopping is a no-op,
 * the promise settling once the response is out.
 */
export function watchCompletion(completed: Promise<unknown>, onAbort: () => void): () => void {
  completed.then(undefined, onAbort);
  return NOTHING_TO_STOP;
}
