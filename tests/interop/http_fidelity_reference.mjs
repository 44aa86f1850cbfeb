// The reference side of http_fidelity_test.ts: npm engine.io 6.6.4 and
// socket.io 4.8.1 on Node's http, laid out like http_fidelity_server.ts.
// Run with `node`; listens on 127.0.0.1:$PORT.
import { createServer } from "node:http";
import process from "node:process";
import { Server as EngineServer } from "engine.io";
import { Server } from "socket.io";

/** Refuses what `x-refuse` names; an upgrade of an open session is refused if ever asked. */
function allowRequest(req, callback) {
  if (/[?&]sid=/.test(req.url)) return callback("asked on upgrade", false);
  const refuse = req.headers["x-refuse"];
  if (refuse === undefined) return callback(null, true);
  callback(
    refuse === "error" ? new Error("nope") : refuse === "empty" ? "" : refuse,
    false,
  );
}

const settings = {
  pingInterval: 300,
  pingTimeout: 200,
  cors: { origin: "*", credentials: true },
};

const http = createServer((req, res) => {
  res.writeHead(404, { "content-type": "text/plain" });
  res.end(`fallback ${req.url.split("?")[0]}`);
});
for (const [path, addTrailingSlash] of [["/bare", false], ["/slash", true]]) {
  const engine = new EngineServer({
    ...settings,
    allowRequest,
    addTrailingSlash,
  });
  engine.attach(http, { path, addTrailingSlash });
}
new Server(http, settings);
http.listen(Number(process.env.PORT), "127.0.0.1");
