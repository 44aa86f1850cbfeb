/**
 * The handshake of a new Engine.IO session: `allowRequest`, the protocol
 * revision picked from `EIO`, the session made from the request (its headers,
 * address and query kept for the handshake record), and the answer with the
 * open packet: the first long-polling response, or the WebSocket upgrade.
 *
 * @module
 */

import { PROTOCOL_V4, type SessionProtocol } from "./codec.ts";
import { ENGINE_ERRORS, type HeaderRecord, parseQuery, serializeCookie } from "./http.ts";
import { intern } from "../../common/intern.ts";
import type { ResolvedEngineOptions } from "./options.ts";
import type { Responder, ResponderHost } from "./responses.ts";
import { EngineSession, type SessionHost } from "./session.ts";
import type { RuntimeBridge } from "./socket.ts";
import type { TransportName } from "./types.ts";
import { PROTOCOL_V3 } from "./v3.ts";

/** What the handshake needs of its engine. */
export interface HandshakeHost extends SessionHost, ResponderHost {
  readonly options: ResolvedEngineOptions;
  /** Open sessions by id. */
  readonly clients: Map<string, EngineSession>;
  /** Makes the id of a new session. */
  generateId(request: Request): string;
  /** The session's open packet is on its way: it starts and goes to the handler. */
  open(session: EngineSession): void;
}

/** Answers a WebSocket upgrade for `session` with these response headers. */
export type Upgrade = (
  request: Request,
  context: unknown,
  bridge: RuntimeBridge,
  session: EngineSession,
  headers: HeaderRecord,
) => Response | undefined;

/**
 * Request headers whose values repeat from one client to the next. The
 * handshake record lives as long as the connection, so their values are
 * interned: one string for all the connections that sent the same value.
 */
const REPEATED_HEADERS = new Set([
  "accept",
  "accept-encoding",
  "accept-language",
  "cache-control",
  "connection",
  "host",
  "origin",
  "pragma",
  "sec-websocket-extensions",
  "sec-websocket-version",
  "upgrade",
  "user-agent",
]);
/** The headers as a plain record, lower-case names (Headers iterates them so). */
function headerRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name] = REPEATED_HEADERS.has(name) ? intern(value) : value;
  });
  return record;
}

/** The `Cache-Control` of the polling handshake's response, as of every polling response. */
const NO_STORE = "no-store";

/** `allowRequest`'s refusal: the message the callback gave (sent in the 403 body when truthy). */
interface Refusal {
  message: unknown;
}

const REFUSED: Refusal = Object.freeze({ message: undefined });

/**
 * Runs `allowRequest` in either of its forms (callback, or boolean/promise):
 * `true`, or the refusal. One that throws or rejects refuses, and the error
 * goes to `report`.
 */
async function allowedBy(
  allow: NonNullable<ResolvedEngineOptions["allowRequest"]>,
  request: Request,
  report: (error: unknown) => void,
): Promise<true | Refusal> {
  try {
    if (allow.length >= 2) {
      return await new Promise<true | Refusal>((resolve) =>
        (allow as (r: Request, cb: (e: unknown, ok: boolean) => void) => void)(
          request,
          (message, success) => resolve(success ? true : { message }),
        )
      );
    }
    return await (allow as (r: Request) => boolean | Promise<boolean>)(request) ? true : REFUSED;
  } catch (error) {
    report(error);
    return REFUSED;
  }
}

/** The open packet's JSON after the session id, remade only when a value changed. */
export class OpenTail {
  #upgrades = false;
  #interval = NaN;
  #timeout = NaN;
  #maxPayload: number | undefined = NaN;
  #text = "";

  /** The tail for these values: `,"upgrades":[...],"pingInterval":...}`. */
  text(
    upgrades: boolean,
    pingInterval: number,
    pingTimeout: number,
    maxPayload: number | undefined,
  ): string {
    if (
      upgrades !== this.#upgrades || pingInterval !== this.#interval ||
      pingTimeout !== this.#timeout || maxPayload !== this.#maxPayload
    ) {
      const rest = JSON.stringify({
        upgrades: upgrades ? ["websocket"] : [],
        pingInterval,
        pingTimeout,
        maxPayload,
      });
      this.#text = "," + rest.slice(1);
      this.#upgrades = upgrades;
      this.#interval = pingInterval;
      this.#timeout = pingTimeout;
      this.#maxPayload = maxPayload;
    }
    return this.#text;
  }
}

/** Runs an engine's handshakes. */
export class Handshakes {
  #engine: HandshakeHost;
  #responses: Responder;
  #upgrade: Upgrade;

  /** The handshakes of `engine`, answered through `responses`; `upgrade` answers WebSocket ones. */
  constructor(engine: HandshakeHost, responses: Responder, upgrade: Upgrade) {
    this.#engine = engine;
    this.#responses = responses;
    this.#upgrade = upgrade;
  }

  /** A handshake request, routed and checked: asks `allowRequest`, then opens the session. */
  run(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    url: string,
    transport: TransportName,
  ): Response | undefined | Promise<Response | undefined> {
    const allowed = this.#allowed(request);
    // No allowRequest: no continuation per handshake.
    if (allowed === true) return this.#handshake(request, context, bridge, url, transport);
    return this.#handshakeIfAllowed(request, context, bridge, url, transport, allowed);
  }

  /** A handshake once `allowRequest` answered. */
  #handshakeIfAllowed(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    url: string,
    transport: TransportName,
    allowed: Promise<true | Refusal>,
  ): Promise<Response | undefined> {
    return allowed.then((allowed) =>
      allowed === true
        ? this.#handshake(request, context, bridge, url, transport)
        : this.#responses.refuse(request, ENGINE_ERRORS.FORBIDDEN, { message: allowed.message })
    );
  }

  #handshake(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    requestUrl: string,
    transport: TransportName,
  ): Response | undefined | Promise<Response | undefined> {
    // The URL, its query values and the address live as long as the session: clients that
    // send the same ones share one string (query values are slices that would keep the
    // whole URL alive).
    const url = intern(requestUrl);
    const query = parseQuery(url, intern);
    const eio = query.EIO;
    const protocol: SessionProtocol | null = eio === "4"
      ? PROTOCOL_V4
      : this.#engine.options.allowEIO3 && eio === "3"
      ? PROTOCOL_V3
      : null;
    if (!protocol) {
      return this.#responses.refuse(request, ENGINE_ERRORS.UNSUPPORTED_PROTOCOL_VERSION, {
        protocol: eio,
      });
    }
    if (transport === "polling" && "j" in query) {
      return this.#responses.refuse(request, ENGINE_ERRORS.BAD_REQUEST, {
        name: "JSONP_UNSUPPORTED",
      });
    }

    const session = new EngineSession(this.#engine, {
      id: this.#engine.generateId(request),
      protocol,
      // What rebuilds a copy of the request on demand (Deno closes the original once the
      // response is sent); the headers record is also the Socket.IO handshake's.
      request: { url, headers: headerRecord(request.headers), query },
      remoteAddress: intern(this.#address(request, context, bridge)),
      secure: this.#secure(request, url),
      // The name itself, not the slice of the URL it was read from.
      transport: transport === "websocket" ? "websocket" : "polling",
    });
    const headers = this.#handshakeHeaders(request, session);
    // Headers at hand (no CORS origin function to await): no continuation per handshake.
    if (!(headers instanceof Promise)) {
      return headers === null
        ? this.#responses.corsFailure(request, session.transport === "websocket")
        : this.#answerHandshake(request, context, bridge, session, headers);
    }
    return this.#answerLater(request, context, bridge, session, headers);
  }

  /** The handshake's answer once a CORS origin function settled its headers. */
  #answerLater(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    session: EngineSession,
    headers: Promise<HeaderRecord | null>,
  ): Promise<Response | undefined> {
    return headers.then((headers) =>
      headers === null
        ? this.#responses.corsFailure(request, session.transport === "websocket")
        : this.#answerHandshake(request, context, bridge, session, headers)
    );
  }

  /** The open packet: the WebSocket upgrade, or the first long-polling response. */
  #answerHandshake(
    request: Request,
    context: unknown,
    bridge: RuntimeBridge,
    session: EngineSession,
    headers: HeaderRecord,
  ): Response | undefined {
    if (session.transport === "websocket") {
      return this.#upgrade(request, context, bridge, session, headers);
    }
    this.#engine.clients.set(session.id, session);
    const body = session.openPayload();
    const response = new Response(body as string | Uint8Array<ArrayBuffer>, {
      headers: {
        ...headers,
        "content-type": typeof body === "string"
          ? "text/plain; charset=UTF-8"
          : "application/octet-stream",
      },
    });
    this.#engine.open(session);
    return response;
  }

  #allowed(request: Request): true | Promise<true | Refusal> {
    const allow = this.#engine.options.allowRequest;
    if (!allow) return true;
    return allowedBy(allow, request, (error) => this.#engine.reportError(error));
  }

  #address(request: Request, context: unknown, bridge: RuntimeBridge): string {
    if (this.#engine.options.trustProxy) {
      const forwarded = request.headers.get("x-forwarded-for");
      if (forwarded) return forwarded.split(",")[0].trim();
    }
    return bridge.remoteAddress(request, context);
  }

  #secure(request: Request, url: string): boolean {
    if (url.startsWith("https:") || url.startsWith("wss:")) return true;
    return this.#engine.options.trustProxy && request.headers.get("x-forwarded-proto") === "https";
  }

  /** The handshake's headers; `null` when the CORS origin function refused or failed. */
  #handshakeHeaders(
    request: Request,
    session: EngineSession,
  ): HeaderRecord | null | Promise<HeaderRecord | null> {
    // Like every polling response (the hooks see it, and may change it, as with engine.io).
    const headers: HeaderRecord = session.transport === "polling"
      ? { "cache-control": NO_STORE }
      : {};
    const cookie = this.#engine.options.cookie;
    if (cookie) headers["set-cookie"] = serializeCookie(cookie.name, session.id, cookie);
    if (this.#engine.hasListeners("initial_headers")) {
      this.#engine.emit("initial_headers", headers, request);
    }
    return this.#responses.headers(request, headers);
  }
}
