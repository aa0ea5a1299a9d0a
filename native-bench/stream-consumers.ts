/**
 * The subscribers of the streams bench, in a process of their own so their parsing does not
 * share an event loop with the load generator: N WebSocket subscribers (/ws, topic payments) and
 * M SSE streams (GET /payments or /accounts/{id}/payments from `now`, reconnecting after each
 * goodbye with Last-Event-ID as an EventSource does). As wallets do, most follow one account's
 * payments (the load's accounts, round-robin); a few follow every payment (the firehose). Per
 * ledger, the arrival at every consumer is compared with the first arrival anywhere: the fan-out
 * spread.
 *
 * They run on the same cores as the node, so each is as cheap as a client that reads the bytes
 * can be: no record is parsed. A consumer finds each record's paging token by a byte search
 * (checking that tokens only grow) and feeds the records' bytes into a running SHA-256 in the
 * digest layout of `recordsDigest` (a ledger's records joined by "," then "\n"). The bench
 * compares that digest with the one of the same records read back with GET after the load: every
 * record arrived, once, in order, byte-identical to the GET's.
 *
 * Driven by the bench over IPC (`fork`): {start: options} → "ready" once every consumer is
 * subscribed; "stop" → the report, then the process exits.
 */
import http from "node:http";
import {createHash, type Hash} from "node:crypto";
import WebSocket from "ws";
import * as hdr from "hdr-histogram-js";

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
  /** SHA-256 (hex) of the records received, laid out as `recordsDigest`. */
  digest: string;
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
  /** WS record frames that did not have the live frame's layout (each counts as an error). */
  malformed: number;
  /** Fan-out spread per (ledger, consumer), µs. */
  spreadUs: {p50: number; p99: number; max: number; count: number};
  consumerRssBytes: number;
  /** CPU time of this process (user + system) from "ready" to "stop", µs: what the consumers cost the shared cores. */
  consumerCpuUs: number;
}

/**
 * The digest of a list of records in paging order, as a consumer computes it from what it
 * received: each ledger's records' JSON joined by ",", each ledger's run followed by "\n". A live
 * /ws frame carries one ledger's records of its channel (`"records":[…]` is that run), so
 * frames hash as they come; an SSE stream joins its events by their tokens' ledgers.
 */
export function recordsDigest(records: readonly {token: string; json: string}[]): string {
  const h = createHash("sha256");
  let ledger = -1;
  for (const r of records) {
    const l = ledgerOf(r.token);
    if (ledger !== -1) h.update(l === ledger ? "," : "\n");
    ledger = l;
    h.update(r.json);
  }
  if (ledger !== -1) h.update("\n");
  return h.digest("hex");
}

/**
 * The ledger of a paging token: the TOID's high 32 bits, by long division of its decimal digits
 * by 2^32 in chunks of 6 (every partial value stays below 2^53, so exact; no BigInt per record).
 */
function ledgerOf(token: string): number {
  const dash = token.indexOf("-");
  const digits = dash < 0 ? token.length : dash;
  let ledger = 0;
  let rem = 0;
  for (let i = 0; i < digits; i += 6) {
    const end = Math.min(digits, i + 6);
    rem = rem * 10 ** (end - i) + Number(token.slice(i, end));
    const q = Math.floor(rem / 2 ** 32);
    ledger = ledger * 10 ** (end - i) + q;
    rem -= q * 2 ** 32;
  }
  return ledger;
}

/** Orders two whole numbers written in decimal without leading zeros: by length, then by digits. */
function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** `compareTokens` of the API (TOID, then the "-n" index; a bare TOID first) on the strings, without BigInt. */
function tokenOrder(a: string, b: string): number {
  const i = a.indexOf("-");
  const j = b.indexOf("-");
  const byToid = compareDecimal(i < 0 ? a : a.slice(0, i), j < 0 ? b : b.slice(0, j));
  if (byToid !== 0) return byToid;
  if (i < 0 || j < 0) return i < 0 && j < 0 ? 0 : i < 0 ? -1 : 1;
  return compareDecimal(a.slice(i + 1), b.slice(j + 1));
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
  hash: Hash;
  /** Ledger of the last record hashed (-1: none yet): an SSE consumer's separator between records. */
  hashLedger: number;
  close(): void;
}

function newConsumer(follows: string, close: () => void): Consumer {
  return {follows, records: 0, outOfOrder: 0, last: "", lastLedger: -1, hash: createHash("sha256"), hashLedger: -1, close};
}

/** One record's token: order, count and the fan-out arrival of its ledger. */
function take(c: Consumer, token: string, fanout: Fanout): number {
  if (c.last !== "" && tokenOrder(token, c.last) <= 0) c.outOfOrder++;
  c.last = token;
  c.records++;
  const ledger = ledgerOf(token);
  if (ledger !== c.lastLedger) {
    c.lastLedger = ledger;
    fanout.seen(ledger);
  }
  return ledger;
}

function digestOf(c: Consumer): string {
  if (c.hashLedger !== -1) c.hash.update("\n");
  return c.hash.digest("hex");
}

const RECORDS_FRAME = Buffer.from('{"type":"records"');
const RECORDS_KEY = Buffer.from('"records":[');
const TOKEN_KEY = Buffer.from('"paging_token":"');
const QUOTE = 0x22;

/** For the bench's tests: the consumer's own token arithmetic. */
export const tokenMath = {ledgerOf, tokenOrder};

/**
 * A live records frame: `{"type":"records",…,"records":[<one ledger's records>]}`. The records'
 * bytes are hashed as they are, and each token is found by a byte search (a record's only
 * "paging_token" key: payment records embed no other record). False when the frame is not laid
 * out so.
 */
function takeFrame(c: Consumer, data: Buffer, fanout: Fanout): boolean {
  const at = data.indexOf(RECORDS_KEY);
  if (at < 0 || data[data.length - 1] !== 0x7d || data[data.length - 2] !== 0x5d) return false;
  const records = data.subarray(at + RECORDS_KEY.length, data.length - 2);
  let i = 0;
  let any = false;
  while ((i = records.indexOf(TOKEN_KEY, i)) >= 0) {
    const start = i + TOKEN_KEY.length;
    const end = records.indexOf(QUOTE, start);
    if (end < 0) return false;
    take(c, records.toString("latin1", start, end), fanout);
    any = true;
    i = end;
  }
  if (!any) return false;
  c.hash.update(records);
  c.hash.update("\n");
  return true;
}

function openWs(baseUrl: string, follows: string, fanout: Fanout, report: {wsClosedByNode: number; malformed: number}): Promise<Consumer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + "/ws", {perMessageDeflate: false});
    let closing = false;
    const c = newConsumer(follows, () => {
      closing = true;
      ws.terminate();
    });
    ws.on("error", reject);
    ws.on("close", () => {
      if (!closing) report.wsClosedByNode++;
    });
    ws.on("open", () => ws.send(JSON.stringify({op: "subscribe", id: "p", topic: "payments", ...(follows === "" ? {} : {account: follows})})));
    ws.on("message", (data: Buffer) => {
      if (data.subarray(0, RECORDS_FRAME.length).equals(RECORDS_FRAME)) {
        if (!takeFrame(c, data, fanout)) report.malformed++;
        return;
      }
      // Control frames (subscribed, errors) are few: parsed.
      const f = JSON.parse(data.toString("utf8")) as {type: string};
      if (f.type === "subscribed") resolve(c);
    });
  });
}

const EVENT_END = Buffer.from("\n\n");
const ID_LINE = Buffer.from("id: ");
const DATA_LINE = Buffer.from("\ndata: ");

/** An EventSource-like /payments stream: from `now`, then from its last id after every end. */
function openSse(baseUrl: string, follows: string, fanout: Fanout, report: {sseReconnects: number; errors: number}): Promise<Consumer> {
  let stopped = false;
  let req: http.ClientRequest | null = null;
  const path = follows === "" ? "/payments" : `/accounts/${follows}/payments`;
  const c = newConsumer(follows, () => {
    stopped = true;
    req?.destroy();
  });
  /** One event's bytes (without its blank line): records (`id:` then `data:`) are counted and hashed; the rest is skipped. */
  const event = (block: Buffer): void => {
    if (!block.subarray(0, ID_LINE.length).equals(ID_LINE)) return;
    const nl = block.indexOf(DATA_LINE);
    if (nl < 0) return;
    const ledger = take(c, block.toString("latin1", ID_LINE.length, nl), fanout);
    if (c.hashLedger !== -1) c.hash.update(ledger === c.hashLedger ? "," : "\n");
    c.hashLedger = ledger;
    c.hash.update(block.subarray(nl + DATA_LINE.length));
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
        /** The start of an event cut by a chunk's end. */
        let rest: Buffer | null = null;
        res.on("data", (chunk: Buffer) => {
          const buf = rest === null ? chunk : Buffer.concat([rest, chunk]);
          let from = 0;
          let end: number;
          while ((end = buf.indexOf(EVENT_END, from)) >= 0) {
            event(buf.subarray(from, end));
            from = end + EVENT_END.length;
          }
          rest = from < buf.length ? buf.subarray(from) : null;
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
export async function startConsumers(opts: ConsumersOptions): Promise<{received(): number; stop(): ConsumersReport}> {
  const fanout = new Fanout();
  const counters = {sseReconnects: 0, errors: 0, wsClosedByNode: 0, malformed: 0};
  const n = opts.accounts.length;
  const ws = await inBatches(opts.ws, opts.connectConcurrency, (i) => openWs(opts.baseUrl, i < opts.firehoseWs || n === 0 ? "" : opts.accounts[i % n]!, fanout, counters));
  // SSE streams follow other accounts than the WS subscribers where there are enough.
  const sse = await inBatches(opts.sse, opts.connectConcurrency, (i) => openSse(opts.baseUrl, i < opts.firehoseSse || n === 0 ? "" : opts.accounts[(opts.ws + i) % n]!, fanout, counters));
  const cpuFrom = process.cpuUsage();
  return {
    /** Records received so far over every consumer. */
    received: () => [...ws, ...sse].reduce((n, c) => n + c.records, 0),
    stop(): ConsumersReport {
      const cpu = process.cpuUsage(cpuFrom);
      for (const c of [...ws, ...sse]) c.close();
      return {
        ws: ws.map((c) => ({follows: c.follows, records: c.records, digest: c.hash.digest("hex")})),
        sse: sse.map((c) => ({follows: c.follows, records: c.records, digest: digestOf(c)})),
        outOfOrder: [...ws, ...sse].reduce((s, c) => s + c.outOfOrder, 0),
        ...counters,
        errors: counters.errors + counters.malformed,
        spreadUs: fanout.summary(),
        consumerRssBytes: process.memoryUsage().rss,
        consumerCpuUs: cpu.user + cpu.system,
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
