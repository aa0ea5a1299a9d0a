/**
 * What a firehose SSE stream's reconnections cost the node's main thread, without the socket:
 * ledgers of signed native payments (as the streams bench sends) published to a `LedgerFeed` that
 * keeps them, then streams of GET /payments with `limit=200` that reconnect after each goodbye
 * with Last-Event-ID, as an EventSource does, until they have every record: each reconnection is
 * served from the kept ledgers (parameter check, the ledger's selection, the search for the
 * token, the events and the goodbye). Reports the CPU per reconnection and per record sent; the
 * response stub only counts the bytes (uWS's writes are not measured). With --socket the streams
 * are served by a uWS app on loopback to a client in the same process (its CPU counted too, the
 * same for both builds): the writes and syscalls are measured (e.g. under `strace -c -e sendto`).
 *
 * A/B: the same ledgers through another build's `SseStreams` and feed (its `dist`), run alternately:
 *
 *   node --expose-gc dist/native-bench/micro/sse-reconnect.js [--txs 7500] [--ledgers 3] [--streams 10] [--socket] [--dist OTHER/dist]
 *
 * --live instead measures the live fan-out of each ledger to one-account streams (--streams of
 * them, opened from `now`, then --ledgers ledgers published).
 */
import net from "node:net";
import {parseArgs} from "node:util";
import uws, {type us_listen_socket} from "@trufflesuite/uws-js-unofficial";
import {pathToFileURL} from "node:url";
import path from "node:path";
import {BENCH_PASSPHRASE} from "../fixtures.js";
import {isEntryPoint} from "../measure.js";
import {closedLedgers} from "./stream-topic.js";
import type {LedgerFeed} from "../../src/api/stream/feed.js";
import type {SseStreams, StreamRequest} from "../../src/api/stream/sse.js";
import type {GetRoute, RouteContext} from "../../src/api/routes/context.js";
import type {TxFrame} from "../../src/tx/interface.js";

/** Horizon's largest `limit`, the streams bench's consumers' value. */
const LIMIT = 200;

export interface SseReconnectResult {
  reconnections: number;
  records: number;
  bytes: number;
  /** CPU per reconnection, µs, and per record sent. */
  perReconnectUs: number;
  perRecordUs: number;
}

/** A response that counts what it is sent and keeps the id of the last event. */
function response(): {res: StreamRequest["res"]; state: {bytes: number; lastId: string; ended: boolean}} {
  const state = {bytes: 0, lastId: "", ended: false};
  const take = (chunk: string | Buffer | ArrayBuffer): void => {
    const b = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    state.bytes += b.length;
    const at = b.lastIndexOf("id: ");
    if (at >= 0) state.lastId = b.toString("latin1", at + 4, b.indexOf(10, at));
  };
  const res = {
    cork: (cb: () => void) => {
      cb();
      return res;
    },
    writeStatus: () => res,
    writeHeader: () => res,
    write: (chunk: string | Buffer) => {
      take(chunk);
      return true;
    },
    end: (chunk?: string) => {
      if (chunk !== undefined) take(chunk);
      state.ended = true;
      return res;
    },
    close: () => res,
    onWritable: () => res,
  };
  return {res: res as unknown as StreamRequest["res"], state};
}

/**
 * One connection's reply over a real uWS socket on loopback: a GET with Last-Event-ID, read
 * until the response ends (the goodbye) or, for a stream that went live, until nothing more comes.
 * Returns the body's last event id and whether the node ended the response.
 */
function fetchOverSocket(port: number, lastId: string): Promise<{lastId: string; ended: boolean; bytes: number}> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let bytes = 0;
    let idle: NodeJS.Timeout | undefined;
    const finish = (ended: boolean): void => {
      clearTimeout(idle);
      sock.destroy();
      const all = Buffer.concat(chunks);
      const at = all.lastIndexOf("id: ");
      resolve({lastId: at < 0 ? "" : all.toString("latin1", at + 4, all.indexOf(10, at)), ended, bytes});
    };
    sock.on("data", (b: Buffer) => {
      chunks.push(b);
      bytes += b.length;
      // The chunked body's last chunk.
      if (b.length >= 5 && b.subarray(b.length - 5).toString("latin1") === "0\r\n\r\n") return finish(true);
      clearTimeout(idle);
      idle = setTimeout(() => finish(false), 200);
    });
    sock.on("error", reject);
    sock.write(`GET /payments?cursor=now&limit=${LIMIT} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nLast-Event-ID: ${lastId}\r\n\r\n`);
  });
}

/**
 * The live fan-out to one-account streams: `streams` streams of /accounts/{id}/payments (round
 * robin over the ledgers' accounts) opened from `now`, then `ledgers` ledgers published; CPU of
 * the streams' ledger listener only (the topic and its per-account index are built by a listener
 * before it, untimed). Returns µs per stream per ledger.
 */
export async function runSseLiveBench(opts: {txs: number; ledgers: number; streams: number; dist: string}): Promise<{perDeliveryUs: number; bytes: number}> {
  const load = (rel: string): Promise<unknown> => import(pathToFileURL(path.join(opts.dist, rel)).href);
  const {decodeTxFrame} = (await load("src/tx/frame.js")) as {decodeTxFrame: (xdr: Buffer, networkId: Buffer) => TxFrame};
  const {networkIdOf} = (await load("src/ledger/options.js")) as {networkIdOf: (passphrase: string) => Buffer};
  const {LedgerFeed: Feed} = (await load("src/api/stream/feed.js")) as {LedgerFeed: typeof LedgerFeed};
  const {SseStreams: Streams} = (await load("src/api/stream/sse.js")) as {SseStreams: typeof SseStreams};
  const networkId = networkIdOf(BENCH_PASSPHRASE);
  const ledgers = closedLedgers((x) => decodeTxFrame(x, networkId), opts.txs, opts.ledgers + 1);
  const feed = new Feed({retainLedgers: 10, retainOperations: 1_000_000}, {reader: {} as never});
  const gc = (globalThis as {gc?: () => void}).gc;
  let before = process.cpuUsage();
  let used = 0;
  let accounts: string[] = [];
  feed.subscribe((e) => {
    const payments = e.topics.payments;
    if (accounts.length === 0) accounts = [...new Set(payments.map((p) => p.record.source_account))];
    e.topics.forAccount("payments", accounts[0]!);
    gc?.();
    before = process.cpuUsage();
  });
  const streams = new Streams({heartbeatMs: 600_000}, {feed, defaultPageLimit: 10, maxPageLimit: LIMIT, log: {error: () => {}}});
  streams.start();
  let counting = false;
  feed.subscribe(() => {
    const u = process.cpuUsage(before);
    if (counting) used += u.user + u.system;
  });
  feed.publish(ledgers[0]!);
  const route = {method: "get", pattern: "/accounts/:id/payments", cacheable: false, handle: () => ({status: 200, contentType: "application/hal+json", body: '{"_links":{},"_embedded":{"records":[]}}'})} as unknown as GetRoute;
  const states: {bytes: number}[] = [];
  for (let i = 0; i < opts.streams; i++) {
    const {res, state} = response();
    const account = accounts[i % accounts.length]!;
    const ctx = {
      base: "http://127.0.0.1:8000",
      params: [account],
      query: new URLSearchParams(`cursor=now&limit=${LIMIT}`),
      path: `/accounts/${account}/payments`,
      accept: "text/event-stream",
      modules: {reader: {latestHeader: () => ({seq: ledgers[0]!.header.seq})}},
    } as unknown as RouteContext;
    const reply = await streams.open({route, ctx, lastEventId: "", res, onAbort: () => {}});
    if (reply !== null) throw new Error(`stream refused: ${reply.status}`);
    states.push(state);
  }
  counting = true;
  for (const l of ledgers.slice(1)) feed.publish(l);
  streams.stop();
  return {perDeliveryUs: used / (opts.streams * opts.ledgers), bytes: states.reduce((a, st) => a + st.bytes, 0)};
}

export async function runSseReconnectBench(opts: {txs: number; ledgers: number; streams: number; dist: string; socket: boolean}): Promise<SseReconnectResult> {
  const load = (rel: string): Promise<unknown> => import(pathToFileURL(path.join(opts.dist, rel)).href);
  const {decodeTxFrame} = (await load("src/tx/frame.js")) as {decodeTxFrame: (xdr: Buffer, networkId: Buffer) => TxFrame};
  const {networkIdOf} = (await load("src/ledger/options.js")) as {networkIdOf: (passphrase: string) => Buffer};
  const {LedgerFeed: Feed} = (await load("src/api/stream/feed.js")) as {LedgerFeed: typeof LedgerFeed};
  const {SseStreams: Streams} = (await load("src/api/stream/sse.js")) as {SseStreams: typeof SseStreams};
  const networkId = networkIdOf(BENCH_PASSPHRASE);
  const ledgers = closedLedgers((x) => decodeTxFrame(x, networkId), opts.txs, opts.ledgers);
  const feed = new Feed({retainLedgers: 10, retainOperations: 1_000_000}, {reader: {} as never});
  const streams = new Streams({heartbeatMs: 600_000}, {feed, defaultPageLimit: 10, maxPageLimit: LIMIT, log: {error: () => {}}});
  streams.start();
  for (const l of ledgers) feed.publish(l);
  // Build the topic before the clock starts: the node builds it once per ledger whoever asks.
  for (const e of feed.since(ledgers[0]!.header.seq)!) void e.topics.payments.length;
  const latest = ledgers[ledgers.length - 1]!.header.seq;
  // The parameter check's one-record read (cursor=now): an empty page, as the route answers it.
  const route: GetRoute = {
    method: "get",
    pattern: "/payments",
    cacheable: false,
    handle: () => ({status: 200, contentType: "application/hal+json", body: '{"_links":{},"_embedded":{"records":[]}}'}),
  } as unknown as GetRoute;
  const first = feed.since(ledgers[0]!.header.seq)![0]!.topics.payments[0]!.token;
  const start = (BigInt(first) - 1n).toString();
  let reconnections = 0;
  let bytes = 0;
  // The setup's garbage (signing every payment) is collected before the clock when run with --expose-gc.
  (globalThis as {gc?: () => void}).gc?.();
  if (opts.socket) {
    const app = uws.App();
    app.get("/payments", (res, req) => {
      const lastEventId = req.getHeader("last-event-id");
      const ctx = {
        base: "http://127.0.0.1:8000",
        params: [],
        query: new URLSearchParams(req.getQuery() ?? ""),
        path: "/payments",
        accept: "text/event-stream",
        modules: {reader: {latestHeader: () => ({seq: latest})}},
      } as unknown as RouteContext;
      let abort: () => void = () => {};
      res.onAborted(() => abort());
      void streams.open({route, ctx, lastEventId, res, onAbort: (cb) => (abort = cb)});
    });
    const listen = await new Promise<us_listen_socket>((resolve, reject) => app.listen("127.0.0.1", 0, (t) => (t ? resolve(t) : reject(new Error("listen failed")))));
    const port = uws.us_socket_local_port(listen);
    (globalThis as {gc?: () => void}).gc?.();
    const before = process.cpuUsage();
    for (let s = 0; s < opts.streams; s++) {
      let last = start;
      for (;;) {
        const r = await fetchOverSocket(port, last);
        reconnections++;
        bytes += r.bytes;
        if (!r.ended) break;
        last = r.lastId;
      }
    }
    const used = process.cpuUsage(before);
    streams.stop();
    uws.us_listen_socket_close(listen);
    const records = opts.txs * opts.ledgers * opts.streams;
    const us = used.user + used.system;
    return {reconnections, records, bytes, perReconnectUs: us / reconnections, perRecordUs: us / records};
  }
  const before = process.cpuUsage();
  for (let s = 0; s < opts.streams; s++) {
    let last = start;
    for (;;) {
      const {res, state} = response();
      const ctx = {
        base: "http://127.0.0.1:8000",
        params: [],
        query: new URLSearchParams(`cursor=now&limit=${LIMIT}`),
        path: "/payments",
        accept: "text/event-stream",
        modules: {reader: {latestHeader: () => ({seq: latest})}},
      } as unknown as RouteContext;
      const reply = await streams.open({route, ctx, lastEventId: last, res, onAbort: () => {}});
      if (reply !== null) throw new Error(`stream refused: ${reply.status}`);
      reconnections++;
      bytes += state.bytes;
      if (!state.ended) break;
      last = state.lastId;
    }
  }
  const used = process.cpuUsage(before);
  streams.stop();
  const records = opts.txs * opts.ledgers * opts.streams;
  const us = used.user + used.system;
  return {reconnections, records, bytes, perReconnectUs: us / reconnections, perRecordUs: us / records};
}

if (isEntryPoint(import.meta.url)) {
  const {values} = parseArgs({options: {txs: {type: "string"}, ledgers: {type: "string"}, streams: {type: "string"}, dist: {type: "string"}, socket: {type: "boolean"}, live: {type: "boolean"}}});
  const txs = Number(values.txs ?? 7500);
  const ledgers = Number(values.ledgers ?? 3);
  const streams = Number(values.streams ?? 10);
  for (const [k, v] of Object.entries({txs, ledgers, streams})) if (!Number.isSafeInteger(v) || v < 1) throw new Error(`--${k} takes a whole number ≥ 1`);
  const dist = path.resolve(values.dist ?? path.join(path.dirname(new URL(import.meta.url).pathname), "..", ".."));
  if (values.live ?? false) {
    const r = await runSseLiveBench({txs, ledgers, streams, dist});
    console.log(`SSE live fan-out, ${streams} one-account streams, ${ledgers} ledgers of ${txs} payments, response stubbed, ${dist}`);
    console.log(`${(r.bytes / 1e6).toFixed(1)} MB sent: ${r.perDeliveryUs.toFixed(2)} µs CPU per stream per ledger`);
    process.exit(0);
  }
  const socket = values.socket ?? false;
  const r = await runSseReconnectBench({txs, ledgers, streams, dist, socket});
  console.log(`SSE reconnections, ${streams} streams of /payments limit=${LIMIT} over ${ledgers} kept ledgers of ${txs} payments, ${socket ? "over loopback uWS sockets" : "response stubbed"}, ${dist}`);
  console.log(`${r.reconnections} reconnections, ${r.records} records, ${(r.bytes / 1e6).toFixed(1)} MB: ${r.perReconnectUs.toFixed(1)} µs CPU per reconnection, ${r.perRecordUs.toFixed(3)} µs per record`);
}
