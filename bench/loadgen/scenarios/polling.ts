/**
 * Long-polling echo: each client POSTs an acked echo, then polls until the
 * ack arrives (answering pings on the way), one request at a time.
 *
 * @module
 */

import { type Config, payloadText as textOf, portOf } from "../config.ts";
import { Http, pollingHandshake } from "../http.ts";
import { DEADLINE, measure } from "../measure.ts";

const decoder = new TextDecoder();

export async function polling(config: Config): Promise<Record<string, unknown>> {
  const payloadText = textOf(config);
  let acks = 0;
  let running = true;
  const clients = await Promise.all(
    Array.from({ length: config.clients }, async (_, i) => {
      const http = new Http(portOf(config, i));
      await http.connect();
      return { http, sid: await pollingHandshake(http) };
    }),
  );
  const loops = clients.map(async ({ http, sid }) => {
    let id = 0;
    while (running && Date.now() < DEADLINE) {
      const ackId = id++;
      await http.request(
        "POST",
        `&sid=${sid}`,
        `42${ackId}["echo","${payloadText}"]`,
      );
      // Read until the ack arrives (a poll may bring a ping first).
      for (;;) {
        const body = decoder.decode(await http.request("GET", `&sid=${sid}`));
        if (body.split("\x1e").includes("2")) {
          await http.request("POST", `&sid=${sid}`, "3");
        }
        if (body.includes(`43${ackId}[`)) break;
      }
      acks++;
    }
  });
  const result = await measure(config, () => acks);
  running = false;
  await Promise.all(loops);
  for (const c of clients) c.http.close();
  return { msgPerSec: result.total / result.seconds, generatorCpu: result.cpu };
}
