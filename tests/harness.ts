/**
 * One test API for both runtimes: the same `*_test.ts` files run under
 * `deno test` (on `Deno.test`) and `bun test` (on `bun:test`). Assertions come
 * from `node:assert/strict`, which both runtimes ship.
 *
 * Every test gets a bounded timeout, so a missing event fails the test instead
 * of hanging the suite.
 *
 * @module
 */

/** Which runtime runs the suite. */
export const runtime: "deno" | "bun" = "Bun" in globalThis ? "bun" : "deno";

/** Options for {@linkcode test}. */
export interface TestOptions {
  /** Milliseconds before the test fails. @default 15000 */
  timeout?: number;
  /** Skip the test (it is reported as ignored/skipped). @default false */
  ignore?: boolean;
  /**
   * Deno only: check that the test leaves no pending op or open resource.
   * Turn off for tests that drive npm packages that keep their own timers.
   * @default true
   */
  sanitize?: boolean;
}

type BunTest = (name: string, fn: () => unknown, options?: { timeout?: number }) => void;
type BunTestModule = { test: BunTest & { skip: BunTest } };

// A variable specifier keeps `deno check` from resolving the Bun-only module.
const bunSpecifier = "bun:test";
const bun: BunTestModule | null = runtime === "bun"
  ? await import(bunSpecifier) as BunTestModule
  : null;

/** Registers a test under whichever runtime runs the file. */
export function test(
  name: string,
  fn: () => void | Promise<void>,
  options: TestOptions = {},
): void {
  const timeout = options.timeout ?? 15_000;
  if (bun) {
    // Bun enforces the timeout itself; our own race is a second, slightly later guard.
    const run = () => withTimeout(Promise.resolve().then(fn), timeout + 500, name);
    if (options.ignore) bun.test.skip(name, run);
    else bun.test(name, run, { timeout: timeout + 1000 });
    return;
  }
  const sanitize = options.sanitize ?? true;
  Deno.test({
    name,
    ignore: options.ignore ?? false,
    sanitizeOps: sanitize,
    sanitizeResources: sanitize,
    fn: () => withTimeout(Promise.resolve().then(fn), timeout, name),
  });
}

/** Rejects when `promise` has not settled within `ms`; the timer is always cleared. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = "operation"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A promise with its resolve and reject functions. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

/** Creates a {@linkcode Deferred}. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Minimal shape of an object with `once(event, listener)` (our emitters, npm ones). */
export interface OnceEmitter {
  // deno-lint-ignore no-explicit-any
  once(event: string, listener: (...args: any[]) => void): unknown;
}

/** Resolves with the arguments of the next `event`, or rejects after `ms`. */
export function nextEvent<T extends unknown[] = unknown[]>(
  emitter: OnceEmitter,
  event: string,
  ms = 5000,
): Promise<T> {
  return withTimeout(
    new Promise<T>((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args as T))),
    ms,
    `event "${event}"`,
  );
}

/** Polls `predicate` (which may be async) every few ms until it is true, or rejects after `ms`. */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  ms = 5000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A seeded pseudo-random generator (mulberry32), so randomised tests are repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Collects what the program reports as uncaught through `reportError` (the
 * client reports errors thrown by listeners so). Deno dispatches it as an
 * `error` event on the global scope, cancelled here with `preventDefault()` so
 * the runner does not fail; Bun sends it to `process` "uncaughtException" and
 * `bun test` fails the running test whatever listens, so under Bun the global
 * `reportError` is replaced until `restore()`.
 */
export function catchUncaught(): { errors: unknown[]; restore: () => void } {
  const errors: unknown[] = [];
  if (runtime === "bun") {
    const g = globalThis as { reportError?: (error: unknown) => void };
    const original = g.reportError;
    g.reportError = (error) => errors.push(error);
    return { errors, restore: () => void (g.reportError = original) };
  }
  const onError = (event: Event) => {
    event.preventDefault();
    errors.push((event as ErrorEvent).error);
  };
  globalThis.addEventListener("error", onError);
  return { errors, restore: () => globalThis.removeEventListener("error", onError) };
}
