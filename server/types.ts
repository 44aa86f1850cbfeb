// deno-lint-ignore-file no-explicit-any
/**
 * Shared types of the Socket.IO server layer: disconnect reasons, event maps
 * and the handshake.
 *
 * @module
 */

/** Why a socket disconnected: the official socket.io strings. */
export type DisconnectReason =
  | "transport error"
  | "transport close"
  | "forced close"
  | "ping timeout"
  | "parse error"
  | "server shutting down"
  | "forced server close"
  | "client namespace disconnect"
  | "server namespace disconnect";

/** Reasons after which a session may be recovered (connection state recovery). */
export const RECOVERABLE_DISCONNECT_REASONS: ReadonlySet<DisconnectReason> = new Set([
  "transport error",
  "transport close",
  "forced close",
  "ping timeout",
  "server shutting down",
  "forced server close",
]);

export type { EventsMap } from "../common/emitter.ts";
import type { EventsMap } from "../common/emitter.ts";

/** The map used when none is given: any event, any arguments. */
export type DefaultEventsMap = { [event: string]: (...args: any[]) => void };

/** Event names of a map. */
export type EventNames<M extends EventsMap> = keyof M & string;

/** Parameters of event `E` in map `M`. */
export type EventParams<M extends EventsMap, E extends EventNames<M>> = Parameters<M[E]>;

/** The handshake details of a socket, as socket.io exposes them. */
export interface Handshake {
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  /** When the handshake happened (`Date` string). */
  time: string;
  /** The client's address. */
  address: string;
  /** Whether the request was cross-origin (had an Origin header). */
  xdomain: boolean;
  /** Whether it came over TLS. */
  secure: boolean;
  /** When the handshake happened (ms since the epoch). */
  issued: number;
  /** The request URL's path and query. */
  url: string;
  /** The query parameters. */
  query: Record<string, string>;
  /** The auth payload of the CONNECT packet. */
  auth: Record<string, unknown>;
}

/** An error passed to `next()` in a middleware: its message and data reach the client. */
export interface ExtendedError extends Error {
  /** Sent to the client with the CONNECT_ERROR packet. */
  data?: unknown;
}
