// deno-lint-ignore-file no-explicit-any
// The chat demo in real headless Chromium: two users chat through the demo
// server (started as its own process under the runtime running the tests).
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { test } from "../../harness.ts";
import { type ServerProcess, startServer } from "../../conformance/spawn.ts";
import { launch } from "./chromium.ts";

const DEMO = new URL("../../../examples/chat/server.ts", import.meta.url).pathname;
const SCREENSHOT = new URL("../../../docs/demo.png", import.meta.url).pathname;
const opts = { sanitize: false, timeout: 60_000 };

// A 24x24 PNG gradient.
const PNG = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAABgAAAAYCAIAAABvFaqvAAAEKElEQVR4nA3Moe52UADA4e+i/lEURduvSGZTTrGZQhAoZlNOsZlCEChmU06xmUIQaKLoIr73uYDn3x+3xq1zG9wmt8XtcAtunzviTrhzbsldcbfcPffErbhX7oP74n64X+6P+98fp8apcxqcJqfF6XAKTp8z4kw4c07JWXG2nD3nxKk4V86D8+J8OF/Oj/MX7Rq7zm6wm+wWu8Mu2H32iD1hz9kle8XesvfsE7tiX9kP9ov9YX/ZP/ZftGlsOpvBZrJZbA6bYPPZIraELWeTbBVby9azTWyKbWU72C62h+1l+9h+0aKx6CwGi8lisTgsgsVniVgSlpxFslQsLUvPMrEolpXlYLlYHpaX5WP5RUpD6SgDZaIslIMSKB8VoRJUjpKoCtWietSEUqgVdaAu1IN6UR/qF80as85sMJvMFrPDLJh95og5Yc6ZJXPF3DL3zBOzYl6ZD+aL+WF+mT/mXzRqjDqjwWgyWowOo2D0GSPGhDFnlIwVY8vYM06MinFlPBgvxofxZfwYf9GgMegMBoPJYDE4DILBZ4gYEoacQTJUDC1DzzAxKIaV4WC4GB6Gl+Fj+EWdRqfTGXQmnUXn0Ak6ny6iS+hyOklX0bV0Pd1Ep+hWuoPuonvoXrqP7hc1Go1OY9CYNBaNQyNofJqIJqHJaSRNRdPS9DQTjaJZaQ6ai+aheWk+ml9Ua9Q6tUFtUlvUDrWg9qkj6oQ6p5bUFXVL3VNP1Ip6pT6oL+qH+qX+qH9RqVHqlAalSWlROpSC0qeMKBPKnFJSVpQtZU85USrKlfKgvCgfypfyo/xFUkPqSANpIi2kgxRIHxkhE2SOlMgK2SJ75IRUyBV5IC/kg3yRH/IXFRqFTmFQmBQWhUMhKHyKiCKhyCkkRUXRUvQUE4WiWCkOiovioXgpPopflGlkOplBZpJZZA6ZIPPJIrKELCeTZBVZS9aTTWSKbCU7yC6yh+wl+8h+UaqR6qQGqUlqkTqkgtQnjUgT0pxUklakLWlPOpEq0pX0IL1IH9KX9CP9RbFGrBMbxCaxRewQC2KfOCJOiHNiSVwRt8Q98USsiFfig/gifohf4o/4F4UaoU5oEJqEFqFDKAh9wogwIcwJJWFF2BL2hBOhIlwJD8KL8CF8CT/CXxRoBDqBQWASWAQOgSDwCSKChCAnkAQVQUvQE0wEimAlOAgugofgJfgIfpGn4el4Bp6JZ+E5eALPx4vwErwcT+JVeC1ejzfhKbwV78C78B68F+/D+0VCQ+gIA2EiLISDEAgfESESRI6QiArRInrEhFCIFXEgLsSDeBEf4he5Gq6Oa+CauBaugytwfdwIN8HNcSVuhdvi9rgTrsJdcQ/cC/fBfXE/3F9ka9g6toFtYlvYDrbA9rEj7AQ7x5bYFXaL3WNP2Ap7xT6wL+wH+8X+sP8D/0llzn0R5V8AAAAASUVORK5CYII=",
  ),
  (c) => c.charCodeAt(0),
);

async function login(page: any, url: string, nick: string): Promise<void> {
  await page.goto(url);
  await page.fill("#nick", nick);
  await page.click("#login button");
  await page.waitForSelector("#chat:not([hidden])", { timeout: 10_000 });
}

test(
  "browser demo: two users chat (message, ack tick, typing, image), then survive a server restart",
  async () => {
    let server: ServerProcess = await startServer(DEMO, {
      env: { HOST: "127.0.0.1" },
    });
    const browser = await launch();
    try {
      const alice = await (await browser.newContext()).newPage();
      const bob = await (await browser.newContext()).newPage();
      await login(alice, server.url, "alice");
      await login(bob, server.url, "bob");
      await alice.waitForFunction(() =>
        document.querySelector("#online")?.textContent === "2 online"
      );
      // Volatile notices are dropped while a transport is mid-upgrade (by design): the
      // typing check starts once both pages run on WebSocket.
      for (const page of [alice, bob]) {
        await page.waitForFunction(() =>
          document.querySelector("#transport")?.textContent === "websocket"
        );
      }

      // Typing indicator (volatile) then a message with its delivered tick.
      await alice.type("#text", "hello bob");
      await bob.waitForFunction(() =>
        document.querySelector("#typing")?.textContent?.includes("alice")
      );
      await alice.click("#composer button");
      await bob.waitForFunction(() =>
        [...document.querySelectorAll("#messages li")].some((li) =>
          li.textContent?.includes("hello bob")
        )
      );
      console.log("step tick");
      await alice.waitForSelector("#messages li.mine .tick.delivered");
      console.log("step image");

      // An image travels as binary from page to page.
      await alice.setInputFiles("#image", {
        name: "dot.png",
        mimeType: "image/png",
        buffer: Buffer.from(PNG),
      });
      await bob.waitForSelector("#messages img");
      console.log("step rooms");

      // Rooms: bob moves away and no longer sees the lobby.
      await bob.fill("#room", "side");
      await bob.click("#room-form button");
      await bob.waitForFunction(() =>
        document.querySelector("#messages")?.textContent?.includes("#side")
      );
      await bob.fill("#room", "lobby");
      await bob.click("#room-form button");
      await bob.waitForFunction(() =>
        document.querySelector("#messages")?.textContent?.includes("#lobby")
      );

      await alice.fill("#text", "welcome back");
      await alice.click("#composer button");
      await bob.waitForFunction(() =>
        document.querySelector("#messages")?.textContent?.includes(
          "welcome back",
        )
      );
      await bob.fill("#text", "hi alice, nice picture");
      await bob.click("#composer button");
      await alice.waitForFunction(() =>
        document.querySelector("#messages")?.textContent?.includes(
          "nice picture",
        )
      );
      await alice.screenshot({ path: SCREENSHOT });

      // The server restarts on the same port: both pages show the banner, then reconnect.
      const port = server.port;
      await server.stop();
      await alice.waitForSelector("#banner:not([hidden])");
      server = await startServer(DEMO, { env: { HOST: "127.0.0.1" }, port });
      await alice.waitForSelector("#banner[hidden]", {
        state: "attached",
        timeout: 20_000,
      });
      await bob.waitForSelector("#banner[hidden]", {
        state: "attached",
        timeout: 20_000,
      });
      await alice.fill("#text", "still here");
      await alice.click("#composer button");
      await bob.waitForFunction(() =>
        document.querySelector("#messages")?.textContent?.includes("still here")
      );
    } finally {
      await browser.close();
      await server.stop();
    }
  },
  opts,
);

test(
  "browser: polling-only, websocket-only and upgrading clients of our bundle",
  async () => {
    const server = await startServer(DEMO, { env: { HOST: "127.0.0.1" } });
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      const result = await page.evaluate(async () => {
        const g = globalThis as any;
        const run = (options: any) =>
          new Promise<string>((resolve, reject) => {
            const socket = g.io({
              auth: { nick: "probe" },
              forceNew: true,
              ...options,
            });
            const timer = setTimeout(() => reject(new Error("timeout")), 8000);
            socket.on("connect", async () => {
              const reply = await socket.emitWithAck("chat message", "ping");
              const finish = () => {
                clearTimeout(timer);
                resolve(
                  `${socket.io.engine.transport.name}:${typeof reply.id}`,
                );
                socket.disconnect();
              };
              if (
                !options.transports &&
                socket.io.engine.transport.name === "polling"
              ) {
                socket.io.engine.once("upgrade", finish);
              } else finish();
            });
          });
        return [
          await run({ transports: ["polling"] }),
          await run({ transports: ["websocket"] }),
          await run({}),
        ];
      });
      assert.deepEqual(result, [
        "polling:number",
        "websocket:number",
        "websocket:number",
      ]);
    } finally {
      await browser.close();
      await server.stop();
    }
  },
  opts,
);

test(
  "browser demo: a client loses the network briefly and recovers its session with the missed messages",
  async () => {
    const server = await startServer(DEMO, {
      env: { HOST: "127.0.0.1", PING_INTERVAL: "500", PING_TIMEOUT: "500" },
    });
    const browser = await launch();
    try {
      const alice = await (await browser.newContext()).newPage();
      const bobContext = await browser.newContext();
      const bob = await bobContext.newPage();
      await login(alice, server.url, "alice");
      await login(bob, `${server.url}/?transports=polling`, "bob");
      await alice.waitForFunction(() =>
        document.querySelector("#online")?.textContent === "2 online"
      );
      // Chromium's offline mode spares loopback, so the loss is emulated by failing every
      // Socket.IO request of bob's browser, as a dropped network would.
      const socketIo = (url: URL) => url.pathname === "/socket.io/";
      const lose = (route: any) => route.abort("internetdisconnected");
      await bobContext.route(socketIo, lose);
      await bob.waitForFunction(
        () => !document.querySelector("#banner")!.hasAttribute("hidden"),
        undefined,
        {
          timeout: 20_000,
        },
      );
      await alice.fill("#text", "while you were away");
      await alice.click("#composer button");
      await alice.waitForSelector("#messages li.mine .tick.delivered");
      await bobContext.unroute(socketIo, lose);
      await bob.waitForFunction(
        () => {
          const text = document.querySelector("#messages")?.textContent ?? "";
          return text.includes("missed messages recovered") &&
            text.includes("while you were away");
        },
        undefined,
        { timeout: 20_000 },
      );
      assert.equal(
        await bob.evaluate(() => document.querySelector("#banner")!.hasAttribute("hidden")),
        true,
      );
    } finally {
      await browser.close();
      await server.stop();
    }
  },
  opts,
);
