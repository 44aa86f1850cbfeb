/**
 * The long-polling transport of a session: a GET waits until packets are
 * queued, then drains the whole queue into one payload; a POST carries a
 * payload of packets from the client, read with the size limit counted while
 * reading. One GET and one POST at a time, as in engine.io: a second of
 * either ends the session.
 *
 * @module
 */

import type { EnginePacket } from "../../protocol/engine_io.ts";
import type { SessionProtocol } from "./codec.ts";
import { pollResponse } from "./compression.ts";
import {
  ENGINE_ERRORS,
  errorResponse,
  type HeaderRecord,
  PayloadTooLargeError,
  readBody,
} from "./http.ts";
import type { ResolvedEngineOptions } from "./options.ts";

/** What the polling transport needs of its session. */
export interface PollingSession {
  /** "open", "closing" or "closed". */
  readonly state: string;
  /** An upgrade probe was answered: GETs get a noop. */
  readonly upgrading: boolean;
  /** Whether packets wait in the queue. */
  readonly hasQueued: boolean;
  /** Whether a queued packet may be compressed. */
  readonly queueCompressible: boolean;
  /** Empties the queue; returns what was in it. */
  takeQueue(): EnginePacket[];
  /** The queue went out in a response. */
  onFlushed(packets: readonly EnginePacket[]): void;
  /** One packet from the client. */
  receive(packet: EnginePacket): void;
  /** A payload from the client did not decode: the session ends ("parse error"). */
  parseError(error: unknown): void;
  /** The transport failed: the session ends ("transport error"). */
  fail(error: unknown): void;
}

/** What the polling transport needs of its engine. */
export interface PollingHost {
  readonly options: ResolvedEngineOptions;
  /** Calls `onAbort` when the client of a pending `request` goes away; returns what stops watching. */
  watchAbort(request: Request, context: unknown, onAbort: () => void): () => void;
}

interface PendingPoll {
  request: Request;
  supportsBinary: boolean;
  /** The engine's response headers (CORS, hooks), over the content type. */
  headers: HeaderRecord;
  /** Set once the poll waits: answers the GET. */
  resolve: ((response: Response) => void) | null;
  /** Set once the poll waits: stops watching for the client going away. */
  unwatch: (() => void) | null;
  /** The answer, when it came before the poll had to wait. */
  response: Response | null;
}

/**
 * Every response the polling transport writes (payloads, the POST's "ok") says
 * `Cache-Control: no-store`, as the reference's does; its error responses do not.
 */
const NO_STORE = "no-store";
const OK_HEADERS = { "content-type": "text/html", "cache-control": NO_STORE };

/** The long-polling transport of one session: the pending GET and the POST being read. */
export class Polling {
  #session: PollingSession;
  #host: PollingHost;
  #protocol: SessionProtocol;
  /** The GET waiting for packets. */
  #poll: PendingPoll | null = null;
  /** The POST whose body is being read. */
  #post: Request | null = null;

  /** The transport of `session`, which speaks `protocol`. */
  constructor(session: PollingSession, host: PollingHost, protocol: SessionProtocol) {
    this.#session = session;
    this.#host = host;
    this.#protocol = protocol;
  }

  /** Whether a GET waits: a packet sent now goes out at once. */
  get waiting(): boolean {
    return this.#poll !== null;
  }

  /**
   * Answers a long-polling GET: at once when packets wait, else when they
   * come. `headers` are the response headers the engine made (CORS, hooks).
   */
  handlePoll(
    request: Request,
    supportsBinary: boolean,
    headers: HeaderRecord,
    context?: unknown,
  ): Response | Promise<Response> {
    const session = this.#session;
    if (this.#poll) {
      // One pending GET per session (engine.io "overlap from client"): the session ends (its
      // pending GET gets the close packet) and this one a bare 400, as the reference answers.
      session.fail(new Error("overlap from client"));
      return new Response(null, { status: 400, headers });
    }
    if (session.state === "closed") {
      return errorResponse(ENGINE_ERRORS.UNKNOWN_SID, undefined, headers);
    }
    const poll: PendingPoll = {
      request,
      supportsBinary,
      headers,
      resolve: null,
      unwatch: null,
      response: null,
    };
    this.#poll = poll;
    if (session.upgrading) this.noop();
    else this.flush();
    // Answered at once: no promise and no abort watch.
    if (poll.response) return poll.response;
    return new Promise<Response>((resolve) => {
      poll.resolve = resolve;
      // The client went away mid-poll (or, where the runtime tells only then, its answer was not
      // delivered): end the session, as the reference does.
      poll.unwatch = this.#host.watchAbort(request, context, () => {
        if (this.#poll === poll) this.settle("");
        session.fail(new Error("poll connection closed prematurely"));
      });
    });
  }

  /** Drains the queue into the pending GET, if one waits and packets are queued. */
  flush(): void {
    const poll = this.#poll;
    const session = this.#session;
    if (!poll || !session.hasQueued) return;
    // engine.io compresses a polling response when any of its packets allows it.
    const compress = session.queueCompressible;
    const packets = session.takeQueue();
    this.settle(this.#protocol.payload(packets, poll.supportsBinary), compress);
    session.onFlushed(packets);
  }

  /** Answers the pending GET with a noop (spec: it lets the client pause polling for an upgrade). */
  noop(): void {
    if (this.#poll) this.settle(this.#protocol.payload([{ type: "noop" }], false));
  }

  /** Answers the pending GET, if any, with `body`. */
  settle(body: string | Uint8Array, compress = false): void {
    const poll = this.#poll;
    if (!poll) return;
    this.#poll = null;
    poll.unwatch?.();
    const type = typeof body === "string"
      ? "text/plain; charset=UTF-8"
      : "application/octet-stream";
    const extra = poll.headers;
    // The `headers` hook's values (in `extra`) win over the cache directive, as they can in the
    // reference, where the hook sees the header record last.
    const headers: HeaderRecord = hasAny(extra)
      ? { "content-type": type, "cache-control": NO_STORE, ...extra }
      : { "content-type": type, "cache-control": NO_STORE };
    const response = pollResponse(
      poll.request,
      body,
      headers,
      this.#host.options.compressionThreshold,
      compress,
    );
    if (poll.resolve) poll.resolve(response);
    else poll.response = response;
  }

  /**
   * Takes a long-polling POST: reads the payload (limit counted while
   * reading) and hands its packets to the session. `headers` as for
   * {@linkcode Polling.handlePoll}.
   */
  async handlePost(request: Request, headers: HeaderRecord): Promise<Response> {
    const session = this.#session;
    if (this.#post) {
      session.fail(new Error("data request overlap from client"));
      return new Response(null, { status: 400, headers });
    }
    this.#post = request;
    let body: Uint8Array;
    try {
      body = await readBody(request, this.#host.options.maxHttpBufferSize);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        return new Response(null, { status: 413, headers });
      }
      session.fail(error);
      return errorResponse(ENGINE_ERRORS.BAD_REQUEST, undefined, headers);
    } finally {
      this.#post = null;
    }
    const protocol = this.#protocol;
    const binary = request.headers.get("content-type") === "application/octet-stream";
    const payload = protocol.postPayload(body, binary);
    let packets: EnginePacket[];
    try {
      packets = protocol.decodePayload(payload, Infinity);
    } catch (error) {
      // As the reference: the packets before the one that does not decode are handled, then the
      // session ends ("parse error"; a pending GET gets the close packet), and the POST itself
      // is answered "ok" all the same.
      for (const packet of protocol.decodablePrefix(payload)) {
        if (session.state !== "open") break;
        session.receive(packet);
      }
      session.parseError(error);
      return okResponse(headers);
    }
    for (const packet of packets) {
      if (session.state !== "open") break;
      session.receive(packet);
    }
    return okResponse(headers);
  }
}

/** A POST's answer: "ok" as text/html (the reference's choice), not stored by caches. */
function okResponse(headers: HeaderRecord): Response {
  return new Response("ok", {
    headers: hasAny(headers)
      ? { "cache-control": NO_STORE, ...headers, "content-type": "text/html" }
      : OK_HEADERS,
  });
}

function hasAny(headers: HeaderRecord): boolean {
  for (const _ in headers) return true;
  return false;
}
