/**
 * The one middleware runner of the server: namespace middlewares
 * (`nsp.use((socket, next) => ...)`) and socket middlewares
 * (`socket.use((packet, next) => ...)`) both go through it.
 *
 * @module
 */

/** A middleware as the runner sees it: called with its argument and `next`; may be async. */
// deno-lint-ignore no-explicit-any
export type MiddlewareFunction<A> = (arg: A, next: (error?: any) => void) => unknown;

/**
 * Runs `fns` in order with `arg`, each once its predecessor called `next()`,
 * then calls `done` once: with nothing after the last one called `next()`,
 * or with the first error, whether passed to `next(error)` (as it is), thrown
 * or rejected (an async middleware; a value that is not an `Error` is
 * wrapped in one, and `thrown` is true). An error that comes after `done` was called (a middleware
 * that throws after calling `next()`, a second `next(error)`) goes to `late`,
 * never lost; a second `next()` is ignored.
 *
 * @param fns The middlewares, as they were when the run started.
 * @param arg What each middleware gets first (a socket, an event's arguments).
 * @param done Called once the run ends.
 * @param late Takes errors that come after the run ended.
 */
export function runMiddlewares<A>(
  fns: readonly MiddlewareFunction<A>[],
  arg: A,
  done: (error?: Error, thrown?: boolean) => void,
  late: (error: Error) => void,
): void {
  let finished = false;
  const fail = (error: unknown) => {
    const err = error instanceof Error ? error : new Error(String(error));
    if (finished) return late(err);
    finished = true;
    done(err, true);
  };
  const step = (i: number): void => {
    if (i === fns.length) {
      finished = true;
      done();
      return;
    }
    let called = false;
    const next = (error?: unknown) => {
      if (called || finished) {
        if (error) late(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      called = true;
      if (error) {
        finished = true;
        done(error as Error);
      } else step(i + 1);
    };
    try {
      const result = fns[i](arg, next) as { then?: unknown } | null | undefined;
      if (typeof result?.then === "function") {
        (result as PromiseLike<unknown>).then(undefined, fail);
      }
    } catch (error) {
      fail(error);
    }
  };
  step(0);
}
