/**
 * What differs between the Socket.IO revisions a client may speak, picked
 * once per {@linkcode Client} from its Engine.IO revision: v5 (socket.io-client
 * 3 and later, Engine.IO v4) and v4 (socket.io-client 2.x, Engine.IO v3 with
 * `allowEIO3`). The client, its sockets and its namespaces call through this
 * strategy and never test the revision. The wire codec is the same for both.
 *
 * @module
 */

import type { Packet } from "../protocol/parser.ts";
import { randomId } from "../common/ids.ts";
import type { EngineConnection } from "./engine/types.ts";

/** The rules of one Socket.IO protocol revision, as the server applies them. */
export interface ClientProtocol {
  /**
   * Whether the client is in the main namespace as soon as its connection
   * opens, without a CONNECT packet (v4); otherwise it has `connectTimeout`
   * to send one (v5).
   */
  readonly joinsMainOnOpen: boolean;
  /** The namespace a packet is for. */
  namespace(packet: Packet): string;
  /** The auth payload of a CONNECT packet. */
  auth(packet: Packet): Record<string, unknown>;
  /** The id of a new socket of `conn` in namespace `nsp`. */
  socketId(nsp: string, conn: EngineConnection): string;
  /** The data of the CONNECT packet that admits a socket (`pid` with connection state recovery). */
  connectData(sid: string, pid: string | undefined): unknown;
  /** The data of a CONNECT_ERROR packet: a refusal's message and its `data`, if any. */
  connectError(message: string, data: unknown): unknown;
}

/**
 * Socket.IO v5 (socket.io-client 3 and later): CONNECT carries the auth
 * object and is answered with the session id; refusals are
 * `{ message, data? }` (spec: "Connection to a namespace").
 */
export const SOCKET_IO_V5: ClientProtocol = {
  joinsMainOnOpen: false,
  namespace: (packet) => packet.nsp,
  auth: (packet) => (packet.data as Record<string, unknown> | undefined) ?? {},
  socketId: () => randomId(20),
  connectData: (sid, pid) => pid === undefined ? { sid } : { sid, pid },
  connectError: (message, data) => data === undefined ? { message } : { message, data },
};

/**
 * Socket.IO v4 (socket.io-client 2.x): the client is in "/" from the start;
 * a CONNECT to another namespace carries the query in the name
 * ("/admin?token=abc"), read as the auth; socket ids derive from the
 * connection id; CONNECT has no data and a refusal is its `data`, else its
 * message, as is.
 */
export const SOCKET_IO_V4: ClientProtocol = {
  joinsMainOnOpen: true,
  namespace(packet) {
    const name = packet.nsp;
    const q = name.indexOf("?");
    return q === -1 ? name : name.slice(0, q);
  },
  auth(packet) {
    const name = packet.nsp;
    const q = name.indexOf("?");
    return q === -1 ? {} : Object.fromEntries(new URLSearchParams(name.slice(q + 1)));
  },
  socketId: (nsp, conn) => nsp === "/" ? conn.id : `${nsp}#${conn.id}`,
  connectData: () => undefined,
  connectError: (message, data) => data ?? message,
};

/** The Socket.IO revision that goes with a connection's Engine.IO revision. */
export function clientProtocolOf(conn: EngineConnection): ClientProtocol {
  return conn.protocol === 3 ? SOCKET_IO_V4 : SOCKET_IO_V5;
}
