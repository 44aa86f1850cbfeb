// deno-lint-ignore-file no-explicit-any
/**
 * The differential client scenario: one script run with the official
 * socket.io-client 4.8.1 and with webio's client against the same server
 * (the differential reference server, see behaviour.mjs), producing an event
 * log per client that the test compares. Ids and timings are normalised:
 * the log holds event names, reasons, messages, argument shapes and return
 * values, in the order they happened.
 *
 * @module
 */

/** Starts and stops the server the scenario runs against (same port). */
export interface ServerControl {
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** `io(url, options)` of either client. */
export type IoFunction = (url: string, options: Record<string, unknown>) => any;

/** What the scenario records, step by step. */
export type ClientLog = Record<string, unknown[]>;

const WAIT = 3000;

/** The shape of an error: what a user's code can read from it. */
function errorShape(error: any): Record<string, unknown> {
  if (!(error instanceof Error)) {
    return { notAnError: JSON.stringify(error) ?? String(error) };
  }
  const shape: Record<string, unknown> = { message: error.message };
  if ("data" in error) shape.data = (error as any).data;
  if ("type" in error) shape.type = (error as any).type;
  return shape;
}

/** What a call returned: the socket itself, or the value. */
function returned(value: unknown, socket: unknown): unknown {
  if (value === socket) return "<the socket>";
  if (value === undefined) return "<undefined>";
  return value;
}

/** JSON-safe argument shapes (functions become "<function>"). */
function shape(args: unknown[]): unknown[] {
  return args.map((a) => typeof a === "function" ? "<function>" : a);
}

class Recorder {
  lines: unknown[] = [];
  /** Entries before this index were consumed by an earlier `until`. */
  #cursor = 0;
  #waiter: { entry: string; resolve: () => void } | undefined;

  push(entry: string, detail?: unknown): void {
    this.lines.push(detail === undefined ? entry : { [entry]: detail });
    if (this.#waiter?.entry === entry) {
      this.#cursor = this.lines.length;
      this.#waiter.resolve();
      this.#waiter = undefined;
    }
  }

  /**
   * Resolves once `entry` is recorded after the entry the previous `until`
   * matched (already, or later); logs a timeout after `ms`.
   */
  until(entry: string, ms = WAIT): Promise<void> {
    for (let i = this.#cursor; i < this.lines.length; i++) {
      const line = this.lines[i];
      const name = typeof line === "string" ? line : Object.keys(line as object)[0];
      if (name === entry) {
        this.#cursor = i + 1;
        return Promise.resolve();
      }
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        this.lines.push({ "timed out waiting for": entry });
        resolve();
      }, ms);
      this.#waiter = {
        entry,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }
}

/** Records a socket's reserved events, and its manager's. */
function watch(socket: any, rec: Recorder, events: string[] = []): void {
  socket.on("connect", () => rec.push("connect"));
  socket.on(
    "disconnect",
    (reason: string, details: unknown) =>
      rec.push("disconnect", {
        reason,
        details: details === undefined ? "none" : typeof details,
      }),
  );
  socket.on(
    "connect_error",
    (error: unknown) => rec.push("connect_error", errorShape(error)),
  );
  for (const event of events) {
    socket.on(event, (...args: unknown[]) => rec.push(event, shape(args)));
  }
  const manager = socket.io;
  manager.on("open", () => rec.push("manager open"));
  manager.on("close", (reason: string) => rec.push("manager close", reason));
  manager.on(
    "error",
    (error: unknown) => rec.push("manager error", errorShape(error)),
  );
  manager.on("reconnect_attempt", () => rec.push("manager reconnect_attempt"));
  manager.on(
    "reconnect",
    (n: unknown) => rec.push("manager reconnect", typeof n),
  );
  manager.on(
    "reconnect_error",
    (error: unknown) => rec.push("manager reconnect_error", errorShape(error)),
  );
  manager.on("reconnect_failed", () => rec.push("manager reconnect_failed"));
}

/**
 * Folds repeated reconnection attempts, whose number depends on timing: the
 * lines from one "manager reconnect_attempt" to the next form a group, and a
 * group equal to the one before it is left out.
 */
function foldRetries(lines: unknown[]): unknown[] {
  const groups: string[][] = [[]];
  for (const line of lines) {
    const text = JSON.stringify(line);
    if (text === '"manager reconnect_attempt"') groups.push([]);
    groups[groups.length - 1].push(text);
  }
  const kept = groups.filter((g, i) => i < 2 || g.join() !== groups[i - 1].join());
  return kept.flat().map((text) => JSON.parse(text));
}

/**
 * Runs the scenario with one client over one transport against the server at
 * `url`; `control` restarts that server for the reconnection step.
 */
export async function clientScenario(
  io: IoFunction,
  url: string,
  transport: "polling" | "websocket",
  control: ServerControl,
): Promise<ClientLog> {
  const log: ClientLog = {};
  const base = {
    forceNew: true,
    transports: [transport],
    reconnectionDelay: 100,
    reconnectionDelayMax: 100,
    randomizationFactor: 0,
    timeout: 2000,
  };
  const open: any[] = [];
  /** Steps whose log is taken at the end, to include late events. */
  const late: Array<[string, Recorder]> = [];
  const uncaught: string[] = [];
  const onError = (event: any) => {
    event.preventDefault?.();
    uncaught.push(event.error?.message ?? event.message ?? String(event.error));
  };
  const onRejection = (event: any) => {
    event.preventDefault?.();
    uncaught.push(
      "unhandled rejection: " + (event.reason?.message ?? String(event.reason)),
    );
  };
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onRejection);
  try {
    // 1. Connect, events both ways, acks both ways.
    {
      const rec = new Recorder();
      const socket = io(url, { ...base, auth: { welcome: true, token: "t" } });
      open.push(socket);
      watch(socket, rec, ["welcome", "echo", "answered"]);
      socket.on("question", (q: string, ack: (a: string) => void) => {
        rec.push("question", shape([q, ack]));
        ack("answer to " + q);
      });
      rec.push("created", {
        connected: socket.connected,
        active: socket.active,
      });
      await rec.until("welcome");
      rec.push("state", {
        connected: socket.connected,
        disconnected: socket.disconnected,
        active: socket.active,
        id: typeof socket.id,
        idIsEngineId: socket.id === socket.io.engine?.id,
        // socket.io-client sets `recovered` to `pid && this._pid === pid`:
        // `undefined`, not `false`, when the server has no connection state
        // recovery; webio keeps a boolean (an intended difference), so the
        // log compares its truth value.
        recovered: Boolean(socket.recovered),
        transport: socket.io.engine?.transport?.name,
      });
      rec.push(
        "emit returns",
        returned(socket.emit("echo", 1, "two", { three: [3] }), socket),
      );
      await rec.until("echo");
      const acked = new Promise<void>((resolve) => {
        rec.push(
          "emit with ack returns",
          returned(
            socket.emit("ack", "a", 1, (...args: unknown[]) => {
              rec.push("ack", shape(args));
              resolve();
            }),
            socket,
          ),
        );
      });
      await acked;
      rec.push("emitWithAck", await socket.emitWithAck("ack", "b", 2));
      try {
        await socket.timeout(200).emitWithAck("noack");
        rec.push("timeout emitWithAck resolved");
      } catch (error) {
        rec.push("timeout emitWithAck rejected", errorShape(error));
      }
      await new Promise<void>((resolve) => {
        socket.timeout(200).emit(
          "noack",
          (error: unknown, ...rest: unknown[]) => {
            rec.push("timeout emit callback", {
              error: errorShape(error),
              rest: shape(rest),
            });
            resolve();
          },
        );
      });
      await new Promise<void>((resolve) => {
        socket.timeout(1000).emit(
          "ack",
          "c",
          (error: unknown, ...rest: unknown[]) => {
            rec.push("timeout emit answered", { error, rest: shape(rest) });
            resolve();
          },
        );
      });
      socket.emit("ask");
      await rec.until("answered");
      rec.push("send returns", returned(socket.send("m"), socket));

      // A listener that throws: the connection lives on (the error is the page's).
      socket.on("throw-me", () => {
        throw new Error("boom from a listener");
      });
      socket.on("after", () => rec.push("after"));
      socket.emit("throw-me");
      await rec.until("after", 1500);
      rec.push("after a throwing listener", {
        connected: socket.connected,
        uncaught: [...uncaught],
      });
      uncaught.length = 0;

      // Server-side disconnect, then connect() again.
      socket.emit("kick");
      await rec.until("disconnect");
      rec.push("after kick", {
        connected: socket.connected,
        active: socket.active,
      });
      rec.push("connect() returns", returned(socket.connect(), socket));
      await rec.until("welcome");
      // Client-side disconnect.
      const result = socket.disconnect();
      rec.push("disconnect() returns", {
        value: returned(result, socket),
        connected: socket.connected,
        active: socket.active,
      });
      rec.push(
        "emit while disconnected returns",
        returned(socket.emit("echo", "late"), socket),
      );
      rec.push(
        "disconnect() again returns",
        returned(socket.disconnect(), socket),
      );
      log["connect, events, acks, disconnects"] = rec.lines.slice();
    }

    // 2. Namespace refusals: a middleware error with data, an invalid namespace.
    for (const nsp of ["/guarded", "/nope"]) {
      const rec = new Recorder();
      const socket = io(url + nsp, base);
      open.push(socket);
      watch(socket, rec);
      await rec.until("connect_error");
      rec.push("state", { connected: socket.connected, active: socket.active });
      rec.push("disconnect() returns", returned(socket.disconnect(), socket));
      log[`refused by ${nsp}`] = rec.lines.slice();
    }

    // 3. The server closes the Engine.IO connection: the client reconnects.
    {
      const rec = new Recorder();
      const socket = io(url, base);
      open.push(socket);
      watch(socket, rec, ["echo"]);
      await rec.until("connect");
      socket.emit("drop");
      await rec.until("manager reconnect");
      await rec.until("connect");
      socket.emit("echo", "again");
      await rec.until("echo");
      socket.disconnect();
      log["forced close and reconnection"] = rec.lines.slice();
    }

    // 4. Closed before the socket ever connected: the Manager is closed while
    // the socket is still connecting, then its connection closes while the
    // socket's CONNECT waits for its auth function.
    {
      const rec = new Recorder();
      const socket = io(url, base);
      open.push(socket);
      watch(socket, rec);
      rec.push(
        "manager.disconnect() returns",
        returned(socket.io.disconnect(), socket.io),
      );
      rec.push("state", { connected: socket.connected, active: socket.active });
      rec.push("disconnect() returns", returned(socket.disconnect(), socket));
      rec.push("state after disconnect()", {
        connected: socket.connected,
        active: socket.active,
      });
      // Sliced at the end of the scenario: late events would show there.
      late.push(["manager closed while connecting", rec]);
    }
    {
      const rec = new Recorder();
      let answer: ((data: Record<string, unknown>) => void) | undefined;
      const socket = io(url, {
        ...base,
        auth: (callback: (data: Record<string, unknown>) => void) => {
          rec.push("auth asked");
          answer = callback;
        },
      });
      open.push(socket);
      watch(socket, rec, ["echo"]);
      await rec.until("manager open");
      socket.io.engine.close();
      rec.push("state", { connected: socket.connected, active: socket.active });
      await rec.until("manager reconnect");
      answer!({});
      await rec.until("connect");
      socket.emit("echo", "finally");
      await rec.until("echo");
      socket.disconnect();
      log["connection closed while connecting"] = rec.lines.slice();
    }

    // 5. The server goes away and comes back.
    {
      const rec = new Recorder();
      const socket = io(url, base);
      open.push(socket);
      watch(socket, rec, ["echo"]);
      await rec.until("connect");
      await control.stop();
      await rec.until("manager reconnect_error", 5000);
      // Logged last, not here: it would split the retries that foldRetries folds.
      const down = { connected: socket.connected, active: socket.active };
      // A new socket while the server is unreachable: it never connects.
      {
        const rec = new Recorder();
        const lone = io(url, { ...base, reconnection: false });
        open.push(lone);
        watch(lone, rec);
        await rec.until("manager error");
        rec.push("state", { connected: lone.connected, active: lone.active });
        late.push(["server unreachable", rec]);
      }
      await control.start();
      await rec.until("manager reconnect", 5000);
      await rec.until("connect");
      socket.emit("echo", "back");
      await rec.until("echo");
      socket.disconnect();
      rec.push("state while down", down);
      log["server restart"] = foldRetries(rec.lines);
    }
    for (const [step, rec] of late) log[step] = rec.lines.slice();
  } finally {
    for (const socket of open) socket.disconnect();
    globalThis.removeEventListener("error", onError);
    globalThis.removeEventListener("unhandledrejection", onRejection);
  }
  return log;
}
