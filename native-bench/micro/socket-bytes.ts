/**
 * What a firehose's bytes cost the node's process to write, apart from making them: a uWS app
 * in a child process sends `--ledgers` ledgers of `--frame-bytes` each to `--clients` loopback
 * clients in this process, either as the /ws hub publishes a channel's ledger frame (one
 * `publish` to a topic every client joined) or as SSE streams send it (a write per stream, in
 * pieces of `--piece-bytes`, each inside a cork, as a stream at `limit=200` sends a response of
 * 200 records). Reports the child's CPU (user and system, from process.cpuUsage) per MB written,
 * and checks every client received every byte. The clients' CPU is not counted.
 *
 * The streams bench's 10 unfiltered ws subscribers and 10 unfiltered SSE streams take every
 * payment record (~950 bytes each): ~2.85 MB per ledger of 3,000 payments, per consumer.
 *
 *   node dist/native-bench/micro/socket-bytes.js [--mode ws|sse] [--clients 10] [--frame-bytes 2850000] [--piece-bytes 190000] [--ledgers 20]
 */
import {fork} from "node:child_process";
import crypto from "node:crypto";
import net from "node:net";
import {parseArgs} from "node:util";
import uws, {type HttpResponse} from "@trufflesuite/uws-js-unofficial";
import {isEntryPoint} from "../measure.js";

export interface SocketBytesOptions {
  mode: "ws" | "sse";
  clients: number;
  frameBytes: number;
  pieceBytes: number;
  ledgers: number;
}

export interface SocketBytesResult {
  /** Payload bytes the child wrote to all clients, and what the clients received (with ws frame headers or HTTP chunk sizes). */
  bytes: number;
  received: number;
  userMs: number;
  systemMs: number;
  /** The child's CPU per MB written, ms. */
  perMbMs: number;
}

/** Time between ledgers: the clients read what was sent before the next one (as 1 s ledgers leave time for). */
const LEDGER_GAP_MS = 300;

type ToChild = {kind: "go"};
type FromChild = {kind: "ready"; port: number} | {kind: "done"; user: number; system: number};

/** The child: a uWS app on a free loopback port that sends the ledgers once told to. */
async function serve(opts: SocketBytesOptions): Promise<void> {
  const frame = Buffer.alloc(opts.frameBytes, 0x61);
  const app = uws.App();
  const streams: HttpResponse[] = [];
  app.ws("/ws", {
    maxBackpressure: 1024 * 1024 * 1024,
    open: (ws) => {
      ws.subscribe("firehose");
    },
  });
  app.get("/sse", (res) => {
    res.onAborted(() => {});
    res.cork(() => res.writeStatus("200 OK").writeHeader("Content-Type", "text/event-stream").write(":\n\n"));
    streams.push(res);
  });
  const port = await new Promise<number>((resolve, reject) => app.listen("127.0.0.1", 0, (t) => (t ? resolve(uws.us_socket_local_port(t)) : reject(new Error("listen failed")))));
  process.send!({kind: "ready", port} satisfies FromChild);
  process.on("message", (m: ToChild) => {
    if (m.kind !== "go") return;
    void (async () => {
      const before = process.cpuUsage();
      for (let l = 0; l < opts.ledgers; l++) {
        if (opts.mode === "ws") app.publish("firehose", frame, true);
        else {
          for (const res of streams) {
            for (let at = 0; at < frame.length; at += opts.pieceBytes) {
              const piece = frame.subarray(at, Math.min(frame.length, at + opts.pieceBytes));
              res.cork(() => res.write(piece));
            }
          }
        }
        await new Promise((r) => setTimeout(r, LEDGER_GAP_MS));
      }
      const used = process.cpuUsage(before);
      process.send!({kind: "done", user: used.user, system: used.system} satisfies FromChild, () => process.exit(0));
    })();
  });
}

/** Opens one client (a ws upgrade or an SSE GET) and counts the bytes after its handshake or headers. */
function openClient(port: number, mode: "ws" | "sse", count: (n: number) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => {
      if (mode === "ws") {
        const key = crypto.randomBytes(16).toString("base64");
        s.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      } else s.write("GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
    });
    let head = true;
    s.on("data", (b: Buffer) => {
      if (head) {
        const end = b.indexOf("\r\n\r\n");
        if (end < 0) return;
        head = false;
        resolve(s);
        b = b.subarray(end + 4);
      }
      count(b.length);
    });
    s.on("error", reject);
  });
}

export async function runSocketBytesBench(opts: SocketBytesOptions): Promise<SocketBytesResult> {
  const child = fork(new URL(import.meta.url), ["--serve", JSON.stringify(opts)], {stdio: ["ignore", "inherit", "inherit", "ipc"]});
  const next = (): Promise<FromChild> => new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`the server exited (${code})`)));
  });
  try {
    const ready = await next();
    if (ready.kind !== "ready") throw new Error("the server did not start");
    let received = 0;
    const sockets: net.Socket[] = [];
    for (let i = 0; i < opts.clients; i++) sockets.push(await openClient(ready.port, opts.mode, (n) => (received += n)));
    received = 0;
    child.send({kind: "go"} satisfies ToChild);
    const done = await next();
    if (done.kind !== "done") throw new Error("the server did not report");
    // The last ledger's bytes may still be in flight.
    const bytes = opts.frameBytes * opts.ledgers * opts.clients;
    for (let waited = 0; received < bytes && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    for (const s of sockets) s.destroy();
    const userMs = done.user / 1000;
    const systemMs = done.system / 1000;
    return {bytes, received, userMs, systemMs, perMbMs: (userMs + systemMs) / (bytes / 1e6)};
  } finally {
    child.kill();
  }
}

function parse(argv: string[]): SocketBytesOptions {
  const {values} = parseArgs({args: argv, options: {mode: {type: "string"}, clients: {type: "string"}, "frame-bytes": {type: "string"}, "piece-bytes": {type: "string"}, ledgers: {type: "string"}}});
  const mode = values.mode ?? "ws";
  if (mode !== "ws" && mode !== "sse") throw new Error(`--mode is ws or sse, got "${mode}"`);
  const whole = (flag: string, raw: string | undefined, dflt: number): number => {
    const v = raw === undefined ? dflt : Number(raw);
    if (!Number.isSafeInteger(v) || v < 1) throw new Error(`--${flag} takes a whole number ≥ 1, got "${raw}"`);
    return v;
  };
  return {
    mode,
    clients: whole("clients", values.clients, 10),
    frameBytes: whole("frame-bytes", values["frame-bytes"], 2_850_000),
    pieceBytes: whole("piece-bytes", values["piece-bytes"], 190_000),
    ledgers: whole("ledgers", values.ledgers, 20),
  };
}

if (isEntryPoint(import.meta.url)) {
  const at = process.argv.indexOf("--serve");
  if (at >= 0) await serve(JSON.parse(process.argv[at + 1]!) as SocketBytesOptions);
  else {
    const opts = parse(process.argv.slice(2));
    const r = await runSocketBytesBench(opts);
    const how = opts.mode === "ws" ? "one publish per ledger to a topic of" : `writes of ${opts.pieceBytes} bytes to each of`;
    console.log(`${opts.ledgers} ledgers of ${opts.frameBytes} bytes, ${how} ${opts.clients} loopback clients (${opts.mode})`);
    console.log(`${(r.bytes / 1e6).toFixed(0)} MB written, ${(r.received / 1e6).toFixed(0)} MB received; server CPU ${r.userMs.toFixed(0)} ms user + ${r.systemMs.toFixed(0)} ms system: ${r.perMbMs.toFixed(3)} ms per MB`);
    if (r.received < r.bytes) {
      console.error(`the clients received ${r.received} of ${r.bytes} bytes`);
      process.exitCode = 1;
    }
  }
}
