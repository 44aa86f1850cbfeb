// A Node client that sends `Connection: close` on some requests and reuses
// one keep-alive socket for the rest (what node-fetch 3 does on a keep-alive
// agent), against http://127.0.0.1:$1 (the conformance server, or the
// reference of http_fidelity_test.ts). Prints one JSON array: for each
// request, whether it got an answer, its status and its Connection header.
import http from "node:http";
import process from "node:process";

const port = Number(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, path, { close = false, body, headers = {} } = {}) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        agent,
        headers: { ...headers, ...(close ? { connection: "close" } : {}) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () =>
          resolve({
            what: `${method} ${path.split("?")[0]}${close ? " (close)" : ""}`,
            ok: true,
            status: res.statusCode,
            connection: res.headers.connection ?? null,
            text,
          }));
      },
    );
    req.on(
      "error",
      (error) => resolve({ what: `${method} ${path}`, ok: false, error: error.message }),
    );
    req.end(body);
  });
}

const handshake = "/socket.io/?EIO=4&transport=polling";
const results = [];
const step = async (method, path, options) => {
  const result = await request(method, path, options);
  results.push(result);
  // Then a plain request on the same agent: it fails if the socket was closed unannounced.
  results.push(await request("GET", handshake));
  return result;
};

const open = await step("GET", handshake, { close: true });
const sid = open.ok ? JSON.parse(open.text.slice(1)).sid : "none";
const session = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
await step("POST", session, { close: true, body: "40" });
await step("GET", session, { close: true });
await step("GET", "/socket.io/?EIO=4&transport=bogus", { close: true });
await step("OPTIONS", handshake, {
  close: true,
  headers: { origin: "http://a.test", "access-control-request-method": "POST" },
});
await step("GET", "/socket.io/socket.io.min.js", { close: true });
await step("GET", "/engine.io/?EIO=4&transport=polling", { close: true });
await step("GET", "/nowhere", { close: true });
agent.destroy();
console.log(JSON.stringify(results.map(({ text: _, ...rest }) => rest)));
