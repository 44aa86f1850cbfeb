/**
 * The error of the Redis adapter's cluster operations.
 *
 * @module
 */

/** Why a cluster operation failed: a timeout, or Redis unreachable. */
export class RedisAdapterError extends Error {
  /** The operation: "publish", "fetchSockets", "serverSideEmit", ... */
  readonly operation: string;

  /**
   * Makes the error of a failed cluster operation.
   *
   * @param operation The operation.
   * @param message What happened.
   * @param options The cause, if any.
   */
  constructor(operation: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RedisAdapterError";
    this.operation = operation;
  }
}
