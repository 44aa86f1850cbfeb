// The cluster example: examples/cluster/front.ts starts two workers and
// serves them on one port, sticky by session id; Redis joins the workers.
// Polling-only, WebSocket-only and upgrading clients all work through it.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runtime, test, until, withTimeout } from "../harness.ts";
import { freePort, startServer } from "../conformance/spawn.ts";
import { withRedis } from "../redis_server.ts";
import { io as connect, type Socket } from "../../client/mod.ts";

const FRONT = fileURLToPath(new URL("../../examples/cluster/front.ts", import.meta.url));

test(
  "cluster example: two workers behind one sticky port serve polling, WebSocket and upgrading clients",
  async () => {
    await withRedis(async (redisPort) => {
      const workerPorts = [await freePort(), await freePort()];
      const front = await startServer(FRONT, {
        runtime: "deno",
        env: {
          REDIS_URL: `redis://127.0.0.1:${redisPort}`,
          WORKERS: "2",
          WORKER_PORTS: workerPorts.join(","),
          RUNTIME: runtime,
        },
      });
      const clients: Socket[] = [];
      try {
        const kinds: ("polling" | "websocket")[][] = [
          ["polling"],
          ["polling"],
          ["websocket"],
          ["polling", "websocket"],
        ];
        for (const transports of kinds) {
          const c = connect(front.url, {
            forceNew: true,
            transports,
            reconnectionDelay: 100,
            reconnectionDelayMax: 200,
          });
          clients.push(c);
          await withTimeout(
            new Promise<void>((r) => c.once("connect", () => r())),
            15_000,
            "connect",
          );
        }
        const ids = await Promise.all(clients.map((c) => c.timeout(3000).emitWithAck("whoami")));
        assert.deepEqual(new Set(ids), new Set(["0", "1"]));
        await until(
          async () => (await clients[0].timeout(3000).emitWithAck("count")) === 4,
          5000,
          "both workers see four clients",
        );
        const said = clients.map(() => [] as unknown[]);
        clients.forEach((c, i) =>
          c.on("said", (text: string, from: string) => said[i].push([text, from]))
        );
        clients[0].emit("say", "hello");
        clients[2].emit("say", "again");
        await until(() => said.every((s) => s.length === 2), 5000, "messages everywhere");
        const upgraded = clients[3].io.engine;
        await until(
          () => upgraded?.transport?.name === "websocket",
          5000,
          "upgrade through the front",
        );
      } finally {
        for (const c of clients) c.disconnect();
        await front.stop();
      }
    });
  },
  { timeout: 40_000 },
);
