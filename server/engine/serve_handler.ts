/**
 * The handler value `Deno.serve` and `Bun.serve` take: a function with
 * `fetch`, plus what the engine's runtime bridge adds for its own serve
 * function (Bun's `websocket` object and `idleTimeout`, see
 * `RuntimeBridge.serveOptions`). Nothing here names a runtime.
 *
 * @module
 */

import type { ResolvedEngineOptions } from "./options.ts";
import type { RuntimeBridge } from "./socket.ts";

/** A fetch-style handler; `undefined` means Bun took the connection over (an upgrade). */
export type FetchHandler = (
  request: Request,
  context?: unknown,
) => Response | undefined | Promise<Response | undefined>;

/** What a request outside the engine's path goes to. */
export type Fallback = FetchHandler;

/**
 * The value `handler()` returns: a function for `Deno.serve(handler)` and an
 * object for `Bun.serve({ ...handler })` and default exports. On Bun, a
 * WebSocket upgrade resolves to `undefined` (Bun answers the upgrade itself);
 * the type says `Response` so that it fits `Deno.serve`.
 */
export interface ServeHandler {
  (request: Request, context?: unknown): Response | Promise<Response>;
  /** The same function, for `Bun.serve`, `deno serve` and Bun's default export. */
  fetch: (request: Request, context?: unknown) => Response | Promise<Response>;
  /** Bun's WebSocket handler object (set by the Bun runtime bridge). */
  websocket?: Record<string, unknown>;
  /** Bun: seconds a request may idle; above the heartbeat so long-polls are not cut. */
  idleTimeout?: number;
}

/** Whether the request's `Connection` header has the `close` option (RFC 9110, 7.6.1). */
function asksToClose(request: Request): boolean {
  const value = request.headers.get("connection");
  return value !== null && value.length >= 5 && CLOSE_OPTION.test(value);
}

const CLOSE_OPTION = /(?:^|,)[ \t]*close[ \t]*(?:,|$)/i;

/**
 * Says `Connection: close` on a response to a request that asked to close,
 * as Node does, where the runtime closes such a connection without saying it
 * (Bun): a client that keeps the socket (Node's keep-alive agent) would lose
 * its next request on it.
 */
function sayClose(response: Response | undefined): Response | undefined {
  if (response) {
    try {
      response.headers.set("connection", "close");
    } catch {
      // Immutable headers (a Response.error() or a fetched response): left as they are.
    }
  }
  return response;
}

function notFound(): Response {
  return new Response("Not Found", { status: 404 });
}

/**
 * Builds the handler value both runtimes accept from `fetch`, the handler of
 * a server's own requests: where it returns `null` (synchronously), the
 * request goes to `init.fallback`, or gets a 404. On a runtime that closes a
 * `Connection: close` request's connection without saying so (Bun), the
 * server's responses, the 404 included, say `Connection: close`, as Node's
 * do; the fallback's responses are left as they are.
 */
export function serveHandler(
  fetch: (request: Request, context?: unknown) => ReturnType<FetchHandler> | null,
  options: ResolvedEngineOptions,
  init: {
    /** Where the requests `fetch` leaves go; a 404 without it. */
    fallback?: Fallback;
    /** The runtime bridge the server uses: it adds its serve options and says how it closes. */
    runtime?: RuntimeBridge;
  } = {},
): ServeHandler {
  const { fallback, runtime } = init;
  const silentClose = runtime?.silentClose === true;
  const handler = ((request: Request, context?: unknown) => {
    let response = fetch(request, context);
    if (response === null) {
      if (fallback) return fallback(request, context);
      response = notFound();
    }
    // A header read per request only where the runtime needs it (not Deno: it says "close"
    // itself), and a continuation only for the few requests that asked to close. A Bun upgrade
    // (undefined) has no response to edit.
    if (response === undefined || !silentClose) return response;
    if (!asksToClose(request)) return response;
    return response instanceof Promise ? response.then(sayClose) : sayClose(response);
  }) as ServeHandler;
  handler.fetch = handler;
  const extra = runtime?.serveOptions?.(options);
  if (extra) Object.assign(handler, extra);
  return handler;
}
