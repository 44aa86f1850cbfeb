/**
 * The `serveClient` option: the browser bundles of the client at
 * `<path>socket.io.js`, `socket.io.min.js`, `socket.io.msgpack.min.js` (the
 * msgpack parser by default), `socket.io.esm.min.js` and their source maps,
 * with the headers socket.io sends (the CORS headers of the `cors` option,
 * `cache-control: public, max-age=0`, `content-type` with `charset=utf-8`, an
 * ETag), compressed as the request's `Accept-Encoding` prefers, and 304 for a
 * matching `if-none-match`.
 *
 * Differences from socket.io: the ETag is a hash of the bundled sources rather
 * than the package version; a 304 carries the ETag and `cache-control` (RFC
 * 9110, 15.4.5 asks for them); `if-none-match` may list several tags; and the
 * encodings offered are gzip and deflate, the ones `CompressionStream` has,
 * not br (socket.io offers br, gzip and deflate, and prefers br among equals).
 * Like socket.io, a compressed file has the same ETag as the plain one and no
 * `Vary: Accept-Encoding`. The bundle module is loaded on the first request
 * only, and each file is compressed once per encoding, on its first request.
 *
 * @module
 */

import type { HeaderRecord } from "./engine/http.ts";

const NAMES = new Set([
  "socket.io.js",
  "socket.io.min.js",
  "socket.io.msgpack.min.js",
  "socket.io.esm.min.js",
  "socket.io.js.map",
  "socket.io.min.js.map",
  "socket.io.msgpack.min.js.map",
  "socket.io.esm.min.js.map",
]);

const CACHE_CONTROL = "public, max-age=0";
const JAVASCRIPT_TYPE = "application/javascript; charset=utf-8";
const JSON_TYPE = "application/json; charset=utf-8";

let loaded: Promise<{ files: Record<string, string>; etag: string }> | undefined;

function load(): Promise<{ files: Record<string, string>; etag: string }> {
  return loaded ??= import("./static/client_bundle.ts").then((m) => ({
    files: m.FILES,
    // The source hash identifies every file of this build.
    etag: `"${m.SOURCE_HASH.slice(0, 32)}"`,
  }));
}

/** A content coding the client files are sent in. */
export type ClientFileEncoding = "gzip" | "deflate";

/** The codings offered, in socket.io's order of preference (it has "br" before them). */
const OFFERED: readonly ClientFileEncoding[] = ["gzip", "deflate"];

const ENCODING_ENTRY = /^\s*([^\s;]+)\s*(?:;(.*))?$/;

/** One coding of an Accept-Encoding header: its name, quality and position. */
interface AcceptedCoding {
  name: string;
  q: number;
  at: number;
}

/**
 * The coding to send a client file in, as npm `accepts` (negotiator 0.6)
 * picks it among the offered ones for socket.io: each offered coding takes the
 * entry that names it (else `*`), the highest quality first; then the highest
 * quality wins, a named coding before `*`, the earlier entry, the earlier
 * offered one. `undefined` for none (identity).
 *
 * @example
 * ```ts ignore
 * preferredEncoding("gzip, deflate, br"); // "gzip"
 * preferredEncoding("deflate;q=1, gzip;q=0.5"); // "deflate"
 * preferredEncoding("br"); // undefined: br is not offered
 * ```
 */
export function preferredEncoding(accept: string | null): ClientFileEncoding | undefined {
  if (!accept) return undefined;
  const codings: AcceptedCoding[] = [];
  const entries = accept.split(",");
  for (let at = 0; at < entries.length; at++) {
    const match = ENCODING_ENTRY.exec(entries[at].trim());
    if (!match) continue;
    let q = 1;
    for (const param of match[2]?.split(";") ?? []) {
      const [key, value] = param.trim().split("=");
      if (key === "q") {
        q = parseFloat(value);
        break;
      }
    }
    codings.push({ name: match[1].toLowerCase(), q, at });
  }
  let best: ClientFileEncoding | undefined;
  let bestQ = 0;
  let bestNamed = 0;
  let bestAt = -1;
  for (const offered of OFFERED) {
    // The entry that decides for this coding: named over "*", then higher q, then later.
    let q = 0;
    let named = 0;
    let at = -1;
    for (const coding of codings) {
      const isNamed = coding.name === offered ? 1 : coding.name === "*" ? 0 : -1;
      if (isNamed < 0) continue;
      if ((named - isNamed || q - coding.q || at - coding.at) < 0) {
        q = coding.q;
        named = isNamed;
        at = coding.at;
      }
    }
    if (!(q > 0)) continue;
    if (best === undefined || (bestQ - q || bestNamed - named || at - bestAt) < 0) {
      best = offered;
      bestQ = q;
      bestNamed = named;
      bestAt = at;
    }
  }
  return best;
}

/** Compressed files by coding and name, each made once. */
const compressed = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

function compress(
  name: string,
  body: string,
  encoding: ClientFileEncoding,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = encoding + " " + name;
  let bytes = compressed.get(key);
  if (!bytes) {
    const stream = new Blob([body]).stream().pipeThrough(new CompressionStream(encoding));
    bytes = new Response(stream).arrayBuffer().then(
      (buffer) => new Uint8Array(buffer),
      (error) => {
        compressed.delete(key);
        throw error;
      },
    );
    compressed.set(key, bytes);
  }
  return bytes;
}

/** Options of {@linkcode serveClientFile}. */
export interface ServeClientFileOptions {
  /**
   * The CORS headers to send with the file (and with its 304), as socket.io
   * runs its CORS middleware before serving one.
   * @default none
   */
  cors?: (request: Request) => HeaderRecord | Promise<HeaderRecord>;
}

/**
 * Answers a request for a client file, or returns null for any other name
 * (and for methods other than GET and HEAD).
 *
 * @example
 * ```ts ignore
 * const response = await serveClientFile(request, "socket.io.min.js");
 * ```
 */
export async function serveClientFile(
  request: Request,
  name: string,
  options: ServeClientFileOptions = {},
): Promise<Response | null> {
  if (!NAMES.has(name)) return null;
  if (request.method !== "GET" && request.method !== "HEAD") return null;
  const cors = options.cors ? await options.cors(request) : undefined;
  const { files, etag } = await load();
  const match = request.headers.get("if-none-match");
  if (match && match.split(",").some((tag) => tag.trim() === etag || tag.trim() === `W/${etag}`)) {
    return new Response(null, {
      status: 304,
      headers: { ...cors, "cache-control": CACHE_CONTROL, etag },
    });
  }
  const headers: HeaderRecord = {
    ...cors,
    "cache-control": CACHE_CONTROL,
    "content-type": name.endsWith(".map") ? JSON_TYPE : JAVASCRIPT_TYPE,
    etag,
  };
  const encoding = preferredEncoding(request.headers.get("accept-encoding"));
  if (encoding) headers["content-encoding"] = encoding;
  if (request.method === "HEAD") return new Response(null, { headers });
  const body = files[name];
  return new Response(encoding ? await compress(name, body, encoding) : body, {
    headers,
  });
}
