/**
 * The subscriptions of a Redis Cluster client: every channel, pattern and
 * sharded channel with its listeners, the node it is subscribed on, and the
 * moves that keep it where it belongs. A sharded channel lives on the master
 * of its slot and follows the slot (resharding, failover); a plain channel or
 * pattern may live on any master (Redis Cluster forwards plain messages to
 * every node), so it moves only when its node stops being a master.
 *
 * Each name is subscribed on its node's {@linkcode RedisClient} with one
 * dispatcher of this file, which calls the listeners.
 *
 * @module
 */

import type { RedisClient } from "./client.ts";
import type { ClusterNodeKey, ClusterRedirect } from "./cluster_topology.ts";
import { RedisConnectionError } from "./link.ts";
import { RedisReplyError } from "./resp.ts";
import {
  type RedisMessageListener,
  type RedisSubscribeOptions,
  subscribeNames,
  type SubscriptionKind,
} from "./subscriptions.ts";

/** What the subscriptions need from the cluster client. */
export interface ClusterSubscriptionHost {
  /** Where `name` belongs, given where it is now (`null`: nowhere known yet). */
  home(kind: SubscriptionKind, name: string, current: ClusterNodeKey | null): ClusterNodeKey | null;
  /** The connected client of `node` (made on first use). */
  client(node: ClusterNodeKey): Promise<RedisClient>;
  /** The client of `node` when one exists. */
  existing(node: ClusterNodeKey): RedisClient | undefined;
  /** Takes a redirection the node answered; null when `error` is none. */
  redirected(error: RedisReplyError, node: ClusterNodeKey): ClusterRedirect | null;
  /** A subscription could not be moved; it is tried again on the next topology change. */
  onError(error: Error, name: string): void;
  /** A message listener threw. */
  onListenerError(error: unknown, channel: string): void;
}

interface Listener {
  listener: RedisMessageListener;
  bytes: boolean;
}

interface Entry {
  kind: SubscriptionKind;
  name: string;
  listeners: Set<Listener>;
  /** The node it is subscribed on; null while it is nowhere. */
  node: ClusterNodeKey | null;
  dispatch: RedisMessageListener;
  /** The last move: moves of one entry run one after the other. */
  work: Promise<void>;
  removed: boolean;
}

/** Most redirections followed for one move, as for a command. */
const MAX_HOPS = 5;
const BYTES = { bytes: true };
const decoder = new TextDecoder();

function subscribeOn(client: RedisClient, entry: Entry): Promise<void> {
  if (entry.kind === "shard") return client.ssubscribe(entry.name, entry.dispatch, BYTES);
  if (entry.kind === "pattern") return client.psubscribe(entry.name, entry.dispatch, BYTES);
  return client.subscribe(entry.name, entry.dispatch, BYTES);
}

function unsubscribeOn(client: RedisClient, entry: Entry): Promise<void> {
  if (entry.kind === "shard") return client.sunsubscribe(entry.name, entry.dispatch);
  if (entry.kind === "pattern") return client.punsubscribe(entry.name, entry.dispatch);
  return client.unsubscribe(entry.name, entry.dispatch);
}

/** The subscriptions of one cluster client. */
export class ClusterSubscriptions {
  #host: ClusterSubscriptionHost;
  #entries: Record<SubscriptionKind, Map<string, Entry>> = {
    channel: new Map(),
    pattern: new Map(),
    shard: new Map(),
  };
  #closed = false;

  /** @param host What the subscriptions need from the cluster client. */
  constructor(host: ClusterSubscriptionHost) {
    this.#host = host;
  }

  /**
   * Adds `listener` to `names`, subscribing each new name on its node.
   *
   * @throws {TypeError} When `listener` is not a function or no name is given.
   * @throws {Error} When a new name cannot be subscribed now (it is tried again later).
   */
  async subscribe(
    kind: SubscriptionKind,
    names: string | string[],
    listener: RedisMessageListener,
    options: RedisSubscribeOptions,
  ): Promise<void> {
    const list = subscribeNames(names, listener, this.#closed);
    const map = this.#entries[kind];
    const waits: Promise<void>[] = [];
    for (const name of list) {
      let entry = map.get(name);
      if (!entry) {
        entry = this.#entry(kind, name);
        map.set(name, entry);
      }
      entry.listeners.add({ listener, bytes: options.bytes ?? false });
      waits.push(entry.node === null ? this.#place(entry) : entry.work);
    }
    await Promise.all(waits);
  }

  /** Removes `listener` (or every listener) from `names`; unsubscribes a name left with none. */
  async unsubscribe(
    kind: SubscriptionKind,
    names: string | string[],
    listener?: RedisMessageListener,
  ): Promise<void> {
    const map = this.#entries[kind];
    const list = typeof names === "string" ? [names] : [...new Set(names)];
    const waits: Promise<void>[] = [];
    for (const name of list) {
      const entry = map.get(name);
      if (!entry) continue;
      for (const sub of entry.listeners) {
        if (!listener || sub.listener === listener) entry.listeners.delete(sub);
      }
      if (entry.listeners.size > 0) continue;
      map.delete(name);
      entry.removed = true;
      entry.work = entry.work.then(async () => {
        const client = entry.node === null ? undefined : this.#host.existing(entry.node);
        entry.node = null;
        if (client) await unsubscribeOn(client, entry).catch(() => {});
      });
      waits.push(entry.work);
    }
    await Promise.all(waits);
  }

  /** Redis ended `channel`'s sharded subscription on `node` (its slot moved): subscribe again. */
  lost(node: ClusterNodeKey, channel: string): void {
    const entry = this.#entries.shard.get(channel);
    if (!entry || entry.node !== node) return;
    entry.node = null;
    this.#placeReported(entry);
  }

  /** Moves every subscription that is not where it belongs (after a topology change). */
  reconcile(): void {
    for (const map of Object.values(this.#entries)) {
      for (const entry of map.values()) {
        if (this.#host.home(entry.kind, entry.name, entry.node) !== entry.node) {
          this.#placeReported(entry);
        }
      }
    }
  }

  /** Forgets every subscription (the cluster client closes the node clients). */
  close(): void {
    this.#closed = true;
    for (const map of Object.values(this.#entries)) {
      for (const entry of map.values()) entry.removed = true;
      map.clear();
    }
  }

  #entry(kind: SubscriptionKind, name: string): Entry {
    const entry: Entry = {
      kind,
      name,
      listeners: new Set(),
      node: null,
      work: Promise.resolve(),
      removed: false,
      dispatch: (message, channel, pattern) => {
        let text: string | undefined;
        for (const sub of [...entry.listeners]) {
          const bytes = message as Uint8Array;
          const payload = sub.bytes ? bytes : (text ??= decoder.decode(bytes));
          try {
            sub.listener(payload, channel, pattern);
          } catch (error) {
            this.#host.onListenerError(error, channel);
          }
        }
      },
    };
    return entry;
  }

  #placeReported(entry: Entry): void {
    this.#place(entry).catch((error) => this.#host.onError(error as Error, entry.name));
  }

  /** Queues a move of `entry` to its home; resolves when it is there. */
  #place(entry: Entry): Promise<void> {
    const run = entry.work.then(() => this.#move(entry));
    entry.work = run.catch(() => {});
    return run;
  }

  async #move(entry: Entry): Promise<void> {
    for (let hop = 0; hop <= MAX_HOPS; hop++) {
      if (entry.removed || this.#closed) return;
      const home = this.#host.home(entry.kind, entry.name, entry.node);
      if (home === entry.node) return;
      if (entry.node !== null) {
        const old = this.#host.existing(entry.node);
        entry.node = null;
        if (old) await unsubscribeOn(old, entry).catch(() => {});
      }
      if (home === null) return;
      const client = await this.#host.client(home);
      if (entry.removed || this.#closed) return;
      try {
        await subscribeOn(client, entry);
        entry.node = home;
      } catch (error) {
        // MOVED: the slot map was stale; it is updated, and the next hop goes to the new owner.
        const redirect = error instanceof RedisReplyError
          ? this.#host.redirected(error, home)
          : null;
        if (!redirect) throw error;
      }
    }
    throw new RedisConnectionError(
      `Cannot subscribe to ${entry.name}: more than ${MAX_HOPS} redirections`,
    );
  }
}
