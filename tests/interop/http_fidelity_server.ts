// deno-lint-ignore-file no-explicit-any
/**
 * The webio side of http_fidelity_test.ts (runs on Deno and on Bun), laid
 * out like http_fidelity_reference.mjs: two bare engines, at "/bare" without
 * the trailing slash and at "/slash" with it, and a Socket.IO server at
 * "/socket.io/", all with CORS for any origin with credentials; the engines
 * refuse what the `x-refuse` header names. Other paths get a 404 from the
 * application's fallback. Listens on 127.0.0.1:$PORT.
 *
 * @module
 */

import process from "node:process";
import { Engine, type EngineOptions, Server } from "../../server/mod.ts";

const allowRequest = (
  req: Request,
  callback: (message: unknown, ok: boolean) => void,
) => {
  if (new URL(req.url).searchParams.has("sid")) {
    return callback("asked on upgrade", false);
  }
  const refuse = req.headers.get("x-refuse");
  if (refuse === null) return callback(null, true);
  callback(
    refuse === "error" ? new Error("nope") : refuse === "empty" ? "" : refuse,
    false,
  );
};

const settings: EngineOptions = {
  pingInterval: 300,
  pingTimeout: 200,
  cors: { origin: "*", credentials: true },
};

const fallback = (req: Request) =>
  new Response(`fallback ${new URL(req.url).pathname}`, {
    status: 404,
    headers: { "content-type": "text/plain" },
  });
const bare = new Engine({
  ...settings,
  allowRequest,
  path: "/bare",
  addTrailingSlash: false,
});
const slash = new Engine({ ...settings, allowRequest, path: "/slash" });
const io = new Server(settings);
const handler = io.handler(slash.handler(bare.handler(fallback)));

const port = Number(process.env.PORT);
const runtime = globalThis as any;
if (runtime.Bun) runtime.Bun.serve({ port, hostname: "127.0.0.1", ...handler });
else {runtime.Deno.serve(
    { port, hostname: "127.0.0.1", onListen() {} },
    handler,
  );}
