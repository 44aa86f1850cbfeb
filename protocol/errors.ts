/**
 * The one error type that every decoder in `protocol/` throws.
 *
 * @module
 */

/**
 * Thrown by every decoder for input that breaks the Engine.IO or Socket.IO
 * protocol. Transports catch it at their boundary and close the connection
 * with the reason "parse error".
 *
 * @example Telling bad input apart from a bug
 * ```ts
 * import { decodePacket, ProtocolError } from "./mod.ts";
 * try {
 *   decodePacket("9");
 * } catch (error) {
 *   console.log(error instanceof ProtocolError); // true
 * }
 * ```
 */
export class ProtocolError extends SyntaxError {
  /**
   * Makes the error of one malformed input.
   *
   * @param message What was wrong with the input, "Cannot decode X: detail".
   */
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}
