// Client TLS options against our server over HTTPS, with certificates made
// here by openssl (a test CA and a leaf for 127.0.0.1 signed by it).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nextEvent, runtime, test } from "../harness.ts";
import { io } from "../../client/mod.ts";
import { Server } from "../../server/mod.ts";

const opts = { sanitize: false, timeout: 20_000 };

function makeCertificates(): { ca: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "webio-tls-"));
  const run = (args: string[]) => {
    const r = spawnSync("openssl", args, { cwd: dir });
    if (r.error) throw new Error("openssl is required (apt-get install -y openssl)");
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  try {
    run([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=webio test CA",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
    ]);
    run([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=127.0.0.1",
      "-keyout",
      "leaf.key",
      "-out",
      "leaf.csr",
    ]);
    const ext = join(dir, "leaf.ext");
    writeFileSync(
      ext,
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    );
    run([
      "x509",
      "-req",
      "-in",
      "leaf.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      ext,
      "-out",
      "leaf.pem",
    ]);
    return {
      ca: readFileSync(join(dir, "ca.pem"), "utf8"),
      cert: readFileSync(join(dir, "leaf.pem"), "utf8"),
      key: readFileSync(join(dir, "leaf.key"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const certs = makeCertificates();

/** Our server over HTTPS on 127.0.0.1 in the runtime running the test. */
async function serveTls(): Promise<{ url: string; close(): Promise<void> }> {
  const server = new Server({ pingInterval: 1000, pingTimeout: 1000 });
  server.on("connection", (socket) => socket.on("hi", (ack: (v: string) => void) => ack("hello")));
  const handler = server.handler();
  // deno-lint-ignore no-explicit-any
  const bun = (globalThis as any).Bun;
  if (bun) {
    const http = bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      tls: { cert: certs.cert, key: certs.key },
      ...handler,
    });
    return {
      url: `https://127.0.0.1:${http.port}`,
      close: async () => {
        await server.close();
        await http.stop(true);
      },
    };
  }
  return await new Promise((resolve) => {
    const http = Deno.serve({
      port: 0,
      hostname: "127.0.0.1",
      cert: certs.cert,
      key: certs.key,
      onListen: ({ port }) =>
        resolve({
          url: `https://127.0.0.1:${port}`,
          close: async () => {
            await server.close();
            await http.shutdown();
          },
        }),
    }, handler);
  });
}

test("client TLS: `ca` trusts a server certificate signed by a private CA (polling)", async () => {
  const s = await serveTls();
  try {
    const socket = io(s.url, {
      forceNew: true,
      reconnection: false,
      transports: ["polling"],
      ca: certs.ca,
    });
    await nextEvent(socket, "connect", 8000);
    assert.equal(await socket.timeout(3000).emitWithAck("hi"), "hello");
    socket.disconnect();
  } finally {
    await s.close();
  }
}, opts);

test("client TLS: without `ca` the private CA is not trusted: connect_error", async () => {
  const s = await serveTls();
  try {
    const socket = io(s.url, { forceNew: true, reconnection: false, transports: ["polling"] });
    const [error] = await nextEvent<[Error]>(socket, "connect_error", 8000);
    assert.ok(error instanceof Error);
    socket.disconnect();
  } finally {
    await s.close();
  }
}, opts);

// Deno's WebSocket takes no CA and Deno's fetch always verifies (client/engine/runtime.ts).
test("client TLS (Bun): WebSocket with `ca`, and rejectUnauthorized: false", async () => {
  const s = await serveTls();
  try {
    const ws = io(s.url, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
      ca: certs.ca,
    });
    await nextEvent(ws, "connect", 8000);
    assert.equal(ws.io.engine!.transport!.name, "websocket");
    ws.disconnect();
    const loose = io(s.url, {
      forceNew: true,
      reconnection: false,
      transports: ["polling"],
      rejectUnauthorized: false,
    });
    await nextEvent(loose, "connect", 8000);
    loose.disconnect();
  } finally {
    await s.close();
  }
}, { ...opts, ignore: runtime !== "bun" });
