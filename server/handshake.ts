/**
 * The handshake details of a server socket (`socket.handshake`), built from
 * its Engine.IO connection.
 *
 * @module
 */

import { intern } from "../common/intern.ts";
import { pathStart } from "./engine/http.ts";
import type { EngineConnection } from "./engine/types.ts";
import type { Handshake } from "./types.ts";

let timeSecond = NaN;
let timeText = "";

/**
 * `new Date(ms).toString()`, which has second resolution: the string of the
 * current second is made once and shared by the handshakes of that second.
 */
function timeString(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== timeSecond) {
    timeText = new Date(ms).toString();
    timeSecond = second;
  }
  return timeText;
}

/** The handshake of a socket of `conn` that sent `auth` with its CONNECT packet. */
export function buildHandshake(conn: EngineConnection, auth: Record<string, unknown>): Handshake {
  // The path and query of the request URL, without a URL object.
  const full = conn.url;
  const hash = full.indexOf("#");
  const url = intern(full.slice(pathStart(full), hash === -1 ? full.length : hash));
  // The connection's own record, as socket.io shares `request.headers` with the handshake.
  const headers = conn.headers;
  const now = Date.now();
  return {
    headers,
    time: timeString(now),
    address: conn.remoteAddress,
    xdomain: headers.origin !== undefined,
    secure: conn.secure,
    issued: now,
    url,
    // The engine's parse of the same URL, as socket.io hands out the engine's query.
    query: conn.query,
    auth,
  };
}
