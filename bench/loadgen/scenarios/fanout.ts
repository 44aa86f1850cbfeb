/**
 * Broadcasts: a few senders' events are broadcast by the server to every
 * client (`io.emit`) or to one room of `rooms`; `inflight` broadcasts are
 * kept in flight end to end (closed loop), or `rate` are sent per second and
 * each delivery is timed.
 *
 * @module
 */

import { type Config, payloadText as textOf, portOf } from "../config.ts";
import { atRate, latencyFields, measure, warmupOf } from "../measure.ts";
import { closeAll, Conn, openAll, textFrame } from "../websocket.ts";
import { readInt } from "../wire.ts";

/** Fan-out to everyone (`rooms` = 0) or to one room of `rooms` at a time. */
export async function fanout(config: Config, rooms: number): Promise<Record<string, unknown>> {
  const payloadText = textOf(config);
  const inflight = config.inflight ?? 8;
  const rate = config.rate;
  const perBroadcast = rooms ? Math.ceil(config.clients / rooms) : config.clients;
  let deliveries = 0;
  let measuring = false;
  let seq = 0;
  const remaining = new Map<number, number>();
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  // Recipients per room: clients are given rooms in turn.
  const roomSize = (r: number) =>
    rooms
      ? Math.floor(config.clients / rooms) +
        (r < config.clients % rooms ? 1 : 0)
      : config.clients;
  let senders: Conn[] = [];
  const broadcast = () => {
    const id = seq++;
    const room = rooms ? id % rooms : -1;
    remaining.set(id, rooms ? roomSize(room) : perBroadcast);
    sentAt.set(id, performance.now());
    const sender = senders[id % senders.length];
    sender.send(textFrame(
      rooms ? `42["room","r${room}","s${id}:${payloadText}"]` : `42["fan","s${id}:${payloadText}"]`,
    ));
    sender.flush();
  };
  const onDelivery = (id: number) => {
    deliveries++;
    if (measuring && rate) {
      const t = sentAt.get(id);
      if (t !== undefined) latencies.push(performance.now() - t);
    }
    const left = (remaining.get(id) ?? 1) - 1;
    if (left > 0) {
      remaining.set(id, left);
      return;
    }
    remaining.delete(id);
    sentAt.delete(id);
    if (!rate) broadcast();
  };
  // 42["fan","s<id>:...
  const PREFIX = 11;
  const conns = await openAll(config.clients, (i) => {
    const conn = new Conn(i, portOf(config, i), rooms ? `&room=r${i % rooms}` : "");
    conn.onText = (_c, b, s, e) => {
      if (b[s] === 52 && b[s + 1] === 50 && b[s + PREFIX - 1] === 115) {
        onDelivery(readInt(b, s + PREFIX, e)[0]);
      }
    };
    return conn;
  });
  // Senders: a few clients on every server, so that no single socket is the bottleneck.
  senders = conns.slice(0, Math.min(conns.length, 8 * config.ports.length));
  const timer = rate
    ? atRate(rate, (due) => {
      for (let k = 0; k < due; k++) broadcast();
    })
    : undefined;
  if (!rate) { for (let k = 0; k < inflight; k++) broadcast(); }
  setTimeout(() => (measuring = true), warmupOf(config));
  const result = await measure(config, () => deliveries);
  clearInterval(timer);
  closeAll(conns);
  return {
    deliveriesPerSec: result.total / result.seconds,
    generatorCpu: result.cpu,
    ...(rate ? latencyFields(rate, latencies) : {}),
  };
}
