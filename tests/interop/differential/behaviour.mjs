// @ts-nocheck: plain JavaScript shared by the reference server (Node) and the webio server (Deno, Bun).
/**
 * The behaviour both differential servers share, written once against the
 * Socket.IO server API that socket.io 4.8 and webio both have, and the
 * configuration they both read.
 *
 * Configuration: the environment variable `DIFF_CONFIG`, a JSON object
 * - `options`: server options as plain JSON (cors, addTrailingSlash,
 *   maxHttpBufferSize, serveClient, transports, cookie, ping timings...);
 * - `refuse`: when set, `allowRequest` refuses, through its callback with
 *   this message, every request that carries the header `x-refuse`.
 *
 * Namespace "/":
 * - emits "welcome" with the handshake auth and the namespace name on
 *   connection, only when the auth has `welcome: true` (so the raw polling
 *   probes see no packet they did not ask for);
 * - "echo": emits "echo" back with the same arguments;
 * - "ack": acknowledges with its arguments; "noack": never acknowledges;
 * - "kick": `socket.disconnect()`; "drop": closes the Engine.IO connection;
 * - "throw-me": emits "throw-me" then "after";
 * - "ask": emits "question" with an acknowledgement, then "answered" with
 *   what the client acknowledged.
 * Namespace "/guarded": a middleware refuses with an error carrying `data`.
 * Other namespaces do not exist.
 *
 * @module
 */

/** Reads `DIFF_CONFIG`. */
export function readConfig(env) {
  const config = JSON.parse(env.DIFF_CONFIG ?? "{}");
  return { options: config.options ?? {}, refuse: config.refuse };
}

/** Installs the shared handlers on a socket.io or webio `Server`. */
export function installHandlers(io) {
  io.on("connection", (socket) => {
    if (socket.handshake.auth && socket.handshake.auth.welcome) {
      socket.emit("welcome", {
        auth: socket.handshake.auth,
        nsp: socket.nsp.name,
      });
    }
    socket.on("echo", (...args) => socket.emit("echo", ...args));
    socket.on("ack", (...args) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
    socket.on("noack", () => {});
    socket.on("kick", () => socket.disconnect());
    socket.on("drop", () => socket.conn.close());
    socket.on("throw-me", () => {
      socket.emit("throw-me");
      socket.emit("after");
    });
    socket.on("ask", () => {
      socket.emit(
        "question",
        "q",
        (...answer) => socket.emit("answered", ...answer),
      );
    });
  });
  io.of("/guarded").use((_socket, next) => {
    const error = new Error("not allowed");
    error.data = { code: 42 };
    next(error);
  });
}
