/**
 * The `serveClient` option: the browser bundles of the client at
 * `<path>socket.io.js`, `socket.io.min.js`, `socket.io.msgpack.min.js` (the
 * msgpack parser by default), `socket.io.esm.min.js` and their source maps,
 * with the headers socket.io sends (`cache-control: public, max-age=0`,
 * `content-type` with `charset=utf-8`, an ETag) and 304 for a matching
 * `if-none-match`. Differences from socket.io: the ETag is a hash of the
 * bundled sources rather than the package version, a 304 carries the ETag and
 * `cache-control` (RFC 9110 asks for them), and `if-none-match` may list
 * several tags. The bundle module is loaded on the first request only.
 *
 * @module
 */

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

/** Answers a request for a client file, or returns null for any other name. */
export async function serveClientFile(request: Request, name: string): Promise<Response | null> {
  if (!NAMES.has(name)) return null;
  if (request.method !== "GET" && request.method !== "HEAD") return null;
  const { files, etag } = await load();
  const body = files[name];
  const match = request.headers.get("if-none-match");
  if (match && match.split(",").some((tag) => tag.trim() === etag || tag.trim() === `W/${etag}`)) {
    return new Response(null, { status: 304, headers: { "cache-control": CACHE_CONTROL, etag } });
  }
  const headers = {
    "cache-control": CACHE_CONTROL,
    "content-type": name.endsWith(".map") ? JSON_TYPE : JAVASCRIPT_TYPE,
    etag,
  };
  return new Response(request.method === "HEAD" ? null : body, { headers });
}
