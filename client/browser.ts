/**
 * Entry of the classic-script browser bundle: defines the global `io`, like
 * the official `socket.io.js` does.
 *
 * @module
 */

import { io } from "./mod.ts";

(globalThis as unknown as { io: typeof io }).io = io;
