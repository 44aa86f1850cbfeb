/**
 * The stand-ins for Bun's Server and ServerWebSocket that the in-process
 * tools (bench/tools/dispatch.ts, bench/tools/connect.ts) feed a server's
 * Bun handlers with, and the handshake request the load generator's clients
 * send.
 *
 * @module
 */

/**
 * A stand-in for Bun's ServerWebSocket carrying `data`: nothing is written,
 * every sent message goes to `onSend`.
 */
export function fakeSocket(data: unknown, onSend: (message: string | Uint8Array) => void) {
  return {
    data,
    readyState: 1,
    remoteAddress: "127.0.0.1",
    send(message: string | Uint8Array) {
      onSend(message);
      return 1;
    },
    subscribe() {},
    unsubscribe() {},
    isSubscribed: () => false,
    close() {},
    cork(fn: () => void) {
      fn();
    },
  };
}

const HANDSHAKE_URL = "http://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket";
const HANDSHAKE_HEADERS = {
  host: "127.0.0.1:3000",
  upgrade: "websocket",
  connection: "Upgrade",
  "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
  "sec-websocket-version": "13",
};

/** A WebSocket handshake request as the load generator's clients send it. */
export function handshakeRequest(): Request {
  return new Request(HANDSHAKE_URL, { headers: HANDSHAKE_HEADERS });
}

/**
 * A stand-in for Bun's Server: `upgrade` accepts and keeps the data the
 * fetch handler attached, which `take` hands over (once).
 */
export function fakeServer() {
  let data: unknown;
  return {
    upgrade(_request: Request, options: { data: unknown }) {
      data = options.data;
      return true;
    },
    requestIP: () => ({ address: "127.0.0.1" }),
    publish: () => 0,
    take(): unknown {
      const taken = data;
      data = undefined;
      return taken;
    },
  };
}
