/**
 * Picks the runtime bridge for the server at run time and registers it as
 * the engines' default. Importing this module touches no runtime-only API.
 *
 * @module
 */

import { setDefaultRuntimeBridge } from "../engine/serve_handler.ts";
import type { RuntimeBridge } from "../engine/socket.ts";
import { bunBridge } from "./bun.ts";
import { denoBridge } from "./deno.ts";

/** The bridge for the runtime this code runs on. */
export function detectRuntimeBridge(): RuntimeBridge {
  return "Bun" in globalThis ? bunBridge : denoBridge;
}

setDefaultRuntimeBridge(detectRuntimeBridge());

export { bunBridge, denoBridge };
