/**
 * Compression as the reference does it: which long-polling responses are
 * gzip/deflate encoded (`httpCompression`), which WebSocket messages are
 * compressed (`perMessageDeflate`), and the ws-style permessage-deflate
 * options translated to the ones Bun's WebSocket server takes.
 *
 * @module
 */

import { utf8Length } from "./codec.ts";
import type { HeaderRecord } from "./http.ts";

/** Whether `data` is at least `threshold` bytes long, UTF-8 encoded; a string is counted only when its length cannot tell. */
export function atLeastBytes(data: string | Uint8Array, threshold: number): boolean {
  if (typeof data !== "string") return data.byteLength >= threshold;
  // n UTF-16 units are n to 3n UTF-8 bytes.
  if (data.length >= threshold) return true;
  if (data.length * 3 < threshold) return false;
  return utf8Length(data) >= threshold;
}

const ENCODING_SPEC = /^\s*([^\s;]+)\s*(?:;(.*))?$/;
const PROVIDED = ["gzip", "deflate"] as const;

/**
 * The content coding npm `accepts(req).encodings(["gzip", "deflate"])`
 * picks for an `Accept-Encoding` header, as engine.io asks it: the highest
 * q-value wins (an exact name before `*`), ties go to the coding named
 * first in the header and then to gzip; `q=0` refuses.
 */
export function negotiateEncoding(header: string | null): "gzip" | "deflate" | null {
  if (!header) return null;
  const specs: { name: string; q: number; index: number }[] = [];
  const parts = header.split(",");
  for (let i = 0; i < parts.length; i++) {
    const match = ENCODING_SPEC.exec(parts[i].trim());
    if (!match) continue;
    let q = 1;
    if (match[2]) {
      for (const param of match[2].split(";")) {
        const [key, value] = param.trim().split("=");
        if (key === "q") {
          q = parseFloat(value);
          break;
        }
      }
    }
    specs.push({ name: match[1].toLowerCase(), q, index: i });
  }
  let best: { q: number; s: number; o: number; i: number } | null = null;
  for (let i = 0; i < PROVIDED.length; i++) {
    let priority = { q: 0, s: 0, o: -1, i };
    for (const spec of specs) {
      const s = spec.name === PROVIDED[i] ? 1 : spec.name === "*" ? 0 : -1;
      if (s < 0) continue;
      // The spec that names the coding most exactly, then with the highest q, then the last.
      if ((priority.s - s || priority.q - spec.q || priority.o - spec.index) < 0) {
        priority = { q: spec.q, s, o: spec.index, i };
      }
    }
    if (!(priority.q > 0)) continue;
    // negotiator's order: q, then exact before "*", then earlier in the header, then ours.
    if (
      !best ||
      ((best.q - priority.q) || (best.s - priority.s) || (priority.o - best.o) ||
          (priority.i - best.i)) < 0
    ) best = priority;
  }
  return best ? PROVIDED[best.i] : null;
}

const textEncoder = new TextEncoder();

/**
 * A long-polling response: gzip or deflate encoded when `compress` allows it
 * (a packet of the payload was sent without `compress: false`), the body is
 * at least `threshold` bytes and the client accepts one of them.
 */
export function pollResponse(
  request: Request,
  body: string | Uint8Array,
  headers: HeaderRecord,
  threshold: number | false,
  compress: boolean,
): Response {
  if (compress && threshold !== false && atLeastBytes(body, threshold)) {
    const encoding = negotiateEncoding(request.headers.get("accept-encoding"));
    if (encoding) {
      headers["content-encoding"] = encoding;
      headers["vary"] = "Accept-Encoding";
      const bytes = typeof body === "string" ? textEncoder.encode(body) : body;
      const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
        new CompressionStream(encoding),
      );
      return new Response(stream, { headers });
    }
  }
  return new Response(body as string | Uint8Array<ArrayBuffer>, { headers });
}

/**
 * The smallest WebSocket message compressed under `perMessageDeflate`
 * (Infinity when off), as ws decides: `threshold` (1024 by default) applies
 * when the server keeps no compression context (`server_no_context_takeover`,
 * Bun's default); with a context kept from message to message, ws
 * compresses every message, and so do we (0).
 */
export function deflateThreshold(option: boolean | Record<string, unknown> | undefined): number {
  if (!option) return Infinity;
  if (option === true) return 1024;
  const bun = bunPerMessageDeflate(option);
  const compressor = typeof bun === "object" ? bun.compress : undefined;
  if (compressor === false) return Infinity;
  if (typeof compressor === "string" && compressor !== "shared" && compressor !== "disable") {
    return 0;
  }
  return typeof option.threshold === "number" ? option.threshold : 1024;
}

/** Bun's `websocket.perMessageDeflate` value (its compressor names). */
export type BunPerMessageDeflate = boolean | {
  compress?: boolean | string;
  decompress?: boolean | string;
};

/** Bun's dedicated compressors by the window they keep (`serverMaxWindowBits`). */
const BUN_WINDOWS: Record<number, string> = {
  8: "3KB",
  9: "4KB",
  10: "8KB",
  11: "16KB",
  12: "32KB",
  13: "64KB",
  14: "128KB",
  15: "dedicated",
};

/**
 * Translates ws-style permessage-deflate options (what engine.io passes to
 * `ws`) to Bun's: `serverNoContextTakeover: false` or a
 * `serverMaxWindowBits` (else `zlibDeflateOptions.windowBits`) keeps a
 * sliding window per socket (a dedicated compressor of that window), and
 * `clientNoContextTakeover: false` lets the client keep its own (a dedicated
 * decompressor); otherwise Bun's default, one shared compressor and no
 * context kept by either side. Bun's own `compress`/`decompress` are passed
 * on. `threshold` is applied per message by the session; the zlib level,
 * memLevel and strategy, `zlibInflateOptions`, `clientMaxWindowBits` and
 * `concurrencyLimit` have no counterpart in Bun.
 */
export function bunPerMessageDeflate(
  option: boolean | Record<string, unknown>,
): BunPerMessageDeflate {
  if (typeof option !== "object" || option === null) return option === true;
  const out: { compress?: boolean | string; decompress?: boolean | string } = {};
  const bits = option.serverMaxWindowBits ??
    (option.zlibDeflateOptions as { windowBits?: unknown } | undefined)?.windowBits;
  if (
    option.serverNoContextTakeover !== true &&
    (option.serverNoContextTakeover === false || typeof bits === "number")
  ) {
    out.compress = BUN_WINDOWS[typeof bits === "number" ? Math.min(15, Math.max(8, bits)) : 15];
  }
  if (option.clientNoContextTakeover === false) out.decompress = "dedicated";
  if (typeof option.compress === "boolean" || typeof option.compress === "string") {
    out.compress = option.compress;
  }
  if (typeof option.decompress === "boolean" || typeof option.decompress === "string") {
    out.decompress = option.decompress;
  }
  return out.compress === undefined && out.decompress === undefined ? true : out;
}
