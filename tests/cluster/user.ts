// deno-lint-ignore-file no-explicit-any
/**
 * A test user of a cluster node (tests/cluster/node.ts or the Node reference
 * node): a WebSocket client of ours that answers "question" with its name,
 * and `ask` for the node's control events.
 *
 * @module
 */

import { withTimeout } from "../harness.ts";
import { io as connect, type Socket } from "../../client/mod.ts";

/** Connects `user` to the node at `url`; resolves once connected. */
export async function connectUser(url: string, user: string): Promise<Socket> {
  const c = connect(url, {
    forceNew: true,
    reconnection: false,
    transports: ["websocket"],
    auth: { user },
  });
  c.on("question", (_from: string, ack: (v: string) => void) => ack(user));
  try {
    await withTimeout(
      new Promise<void>((r) => c.once("connect", () => r())),
      5000,
      `${user} connects`,
    );
  } catch (error) {
    c.disconnect();
    throw error;
  }
  return c;
}

/** Emits a control event to the user's node and resolves with its answer. */
export async function ask(c: Socket, event: string, ...args: unknown[]): Promise<any> {
  return await c.timeout(4000).emitWithAck(event, ...args);
}
