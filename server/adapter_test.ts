import assert from "node:assert/strict";
import { test } from "../tests/harness.ts";
import { type AdapterNamespace, InMemoryAdapter } from "./adapter.ts";

function adapter(): InMemoryAdapter {
  const nsp = {
    name: "/",
    sockets: new Map(),
    encode: () => [],
    nextAckId: () => 0,
    onServerSideEmit: () => {},
    publish: () => false,
  } as unknown as AdapterNamespace;
  return new InMemoryAdapter(nsp);
}

/** The adapter's two maps, as plain sorted data. */
function snapshot(a: InMemoryAdapter) {
  const dump = (m: ReadonlyMap<string, ReadonlySet<string>>) =>
    [...m].map(([k, v]) => [k, [...v].sort()] as const).sort((x, y) => x[0] < y[0] ? -1 : 1);
  return { rooms: dump(a.rooms), sids: dump(a.sids) };
}

/** What the maps must hold for a model of socket -> rooms. */
function expected(model: Map<string, Set<string>>) {
  const rooms = new Map<string, Set<string>>();
  const sids = new Map<string, Set<string>>();
  for (const [id, mine] of model) {
    sids.set(id, new Set(mine));
    for (const room of mine) {
      if (!rooms.has(room)) rooms.set(room, new Set());
      rooms.get(room)!.add(id);
    }
  }
  const dump = (m: Map<string, Set<string>>) =>
    [...m].map(([k, v]) => [k, [...v].sort()] as const).sort((x, y) => x[0] < y[0] ? -1 : 1);
  return { rooms: dump(rooms), sids: dump(sids) };
}

test("adapter: a socket's own room and its room list read apart through every change", () => {
  const a = adapter();
  const events: string[] = [];
  for (const name of ["create-room", "join-room", "leave-room", "delete-room"] as const) {
    a.on(name, (...args: unknown[]) => events.push(`${name}:${args.join(",")}`));
  }
  a.addAll("A", new Set(["A"]));
  a.addAll("B", new Set(["B"]));
  assert.deepEqual(events, ["create-room:A", "join-room:A,A", "create-room:B", "join-room:B,B"]);
  // B joins the room named after A: A's own list must not change.
  a.addAll("B", new Set(["A"]));
  assert.deepEqual([...a.sids.get("A")!], ["A"]);
  assert.deepEqual([...a.rooms.get("A")!].sort(), ["A", "B"]);
  assert.deepEqual([...a.sids.get("B")!].sort(), ["A", "B"]);
  assert.deepEqual([...a.rooms.get("B")!], ["B"]);
  // A leaves its own room: the room keeps B, A's list is empty.
  a.del("A", "A");
  assert.deepEqual([...a.sids.get("A")!], []);
  assert.deepEqual([...a.rooms.get("A")!], ["B"]);
  // B leaves everything: its own room goes, room A goes with its last member.
  a.delAll("B");
  assert.equal(a.sids.has("B"), false);
  assert.equal(a.rooms.has("B"), false);
  assert.equal(a.rooms.has("A"), false);
  assert.ok(events.includes("delete-room:B") && events.includes("delete-room:A"));
  // C only in its own room, then gone: nothing left behind.
  a.addAll("C", new Set(["C"]));
  a.delAll("C");
  a.delAll("A");
  assert.deepEqual(snapshot(a), { rooms: [], sids: [] });
});

test("adapter: random joins and leaves agree with a model (rooms of one and of many)", () => {
  const a = adapter();
  const model = new Map<string, Set<string>>();
  const ids = ["s0", "s1", "s2", "s3", "s4"];
  const names = [...ids, "r0", "r1"];
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let step = 0; step < 3000; step++) {
    const id = ids[rand(ids.length)];
    const op = rand(4);
    if (op === 0 && !model.has(id)) {
      // A connection: its own room first, as Socket.onConnect does.
      a.addAll(id, new Set([id]));
      model.set(id, new Set([id]));
    } else if (op === 1) {
      const room = names[rand(names.length)];
      a.addAll(id, new Set([room]));
      if (!model.has(id)) model.set(id, new Set());
      model.get(id)!.add(room);
    } else if (op === 2) {
      const room = names[rand(names.length)];
      a.del(id, room);
      model.get(id)?.delete(room);
    } else if (op === 3) {
      a.delAll(id);
      model.delete(id);
    }
    // Now and then a room list is read: from then on it is a live Set.
    if (rand(5) === 0) a.socketRooms(ids[rand(ids.length)]);
    assert.deepEqual(snapshot(a), expected(model), `step ${step}`);
  }
});

test("adapter: socketRooms hands out the live Set, whatever the socket joins after", () => {
  const a = adapter();
  a.addAll("A", new Set(["A"]));
  assert.deepEqual([...a.sids.get("A")!], ["A"]);
  const rooms = a.socketRooms("A")!;
  assert.deepEqual([...rooms], ["A"]);
  assert.equal(a.socketRooms("A"), rooms);
  a.addAll("A", new Set(["room"]));
  assert.deepEqual([...rooms], ["A", "room"]);
  a.del("A", "A");
  assert.deepEqual([...rooms], ["room"]);
  // In one room again, not its own: read once more, the same Set.
  assert.equal(a.socketRooms("A"), rooms);
  assert.deepEqual([...a.rooms.get("room")!], ["A"]);
  // Leaving the last room keeps an empty list until delAll, as socket.io's adapter does.
  a.addAll("B", new Set(["only"]));
  a.del("B", "only");
  assert.deepEqual([...a.socketRooms("B")!], []);
  assert.equal(a.rooms.has("only"), false);
  a.delAll("A");
  a.delAll("B");
  assert.equal(a.socketRooms("A"), undefined);
  assert.deepEqual(snapshot(a), { rooms: [], sids: [] });
});

test("adapter: the room map reads as a Map of Sets, one-member rooms included", () => {
  const a = adapter();
  a.addAll("A", new Set(["A", "room"]));
  a.addAll("B", new Set(["B", "room"]));
  assert.equal(a.rooms.size, 3);
  assert.ok(a.rooms.has("A") && !a.rooms.has("C"));
  assert.deepEqual([...a.rooms.get("A")!], ["A"]);
  assert.deepEqual([...a.rooms.get("room")!], ["A", "B"]);
  assert.equal(a.rooms.get("C"), undefined);
  assert.deepEqual([...a.rooms.keys()], ["A", "room", "B"]);
  assert.deepEqual([...a.rooms.values()].map((v) => [...v]), [["A"], ["A", "B"], ["B"]]);
  const seen: string[] = [];
  a.rooms.forEach((members, room, map) => {
    assert.equal(map, a.rooms);
    seen.push(`${room}:${[...members].join(",")}`);
  });
  assert.deepEqual(seen, ["A:A", "room:A,B", "B:B"]);
  assert.deepEqual(
    new Map([...a.rooms].map(([k, v]) => [k, v.size])),
    new Map([["A", 1], ["room", 2], ["B", 1]]),
  );
  assert.equal(String(a.rooms), "[object Map]");
  // A room back to one member, then to none.
  a.del("B", "room");
  assert.deepEqual([...a.rooms.get("room")!], ["A"]);
  a.del("A", "room");
  assert.equal(a.rooms.has("room"), false);
  assert.deepEqual([...a.socketRooms("A")!], ["A"]);
});

test("adapter: a subclass that overrides addAll sees every join, the own room's included", () => {
  const joins: string[] = [];
  class Counting extends InMemoryAdapter {
    override addAll(id: string, rooms: Set<string>): void {
      joins.push(`${id}:${[...rooms].join(",")}`);
      super.addAll(id, rooms);
    }
  }
  const a = new Counting(adapter().nsp);
  a.addAll("A", new Set(["A"]));
  a.addSockets({ rooms: new Set() }, ["room"]);
  assert.deepEqual(joins, ["A:A"]);
  assert.deepEqual([...a.sids.get("A")!], ["A"]);
});
