/**
 * The engine's request side: a request on its path is routed by its query
 * and method (a CORS preflight, a handshake, a request of an open session:
 * poll, POST or WebSocket upgrade), checked as the reference checks it, and
 * refused with the reference's wire errors. Handshakes are run by
 * `handshake.ts`; the headers the router answers with (CORS, the hooks) and
 * its refusals are written by `responses.ts`.
 *
 * @module
 */

import { type HandshakeHost, Handshakes } from "./handshake.ts";
import { ENGINE_ERRORS, type HeaderRecord, queryValue, upgradeErrorResponse } from "./http.ts";
import { isUpgrade, Responder, then } from "./responses.ts";
import type { EngineSession } from "./session.ts";
import type { RuntimeBridge } from "./socket.ts";
import type { TransportName } from "./types.ts";

export type { ConnectionError } from "./responses.ts";
export { OpenTail } from "./handshake.ts";

/** What the router needs of its engine. */
export interface RouterHost extends HandshakeHost {
  /** The engine was closed: handshakes are refused. */
  readonly closed: boolean;
  /** The runtime bridge that serves this engine, if any. */
  bridge(): RuntimeBridge | undefined;
  /** Keeps the pub/sub publisher of the runtime server in `context`, if it has one. */
  addPublisher(context: unknown): void;
}

function noBridge(): never {
  throw new TypeError(
    "Cannot handle requests: no runtime bridge; import the engine from server/mod.ts or pass `runtime`",
  );
}

/** Routes an engine's requests; a handshake goes to {@linkcode Handshakes}. */
export class Router {
  #engine: RouterHost;
  #responses: Responder;
  #handshakes: Handshakes;

  /** The router of `engine`. */
  constructor(engine: RouterHost) {
    this.#engine = engine;
    this.#responses = new Responder(engine);
    this.#handshakes = new Handshakes(
      engine,
      this.#responses,
      (request, context, bridge, session, headers) =>
        this.#upgrade(request, context, bridge, session, headers),
    );
  }

  // The request paths are split by kind, each its own small function: JavaScriptCore optimizes a
  // function after a number of calls that grows with its size, so the handshake path reaches its
  // optimized tiers sooner, and closures of the rarer paths capture no scope on the usual one.
  route(
    request: Request,
    context: unknown,
    url: string,
  ): Response | undefined | Promise<Response | undefined> {
    const bridge = this.#engine.bridge();
    if (!bridge) return noBridge();
    // The record of every parameter is made for handshakes only; polls read their few names.
    const transport = queryValue(url, "transport") as TransportName | undefined;
    const cors = this.#engine.options.cors;
    if (cors && request.method === "OPTIONS" && !cors.preflightContinue) {
      return this.#responses.preflight(request, cors);
    }
    if (!transport || !this.#engine.options.transports.includes(transport)) {
      return this.#responses.refuse(request, ENGINE_ERRORS.UNKNOWN_TRANSPORT, { transport });
    }
    const sid = queryValue(url, "sid");
    if (sid) return this.#routeSession(request, context, bridge, url, transport, sid);
    if (request.method !== "GET") {
      return this.#responses.refuse(request, ENGINE_ERRORS.BAD_HANDSHAKE_METHOD, {
        method: request.method,
      });
    }
    // Only the websocket transport upgrades; polls skip building the request's headers (Bun).
    if (transport === "websocket" && !isUpgrade(request)) {
      return this.#responses.refuse(request, ENGINE_ERRORS.BAD_REQUEST, {
        name: "TRANSPORT_HANDSHAKE_ERROR",
      });
    }
    if (this.#engine.closed) {
      return this.#responses.refuse(request, ENGINE_ERRORS.FORBIDDEN, { reason: "closed" });
    }
    return this.#handshakes.run(request, context, bridge, url, transport);
  }

  /** A request of an open session (`sid`): a poll, a POST, or the WebSocket upgrade. */
  #routeSession(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    url: string,
    transport: TransportName,
    sid: string,
  ): Response | undefined | Promise<Response | undefined> {
    const session = this.#engine.clients.get(sid);
    if (!session) return this.#responses.refuse(request, ENGINE_ERRORS.UNKNOWN_SID, { sid });
    if (transport === "websocket" && isUpgrade(request)) {
      if (!this.#engine.options.allowUpgrades) {
        return this.#responses.refuse(request, ENGINE_ERRORS.BAD_REQUEST, {
          name: "TRANSPORT_MISMATCH",
        });
      }
      // Like engine.io, allowRequest is asked at the handshake only, not again here.
      return this.#upgradeSession(request, context, bridge, session);
    }
    if (session.transport !== transport) {
      return this.#responses.refuse(request, ENGINE_ERRORS.BAD_REQUEST, {
        name: "TRANSPORT_MISMATCH",
      });
    }
    const method = request.method;
    if (method !== "GET" && method !== "POST") {
      return this.#responses.refuse(request, ENGINE_ERRORS.BAD_REQUEST, { name: "BAD_METHOD" });
    }
    return then(
      this.#responses.headers(request),
      (headers) =>
        headers === null
          ? this.#responses.corsFailure(request, false)
          : method === "GET"
          ? session.polling.handlePoll(
            request,
            queryValue(url, "b64") === undefined,
            headers,
            context,
          )
          : session.polling.handlePost(request, headers),
    );
  }

  /**
   * The upgrade of an open polling session to WebSocket. The 101 carries the
   * CORS headers and the `headers` hook's, as the reference's does (its CORS
   * middleware runs for upgrades too).
   */
  #upgradeSession(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    session: EngineSession,
  ): Response | undefined | Promise<Response | undefined> {
    const headers = this.#responses.headers(request);
    if (!(headers instanceof Promise)) {
      return headers === null
        ? this.#responses.corsFailure(request, true)
        : this.#upgrade(request, context, bridge, session, headers);
    }
    return headers.then((headers) =>
      headers === null
        ? this.#responses.corsFailure(request, true)
        // The session may have ended while the origin function ran.
        : this.#engine.clients.get(session.id) !== session
        ? this.#responses.refuse(request, ENGINE_ERRORS.UNKNOWN_SID, { sid: session.id })
        : this.#upgrade(request, context, bridge, session, headers)
    );
  }

  #upgrade(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    session: EngineSession,
    headers: HeaderRecord = {},
  ): Response | undefined {
    this.#engine.addPublisher(context);
    // Binary as base64 text on this socket when its request asks (a client's forceBase64). The
    // socket's transport is its event target: no closures per connection.
    const base64 = queryValue(request.url, "b64") !== undefined;
    const response = bridge.upgrade(request, context, session.socketTarget(base64), headers);
    // The runtime refused the upgrade (e.g. no Sec-WebSocket-Key), answered as ws answers it.
    if (response === null) return upgradeErrorResponse(ENGINE_ERRORS.BAD_REQUEST);
    return response;
  }

  /** Response headers for `request` (see {@linkcode Responder.responseHeaders}). */
  responseHeaders(
    request: Request,
    extra?: HeaderRecord,
  ): HeaderRecord | Promise<HeaderRecord> {
    return this.#responses.responseHeaders(request, extra);
  }

  /** @internal The CORS headers of a served client file (see {@linkcode Responder.corsHeaders}). */
  corsHeaders(request: Request): HeaderRecord | Promise<HeaderRecord> {
    return this.#responses.corsHeaders(request);
  }
}
