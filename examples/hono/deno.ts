/**
 * The Hono example on Deno: `deno run -A examples/hono/deno.ts` (PORT,
 * default 3000). `hono` comes from the import map in deno.json.
 *
 * @module
 */

import { app } from "./app.ts";

Deno.serve({ port: Number(Deno.env.get("PORT") ?? 3000) }, app.fetch);
