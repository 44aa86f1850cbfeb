/**
 * Decoders lent to connections for one message at a time. A decoder that has
 * just returned a whole packet holds nothing (the {@linkcode Decoder}
 * contract), so a connection takes one when a message arrives and gives it
 * back once the packet is whole; only a connection in the middle of a binary
 * packet (its attachments still to come) keeps one. Idle connections then
 * hold no decoder at all.
 *
 * @module
 */

import type { Decoder, DecoderOptions, Parser } from "../protocol/parser.ts";

/** How many idle decoders a pool keeps for the next messages. */
const KEEP = 64;

/** The decoders of one server's parser. */
export class DecoderPool {
  #parser: Parser;
  #options: DecoderOptions;
  #idle: Decoder[] = [];

  /** A pool of `parser`'s decoders, made with `options`. */
  constructor(parser: Parser, options: DecoderOptions) {
    this.#parser = parser;
    this.#options = options;
  }

  /** A decoder that holds nothing. */
  take(): Decoder {
    return this.#idle.pop() ?? this.#parser.createDecoder(this.#options);
  }

  /** Gives back a decoder that holds nothing (it has just returned a whole packet). */
  give(decoder: Decoder): void {
    if (this.#idle.length < KEEP) this.#idle.push(decoder);
  }
}
