/**
 * The differential reference server: npm socket.io 4.8.1 (engine.io 6.6.4)
 * on node:http at 127.0.0.1:PORT, configured by `DIFF_CONFIG` (see
 * behaviour.mjs). Run with `node`.
 */
import { createServer } from "node:http";
import process from "node:process";
import { Server } from "socket.io";
import { installHandlers, readConfig } from "./behaviour.mjs";

const { options, refuse } = readConfig(process.env);
if (refuse !== undefined) {
  options.allowRequest = (req, callback) =>
    req.headers["x-refuse"] ? callback(refuse, false) : callback(null, true);
}
const http = createServer();
const io = new Server(http, options);
installHandlers(io);
http.listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
