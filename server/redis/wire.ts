/**
 * The wire format of npm `@socket.io/redis-adapter` 8.x between the nodes of
 * a cluster: channel names, request types and the encoding of broadcasts,
 * requests and responses. Nothing here does I/O.
 *
 * ## Channels (prefix `key`, default `"socket.io"`, namespace `nsp`)
 * - `key#nsp#` and `key#nsp#room#`: broadcasts, MessagePack `[uid, packet, opts]`;
 *   every node subscribes to the pattern `key#nsp#*`;
 * - `key-request#nsp#`: requests (JSON; MessagePack for broadcasts with acks);
 *   the number of its subscribers is the number of servers (`PUBSUB NUMSUB`);
 * - `key-response#nsp#` and `key-response#nsp#uid#`: responses;
 * - `key-session#nsp#pid`: the key of a persisted session (not a channel).
 *
 * @module
 */

import { decodeMsgpack, encodeMsgpack } from "../../protocol/msgpack.ts";
import type { Packet } from "../../protocol/parser.ts";
import type {
  BroadcastFlags,
  BroadcastOptions,
  PrivateSessionId,
  Room,
  SocketId,
} from "../adapter.ts";

/** Request types between nodes: the numbers of the npm adapter. */
export const RequestType = {
  SOCKETS: 0,
  ALL_ROOMS: 1,
  REMOTE_JOIN: 2,
  REMOTE_LEAVE: 3,
  REMOTE_DISCONNECT: 4,
  REMOTE_FETCH: 5,
  SERVER_SIDE_EMIT: 6,
  BROADCAST: 7,
  BROADCAST_CLIENT_COUNT: 8,
  BROADCAST_ACK: 9,
} as const;
/** A request type. */
export type RequestType = typeof RequestType[keyof typeof RequestType];

/** Operation names for errors, by request type. */
const REQUEST_NAMES = [
  "sockets",
  "allRooms",
  "socketsJoin",
  "socketsLeave",
  "disconnectSockets",
  "fetchSockets",
  "serverSideEmit",
  "broadcastWithAck",
];

/** The name of a request's operation, for errors. */
export function requestName(type: RequestType): string {
  return REQUEST_NAMES[type] ?? String(type);
}

/** Broadcast options as they travel: arrays for sets, the recovery offset among the flags. */
export interface RawOptions {
  rooms?: Room[];
  except?: Room[];
  flags?: BroadcastFlags & { offset?: string };
}

/** A request, command or response between nodes (responses to some requests carry no type). */
export interface ClusterMessage {
  uid?: string;
  requestId?: string;
  type: RequestType;
  opts?: RawOptions;
  rooms?: Room[];
  close?: boolean;
  data?: unknown;
  packet?: unknown;
  sockets?: unknown[];
  clientCount?: number;
}

/** The channels and keys of one namespace, as seen by the node `uid`. */
export class Channels {
  /** Broadcasts to the whole namespace; rooms append `room#`. */
  readonly broadcast: string;
  /** Requests and commands. */
  readonly request: string;
  /** Responses to every node. */
  readonly response: string;
  /** Responses to this node only. */
  readonly specificResponse: string;
  #sessionPrefix: string;

  /** @param key The prefix. @param nsp The namespace's name. @param uid This node's id. */
  constructor(key: string, nsp: string, uid: string) {
    this.broadcast = `${key}#${nsp}#`;
    this.request = `${key}-request#${nsp}#`;
    this.response = `${key}-response#${nsp}#`;
    this.specificResponse = this.responseTo(uid);
    this.#sessionPrefix = `${key}-session#${nsp}#`;
  }

  /** The broadcast channel of one room. */
  room(room: Room): string {
    return `${this.broadcast}${room}#`;
  }

  /** The room a broadcast channel names: "" for the whole namespace, null when not ours. */
  roomOf(channel: string): Room | null {
    if (!channel.startsWith(this.broadcast)) return null;
    return channel.slice(this.broadcast.length, -1);
  }

  /** The response channel of the node `uid`. */
  responseTo(uid: string | undefined): string {
    return `${this.response}${uid}#`;
  }

  /** The key of a persisted session. */
  session(pid: PrivateSessionId): string {
    return this.#sessionPrefix + pid;
  }
}

const decoder = new TextDecoder();
const OPEN_BRACE = 0x7b;

/** A text reply (a bulk string arrives as bytes). */
export function replyText(reply: unknown): string {
  return reply instanceof Uint8Array ? decoder.decode(reply) : String(reply);
}

/** A broadcast as published: MessagePack `[uid, packet, opts]`, the offset in the flags. */
export function encodeBroadcast(
  uid: string,
  packet: Packet,
  opts: BroadcastOptions,
  offset?: string,
): Uint8Array {
  return encodeMsgpack([uid, packet, rawOptions(opts, offset)]);
}

/** A broadcast from another node: its sender, event packet, options and recovery offset. */
export interface Broadcast {
  uid: unknown;
  packet: Packet;
  opts: BroadcastOptions;
  offset: string | undefined;
}

/**
 * A broadcast from another node, or null when it carries no event packet
 * (anything else would make clients close on a parse error).
 *
 * @throws {Error} When the message is not MessagePack.
 */
export function decodeBroadcast(message: Uint8Array): Broadcast | null {
  const decoded = decodeMsgpack(message);
  const [uid, packet, raw] = Array.isArray(decoded) ? decoded as [unknown, Packet, RawOptions] : [];
  if (!isBroadcastPacket(packet)) return null;
  const opts = toOptions(isObject(raw) ? raw : undefined);
  const flags = opts.flags as RawOptions["flags"] & object;
  const offset = typeof flags.offset === "string" ? flags.offset : undefined;
  delete flags.offset;
  return { uid, packet, opts, offset };
}

/**
 * A request or response: JSON, or MessagePack (broadcasts with acks). Null
 * for a value that is no object (responses to some requests carry no type).
 *
 * @throws {Error} When the message is neither.
 */
export function decodeMessage(message: Uint8Array): ClusterMessage | null {
  const value = message[0] === OPEN_BRACE
    ? JSON.parse(decoder.decode(message))
    : decodeMsgpack(message);
  return isObject(value) ? value as unknown as ClusterMessage : null;
}

/** A message as JSON text, or as it is when already encoded (MessagePack). */
export function encodeMessage(message: Record<string, unknown> | Uint8Array): string | Uint8Array {
  return message instanceof Uint8Array ? message : JSON.stringify(message);
}

/** A list of names from the wire as a Set; anything but an array is empty. */
export function toSet(value: unknown): Set<Room> {
  return new Set(Array.isArray(value) ? value.map(String) : []);
}

/** Broadcast options from the wire. */
export function toOptions(raw: RawOptions | undefined): BroadcastOptions {
  const flags = isObject(raw?.flags) ? raw.flags : {};
  return { rooms: toSet(raw?.rooms), except: toSet(raw?.except), flags };
}

/** Broadcast options for the wire, with the recovery offset when there is one. */
export function rawOptions(opts: BroadcastOptions, offset?: string): RawOptions {
  const flags: RawOptions["flags"] = { ...opts.flags };
  if (offset !== undefined) flags.offset = offset;
  return { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags };
}

/** An event packet as broadcasts carry it: `{ type: 2 | 5, data: [...], nsp? }`. */
export function isBroadcastPacket(value: unknown): value is Packet {
  // An event name first: anything else would make clients close on a parse error.
  if (!isObject(value) || !Array.isArray(value.data) || typeof value.data[0] !== "string") {
    return false;
  }
  const type = value.type;
  return (type === 2 || type === 5) && (value.nsp === undefined || typeof value.nsp === "string");
}

/** Whether a value is a plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A local socket as a `fetchSockets` response carries it. */
export function socketDetails(socket: unknown): Record<string, unknown> {
  const s = socket as { id: SocketId; handshake: unknown; rooms: Iterable<Room>; data: unknown };
  return { id: s.id, handshake: s.handshake, rooms: [...s.rooms], data: s.data };
}
