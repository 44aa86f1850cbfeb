/**
 * The heartbeat of a session: who pings, and how long silence may last. In
 * Engine.IO v4 the server pings every `pingInterval` and waits `pingTimeout`
 * for the pong (spec: "Heartbeat"); the v3 rules, where the client pings,
 * are in `v3.ts`.
 *
 * A heartbeat is a rule shared by every session of its protocol revision,
 * not an object per session: a session's heartbeat state is which of the
 * engine's shared deadline queues it waits on (one runtime timer per delay
 * for every session), and the session is the queues' entry.
 *
 * @module
 */

import type { EngineData, EnginePacket } from "../../protocol/engine_io.ts";
import type { DeadlineOwner, DeadlineQueue } from "../../common/deadlines.ts";
import type { ResolvedEngineOptions } from "./options.ts";
import type { EngineCloseReason } from "./types.ts";

/** What a heartbeat needs of its session: the session is its deadlines' owner. */
export interface HeartbeatSession extends DeadlineOwner {
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
  deadlines(kind: "ping" | "timeout" | "close", delay: number): DeadlineQueue;
  /** Removes every deadline of `owner`, whatever the delays were when they were set. */
  clearDeadlines(owner: DeadlineOwner): void;
}

/**
 * The heartbeat rule of one protocol revision, shared by its sessions. The
 * session calls it from its packets and hands it the deadlines of the
 * engine's queues that passed; leaving the open states, the session clears
 * its deadlines itself ({@linkcode HeartbeatHost.clearDeadlines}).
 */
export interface Heartbeat {
  /** The session opened: its first deadline. */
  start(session: HeartbeatSession, host: HeartbeatHost): void;
  /** A ping came from the client. */
  onPing(session: HeartbeatSession, host: HeartbeatHost, data: EngineData | undefined): void;
  /** A pong came from the client. */
  onPong(session: HeartbeatSession, host: HeartbeatHost): void;
  /** A deadline of the session passed (it is no longer scheduled). */
  onDeadline(session: HeartbeatSession, host: HeartbeatHost, queue: DeadlineQueue): void;
}

/** Engine.IO v4: the server pings, the client answers each ping with a pong. */
export const SERVER_PINGS: Heartbeat = {
  start(session, host) {
    host.deadlines("ping", host.options.pingInterval).set(session);
  },

  /** In v4 the server pings; a ping from the client ends the session, as the reference's does. */
  onPing(session) {
    session.end("transport error", new Error("invalid heartbeat direction"));
  },

  /** The answer: the wait ends and the next ping is scheduled. */
  onPong(session, host) {
    // Cleared in every queue: the options may have changed since the ping.
    host.clearDeadlines(session);
    host.deadlines("ping", host.options.pingInterval).set(session);
    session.emit("heartbeat");
  },

  onDeadline(session, host, queue) {
    if (queue === host.deadlines("ping", queue.delay)) {
      session.sendPacket({ type: "ping" });
      // Spec: pingTimeout runs from when the ping is queued.
      host.deadlines("timeout", host.options.pingTimeout).set(session);
    } else session.end("ping timeout");
  },
};
