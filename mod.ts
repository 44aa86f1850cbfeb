/**
 * webio: the Socket.IO stack (Engine.IO v4, Socket.IO v5) for Deno and Bun,
 * on Web-standard APIs, with zero dependencies.
 *
 * This entry point re-exports the public API. Nothing here touches a
 * runtime-only global at import time, so Bun projects import it directly.
 *
 * @example Encoding a Socket.IO event for the wire
 * ```ts
 * import { defaultParser, encodePacket } from "./mod.ts";
 * const [text] = defaultParser.createEncoder().encode({ type: 2, nsp: "/", data: ["hi"] });
 * encodePacket({ type: "message", data: text }); // '42["hi"]'
 * ```
 *
 * @module
 */

export * from "./protocol/mod.ts";
