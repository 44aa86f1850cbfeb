/**
 * The runtime bridge of the runtime this code runs on, chosen once here: Bun
 * when `globalThis.Bun` exists, else Deno. The entry points (`server/mod.ts`,
 * `server/engine/mod.ts`) give it to every `Server` and `Engine` whose
 * `runtime` option is not set; nothing else reads it. Importing this module
 * touches no runtime-only API.
 *
 * @module
 */

import type { RuntimeBridge } from "../engine/socket.ts";
import { bunRuntime } from "./bun.ts";
import { denoRuntime } from "./deno.ts";

/** The bridge of the runtime this code runs on. */
export const hostRuntime: RuntimeBridge = "Bun" in globalThis ? bunRuntime : denoRuntime;

export { bunRuntime, denoRuntime };
