/**
 * The wire format of npm `@socket.io/redis-streams-adapter` 0.2.x: how a
 * cluster message becomes the fields of one stream entry, how a session is
 * stored, and how stream replies are read. Nothing here does I/O.
 *
 * ## A stream entry
 * Four fields, all text: `uid` (the sender), `nsp` (the namespace), `type`
 * (the message type as a decimal string) and, when the message has data,
 * `data`: JSON text, or (for the types that may carry binary values, when
 * they do) MessagePack in base64. A reader tells them apart by the first
 * character: JSON data is always an object, so it starts with `{`, which
 * base64 never does.
 *
 * ## A session
 * `SET <sessionKeyPrefix><pid> <base64 of MessagePack {sid, pid, rooms, data}> PX <ms>`.
 *
 * ## MessagePack
 * The npm package uses `@msgpack/msgpack`, which writes `undefined` as nil
 * and a `Date` as a timestamp extension; webio's codec writes both as
 * notepack does. Values are therefore made plain first, as JSON would: an
 * `undefined` property is left out, an `undefined` element becomes null, a
 * `Date` its ISO string; binary values stay binary.
 *
 * @module
 */

import { decodeBase64, encodeBase64 } from "../../protocol/base64.ts";
import { decodeMsgpack, encodeMsgpack } from "../../protocol/msgpack.ts";
import type { Room, SessionToPersist } from "../adapter.ts";
import { MessageType } from "./cluster_messages.ts";
import { replyText } from "./wire.ts";

/** A message between nodes as one stream entry carries it (a `ClusterMessage`'s shape). */
export interface StreamMessage {
  /** The sending node. */
  uid: string;
  /** The namespace. */
  nsp: string;
  /** The message type (socket.io-adapter's `MessageType`). */
  type: number;
  /** The message's data, when it has any. */
  data?: unknown;
}

/** One stream entry: its id and its fields. */
export interface StreamEntry {
  /** The id Redis gave the entry, `<ms>-<seq>`. */
  id: string;
  /** Field name to value. */
  fields: Record<string, string>;
}

/** Thrown when a stream entry or a stored session cannot be read. */
export class StreamFormatError extends SyntaxError {
  /** @param message "Cannot X: detail". */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StreamFormatError";
  }
}

/** The message types whose data may hold binary values: only these go as MessagePack. */
const MAY_CARRY_BINARY: ReadonlySet<number> = new Set([
  MessageType.BROADCAST,
  MessageType.FETCH_SOCKETS_RESPONSE,
  MessageType.SERVER_SIDE_EMIT,
  MessageType.SERVER_SIDE_EMIT_RESPONSE,
  MessageType.BROADCAST_ACK,
]);

/**
 * The fields of the stream entry for `message`, as a flat name/value list
 * in the npm package's order (`uid`, `nsp`, `type`, `data`).
 *
 * @throws {TypeError} When the data cannot be encoded (a cycle, a BigInt).
 */
export function encodeStreamMessage(message: StreamMessage): string[] {
  const fields = ["uid", message.uid, "nsp", message.nsp, "type", String(message.type)];
  const data = message.data;
  // Falsy data is left out, as the npm package does.
  if (!data) return fields;
  const binary = MAY_CARRY_BINARY.has(message.type) && hasBinary(data);
  fields.push("data", binary ? encodeBase64(encodeMsgpack(plain(data))) : JSON.stringify(data));
  return fields;
}

/**
 * The message a stream entry carries.
 *
 * @throws {StreamFormatError} When a field is missing or the data is neither JSON nor MessagePack.
 */
export function decodeStreamMessage(fields: Record<string, string>): StreamMessage {
  const { uid, nsp, type, data } = fields;
  if (typeof uid !== "string" || typeof nsp !== "string" || typeof type !== "string") {
    throw new StreamFormatError("Cannot decode stream entry: uid, nsp or type is missing");
  }
  const message: StreamMessage = { uid, nsp, type: Number.parseInt(type, 10) };
  if (Number.isNaN(message.type)) {
    throw new StreamFormatError(`Cannot decode stream entry: type "${type}" is not a number`);
  }
  if (data) {
    try {
      message.data = data.startsWith("{") ? JSON.parse(data) : decodeMsgpack(decodeBase64(data));
    } catch (error) {
      throw new StreamFormatError("Cannot decode stream entry: malformed data", { cause: error });
    }
  }
  return message;
}

/** A session as stored: base64 of its MessagePack. */
export function encodeSession(session: SessionToPersist): string {
  const { sid, pid, rooms, data } = session;
  return encodeBase64(encodeMsgpack(plain({ sid, pid, rooms, data })));
}

/**
 * A stored session.
 *
 * @throws {StreamFormatError} When the text is not a session.
 */
export function decodeSession(text: string): SessionToPersist {
  let value: unknown;
  try {
    value = decodeMsgpack(decodeBase64(text));
  } catch (error) {
    throw new StreamFormatError("Cannot decode session: malformed value", { cause: error });
  }
  const s = value as Partial<SessionToPersist> | null;
  if (
    typeof s !== "object" || s === null || typeof s.sid !== "string" ||
    typeof s.pid !== "string" || !Array.isArray(s.rooms)
  ) {
    throw new StreamFormatError("Cannot decode session: sid, pid or rooms is missing");
  }
  return { sid: s.sid, pid: s.pid, rooms: s.rooms.map(String) as Room[], data: s.data };
}

const STREAM_ID = /^[0-9]+-[0-9]+$/;

/** Whether `id` is a stream entry id (`<ms>-<seq>`), as a client's offset must be. */
export function isStreamId(id: string): boolean {
  return STREAM_ID.test(id);
}

/**
 * The smallest id after `id`, for an XRANGE that starts after it
 * (exclusive ranges need Redis 6.2; this works everywhere).
 */
export function nextStreamId(id: string): string {
  const dash = id.indexOf("-");
  return id.slice(0, dash + 1) + (BigInt(id.slice(dash + 1)) + 1n).toString();
}

/**
 * The entries of an XRANGE reply, or of the one stream of an XREAD reply
 * (RESP2 arrays, or a RESP3 map for XREAD); null and empty replies give none.
 *
 * @throws {StreamFormatError} When the reply has another shape.
 */
export function parseEntries(reply: unknown, fromXread: boolean): StreamEntry[] {
  if (reply === null || reply === undefined) return [];
  let list: unknown = reply;
  if (fromXread) {
    // XREAD: [[stream, entries]] (RESP2), or a map stream => entries (RESP3).
    if (reply instanceof Map) list = reply.values().next().value;
    else if (Array.isArray(reply) && reply.length > 0) list = asArray(reply[0])[1];
    else return [];
  }
  return asArray(list).map((raw) => {
    const [id, values] = asArray(raw);
    const flat = asArray(values ?? []);
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) {
      fields[replyText(flat[i])] = replyText(flat[i + 1]);
    }
    return { id: replyText(id), fields };
  });
}

function asArray(value: unknown): unknown[] {
  if (!Array.isArray(value)) {
    throw new StreamFormatError("Cannot read stream reply: an array was expected");
  }
  return value;
}

/** Whether a value holds binary data anywhere (what decides MessagePack over JSON). */
export function hasBinary(value: unknown, depth = 0): boolean {
  if (typeof value !== "object" || value === null || depth > 64) return false;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return true;
  if (Array.isArray(value)) return value.some((item) => hasBinary(item, depth + 1));
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    return !(value instanceof Date) && hasBinary(toJSON.call(value), depth + 1);
  }
  return Object.values(value).some((item) => hasBinary(item, depth + 1));
}

/** The value as JSON would see it, binary values kept (see the module documentation). */
function plain(value: unknown, depth = 0): unknown {
  if (depth > 512) throw new TypeError("Cannot encode msgpack: value nested too deeply or cyclic");
  if (typeof value !== "object" || value === null) return value === undefined ? null : value;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map((item) => plain(item, depth + 1));
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return plain(toJSON.call(value), depth + 1);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined && typeof item !== "function") out[key] = plain(item, depth + 1);
  }
  return out;
}
