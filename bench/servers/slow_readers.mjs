// The slow-readers scenario's server side, shared by servers/webio.ts and servers/socketio.mjs
// (plain JavaScript, so that Node loads it as is). Clients with `slow` in their handshake query
// have their disconnect reasons counted; a client with `flood` in its query may ask for a
// broadcast flood ("flood", acked when the last batch went out) and for the counts ("stats").
import process from "node:process";

/**
 * The per-connection hook of the slow-readers scenario for the server `io` (webio or socket.io):
 * call it on every connection. Connections of other scenarios get no listener.
 */
export function slowReaders(io) {
  const reasons = {};
  return (socket) => {
    const query = socket.handshake.query;
    if (query.slow) {
      socket.on(
        "disconnect",
        (reason) => (reasons[reason] = (reasons[reason] ?? 0) + 1),
      );
    }
    if (!query.flood) return;
    // `events` broadcasts of `size` characters, `batch` at a time, the event loop running (and the
    // runtime writing) between batches; acked with the seconds it took.
    socket.on("flood", ({ events, size, batch }, ack) => {
      const pad = "x".repeat(size);
      const t0 = performance.now();
      let i = 0;
      const step = () => {
        const end = Math.min(events, i + batch);
        while (i < end) io.emit("n", i++, pad);
        if (i < events) setTimeout(step, 1);
        else ack({ seconds: (performance.now() - t0) / 1000 });
      };
      step();
    });
    socket.on("stats", (ack) => {
      const memory = process.memoryUsage();
      ack({
        sockets: io.of("/").sockets.size,
        reasons,
        heapUsed: memory.heapUsed,
        external: memory.external,
        // webio's counters: sessions closed for their backlog, and those holding frames now.
        backpressure: io.engine.backpressure,
      });
    });
  };
}
