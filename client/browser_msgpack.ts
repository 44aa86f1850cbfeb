/**
 * Entry of the `socket.io.msgpack.min.js` browser bundle: defines the global
 * `io`, like socket.io's bundle of that name does, with the msgpack parser
 * (wire-compatible with npm `socket.io-msgpack-parser`) as the default
 * parser of every Manager it makes, `new io.Manager(...)` included. A
 * `parser` option still wins.
 *
 * @module
 */

import { msgpackParser } from "../protocol/msgpack_parser.ts";
import { createIo } from "./io.ts";
import { Manager, type ManagerOptions } from "./manager.ts";

/** A Manager whose parser is the msgpack parser unless the options name one. */
class MsgpackManager extends Manager {
  constructor(uri: string, options: ManagerOptions = {}) {
    super(uri, { ...options, parser: options.parser ?? msgpackParser });
  }
}

(globalThis as unknown as { io: unknown }).io = createIo(MsgpackManager);
