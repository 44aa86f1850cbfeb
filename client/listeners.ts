/**
 * The listener tables of the client: a socket's (per event, and the
 * catch-all ones: `onAny`, `onAnyOutgoing` and their companions, from the
 * shared {@linkcode CatchAllListeners}) and the emitter of the Manager and
 * the engine client. Every call goes through `callUser`, so what a listener
 * throws is reported as uncaught and never reaches the connection.
 *
 * @module
 */

import { type AnyListener, CatchAllListeners } from "../common/catch_all.ts";
import { Emitter, type EventsMap } from "../common/emitter.ts";
import { callEach, callUser, type Fn } from "./report.ts";

export type { AnyListener } from "../common/catch_all.ts";

/**
 * An emitter whose `emit` calls each listener through `callUser`: what one
 * throws is reported as uncaught and the others still run, so a bug in a
 * user's listener never looks like a network failure nor breaks the
 * reconnection loop. The Manager's and the engine client's.
 */
export class ReportingEmitter<M extends EventsMap> extends Emitter<M> {
  /** Calls the listeners of `event`, each through `callUser`. */
  protected override emitArgs(event: keyof M, args: unknown[]): boolean {
    return callEach(this, this.rawListener(event) as Fn | readonly Fn[] | undefined, args);
  }
}

/** Event listeners with catch-all listeners; what a listener throws is reported as uncaught. */
export class SocketListeners<L extends EventsMap> extends CatchAllListeners<L> {
  /** Calls the listeners of `event`, each through `callUser`. */
  protected override emitArgs(event: keyof L, args: unknown[]): boolean {
    return callEach(this, this.rawListener(event) as Fn | readonly Fn[] | undefined, args);
  }

  /** Calls the listeners of `event` (any name) with `args`. */
  protected callListeners(event: string, args: readonly unknown[]): void {
    callEach(this, this.rawListener(event) as Fn | readonly Fn[] | undefined, args);
  }

  /** Calls one catch-all listener through `callUser`. */
  protected override callAnyListener(listener: AnyListener, args: unknown[]): void {
    callUser(this, listener, args);
  }
}
