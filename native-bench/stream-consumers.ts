/**
 * The subscribers of the streams bench, in a process of their own so their parsing does not
 * share an event loop with the load generator: N WebSocket subscribers (/ws, topic payments) and
 * M SSE streams (GET /payments or /accounts/{id}/payments from `now`, reconnecting after each
 * goodbye with Last-Event-ID as an EventSource does). As wallets do, most follow one account's
 * payments (the load's accounts, round-robin); a few follow every payment (the firehose). Each consumer keeps up (reads everything as it comes) and checks that
 * paging tokens only grow. Per ledger, the arrival at every consumer is compared with the first
 * arrival anywhere: the fan-out spread.
 *
 * Driven by the bench over IPC (`fork`): {start: options} → "ready" once every consumer is
 * subscribed; "stop" → the report, then the process exits.
 */
import http from "node:http";
import WebSocket from "ws";
import * as hdr from "hdr-histogram-js";
import {compareTokens} from "../src/api/stream/sse.js";

export interface ConsumersOptions {
  baseUrl: string;
  ws: number;
  sse: number;
  /** Of those, how many follow every payment; the others follow one account each. */
  firehoseWs: number;
  firehoseSse: number;
  /** The accounts the others follow, round-robin. */
  accounts: string[];
  /** Sockets opened at once while connecting. */
  connectConcurrency: number;
}

/** What one consumer followed ("" : every payment, else an account) and received. */
export interface ConsumerCount {
  follows: string;
  records: number;
}

export interface ConsumersReport {
  ws: ConsumerCount[];
  sse: ConsumerCount[];
  /** Records not after the previous record of the same consumer (0 when every stream is in order). */
  outOfOrder: number;
  /** SSE reconnections after a goodbye or drop, and failed connections. */
  sseReconnects: number;
  errors: number;
  /** WS connections the node closed (slow consumer or otherwise). */
  wsClosedByNode: number;
  /** Fan-out spread per (ledger, consumer), µs. */
  spreadUs: {p50: number; p99: number; max: number; count: number};
  consumerRssBytes: number;
}

/** The ledger of a paging token: the TOID's high 32 bits. */
function ledgerOf(token: string): number {
  return Number(BigInt(token.split("-")[0]!) >> 32n);
}

class Fanout {
  private readonly first = new Map<number, number>();
  private readonly arrivals: Array<[number, number]> = [];
  seen(ledger: number): void {
    const at = performance.now();
    if (!this.first.has(ledger)) this.first.set(ledger, at);
    this.arrivals.push([ledger, at]);
  }
  summary(): ConsumersReport["spreadUs"] {
    const h = hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3});
    for (const [ledger, at] of this.arrivals) h.recordValue(Math.max(1, Math.round((at - this.first.get(ledger)!) * 1000)));
    return {p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), max: h.maxValue, count: h.totalCount};
  }
}

interface Consumer {
  follows: string;
  records: number;
  outOfOrder: number;
  last: string;
  /** Last ledger whose arrival was recorded (one arrival per ledger per consumer). */
  lastLedger: number;
  close(): void;
}

function take(c: Consumer, token: string, fanout: Fanout): void {
  if (c.last !== "" && compareTokens(token, c.last) <= 0) c.outOfOrder++;
  c.last = token;
  c.records++;
  const ledger = ledgerOf(token);
  if (ledger !== c.lastLedger) {
    c.lastLedger = ledger;
    fanout.seen(ledger);
  }
}

function openWs(baseUrl: string, follows: string, fanout: Fanout, report: {wsClosedByNode: number}): Promise<Consumer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + "/ws");
    let closing = false;
    const c: Consumer = {
      follows,
      records: 0,
      outOfOrder: 0,
      last: "",
      lastLedger: -1,
      close: () => {
        closing = true;
        ws.terminate();
      },
    };
    ws.on("error", reject);
    ws.on("close", () => {
      if (!closing) report.wsClosedByNode++;
    });
    ws.on("open", () => ws.send(JSON.stringify({op: "subscribe", id: "p", topic: "payments", ...(follows === "" ? {} : {account: follows})})));
    ws.on("message", (data) => {
      const f = JSON.parse(String(data)) as {type: string; records?: {paging_token: string}[]};
      if (f.type === "subscribed") resolve(c);
      if (f.type !== "records" || f.records === undefined) return;
      for (const r of f.records) take(c, r.paging_token, fanout);
    });
  });
}

/** An EventSource-like /payments stream: from `now`, then from its last id after every end. */
function openSse(baseUrl: string, follows: string, fanout: Fanout, report: {sseReconnects: number; errors: number}): Promise<Consumer> {
  let stopped = false;
  let req: http.ClientRequest | null = null;
  const path = follows === "" ? "/payments" : `/accounts/${follows}/payments`;
  const c: Consumer = {
    follows,
    records: 0,
    outOfOrder: 0,
    last: "",
    lastLedger: -1,
    close: () => {
      stopped = true;
      req?.destroy();
    },
  };
  return new Promise((resolve, reject) => {
    let first = true;
    const connect = (): void => {
      if (stopped) return;
      const headers: Record<string, string> = {accept: "text/event-stream"};
      if (c.last !== "") headers["last-event-id"] = c.last;
      req = http.get(`${baseUrl}${path}?cursor=now&limit=200`, {headers, agent: false}, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          report.errors++;
          if (first) reject(new Error(`GET /payments as a stream answered ${res.statusCode}`));
          else setTimeout(connect, 1000).unref();
          return;
        }
        if (first) {
          first = false;
          resolve(c);
        }
        let buf = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buf += chunk;
          let end: number;
          while ((end = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            if (!block.startsWith("id: ")) continue;
            const nl = block.indexOf("\n");
            take(c, block.slice(4, nl < 0 ? undefined : nl), fanout);
          }
        });
        res.on("end", () => {
          if (stopped) return;
          report.sseReconnects++;
          setTimeout(connect, 10).unref();
        });
        res.on("error", () => {});
      });
      req.on("error", (err) => {
        if (stopped) return;
        report.errors++;
        if (first) reject(err);
        else setTimeout(connect, 1000).unref();
      });
    };
    connect();
  });
}

async function inBatches<T>(n: number, batch: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += batch) out.push(...(await Promise.all(Array.from({length: Math.min(batch, n - i)}, (_, k) => open(i + k)))));
  return out;
}

/** Opens every consumer; `stop()` closes them and reports. */
export async function startConsumers(opts: ConsumersOptions): Promise<{stop(): ConsumersReport}> {
  const fanout = new Fanout();
  const counters = {sseReconnects: 0, errors: 0, wsClosedByNode: 0};
  const n = opts.accounts.length;
  const ws = await inBatches(opts.ws, opts.connectConcurrency, (i) => openWs(opts.baseUrl, i < opts.firehoseWs || n === 0 ? "" : opts.accounts[i % n]!, fanout, counters));
  // SSE streams follow other accounts than the WS subscribers where there are enough.
  const sse = await inBatches(opts.sse, opts.connectConcurrency, (i) => openSse(opts.baseUrl, i < opts.firehoseSse || n === 0 ? "" : opts.accounts[(opts.ws + i) % n]!, fanout, counters));
  return {
    stop(): ConsumersReport {
      for (const c of [...ws, ...sse]) c.close();
      return {
        ws: ws.map((c) => ({follows: c.follows, records: c.records})),
        sse: sse.map((c) => ({follows: c.follows, records: c.records})),
        outOfOrder: [...ws, ...sse].reduce((s, c) => s + c.outOfOrder, 0),
        ...counters,
        spreadUs: fanout.summary(),
        consumerRssBytes: process.memoryUsage().rss,
      };
    },
  };
}

/** The forked process: start on the first message, report and exit on "stop". */
if (process.send !== undefined && process.argv.includes("--consumers")) {
  let running: {stop(): ConsumersReport} | null = null;
  process.on("message", (m: {start?: ConsumersOptions} | "stop") => {
    if (m === "stop") {
      const report = running?.stop();
      process.send!({report}, () => process.exit(0));
      return;
    }
    if (m.start !== undefined) {
      startConsumers(m.start).then(
        (r) => {
          running = r;
          process.send!("ready");
        },
        (err: unknown) => {
          process.send!({error: String(err)}, () => process.exit(1));
        },
      );
    }
  });
}
