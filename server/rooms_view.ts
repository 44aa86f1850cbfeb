/**
 * The read-only face of the in-memory adapter's room map.
 *
 * @module
 */

import type { Room, SocketId } from "./adapter.ts";

/**
 * The public face of the adapter's room map: reads only, each room's
 * members as a Set (made on read for a room of one).
 */
export class RoomsView implements ReadonlyMap<Room, ReadonlySet<SocketId>> {
  #map: ReadonlyMap<Room, SocketId | Set<SocketId>>;

  constructor(map: ReadonlyMap<Room, SocketId | Set<SocketId>>) {
    this.#map = map;
  }

  get size(): number {
    return this.#map.size;
  }

  get [Symbol.toStringTag](): string {
    return "Map";
  }

  has(room: Room): boolean {
    return this.#map.has(room);
  }

  get(room: Room): ReadonlySet<SocketId> | undefined {
    const members = this.#map.get(room);
    return members === undefined ? undefined : asSet(members);
  }

  forEach(
    fn: (
      members: ReadonlySet<SocketId>,
      room: Room,
      map: ReadonlyMap<Room, ReadonlySet<SocketId>>,
    ) => void,
    thisArg?: unknown,
  ): void {
    for (const [room, members] of this.#map) fn.call(thisArg, asSet(members), room, this);
  }

  keys(): MapIterator<Room> {
    return this.#map.keys();
  }

  values(): MapIterator<ReadonlySet<SocketId>> {
    return this.#map.values().map(asSet);
  }

  entries(): MapIterator<[Room, ReadonlySet<SocketId>]> {
    return this.#map.entries().map(([room, members]) => [room, asSet(members)]);
  }

  [Symbol.iterator](): MapIterator<[Room, ReadonlySet<SocketId>]> {
    return this.entries();
  }
}

function asSet(members: SocketId | Set<SocketId>): ReadonlySet<SocketId> {
  return typeof members === "string" ? new Set([members]) : members;
}
