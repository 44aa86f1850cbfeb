/**
 * How the client reports an error thrown by application code (a listener, an
 * ack callback): as an uncaught error of the program, never as a network
 * failure of the connection that delivered the event.
 *
 * @module
 */

/**
 * Reports `error` as uncaught: through `reportError` where the runtime has it
 * (browsers, Deno, Bun: an `error` event on the global scope, which a page or
 * program may `preventDefault()`), else by rethrowing it on a fresh task. The
 * caller goes on either way, so the connection survives a listener's bug.
 */
export function reportUncaught(error: unknown): void {
  const report = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (typeof report === "function") {
    report.call(globalThis, error);
  } else {
    setTimeout(() => {
      throw error;
    }, 0);
  }
}

/**
 * Calls `fn` with `args` on `self`; an exception it throws is reported with
 * {@linkcode reportUncaught} instead of reaching the caller.
 */
export function callUser(
  self: unknown,
  // deno-lint-ignore no-explicit-any
  fn: (...args: any[]) => unknown,
  args: readonly unknown[],
): void {
  try {
    fn.apply(self, args as unknown[]);
  } catch (error) {
    reportUncaught(error);
  }
}

/** @internal A listener, as the emitters store it. */
// deno-lint-ignore no-explicit-any
export type Fn = (...args: any[]) => unknown;

/**
 * @internal Calls each listener of `entry` (one function or a list, never
 * mutated while in use) with `args`. What a listener throws is reported as
 * uncaught and the next listener still runs: an application's bug must not
 * look like a network failure of the connection that delivered the event.
 */
export function callEach(
  self: unknown,
  entry: Fn | readonly Fn[] | undefined,
  args: readonly unknown[],
): boolean {
  if (entry === undefined) return false;
  if (typeof entry === "function") callUser(self, entry, args);
  else for (const listener of entry) callUser(self, listener, args);
  return true;
}
