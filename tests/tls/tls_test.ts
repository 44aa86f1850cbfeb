// Client TLS options against our server over HTTPS, with certificates made
// here by openssl (a test CA and a leaf for 127.0.0.1 signed by it).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nextEvent, runtime, test, until } from "../harness.ts";
import { startServer } from "../conformance/spawn.ts";
import { serve } from "../serve.ts";
import { EngineClient } from "../../client/engine/socket.ts";
import { io, type IoOptions } from "../../client/mod.ts";
import { Server } from "../../server/mod.ts";

const opts = { timeout: 20_000 };

interface Certificates {
  ca: string;
  /** The server's certificate and key, for 127.0.0.1. */
  cert: string;
  key: string;
  /** A client certificate signed by the same CA, its key, the key encrypted, a PKCS#12 bundle. */
  clientCert: string;
  clientKey: string;
  clientKeyEncrypted: string;
  clientPfx: Uint8Array;
}

/** The passphrase of the encrypted client key and of the PKCS#12 bundle. */
const PASSPHRASE = "webio test";

function makeCertificates(): Certificates {
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
    run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=webio client"].concat(
      ["-keyout", "client.key", "-out", "client.csr"],
    ));
    const clientExt = join(dir, "client.ext");
    writeFileSync(clientExt, "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
    run(["x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key"].concat(
      ["-CAcreateserial", "-days", "2", "-extfile", clientExt, "-out", "client.pem"],
    ));
    const pass = `pass:${PASSPHRASE}`;
    run(["pkey", "-in", "client.key", "-aes256", "-passout", pass, "-out", "client.enc.key"]);
    run(["pkcs12", "-export", "-in", "client.pem", "-inkey", "client.key", "-passout", pass].concat(
      ["-out", "client.p12"],
    ));
    const text = (name: string) => readFileSync(join(dir, name), "utf8");
    return {
      ca: text("ca.pem"),
      cert: text("leaf.pem"),
      key: text("leaf.key"),
      clientCert: text("client.pem"),
      clientKey: text("client.key"),
      clientKeyEncrypted: text("client.enc.key"),
      clientPfx: new Uint8Array(readFileSync(join(dir, "client.p12"))),
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

test("client TLS: WebSocket with `ca` (Deno through the connection's HTTP client)", async () => {
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
  } finally {
    await s.close();
  }
}, opts);

// Deno always verifies: `rejectUnauthorized: false` is refused there (see below).
test("client TLS (Bun): rejectUnauthorized: false", async () => {
  const s = await serveTls();
  try {
    for (const transport of ["polling", "websocket"] as const) {
      const loose = io(s.url, {
        forceNew: true,
        reconnection: false,
        transports: [transport],
        rejectUnauthorized: false,
      });
      await nextEvent(loose, "connect", 8000);
      loose.disconnect();
    }
  } finally {
    await s.close();
  }
}, { ...opts, ignore: runtime !== "bun" });

// ---- client certificates (mutual TLS) ---------------------------------------------------------

/** Our server on Bun (in a child process), requiring a client certificate from the test CA. */
function serveMutualTls() {
  return startServer(fileURLToPath(new URL("./mtls_server.ts", import.meta.url)), {
    runtime: "bun",
    env: { TLS_CERT: certs.cert, TLS_KEY: certs.key, TLS_CA: certs.ca },
  });
}

async function connects(url: string, options: IoOptions): Promise<void> {
  const socket = io(url, { forceNew: true, reconnection: false, ...options });
  try {
    await nextEvent(socket, "connect", 8000);
    assert.equal(await socket.timeout(3000).emitWithAck("hi"), "hello");
    assert.equal(socket.io.engine!.transport!.name, options.transports![0]);
  } finally {
    socket.disconnect();
  }
}

async function refused(url: string, options: IoOptions): Promise<void> {
  const socket = io(url, { forceNew: true, reconnection: false, ...options });
  try {
    const [error] = await nextEvent<[Error]>(socket, "connect_error", 8000);
    assert.ok(error instanceof Error);
  } finally {
    socket.disconnect();
  }
}

test("client TLS: `cert` and `key` for a server that requires a client certificate", async () => {
  const server = await serveMutualTls();
  const url = server.url.replace("http:", "https:");
  try {
    for (const transport of ["polling", "websocket"] as const) {
      const base = { transports: [transport], ca: certs.ca };
      await connects(url, { ...base, cert: certs.clientCert, key: certs.clientKey });
      await refused(url, base);
    }
  } finally {
    await server.stop();
  }
}, opts);

test("client TLS (Bun): `passphrase` decrypts the key, `ciphers` is applied", async () => {
  const server = await serveMutualTls();
  const url = server.url.replace("http:", "https:");
  try {
    for (const transport of ["polling", "websocket"] as const) {
      const base = { transports: [transport], ca: certs.ca, cert: certs.clientCert };
      await connects(url, { ...base, key: certs.clientKeyEncrypted, passphrase: PASSPHRASE });
      await refused(url, { ...base, key: certs.clientKeyEncrypted, passphrase: "wrong" });
      await connects(url, {
        ...base,
        key: certs.clientKey,
        ciphers: "ECDHE-RSA-AES128-GCM-SHA256",
      });
      await refused(url, { ...base, key: certs.clientKey, ciphers: "NO-SUCH-CIPHER" });
    }
  } finally {
    await server.stop();
  }
}, { ...opts, ignore: runtime !== "bun" });

// ---- options the runtime cannot honour are refused, not ignored ------------------------------

const unsupported: Array<[string, IoOptions]> = runtime === "bun"
  ? [["pfx", { pfx: certs.clientPfx, passphrase: PASSPHRASE }]]
  : [
    ["pfx", { pfx: certs.clientPfx }],
    ["passphrase", {
      cert: certs.clientCert,
      key: certs.clientKeyEncrypted,
      passphrase: PASSPHRASE,
    }],
    ["ciphers", { ciphers: "ECDHE-RSA-AES128-GCM-SHA256" }],
    ["rejectUnauthorized: false", { rejectUnauthorized: false }],
  ];

for (const [option, options] of unsupported) {
  test(`client TLS: \`${option}\` on ${runtime === "bun" ? "Bun" : "Deno"} is refused with a TypeError`, () => {
    const name = runtime === "bun" ? "Bun" : "Deno";
    assert.throws(
      () => io("https://127.0.0.1:1", { forceNew: true, ...options }),
      (error: unknown) =>
        error instanceof TypeError && error.message.startsWith(`Cannot use ${option} on ${name}: `),
    );
    assert.throws(
      () => new EngineClient("https://127.0.0.1:1", options),
      (error: unknown) => error instanceof TypeError,
    );
  });
}

// ---- Deno's HTTP client lives as long as the connection --------------------------------------

// Sanitizers on: on Deno, a `Deno.createHttpClient` left open is a leaked resource.
test("client TLS: the connection's HTTP client is closed with it, reconnections included", async () => {
  const server = new Server({ pingInterval: 1000, pingTimeout: 1000 });
  let connections = 0;
  server.on("connection", (socket) => {
    // The first connection is cut by the server: the client reconnects with a new engine.
    if (++connections === 1) socket.conn.close();
  });
  const http = await serve(server.handler());
  // `ca` over plain HTTP: nothing to verify, but the options make the per-connection client.
  const options = { forceNew: true, ca: certs.ca, reconnectionDelay: 10, reconnectionDelayMax: 20 };
  try {
    for (const transport of ["polling", "websocket"] as const) {
      connections = 0;
      const socket = io(http.url, { ...options, transports: [transport] });
      await until(() => connections === 2 && socket.connected, 8000, "the reconnection");
      socket.disconnect();
    }
    const engine = new EngineClient(http.url, { path: "/socket.io", ca: certs.ca });
    await nextEvent(engine, "open");
    engine.close();
    // A connection that never opened releases it too.
    const failed = new EngineClient("http://127.0.0.1:1", {
      ca: certs.ca,
      transports: ["polling"],
    });
    await nextEvent(failed, "close");
  } finally {
    await server.close();
    await http.close();
  }
});
