/**
 * The heartbeat of a session: who pings, and how long silence may last. In
 * Engine.IO v4 the server pings every `pingInterval` and waits `pingTimeout`
 * for the pong (spec: "Heartbeat"); the v3 rules, where the client pings,
 * are in `v3.ts`. Deadlines live on the engine's shared queues (one runtime
 * timer per delay for every session), not on a timer per session.
 *
 * @module
 */

import type { EngineData, EnginePacket } from "../../protocol/engine_io.ts";
import type { DeadlineOwner, DeadlineQueue } from "../../common/deadlines.ts";
import type { ResolvedEngineOptions } from "./options.ts";
import type { EngineCloseReason } from "./types.ts";

/** What a heartbeat needs of its session. */
export interface HeartbeatSession {
  /** Sends a ping or a pong. */
  sendPacket(packet: EnginePacket): void;
  /** Ends the session. */
  end(reason: EngineCloseReason, description?: unknown): void;
  /** Tells listeners of the bare engine that the client answered. */
  emit(event: "heartbeat"): unknown;
}

/** What a heartbeat needs of its engine. */
export interface HeartbeatHost {
  readonly options: ResolvedEngineOptions;
  /** The shared deadlines of one kind and delay: one timer for every session. */
  deadlines(kind: "ping" | "timeout", delay: number): DeadlineQueue;
}

/**
 * One session's heartbeat. Its deadlines are entries in the engine's shared
 * queues; {@linkcode Heartbeat.stop} removes them (the session stops it when
 * it leaves the open states).
 */
export interface Heartbeat extends DeadlineOwner {
  /** The session opened: the first deadline. */
  start(): void;
  /** A ping came from the client. */
  onPing(data: EngineData | undefined): void;
  /** A pong came from the client. */
  onPong(): void;
  /** Removes every deadline of this heartbeat. */
  stop(): void;
}

/**
 * Sets the deadline of `owner` `ms` from now on the engine's queue for that
 * delay, leaving `current` (the queue it waited on) if that is another one.
 * Returns the queue it waits on now.
 */
export function waitFor(
  owner: DeadlineOwner,
  host: HeartbeatHost,
  current: DeadlineQueue | null,
  ms: number,
): DeadlineQueue {
  const queue = host.deadlines("timeout", ms);
  if (current !== queue) current?.delete(owner);
  queue.set(owner);
  return queue;
}

/** Engine.IO v4: the server pings, the client answers each ping with a pong. */
export class ServerPings implements Heartbeat {
  #session: HeartbeatSession;
  #host: HeartbeatHost;
  #pingQueue: DeadlineQueue | null = null;
  /** Where the wait for the pong is scheduled (its queue is picked by its delay). */
  #timeoutQueue: DeadlineQueue | null = null;

  /** A heartbeat for `session`, not started. */
  constructor(session: HeartbeatSession, host: HeartbeatHost) {
    this.#session = session;
    this.#host = host;
  }

  /** Schedules the first ping. */
  start(): void {
    this.#schedulePing();
  }

  /** In v4 the server pings; a ping from the client ends the session, as the reference's does. */
  onPing(): void {
    this.#session.end("transport error", new Error("invalid heartbeat direction"));
  }

  /** The answer: the next ping is scheduled. */
  onPong(): void {
    this.#timeoutQueue?.delete(this);
    this.#schedulePing();
    this.#session.emit("heartbeat");
  }

  /** Removes the ping and the wait for the pong. */
  stop(): void {
    this.#pingQueue?.delete(this);
    this.#timeoutQueue?.delete(this);
  }

  /** @internal A deadline passed (the shared queues call this). */
  onDeadline(queue: DeadlineQueue): void {
    if (queue === this.#pingQueue) {
      this.#session.sendPacket({ type: "ping" });
      // Spec: pingTimeout runs from when the ping is queued.
      this.#timeoutQueue = waitFor(
        this,
        this.#host,
        this.#timeoutQueue,
        this.#host.options.pingTimeout,
      );
    } else if (queue === this.#timeoutQueue) this.#session.end("ping timeout");
  }

  #schedulePing(): void {
    const interval = this.#host.options.pingInterval;
    let queue = this.#pingQueue;
    // The engine keeps one queue per delay: the one at hand while the interval is unchanged.
    if (queue?.delay !== interval) {
      queue?.delete(this);
      this.#pingQueue = queue = this.#host.deadlines("ping", interval);
    }
    queue.set(this);
  }
}
