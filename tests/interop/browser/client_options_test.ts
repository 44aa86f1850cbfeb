// deno-lint-ignore-file no-explicit-any
// Browser-only client options, in headless Chromium with our classic bundle
// (served by serveClient): closeOnBeforeunload.
import assert from "node:assert/strict";
import { deferred, test, withTimeout } from "../../harness.ts";
import { serve } from "../../serve.ts";
import { Server } from "../../../mod.ts";
import { launch } from "./chromium.ts";

const opts = { sanitize: false, timeout: 30_000 };
const PAGE =
  `<!doctype html><meta charset="utf-8"><title>t</title><script src="/socket.io/socket.io.js"></script>`;

/** Connects in the page, fires a `beforeunload` event, then reports whether the socket is still connected. */
async function afterBeforeunload(tab: any, closeOnBeforeunload: boolean): Promise<void> {
  await tab.evaluate((close: boolean) =>
    new Promise<void>((resolve, reject) => {
      const socket = (globalThis as any).io({
        forceNew: true,
        reconnection: false,
        closeOnBeforeunload: close,
      });
      (globalThis as any).testSocket = socket;
      const timer = setTimeout(() => reject(new Error("no connect")), 10_000);
      const unload = () => {
        clearTimeout(timer);
        // What the browser fires when the page starts to unload.
        globalThis.dispatchEvent(new Event("beforeunload"));
        resolve();
      };
      socket.on("connect", () => {
        // Once upgraded: a close during the upgrade probe could race the probe's completion.
        if (socket.io.engine.transport.name === "websocket") unload();
        else socket.io.engine.once("upgrade", unload);
      });
    }), closeOnBeforeunload);
}

test(
  "browser: closeOnBeforeunload closes the connection when the page unloads, and only with the option",
  async () => {
    const io = new Server({ pingInterval: 500, pingTimeout: 500 });
    const reasons: string[] = [];
    const disconnected = deferred<string>();
    io.on("connection", (socket) => {
      socket.on("disconnect", (reason) => {
        reasons.push(`${socket.handshake.query.EIO}:${reason}`);
        disconnected.resolve(reason);
      });
    });
    const http = await serve(
      io.handler(() => new Response(PAGE, { headers: { "content-type": "text/html" } })),
    );
    const browser = await launch();
    try {
      const tab = await browser.newPage();
      await tab.goto(http.url);
      // Without the option, a beforeunload leaves the connection alone (the page did not go).
      await afterBeforeunload(tab, false);
      const stillConnected = await tab.evaluate(() =>
        new Promise((resolve) =>
          setTimeout(() => resolve((globalThis as any).testSocket.connected), 1200)
        )
      );
      assert.equal(stillConnected, true);
      assert.deepEqual(reasons, []);
      await tab.evaluate(() => (globalThis as any).testSocket.disconnect());
      await withTimeout(disconnected.promise, 5000, "explicit disconnect");
      // With it, the transport closes at once: the server sees the connection go.
      const second = deferred<string>();
      io.on("connection", (socket) => socket.on("disconnect", (reason) => second.resolve(reason)));
      await afterBeforeunload(tab, true);
      assert.equal(
        await withTimeout(second.promise, 5000, "closed on beforeunload"),
        "transport close",
      );
    } finally {
      await browser.close();
      await io.close();
      await http.close();
    }
  },
  opts,
);
