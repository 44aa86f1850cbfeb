/**
 * The few things the client does differently per runtime, detected at call
 * time (nothing here touches a runtime-only API at import time):
 *
 * | concern | browsers | Deno | Bun |
 * | --- | --- | --- | --- |
 * | WebSocket `extraHeaders` | impossible (the browser sets headers) | `new WebSocket(url, { headers })` | `new WebSocket(url, { headers })` |
 * | cookies (`withCredentials`) | the browser's, via `credentials: "include"` | our cookie jar | our cookie jar |
 * | TLS options (fetch and WebSocket) | the browser's store only: ignored, as by socket.io-client | one `Deno.createHttpClient({ caCerts, cert, key })` per connection, closed with it | `tls: { ca, cert, key, passphrase, ciphers, rejectUnauthorized }` |
 * | TLS options refused (TypeError) | none | `pfx`, `passphrase`, `ciphers`, `rejectUnauthorized: false` | `pfx` |
 * | per-message `compress` | no flag (the browser decides) | no flag (Deno's client WebSocket offers no permessage-deflate) | no flag (Bun's client WebSocket compresses every message once permessage-deflate is agreed) |
 *
 * @module
 */

/**
 * TLS options of the client (socket.io-client / engine.io-client names).
 * Browsers use their own certificate store and ignore these, as
 * socket.io-client does; Deno and Bun take what their `fetch` and
 * `WebSocket` take and refuse the rest with a `TypeError` when the
 * connection is made, rather than ignoring it.
 */
export interface TlsOptions {
  /** Extra CA certificates (PEM). */
  ca?: string | string[];
  /** Client certificate (PEM), for servers that require one. */
  cert?: string;
  /** Key of the client certificate (PEM). Deno takes only an unencrypted key. */
  key?: string;
  /** Passphrase of an encrypted `key`: Bun only (refused on Deno). */
  passphrase?: string;
  /** PKCS#12 bundle: refused on Deno and Bun (neither reads one): give `cert` and `key` instead. */
  pfx?: string | Uint8Array;
  /** OpenSSL cipher list: Bun only (refused on Deno). */
  ciphers?: string;
  /**
   * Reject certificates not signed by a known CA. `false` is Bun only:
   * Deno always verifies (refused; give the CA with `ca`). @default true
   */
  rejectUnauthorized?: boolean;
}

/**
 * The TLS options of one connection in the runtime's own form, made once
 * per connection: what `fetch` and `WebSocket` take, and what to release
 * when the connection closes.
 */
export interface TlsContext {
  /** Extra `fetch` init: Bun's `tls`, Deno's `client`. */
  readonly fetchInit: Readonly<Record<string, unknown>>;
  /** Extra options of the `WebSocket` constructor: Bun's `tls`, Deno's `client`. */
  readonly webSocketInit: Readonly<Record<string, unknown>>;
  /** Releases what the options hold (Deno's HTTP client). Idempotent. */
  close(): void;
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** Whether this runs in a browser (a `document` exists and no server runtime does). */
export function isBrowser(): boolean {
  return typeof g.document !== "undefined" && !g.Deno && !g.Bun;
}

function hasTls(tls: TlsOptions): boolean {
  return tls.ca !== undefined || tls.cert !== undefined || tls.key !== undefined ||
    tls.pfx !== undefined || tls.passphrase !== undefined || tls.ciphers !== undefined ||
    tls.rejectUnauthorized === false;
}

function refuse(option: string, runtime: string, why: string): never {
  throw new TypeError(`Cannot use ${option} on ${runtime}: ${why}`);
}

const noop = (): void => {};

/**
 * Makes the TLS context of one connection; `undefined` when no option
 * applies (none given, or a browser).
 *
 * @throws {TypeError} An option the runtime cannot honour (see the module's table).
 */
export function createTlsContext(tls: TlsOptions): TlsContext | undefined {
  if (!hasTls(tls) || isBrowser()) return undefined;
  if (g.Bun) {
    if (tls.pfx !== undefined) {
      refuse("pfx", "Bun", "its fetch and WebSocket read no PKCS#12 bundle; give `cert` and `key`");
    }
    const options: Record<string, unknown> = {};
    for (
      const name of ["ca", "cert", "key", "passphrase", "ciphers", "rejectUnauthorized"] as const
    ) {
      if (tls[name] !== undefined) options[name] = tls[name];
    }
    const init = { tls: options };
    return { fetchInit: init, webSocketInit: init, close: noop };
  }
  if (g.Deno?.createHttpClient) {
    const why = "Deno.createHttpClient takes only `ca`, `cert` and `key` (PEM, unencrypted)";
    if (tls.pfx !== undefined) refuse("pfx", "Deno", why);
    if (tls.passphrase !== undefined) refuse("passphrase", "Deno", why);
    if (tls.ciphers !== undefined) refuse("ciphers", "Deno", why);
    if (tls.rejectUnauthorized === false) {
      refuse("rejectUnauthorized: false", "Deno", "Deno always verifies; give the CA with `ca`");
    }
    if (tls.ca === undefined && tls.cert === undefined && tls.key === undefined) return undefined;
    const caCerts = tls.ca === undefined ? undefined : Array.isArray(tls.ca) ? tls.ca : [tls.ca];
    const client = g.Deno.createHttpClient({ caCerts, cert: tls.cert, key: tls.key });
    const init = { client };
    let open = true;
    return {
      fetchInit: init,
      // Deno's WebSocket takes the same client (since Deno 2.2).
      webSocketInit: init,
      close() {
        if (!open) return;
        open = false;
        client.close();
      },
    };
  }
  return refuse("TLS options", "this runtime", "only Deno and Bun take them");
}

/** Opens a WebSocket with headers and TLS options where the runtime allows them. */
export function openWebSocket(
  url: string,
  protocols: string | string[] | undefined,
  headers: Record<string, string> | undefined,
  tls: TlsContext | undefined,
): WebSocket {
  if (isBrowser() || (!headers && !tls)) return new WebSocket(url, protocols);
  const options: Record<string, unknown> = { ...tls?.webSocketInit };
  if (protocols !== undefined) options.protocols = protocols;
  if (headers) options.headers = headers;
  return new (WebSocket as unknown as new (url: string, options: unknown) => WebSocket)(
    url,
    options,
  );
}
