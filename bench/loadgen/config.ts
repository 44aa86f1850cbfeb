/**
 * What the load generator is told to run: one JSON argument from the
 * harness (bench/scenarios.ts), read by bench/loadgen/main.ts.
 *
 * @module
 */

/** What to run. */
export interface Config {
  scenario:
    | "echo"
    | "fanout"
    | "rooms"
    | "connections"
    | "polling"
    | "binary"
    | "soak"
    | "slow-readers";
  /** Server ports; clients are spread over them in turn. */
  ports: number[];
  clients: number;
  /** Messages (or broadcasts) in flight: per client for echo, in all for fan-out. */
  inflight?: number;
  /** Fixed rate instead of a closed loop: echo msg/s or broadcasts/s in all. */
  rate?: number;
  /** Measurement window and warm-up, seconds. */
  duration?: number;
  warmup?: number;
  /** Payload length in bytes (characters for text). */
  payload?: number;
  /** Rooms for the room scenario. */
  rooms?: number;
  /** Cycles for the soak; handshakes for the connection scenario. */
  cycles?: number;
  /** Seconds to hold idle connections open. */
  hold?: number;
  /** Handshakes in flight at once in the connection scenario. */
  parallel?: number;
  /** Connection scenario: seconds after the first burst closed, then a second (warm) burst. */
  warm?: number;
  /** Slow readers: the events the server broadcasts (`payload` characters each), and per batch. */
  events?: number;
  batch?: number;
}

/** The port of client `i`: clients are spread over the servers in turn. */
export function portOf(config: Config, i: number): number {
  return config.ports[i % config.ports.length];
}

/** The text payload of `config.payload` characters (32 by default). */
export function payloadText(config: Config): string {
  return "x".repeat(config.payload ?? 32);
}
