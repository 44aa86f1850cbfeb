/**
 * A small cookie jar for Deno and Bun, where `fetch` keeps no cookies: so
 * cookies set on the handshake (sticky sessions behind a load balancer) are
 * sent back on later requests, as a browser would with `withCredentials`.
 *
 * @module
 */

interface Cookie {
  value: string;
  expires: number;
}

/** Keeps cookies by name; expired ones are dropped. */
export class CookieJar {
  #cookies = new Map<string, Cookie>();

  /** Takes the `Set-Cookie` headers of a response. */
  parse(headers: Headers): void {
    const lines = typeof headers.getSetCookie === "function"
      ? headers.getSetCookie()
      : (headers.get("set-cookie") ?? "").split(/,(?=\s*[^;,\s]+=)/).filter(Boolean);
    for (const line of lines) this.#parseLine(line);
  }

  #parseLine(line: string): void {
    const [pair, ...attributes] = line.split(";");
    const eq = pair.indexOf("=");
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let expires = Infinity;
    for (const attribute of attributes) {
      const [key, v] = attribute.split("=").map((s) => s.trim());
      const k = key.toLowerCase();
      if (k === "max-age") expires = Date.now() + Number(v) * 1000;
      else if (k === "expires" && expires === Infinity) expires = Date.parse(v);
    }
    if (expires <= Date.now()) this.#cookies.delete(name);
    else this.#cookies.set(name, { value, expires });
  }

  /** The `Cookie` header value, or `undefined` when the jar is empty. */
  header(): string | undefined {
    const now = Date.now();
    const parts: string[] = [];
    for (const [name, cookie] of this.#cookies) {
      if (cookie.expires <= now) this.#cookies.delete(name);
      else parts.push(`${name}=${cookie.value}`);
    }
    return parts.length ? parts.join("; ") : undefined;
  }
}
