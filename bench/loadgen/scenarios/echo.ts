/**
 * Echo with acks: each client keeps `inflight` acked echoes in flight (closed
 * loop), or the clients together send `rate` per second and the round trips
 * are timed. `binary`: a 4 KiB attachment per echo instead of text.
 *
 * @module
 */

import { type Config, payloadText as textOf, portOf } from "../config.ts";
import { atRate, latencyFields, measure, warmupOf } from "../measure.ts";
import { closeAll, Conn, frame, openAll, textFrame } from "../websocket.ts";
import { readInt } from "../wire.ts";

export async function echo(config: Config, binary: boolean): Promise<Record<string, unknown>> {
  const payloadText = textOf(config);
  const inflight = config.inflight ?? 10;
  const rate = config.rate;
  let acks = 0;
  let measuring = false;
  const latencies: number[] = [];
  const attachment = frame(new Uint8Array(config.payload ?? 4096).fill(7), 2);
  const sendOne = (conn: Conn) => {
    const id = conn.nextAck++;
    if (rate) conn.sent.set(id, performance.now());
    if (binary) {
      conn.send(textFrame(`451-${id}["echo",{"_placeholder":true,"num":0}]`));
      conn.send(attachment);
    } else {
      conn.send(textFrame(`42${id}["echo","${payloadText}"]`));
    }
  };
  const onAck = (conn: Conn, id: number) => {
    acks++;
    if (rate) {
      const t = conn.sent.get(id);
      conn.sent.delete(id);
      if (measuring && t !== undefined) latencies.push(performance.now() - t);
    } else sendOne(conn);
  };
  const conns = await openAll(config.clients, (i) => {
    const conn = new Conn(i, portOf(config, i));
    let waitingBinary = -1;
    conn.onText = (c, b, s, e) => {
      if (b[s] !== 52) return;
      if (!binary && b[s + 1] === 51) onAck(c, readInt(b, s + 2, e)[0]); // "43<id>[...]"
      if (binary && b[s + 1] === 54) waitingBinary = readInt(b, s + 4, e)[0]; // "461-<id>[...]"
    };
    conn.onBinary = (c) => {
      if (waitingBinary >= 0) onAck(c, waitingBinary);
      waitingBinary = -1;
    };
    conn.onConnected = (c) => {
      if (rate) return;
      for (let k = 0; k < inflight; k++) sendOne(c);
      c.flush();
    };
    return conn;
  });
  let turn = 0;
  const timer = rate
    ? atRate(rate, (due) => {
      // Spread over the clients in turn; each touched connection writes once.
      const touched = new Set<Conn>();
      for (let k = 0; k < due; k++) {
        const conn = conns[turn++ % conns.length];
        sendOne(conn);
        touched.add(conn);
      }
      for (const c of touched) c.flush();
    })
    : undefined;
  setTimeout(() => (measuring = true), warmupOf(config));
  const result = await measure(config, () => acks);
  clearInterval(timer);
  closeAll(conns);
  return {
    msgPerSec: result.total / result.seconds,
    generatorCpu: result.cpu,
    ...(rate ? latencyFields(rate, latencies) : {}),
  };
}
