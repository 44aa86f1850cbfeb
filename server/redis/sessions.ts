/**
 * Connection state recovery across nodes: the sessions of disconnected
 * clients kept in Redis (`SET key value PX maxDisconnectionDuration`, taken
 * back once with `GETDEL`), so that a client may come back on any node.
 *
 * @module
 */

import type { PrivateSessionId, SessionToPersist } from "../adapter.ts";
import { RedisAdapterError } from "./errors.ts";
import type { NormalizedRedisClient } from "./normalize.ts";
import { type Channels, isObject, replyText } from "./wire.ts";

/** A session as stored: with the time of the disconnect. */
export type StoredSession = SessionToPersist & { disconnectedAt: number };

/** The sessions of one namespace in Redis. */
export class RedisSessions {
  #pub: NormalizedRedisClient;
  #channels: Channels;
  #onError: (error: RedisAdapterError) => void;

  /**
   * @param pub The client that sends the commands.
   * @param channels The namespace's key names.
   * @param onError Reports a failure to store or read: never thrown.
   */
  constructor(
    pub: NormalizedRedisClient,
    channels: Channels,
    onError: (error: RedisAdapterError) => void,
  ) {
    this.#pub = pub;
    this.#channels = channels;
    this.#onError = onError;
  }

  /** Stores `session` for `ttl` milliseconds. */
  store(session: SessionToPersist, ttl: number): void {
    const value = JSON.stringify({ ...session, disconnectedAt: Date.now() });
    this.#pub.sendCommand([
      "SET",
      this.#channels.session(session.pid),
      value,
      "PX",
      String(Math.max(1, ttl)),
    ]).catch((error) =>
      this.#onError(
        new RedisAdapterError("persistSession", "Cannot store session", { cause: error }),
      )
    );
  }

  /** Deletes the stored copy of a session restored from elsewhere. */
  forget(pid: PrivateSessionId): void {
    this.#pub.sendCommand(["DEL", this.#channels.session(pid)]).catch(() => {});
  }

  /** Takes the session out of Redis: undefined when absent, expired or malformed. */
  async take(pid: PrivateSessionId): Promise<StoredSession | undefined> {
    try {
      const reply = await this.#pub.sendCommand(["GETDEL", this.#channels.session(pid)]);
      if (reply === null || reply === undefined) return undefined;
      const session = JSON.parse(replyText(reply));
      if (!isObject(session) || typeof session.sid !== "string") return undefined;
      return session as unknown as StoredSession;
    } catch (error) {
      this.#onError(
        new RedisAdapterError("restoreSession", "Cannot read session", { cause: error }),
      );
      return undefined;
    }
  }
}
