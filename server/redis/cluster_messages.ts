/**
 * The messages of the socket.io-adapter "cluster" protocol (npm
 * `socket.io-adapter` 2.5 `ClusterAdapter`, spoken by
 * `@socket.io/redis-adapter`'s `createShardedAdapter` and by
 * `@socket.io/redis-streams-adapter`): the message types with their numbers,
 * the shapes of messages and responses with the reference's field names,
 * broadcast options as they travel, their encoding (JSON, or MessagePack when
 * a payload carries binary) and the checks a message from the network passes
 * before it is used. Nothing here does I/O.
 *
 * Every message is `{ uid, nsp, type, data? }`: `uid` the sender's node id,
 * `nsp` the namespace. Responses carry `data.requestId` and go to the
 * requester only.
 *
 * @module
 */

import { decodeMsgpack, encodeMsgpack } from "../../protocol/msgpack.ts";
import type { BroadcastFlags, BroadcastOptions, Room } from "../adapter.ts";
import { isObject, toSet } from "./wire.ts";

/** The message types of the cluster protocol, with the reference's numbers. */
export const MessageType = {
  INITIAL_HEARTBEAT: 1,
  HEARTBEAT: 2,
  BROADCAST: 3,
  SOCKETS_JOIN: 4,
  SOCKETS_LEAVE: 5,
  DISCONNECT_SOCKETS: 6,
  FETCH_SOCKETS: 7,
  FETCH_SOCKETS_RESPONSE: 8,
  SERVER_SIDE_EMIT: 9,
  SERVER_SIDE_EMIT_RESPONSE: 10,
  BROADCAST_CLIENT_COUNT: 11,
  BROADCAST_ACK: 12,
  ADAPTER_CLOSE: 13,
} as const;
/** A message type number. */
export type MessageType = typeof MessageType[keyof typeof MessageType];

/** Broadcast options as they travel: arrays for sets. */
export interface EncodedOptions {
  /** The rooms the operation targets (every socket when empty). */
  rooms: Room[];
  /** The rooms whose sockets are left out. */
  except: Room[];
  /** The broadcast's flags (`volatile`, `compress`, `local`, `timeout`, ...). */
  flags?: BroadcastFlags;
}

/** What every message carries: the sender and the namespace. */
export interface Envelope {
  /** The sender's node id (`"emitter"` for a socket.io emitter). */
  uid: string;
  /** The namespace's name. */
  nsp: string;
}

/** A message from one node to every other node of the cluster. */
export type ClusterMessage =
  & Envelope
  & (
    | {
      type:
        | typeof MessageType.INITIAL_HEARTBEAT
        | typeof MessageType.HEARTBEAT
        | typeof MessageType.ADAPTER_CLOSE;
      data?: undefined;
    }
    | {
      type: typeof MessageType.BROADCAST;
      /** With `requestId`, a broadcast with acks whose counts and acks go back to `uid`. */
      data: { opts: EncodedOptions; packet: unknown; requestId?: string };
    }
    | {
      type: typeof MessageType.SOCKETS_JOIN | typeof MessageType.SOCKETS_LEAVE;
      data: { opts: EncodedOptions; rooms: Room[] };
    }
    | {
      type: typeof MessageType.DISCONNECT_SOCKETS;
      data: { opts: EncodedOptions; close?: boolean };
    }
    | { type: typeof MessageType.FETCH_SOCKETS; data: { opts: EncodedOptions; requestId: string } }
    | {
      type: typeof MessageType.SERVER_SIDE_EMIT;
      /** `packet` is the event name and arguments; with `requestId`, each node answers. */
      data: { packet: unknown[]; requestId?: string };
    }
  );

/** A response from one node to the node that asked (`doPublishResponse`). */
export type ClusterResponse =
  & Partial<Envelope>
  & (
    | {
      type: typeof MessageType.FETCH_SOCKETS_RESPONSE;
      data: { requestId: string; sockets: unknown[] };
    }
    | {
      type: typeof MessageType.SERVER_SIDE_EMIT_RESPONSE | typeof MessageType.BROADCAST_ACK;
      data: { requestId: string; packet: unknown };
    }
    | {
      type: typeof MessageType.BROADCAST_CLIENT_COUNT;
      data: { requestId: string; clientCount: number };
    }
  );

/** A message as a node builds it, before the sender's `uid` and `nsp` are added. */
export type ClusterMessageBody = ClusterMessage extends infer M
  ? M extends ClusterMessage ? Omit<M, "uid" | "nsp"> : never
  : never;

/** A response as a node builds it, before the sender's `uid` and `nsp` are added. */
export type ClusterResponseBody = ClusterResponse extends infer R
  ? R extends ClusterResponse ? Omit<R, "uid" | "nsp"> : never
  : never;

/** Broadcast options for the wire. */
export function encodeOptions(opts: BroadcastOptions): EncodedOptions {
  return { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags ?? {} };
}

/** Broadcast options from the wire; anything malformed reads as empty. */
export function decodeOptions(raw: unknown): BroadcastOptions {
  const o = isObject(raw) ? raw : {};
  return {
    rooms: toSet(o.rooms),
    except: toSet(o.except),
    flags: isObject(o.flags) ? o.flags as BroadcastFlags : {},
  };
}

/** Types whose payload may carry binary: the reference sends those as MessagePack when it does. */
const MAY_CARRY_BINARY: ReadonlySet<number> = new Set([
  MessageType.BROADCAST,
  MessageType.BROADCAST_ACK,
  MessageType.FETCH_SOCKETS_RESPONSE,
  MessageType.SERVER_SIDE_EMIT,
  MessageType.SERVER_SIDE_EMIT_RESPONSE,
]);

/** Whether a value holds binary data (an `ArrayBuffer` or a view) anywhere inside. */
export function hasBinary(value: unknown, depth = 0): boolean {
  if (typeof value !== "object" || value === null || depth > 100) return false;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return true;
  if (Array.isArray(value)) return value.some((item) => hasBinary(item, depth + 1));
  for (const key in value) {
    if (
      Object.hasOwn(value, key) && hasBinary((value as Record<string, unknown>)[key], depth + 1)
    ) return true;
  }
  return false;
}

/**
 * A message or response as `createShardedAdapter` puts it on the wire: JSON
 * text, or MessagePack (notepack.io's format) when its payload carries binary.
 *
 * @throws {TypeError} When the message holds what neither can carry (a function, a cycle).
 */
export function encodeClusterMessage(
  message: ClusterMessage | ClusterResponse,
): string | Uint8Array {
  return MAY_CARRY_BINARY.has(message.type) && hasBinary(message.data)
    ? encodeMsgpack(message)
    : JSON.stringify(message);
}

const OPEN_BRACE = 0x7b;
const textDecoder = new TextDecoder();

/**
 * A message from the wire, JSON (its first byte `{`) or MessagePack; check
 * it with {@linkcode toClusterMessage} before use.
 *
 * @throws {SyntaxError} When it is neither.
 */
export function decodeClusterMessage(raw: Uint8Array | string): unknown {
  if (typeof raw === "string") return JSON.parse(raw);
  return raw[0] === OPEN_BRACE ? JSON.parse(textDecoder.decode(raw)) : decodeMsgpack(raw);
}

const RESPONSE_TYPES: ReadonlySet<number> = new Set([
  MessageType.FETCH_SOCKETS_RESPONSE,
  MessageType.SERVER_SIDE_EMIT_RESPONSE,
  MessageType.BROADCAST_CLIENT_COUNT,
  MessageType.BROADCAST_ACK,
]);

/** Whether a message type is one of a response. */
export function isResponseType(type: number): boolean {
  return RESPONSE_TYPES.has(type);
}

/**
 * A decoded value as a message or response, when it has the shape its type
 * needs (fields the handlers read are checked again where they are read);
 * null otherwise. Types this protocol does not know are null too.
 */
export function toClusterMessage(value: unknown): ClusterMessage | ClusterResponse | null {
  if (!isObject(value)) return null;
  const { type, data } = value;
  if (typeof type !== "number" || type < 1 || type > 13 || !Number.isInteger(type)) return null;
  if (value.uid !== undefined && typeof value.uid !== "string") return null;
  if (value.nsp !== undefined && typeof value.nsp !== "string") return null;
  const needsData = type !== MessageType.INITIAL_HEARTBEAT && type !== MessageType.HEARTBEAT &&
    type !== MessageType.ADAPTER_CLOSE;
  if (needsData && !isObject(data)) return null;
  if (isResponseType(type)) {
    return typeof (data as Record<string, unknown>).requestId === "string"
      ? value as unknown as ClusterResponse
      : null;
  }
  // A message (not a response) must say who sent it and for which namespace.
  if (typeof value.uid !== "string" || typeof value.nsp !== "string") return null;
  return value as unknown as ClusterMessage;
}

/** The room names of a list from the wire; anything but strings is left out. */
export function roomNames(value: unknown): Room[] {
  return Array.isArray(value) ? value.filter((v): v is Room => typeof v === "string") : [];
}

/** Whether a socket from a `fetchSockets` response has what a remote socket needs. */
export function isSocketDetails(value: unknown): boolean {
  return isObject(value) && typeof value.id === "string" && Array.isArray(value.rooms);
}
