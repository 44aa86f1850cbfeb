/**
 * The WebSocket transport of the Engine.IO client: the runtime's native
 * `WebSocket` (headers and TLS through `runtime.ts`), binary as ArrayBuffer,
 * one frame per packet. It also carries the upgrade probe.
 *
 * @module
 */

import {
  decodePacket,
  encodePacket,
  encodePacketText,
  type EnginePacket,
} from "../../protocol/engine_io.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { openWebSocket } from "./runtime.ts";
import { Transport } from "./transport.ts";

/** The native `WebSocket`, binary as ArrayBuffer. */
export class WebSocketTransport extends Transport {
  /** "websocket". */
  readonly name = "websocket" as const;
  #ws: WebSocket | null = null;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;

  protected doOpen(): void {
    const o = this.options;
    let headers = o.extraHeaders;
    const cookie = o.cookieJar?.header();
    if (cookie) headers = { ...headers, cookie };
    let ws: WebSocket;
    try {
      ws = openWebSocket(this.uri(o.secure ? "wss" : "ws"), o.protocols, headers, o.tls);
    } catch (error) {
      queueMicrotask(() => this.onError("websocket error", error));
      return;
    }
    ws.binaryType = "arraybuffer";
    ws.onopen = () => this.onOpen();
    ws.onclose = (event) =>
      this.onClose({ description: "websocket connection closed", context: event });
    ws.onmessage = (event) => this.#onData(event.data);
    ws.onerror = (event) => {
      // A WebSocket's error is always followed by its close event (WHATWG WebSockets). Once open,
      // the close reports the loss: Deno fires an error before the close of a connection cut
      // without a closing handshake, where browsers, Node's ws and Bun fire only the close.
      if (this.state !== "open") this.onError("websocket error", event);
    };
    this.#ws = ws;
  }

  #onData(data: string | ArrayBuffer): void {
    let packet: EnginePacket;
    try {
      packet = decodePacket(data);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.onError("parse error", error);
      return;
    }
    this.onPacket(packet);
  }

  protected doClose(): void {
    const ws = this.#ws;
    this.#ws = null;
    if (!ws) return;
    ws.onerror = null;
    ws.onclose = null;
    ws.onmessage = null;
    try {
      ws.close();
    } catch { /* already closing */ }
  }

  protected write(packets: EnginePacket[]): void {
    const ws = this.#ws;
    if (!ws) return;
    this.writable = false;
    const base64 = this.options.forceBase64;
    for (const packet of packets) {
      const frame = base64 ? encodePacketText(packet) : encodePacket(packet);
      try {
        ws.send(frame as string | Uint8Array<ArrayBuffer>);
      } catch (error) {
        this.onError("websocket error", error);
        return;
      }
    }
    // Like the reference: writable again on the next tick, then drain.
    this.#drainTimer = setTimeout(this.#drained, 0);
  }

  #drained = (): void => {
    this.#drainTimer = undefined;
    if (this.state === "closed") return;
    this.writable = true;
    this.handler.onTransportDrain(this);
  };

  protected override onClose(description?: unknown): void {
    clearTimeout(this.#drainTimer);
    super.onClose(description);
  }

  protected override doDiscard(): void {
    clearTimeout(this.#drainTimer);
    this.doClose();
  }
}
