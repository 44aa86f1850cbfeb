/**
 * The few things the client does differently per runtime, detected at call
 * time (nothing here touches a runtime-only API at import time):
 *
 * | concern | browsers | Deno | Bun |
 * | --- | --- | --- | --- |
 * | WebSocket `extraHeaders` | impossible (the browser sets headers) | `new WebSocket(url, { headers })` | `new WebSocket(url, { headers })` |
 * | cookies (`withCredentials`) | the browser's, via `credentials: "include"` | our cookie jar | our cookie jar |
 * | TLS options for fetch | the browser's store only | `Deno.createHttpClient({ caCerts, cert, key })` | fetch's `tls: { ca, cert, key, rejectUnauthorized }` |
 * | TLS options for WebSocket | the browser's store only | not configurable (system and `DENO_CERT` store) | `new WebSocket(url, { tls })` |
 *
 * @module
 */

/** TLS options of the client (socket.io-client / engine.io-client names). */
export interface TlsOptions {
  /** Extra CA certificates (PEM). */
  ca?: string | string[];
  /** Client certificate (PEM). */
  cert?: string;
  /** Client key (PEM). */
  key?: string;
  /** Key passphrase: not supported by Deno or Bun fetch; ignored. */
  passphrase?: string;
  /** PFX bundle: not supported by Deno or Bun; ignored. */
  pfx?: string | Uint8Array;
  /** Cipher list: not configurable in Deno or Bun; ignored. */
  ciphers?: string;
  /** Reject certificates not signed by a known CA (Bun only; Deno always verifies). @default true */
  rejectUnauthorized?: boolean;
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** Whether this runs in a browser (a `document` exists and no server runtime does). */
export function isBrowser(): boolean {
  return typeof g.document !== "undefined" && !g.Deno && !g.Bun;
}

function hasTls(tls: TlsOptions): boolean {
  return tls.ca !== undefined || tls.cert !== undefined || tls.key !== undefined ||
    tls.rejectUnauthorized === false;
}

const tlsInits = new WeakMap<TlsOptions, Record<string, unknown> | undefined>();

/**
 * Extra `fetch` init for TLS options, per runtime; `undefined` when nothing
 * applies. Made once per options object, so Deno gets one HTTP client per
 * connection, not one per request.
 */
export function fetchTlsInit(tls: TlsOptions): Record<string, unknown> | undefined {
  if (!hasTls(tls)) return undefined;
  if (tlsInits.has(tls)) return tlsInits.get(tls);
  const init = makeTlsInit(tls);
  tlsInits.set(tls, init);
  return init;
}

function makeTlsInit(tls: TlsOptions): Record<string, unknown> | undefined {
  if (g.Bun) {
    return {
      tls: { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized },
    };
  }
  if (g.Deno?.createHttpClient) {
    const caCerts = tls.ca === undefined ? undefined : Array.isArray(tls.ca) ? tls.ca : [tls.ca];
    const client = g.Deno.createHttpClient({ caCerts, cert: tls.cert, key: tls.key });
    return { client };
  }
  return undefined;
}

/** Opens a WebSocket with headers and TLS options where the runtime allows them. */
export function openWebSocket(
  url: string,
  protocols: string | string[] | undefined,
  headers: Record<string, string> | undefined,
  tls: TlsOptions,
): WebSocket {
  if (isBrowser() || (!headers && !hasTls(tls))) return new WebSocket(url, protocols);
  const options: Record<string, unknown> = {};
  if (protocols !== undefined) options.protocols = protocols;
  if (headers) options.headers = headers;
  if (g.Bun && hasTls(tls)) {
    options.tls = {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      rejectUnauthorized: tls.rejectUnauthorized,
    };
  }
  return new (WebSocket as unknown as new (url: string, options: unknown) => WebSocket)(
    url,
    options,
  );
}
