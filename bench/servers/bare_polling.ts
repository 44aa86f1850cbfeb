/**
 * The long-polling ceiling shared by the bare servers: Engine.IO long-polling
 * reduced to what the benchmark's polling client needs (handshake, CONNECT
 * reply, echo ack, a parked GET per session), on the Web-standard
 * `Request -> Response` API both runtimes serve. No limits, no heartbeat,
 * no CORS: what any Socket.IO long-polling on that runtime could at best reach.
 *
 * @module
 */

interface BareSession {
  queue: string[];
  parked: ((response: Response) => void) | null;
}

const sessions = new Map<string, BareSession>();
let nextId = 0;
const TEXT = { "content-type": "text/plain; charset=UTF-8" };

function flush(session: BareSession): void {
  const parked = session.parked;
  if (!parked || session.queue.length === 0) return;
  session.parked = null;
  const body = session.queue.join("\x1e");
  session.queue = [];
  parked(new Response(body, { headers: TEXT }));
}

/** Answers one long-polling request (`transport=polling` in the URL). */
export function barePolling(request: Request): Response | Promise<Response> {
  const url = request.url;
  const at = url.indexOf("sid=");
  if (at === -1) {
    const sid = "b" + nextId++;
    sessions.set(sid, { queue: [], parked: null });
    return new Response(
      `0{"sid":"${sid}","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
      { headers: TEXT },
    );
  }
  const end = url.indexOf("&", at);
  const sid = url.slice(at + 4, end === -1 ? undefined : end);
  const session = sessions.get(sid);
  if (!session) return new Response('{"code":1,"message":"Session ID unknown"}', { status: 400 });
  if (request.method === "GET") {
    return new Promise((resolve) => {
      session.parked = resolve;
      flush(session);
    });
  }
  return request.text().then((body) => {
    for (const packet of body.split("\x1e")) {
      if (packet === "40") session.queue.push(`40{"sid":"${sid}"}`);
      else if (packet.startsWith("42")) {
        // 42<id>["echo",<payload>] -> 43<id>[<payload>]
        const bracket = packet.indexOf("[");
        session.queue.push("43" + packet.slice(2, bracket) + "[" + packet.slice(bracket + 8));
      } else if (packet === "1") sessions.delete(sid);
    }
    flush(session);
    return new Response("ok", { headers: TEXT });
  });
}
