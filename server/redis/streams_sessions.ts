/**
 * Connection state recovery through the stream: the session of a
 * disconnected client is stored in Redis with an expiry (the server's
 * `maxDisconnectionDuration`), and restored on any node with the broadcasts
 * it missed, read back from the stream after the client's offset (the id of
 * the last entry it received). The format is the npm
 * `@socket.io/redis-streams-adapter`'s (see `streams_codec.ts`).
 *
 * @module
 */

import type { PrivateSessionId, Room, Session, SessionToPersist } from "../adapter.ts";
import { RedisAdapterError } from "./errors.ts";
import {
  decodeSession,
  decodeStreamMessage,
  encodeSession,
  isStreamId,
  nextStreamId,
  type StreamEntry,
} from "./streams_codec.ts";
import type { RedisSend, StreamsTransport } from "./streams_transport.ts";
import { isObject, replyText } from "./wire.ts";

/** socket.io-adapter's BROADCAST message type, as a stream entry's `type` field. */
const BROADCAST = "3";
/** Socket.IO's EVENT packet type. */
const EVENT = 2;
/** Entries per XRANGE while gathering missed packets. */
const RANGE_COUNT = 1000;
/**
 * XRANGE calls per restore at most: entries may be added faster than they
 * are read, and the gathering must end.
 */
const MAX_RANGES = 100;

/** The sessions of one namespace, stored in Redis. */
export class StreamSessions {
  #send: RedisSend;
  #transport: StreamsTransport;
  #prefix: string;
  #nsp: string;
  #onError: (error: RedisAdapterError) => void;

  /**
   * @param send Sends the commands (SET, GETDEL).
   * @param transport The stream, for its ranges.
   * @param prefix The prefix of session keys (`sessionKeyPrefix`).
   * @param nsp The namespace whose broadcasts a session missed.
   * @param onError Reports a failure to store or read: never thrown.
   */
  constructor(
    send: RedisSend,
    transport: StreamsTransport,
    prefix: string,
    nsp: string,
    onError: (error: RedisAdapterError) => void,
  ) {
    this.#send = send;
    this.#transport = transport;
    this.#prefix = prefix;
    this.#nsp = nsp;
    this.#onError = onError;
  }

  /** Stores `session` for `ttl` milliseconds. */
  persist(session: SessionToPersist, ttl: number): void {
    let value: string;
    try {
      value = encodeSession(session);
    } catch (error) {
      this.#onError(
        new RedisAdapterError("persistSession", "Cannot encode session", { cause: error }),
      );
      return;
    }
    const key = this.#prefix + session.pid;
    this.#send(["SET", key, value, "PX", String(Math.max(1, Math.round(ttl)))]).catch((error) =>
      this.#onError(
        new RedisAdapterError("persistSession", "Cannot store session", { cause: error }),
      )
    );
  }

  /**
   * Takes the session stored under `pid` and gathers the broadcasts it
   * missed after `offset`: null when the offset is malformed or no longer
   * in the stream, or the session is absent, expired or unreadable.
   */
  async restore(pid: PrivateSessionId, offset: string): Promise<Session | null> {
    if (!isStreamId(offset)) return null;
    try {
      const [raw, here] = await Promise.all([
        this.#send(["GETDEL", this.#prefix + pid]),
        this.#transport.range(offset, offset, 1),
      ]);
      if (raw === null || raw === undefined || here.length === 0) return null;
      const session = decodeSession(replyText(raw));
      return { ...session, missedPackets: await this.#missedSince(offset, session.rooms) };
    } catch (error) {
      this.#onError(
        new RedisAdapterError("restoreSession", "Cannot restore session", { cause: error }),
      );
      return null;
    }
  }

  async #missedSince(offset: string, rooms: Room[]): Promise<unknown[][]> {
    const mine = new Set(rooms);
    const missed: unknown[][] = [];
    let cursor = offset;
    for (let i = 0; i < MAX_RANGES; i++) {
      const entries = await this.#transport.range(nextStreamId(cursor), "+", RANGE_COUNT);
      for (const entry of entries) {
        const args = this.#replayed(entry, mine);
        if (args) missed.push(args);
        cursor = entry.id;
      }
      if (entries.length < RANGE_COUNT) break;
    }
    return missed;
  }

  /**
   * The event arguments (the entry id appended as offset) of an entry the
   * session should get again: a broadcast of this namespace that would have
   * carried an offset (an event, no ack, not volatile) and reached its rooms.
   */
  #replayed(entry: StreamEntry, rooms: Set<Room>): unknown[] | null {
    const { fields } = entry;
    if (fields.nsp !== this.#nsp || fields.type !== BROADCAST) return null;
    let data;
    try {
      data = decodeStreamMessage(fields).data;
    } catch {
      return null; // Not ours to report: the reading loop reports each malformed entry.
    }
    if (!isObject(data) || data.requestId !== undefined || !isObject(data.packet)) return null;
    const { packet, opts } = data;
    if (packet.type !== EVENT || packet.id !== undefined || !Array.isArray(packet.data)) {
      return null;
    }
    const target = isObject(opts) ? opts : {};
    if (isObject(target.flags) && target.flags.volatile) return null;
    const to = Array.isArray(target.rooms) ? target.rooms : [];
    const except = Array.isArray(target.except) ? target.except : [];
    const included = to.length === 0 || to.some((room) => rooms.has(String(room)));
    if (!included || except.some((room) => rooms.has(String(room)))) return null;
    return [...packet.data, entry.id];
  }
}
