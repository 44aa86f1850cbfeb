/**
 * What connection state recovery keeps in memory for one namespace: the
 * sessions of clients that left, and the recent event broadcasts under
 * their offsets, so that a client coming back gets what it missed.
 *
 * @module
 */

import type { BroadcastOptions, PrivateSessionId, Room, SessionToPersist } from "./adapter.ts";

/** A session kept since its client left. */
export type PersistedSession = SessionToPersist & { disconnectedAt: number };

interface KeptPacket {
  id: string;
  opts: BroadcastOptions;
  data: unknown[];
  emittedAt: number;
}

/** The sessions and recent broadcasts of one namespace (the in-memory adapter's). */
export class RecoveryLog {
  #sessions = new Map<PrivateSessionId, PersistedSession>();
  #packets: KeptPacket[] = [];
  #offsetCounter = 0;

  /** A new offset: unique and increasing per process (time plus a counter, base 36). */
  nextOffset(): string {
    return Date.now().toString(36) + "-" + (this.#offsetCounter++).toString(36);
  }

  /** Keeps a broadcast's arguments (its offset last) under its offset. */
  keep(id: string, opts: BroadcastOptions, data: unknown[]): void {
    this.#packets.push({ id, opts, data, emittedAt: Date.now() });
  }

  /** Keeps a session, stamped with the time its client left. */
  persist(session: SessionToPersist): void {
    this.#sessions.set(session.pid, { ...session, disconnectedAt: Date.now() });
  }

  /** Takes (and forgets) the session kept under `pid`. */
  take(pid: PrivateSessionId): PersistedSession | undefined {
    const session = this.#sessions.get(pid);
    this.#sessions.delete(pid);
    return session;
  }

  /**
   * The arguments of the broadcasts after `offset` that reached a socket in
   * `rooms`, or null when `offset` is no longer (or never was) kept.
   */
  missedSince(offset: string, rooms: Room[]): unknown[][] | null {
    const index = this.#packets.findIndex((p) => p.id === offset);
    if (index === -1) return null;
    const mine = new Set(rooms);
    const missed: unknown[][] = [];
    for (let i = index + 1; i < this.#packets.length; i++) {
      const packet = this.#packets[i];
      if (included(mine, packet.opts)) missed.push(packet.data);
    }
    return missed;
  }

  /** Forgets what is older than `maxDuration` milliseconds. */
  sweep(maxDuration: number): void {
    const threshold = Date.now() - maxDuration;
    for (const [pid, session] of this.#sessions) {
      if (session.disconnectedAt < threshold) this.#sessions.delete(pid);
    }
    const keepFrom = this.#packets.findIndex((p) => p.emittedAt >= threshold);
    this.#packets = keepFrom === -1 ? [] : this.#packets.slice(keepFrom);
  }

  /** Forgets everything. */
  clear(): void {
    this.#sessions.clear();
    this.#packets = [];
  }
}

function included(rooms: Set<Room>, opts: BroadcastOptions): boolean {
  const toAll = opts.rooms.size === 0;
  const inTarget = toAll || [...opts.rooms].some((r) => rooms.has(r));
  const excluded = [...(opts.except ?? [])].some((r) => rooms.has(r));
  return inTarget && !excluded;
}
