// Socket.IO v5 protocol scenarios over a raw WebSocket, against our
// conformance server and against the reference. Namespace "/" emits "auth"
// with the handshake auth, echoes "message" as "message-back" and acks
// "message-with-ack"; "/custom" emits "auth"; other namespaces are refused;
// connectTimeout is 1000 ms.
import assert from "node:assert/strict";
import { test } from "../harness.ts";
import { TARGETS } from "./targets.ts";
import { openSocket, type WireSocket, wsUrl } from "./wire.ts";

const opts = { sanitize: false, timeout: 10_000 };
const SIO = "EIO=4&transport=websocket";

async function engine(base: string): Promise<WireSocket> {
  const ws = await openSocket(wsUrl(base, SIO, "/socket.io/"));
  const open = await ws.nextText();
  assert.equal(open[0], "0");
  return ws;
}

/** Connects to a namespace; returns the socket and the CONNECT reply's sid. */
async function connect(
  base: string,
  nsp = "/",
  auth?: object,
): Promise<{ ws: WireSocket; sid: string }> {
  const ws = await engine(base);
  const prefix = nsp === "/" ? "" : `${nsp},`;
  ws.send(`40${prefix}${auth ? JSON.stringify(auth) : ""}`);
  const reply = await ws.nextText();
  assert.ok(reply.startsWith(`40${prefix}`), reply);
  const { sid } = JSON.parse(reply.slice(2 + prefix.length));
  assert.equal(typeof sid, "string");
  return { ws, sid };
}

for (const target of TARGETS) {
  const t = (name: string, fn: (base: string) => Promise<void>) =>
    test(
      `conformance socket.io [${target.name}]: ${name}`,
      async () => fn((await target.server()).url),
      opts,
    );

  t("connect to the main namespace, auth echoed", async (base) => {
    const { ws } = await connect(base);
    assert.equal(await ws.nextText(), '42["auth",{}]');
    await ws.close();
  });

  t("connect with a payload", async (base) => {
    const { ws } = await connect(base, "/", { token: "123" });
    assert.equal(await ws.nextText(), '42["auth",{"token":"123"}]');
    await ws.close();
  });

  t("connect to a custom namespace", async (base) => {
    const { ws } = await connect(base, "/custom");
    assert.equal(await ws.nextText(), '42/custom,["auth",{}]');
    await ws.close();
  });

  t("an unknown namespace is refused", async (base) => {
    const ws = await engine(base);
    ws.send("40/random,");
    assert.equal(await ws.nextText(), '44/random,{"message":"Invalid namespace"}');
    await ws.close();
  });

  t("an invalid handshake closes the connection", async (base) => {
    const ws = await engine(base);
    ws.send("4abcde");
    await ws.untilClosed();
  });

  t("no CONNECT within connectTimeout closes the connection", async (base) => {
    const ws = await engine(base);
    const started = Date.now();
    await ws.untilClosed();
    assert.ok(Date.now() - started >= 800, "closed only after connectTimeout");
  });

  t("disconnect, then connect again on the same connection", async (base) => {
    const { ws, sid } = await connect(base);
    await ws.nextText();
    ws.send("41");
    // The reference handles DISCONNECT on the next tick; a round trip on another
    // namespace makes sure it did before we connect again.
    ws.send("40/custom,");
    assert.ok((await ws.nextText()).startsWith("40/custom,{"));
    await ws.nextText(); // its "auth" event
    ws.send("40");
    const reply = await ws.nextText();
    assert.ok(reply.startsWith("40{"), reply);
    assert.notEqual(JSON.parse(reply.slice(2)).sid, sid);
    await ws.close();
  });

  t("events are echoed", async (base) => {
    const { ws } = await connect(base);
    await ws.nextText();
    ws.send('42["message",1,"2",{"3":[true]}]');
    assert.equal(await ws.nextText(), '42["message-back",1,"2",{"3":[true]}]');
    await ws.close();
  });

  t("binary events are echoed with their attachments", async (base) => {
    const { ws } = await connect(base);
    await ws.nextText();
    ws.send('452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    ws.send(new Uint8Array([1, 2, 3]));
    ws.send(new Uint8Array([4, 5, 6]));
    assert.equal(
      await ws.nextText(),
      '452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
    );
    assert.deepEqual(new Uint8Array(await ws.next() as ArrayBuffer), new Uint8Array([1, 2, 3]));
    assert.deepEqual(new Uint8Array(await ws.next() as ArrayBuffer), new Uint8Array([4, 5, 6]));
    await ws.close();
  });

  t("acks carry the arguments back, binary too", async (base) => {
    const { ws } = await connect(base);
    await ws.nextText();
    ws.send('42456["message-with-ack",1,"2",{"3":[false]}]');
    assert.equal(await ws.nextText(), '43456[1,"2",{"3":[false]}]');
    ws.send('451-789["message-with-ack",{"_placeholder":true,"num":0}]');
    ws.send(new Uint8Array([7]));
    assert.equal(await ws.nextText(), '461-789[{"_placeholder":true,"num":0}]');
    assert.deepEqual(new Uint8Array(await ws.next() as ArrayBuffer), new Uint8Array([7]));
    await ws.close();
  });

  for (
    const [what, packet] of [
      ["an unknown packet type", "4abc"],
      ["an invalid payload", "42{}"],
      ["an invalid ack id", '42abc["message-with-ack",1]'],
    ]
  ) {
    t(`${what} closes the connection`, async (base) => {
      const { ws } = await connect(base);
      await ws.nextText();
      ws.send(packet);
      await ws.untilClosed();
    });
  }

  test(`conformance socket.io [${target.name}]: stop the server`, () => target.stop(), opts);
}
