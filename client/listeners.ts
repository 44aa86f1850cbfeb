/**
 * The listeners of a client socket: per event, and the catch-all ones
 * (`onAny`, `onAnyOutgoing` and their companions, from the shared
 * {@linkcode CatchAllListeners}). Every call goes through `callUser`, so what
 * a listener throws is reported as uncaught and never reaches the
 * connection.
 *
 * @module
 */

import { type AnyListener, CatchAllListeners } from "../common/catch_all.ts";
import type { EventsMap } from "../common/emitter.ts";
import { callEach, callUser, type Fn } from "./report.ts";

export type { AnyListener } from "../common/catch_all.ts";

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
