/**
 * Streams under the payment load: the end-to-end run once with no subscriber and once with
 * 1,000 WebSocket subscribers (/ws, topic payments) plus 200 SSE streams (GET /payments,
 * text/event-stream) open while the payments are sent. Reports delivery (every record once, in
 * paging order, to consumers that keep up), the fan-out delay, the node's publish time, its
 * memory, and committed TPS with subscribers as a ratio of the run without (goal ≥ 0.9).
 */
import http from "node:http";
import * as hdr from "hdr-histogram-js";
import WebSocket from "ws";
import {runE2eBench, type E2eResult} from "./e2e.js";
import {defaultE2eOptions, type E2eOptions} from "./options.js";
import {formatNumber, formatRatio, markdownTable, textTable} from "./report.js";

export interface StreamsBenchOptions {
  wsSubscribers: number;
  sseStreams: number;
  /** Sockets opened at once while connecting (a burst of 1,000 handshakes would be its own benchmark). */
  connectConcurrency: number;
}

export const defaultStreamsBenchOptions: StreamsBenchOptions = {wsSubscribers: 1000, sseStreams: 200, connectConcurrency: 50};

/** What one consumer saw: records, order violations (a token not after the previous), first-seen times per ledger. */
interface Consumer {
  records: number;
  outOfOrder: number;
  lastToken: bigint;
  close(): void;
}

function tokenValue(token: string): bigint {
  const [toid, n = "0"] = token.split("-");
  return (BigInt(toid!) << 20n) | BigInt(n);
}

/** Receipt time of each ledger's frame at each WS subscriber, to measure the fan-out spread. */
class Arrivals {
  private readonly first = new Map<number, number>();
  private readonly all: Array<[number, number]> = [];
  seen(ledger: number, at: number): void {
    if (!this.first.has(ledger)) this.first.set(ledger, at);
    this.all.push([ledger, at]);
  }
  spread(): hdr.Histogram {
    const h = hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3});
    for (const [ledger, at] of this.all) h.recordValue(Math.max(1, Math.round((at - this.first.get(ledger)!) * 1000)));
    return h;
  }
}

function openWs(baseUrl: string, arrivals: Arrivals): Promise<Consumer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + "/ws");
    const c: Consumer = {records: 0, outOfOrder: 0, lastToken: -1n, close: () => ws.terminate()};
    ws.on("error", reject);
    ws.on("open", () => ws.send(JSON.stringify({op: "subscribe", id: "p", topic: "payments"})));
    ws.on("message", (data) => {
      const f = JSON.parse(String(data)) as {type: string; ledger?: number; records?: {paging_token: string}[]};
      if (f.type === "subscribed") resolve(c);
      if (f.type !== "records" || f.records === undefined) return;
      arrivals.seen(f.ledger ?? 0, performance.now());
      for (const r of f.records) {
        const v = tokenValue(r.paging_token);
        if (v <= c.lastToken) c.outOfOrder++;
        c.lastToken = v;
        c.records++;
      }
    });
  });
}

/** An SSE stream of /payments from now; resolves once the preamble arrived (undefined when the node does not stream). */
function openSse(baseUrl: string): Promise<Consumer | undefined> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${baseUrl}/payments?cursor=now`, {headers: {accept: "text/event-stream"}}, (res) => {
      if (!(res.headers["content-type"] ?? "").startsWith("text/event-stream")) {
        res.resume();
        resolve(undefined);
        return;
      }
      const c: Consumer = {records: 0, outOfOrder: 0, lastToken: -1n, close: () => req.destroy()};
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.startsWith("id: ")) continue;
          const v = tokenValue(line.slice(4));
          if (v <= c.lastToken) c.outOfOrder++;
          c.lastToken = v;
          c.records++;
        }
      });
      res.on("error", () => {});
      resolve(c);
    });
    req.on("error", reject);
  });
}

async function inBatches<T>(n: number, batch: number, open: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += batch) out.push(...(await Promise.all(Array.from({length: Math.min(batch, n - i)}, open))));
  return out;
}

async function publishLag(baseUrl: string): Promise<{sum: number; count: number}> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const num = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return {sum: num("diamante_api_stream_publish_lag_seconds_sum"), count: num("diamante_api_stream_publish_lag_seconds_count")};
}

export async function runStreamsBench(e2e: Partial<E2eOptions>, opts: StreamsBenchOptions = defaultStreamsBenchOptions): Promise<{text: string; markdown: string}> {
  const base: E2eOptions = {...defaultE2eOptions, ...e2e};
  const quiet: E2eResult = await runE2eBench({...base, label: "no subscribers"});
  const arrivals = new Arrivals();
  let ws: Consumer[] = [];
  let sse: Consumer[] = [];
  let sseServed = true;
  let lag = {sum: Number.NaN, count: Number.NaN};
  const loaded = await runE2eBench({
    ...base,
    label: `${opts.wsSubscribers} ws + ${opts.sseStreams} sse subscribers`,
    async sideLoad(baseUrl) {
      ws = await inBatches(opts.wsSubscribers, opts.connectConcurrency, () => openWs(baseUrl, arrivals));
      const opened = await inBatches(opts.sseStreams, opts.connectConcurrency, () => openSse(baseUrl));
      sseServed = opened.every((c) => c !== undefined);
      sse = opened.filter((c): c is Consumer => c !== undefined);
      const before = await publishLag(baseUrl);
      return {
        async stop() {
          // Let the last ledgers reach everyone before counting.
          await new Promise((r) => setTimeout(r, 3000));
          const after = await publishLag(baseUrl);
          lag = {sum: after.sum - before.sum, count: after.count - before.count};
          for (const c of [...ws, ...sse]) c.close();
        },
      };
    },
  });
  const tpsQuiet = quiet.figures?.committedTps ?? Number.NaN;
  const tpsLoaded = loaded.figures?.committedTps ?? Number.NaN;
  const wsCounts = ws.map((c) => c.records).sort((a, b) => a - b);
  const sseCounts = sse.map((c) => c.records).sort((a, b) => a - b);
  const spread = arrivals.spread();
  const disorder = [...ws, ...sse].reduce((s, c) => s + c.outOfOrder, 0);
  const rss = loaded.figures?.nodeRssBytes ?? Number.NaN;
  const rssQuiet = quiet.figures?.nodeRssBytes ?? Number.NaN;
  const mib = (b: number): string => `${formatNumber(b / 2 ** 20)} MiB`;
  const rows = [
    ["committed TPS, no subscribers", formatNumber(tpsQuiet), ""],
    ["committed TPS, with subscribers", formatNumber(tpsLoaded), `${opts.wsSubscribers} ws (topic payments) + ${sseServed ? opts.sseStreams : 0} sse (/payments)`],
    ["ratio", formatRatio(tpsLoaded / tpsQuiet), "goal ≥ 0.9"],
    ["ws records per subscriber min / max", wsCounts.length > 0 ? `${wsCounts[0]} / ${wsCounts[wsCounts.length - 1]}` : "n/a", "equal min and max: every subscriber got every record"],
    ["sse records per stream min / max", sseCounts.length > 0 ? `${sseCounts[0]} / ${sseCounts[sseCounts.length - 1]}` : "n/a", sseServed ? "" : "this build does not serve SSE"],
    ["records out of paging order", String(disorder), "over all consumers"],
    ["ws fan-out p50 / p99 / max", `${spread.getValueAtPercentile(50)} / ${spread.getValueAtPercentile(99)} / ${spread.maxValue} µs`, "a ledger's frame at each subscriber after the first subscriber got it"],
    ["node publish time per ledger (mean)", lag.count > 0 ? `${((lag.sum / lag.count) * 1000).toFixed(2)} ms` : "n/a", "feed event to frames handed to uWS (diamante_api_stream_publish_lag_seconds)"],
    ["node RSS after the load", `${mib(rss)} (${mib(rssQuiet)} without)`, ""],
  ];
  const header = ["streams", "value", "detail"];
  return {
    text: `${textTable(header, rows)}\n\n${quiet.text}\n\n${loaded.text}`,
    markdown: `### Streams under the payment load\n\n${markdownTable(header, rows)}\n`,
  };
}
