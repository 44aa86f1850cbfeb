// deno-lint-ignore-file no-explicit-any
/**
 * The differential webio server: the same behaviour and configuration as
 * reference_server.mjs (see behaviour.mjs), served by `Deno.serve` or
 * `Bun.serve` at 127.0.0.1:PORT. Runs unchanged under Deno and Bun.
 *
 * @module
 */

import process from "node:process";
import { Server } from "../../../server/mod.ts";
import { installHandlers, readConfig } from "./behaviour.mjs";

const { options, refuse } = readConfig(process.env);
if (refuse !== undefined) {
  options.allowRequest = (
    request: Request,
    callback: (error: string | null, success: boolean) => void,
  ) => request.headers.has("x-refuse") ? callback(refuse, false) : callback(null, true);
}
const io = new Server(options);
installHandlers(io);

const port = Number(process.env.PORT ?? 3000);
const hostname = "127.0.0.1";
const handler = io.handler();
const runtime = globalThis as any;
if (runtime.Bun) runtime.Bun.serve({ port, hostname, ...handler });
else runtime.Deno.serve({ port, hostname, onListen() {} }, handler);
