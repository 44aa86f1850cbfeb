// Our server over HTTPS on Bun, requiring a client certificate signed by the
// test CA (Deno.serve cannot ask for one). Started by tls_test.ts with the
// PEMs in the environment; listens on PORT.
import process from "node:process";
import { Server } from "../../server/mod.ts";

const env = process.env;
const server = new Server({ pingInterval: 1000, pingTimeout: 1000 });
server.on("connection", (socket) => {
  socket.on("hi", (ack: (v: string) => void) => ack("hello"));
});
// deno-lint-ignore no-explicit-any
(globalThis as any).Bun.serve({
  port: Number(env.PORT),
  hostname: "127.0.0.1",
  tls: {
    cert: env.TLS_CERT,
    key: env.TLS_KEY,
    ca: env.TLS_CA,
    requestCert: true,
    rejectUnauthorized: true,
  },
  ...server.handler(),
});
