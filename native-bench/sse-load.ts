/**
 * The SSE half of the subscribers bench: N raw SSE streams held open against a running node
 * while something else drives the load. Each stream reconnects after Horizon's goodbye (at
 * `limit`) or a drop with Last-Event-ID, as an EventSource does, and checks that its ids only
 * grow (every event delivered in order, none twice). Fan-out lag: for /ledgers streams, the time
 * from the first stream receiving a ledger to each other stream receiving it.
 *
 * Used by the bench (`startSseLoad(...)`, later `stop()` for the report) or alone:
 *   node dist/native-bench/sse-load.js --url http://127.0.0.1:8000 --streams 200 --seconds 30
 */
import http from "node:http";
import {fileURLToPath} from "node:url";
import {compareTokens} from "../src/api/stream/sse.js";

export interface SseLoadOptions {
  baseUrl: string;
  streams: number;
  /**
   * Paths the streams cycle through (each from `cursor=now`). The default mixes the firehoses a
   * wallet backend opens: ledgers, payments, transactions, operations.
   */
  paths?: string[];
}

export interface SseLoadReport {
  streams: number;
  /** Record events received (heartbeats and preambles not counted). */
  events: number;
  /** Events whose id was not after the previous id of the same stream (should be 0). */
  outOfOrder: number;
  /** Connections re-opened after a goodbye or a drop. */
  reconnects: number;
  /** Connections that failed (refused, 5xx, socket errors). */
  errors: number;
  heartbeats: number;
  /** Ledger fan-out lag over the /ledgers streams, ms. */
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
}

const DEFAULT_PATHS = ["/ledgers?cursor=now&limit=200", "/payments?cursor=now&limit=200", "/transactions?cursor=now&limit=200", "/operations?cursor=now&limit=200"];
/** As Horizon's preamble asks (`retry: 1000`), but 100 ms after a goodbye (which says `retry: 10`). */
const RETRY_MS = 1000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

class Stream {
  lastId = "";
  private req: http.ClientRequest | null = null;
  private stopped = false;
  private buf = "";

  constructor(
    private readonly url: string,
    private readonly report: SseLoadReport,
    private readonly onLedger: ((seq: number, at: number) => void) | null,
  ) {}

  open(): void {
    if (this.stopped) return;
    const headers: Record<string, string> = {Accept: "text/event-stream"};
    if (this.lastId !== "") headers["Last-Event-ID"] = this.lastId;
    this.buf = "";
    const req = http.get(this.url, {headers, agent: false}, (res) => {
      if (res.statusCode !== 200) {
        this.report.errors++;
        res.resume();
        this.again(RETRY_MS);
        return;
      }
      res.setEncoding("utf8");
      res.on("data", (d: string) => this.take(d));
      res.on("end", () => {
        this.report.reconnects++;
        this.again(10);
      });
    });
    req.on("error", () => {
      if (this.stopped) return;
      this.report.errors++;
      this.again(RETRY_MS);
    });
    this.req = req;
  }

  stop(): void {
    this.stopped = true;
    this.req?.destroy();
  }

  private again(ms: number): void {
    if (!this.stopped) setTimeout(() => this.open(), ms).unref();
  }

  private take(chunk: string): void {
    this.buf += chunk;
    let end: number;
    while ((end = this.buf.indexOf("\n\n")) >= 0) {
      const block = this.buf.slice(0, end);
      this.buf = this.buf.slice(end + 2);
      if (block.startsWith(":")) {
        this.report.heartbeats++;
        continue;
      }
      let id: string | undefined;
      let event: string | undefined;
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("id: ")) id = line.slice(4);
        else if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data = line.slice(6);
      }
      if (event !== undefined || id === undefined) continue;
      this.report.events++;
      if (this.lastId !== "" && compareTokens(id, this.lastId) <= 0) this.report.outOfOrder++;
      this.lastId = id;
      if (this.onLedger !== null) {
        const m = /"sequence":(\d+)/.exec(data);
        if (m !== null) this.onLedger(Number(m[1]), performance.now());
      }
    }
  }
}

/** Opens the streams; `stop()` closes them and reports. */
export function startSseLoad(opts: SseLoadOptions): {stop(): SseLoadReport} {
  const paths = opts.paths ?? DEFAULT_PATHS;
  const report: SseLoadReport = {streams: opts.streams, events: 0, outOfOrder: 0, reconnects: 0, errors: 0, heartbeats: 0, lagP50Ms: 0, lagP99Ms: 0, lagMaxMs: 0};
  const firstSeen = new Map<number, number>();
  const lags: number[] = [];
  const onLedger = (seq: number, at: number): void => {
    const first = firstSeen.get(seq);
    if (first === undefined) firstSeen.set(seq, at);
    else lags.push(at - first);
  };
  const streams: Stream[] = [];
  for (let i = 0; i < opts.streams; i++) {
    const path = paths[i % paths.length]!;
    const s = new Stream(opts.baseUrl + path, report, path.startsWith("/ledgers") ? onLedger : null);
    streams.push(s);
    s.open();
  }
  return {
    stop(): SseLoadReport {
      for (const s of streams) s.stop();
      lags.sort((a, b) => a - b);
      report.lagP50Ms = Math.round(percentile(lags, 50) * 10) / 10;
      report.lagP99Ms = Math.round(percentile(lags, 99) * 10) / 10;
      report.lagMaxMs = Math.round((lags[lags.length - 1] ?? 0) * 10) / 10;
      return report;
    },
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, def: string): string => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
  };
  const load = startSseLoad({baseUrl: arg("--url", "http://127.0.0.1:8000"), streams: Number(arg("--streams", "200"))});
  await new Promise((r) => setTimeout(r, Number(arg("--seconds", "30")) * 1000));
  console.log(JSON.stringify(load.stop(), null, 2));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) void main();
