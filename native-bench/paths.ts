/**
 * Path finding figures: p50/p99 of /paths/strict-receive and /paths/strict-send over a book of
 * 10,000 offers in 50 assets, answered by the node's path worker pool, first on an idle node and
 * then while the end-to-end payment load runs (the node closing ledgers under load). The book is
 * written into a fresh data folder through the store before the node starts; queries are timed
 * as HTTP round trips (parse, pool wait, search, JSON) from this process, one in flight, to the
 * API's listener (main thread, then the pool) and to the node's dedicated path listener
 * (--paths-port, a thread of its own) in turn; the API's figure comes with the pool's wait/run
 * split and the main thread's event-loop delay.
 *
 * While the payment load runs, the bench's own threads other than the probe's (the load generator)
 * run at nice 10 (--load-nice; 0 leaves them as the process).
 *
 *   node dist/native-bench/paths.js [--offers N] [--assets N] [--payments N] [--listener-only] [--load-nice N] [--node-arg=--flag=value ...]
 */
import {mkdtempSync, rmSync} from "node:fs";
import {Worker} from "node:worker_threads";
import {createServer, type AddressInfo} from "node:net";
import os from "node:os";
import path from "node:path";
import {parseArgs} from "node:util";
import * as hdr from "hdr-histogram-js";
import {Keypair} from "@stellar/stellar-base";
import {initNetwork} from "../src/node/node.js";
import {LedgerStore} from "../src/store/ledger-store.js";
import {offerKey, type Asset, type EntryKey, type LedgerEntry} from "../src/ledger/types.js";
import {runE2eBench} from "./e2e.js";
import {isEntryPoint} from "./measure.js";
import {defaultE2eOptions, type E2eOptions} from "./options.js";
import {markdownTable, textTable} from "./report.js";
import {prng} from "../test/helpers/prng.js";
import type {ProbeData, ProbeMessage} from "./paths-probe.js";
import {niceOtherThreads, type ThreadsNiced} from "../src/util/thread-priority.js";

export interface PathBenchOptions {
  /** Offers in the book (the issue's figure: 10,000). */
  offers: number;
  /** Assets, DIAM included (the issue's figure: 50). */
  assets: number;
  /** Queries timed on the idle node before the load starts. */
  idleQueries: number;
  /** Payments of the end-to-end load during which queries are timed. */
  payments: number;
  /** Seed of the book and of the queries, so runs compare. */
  seed: number;
  /**
   * Query only the dedicated path listener (twice its samples in the same time, for A/B runs of
   * its tail); the API's rows stay empty.
   */
  listenerOnly?: boolean;
  /** More `diamante start` flags, for A/B runs of the node's options (e.g. `--verify-nice=0`). */
  nodeArgs?: string[];
  /**
   * Nice value of this process's threads other than the probe's while the payment load runs: the
   * load generator (autocannon and its event loop) stands in for remote clients, not for the
   * system under test, and at the same priority it took cores from the probe and the node alike
   * (the probe's own run-queue wait was most of the loaded p99). 0: as the process.
   */
  loadNice: number;
}

/** Query URLs generated for the probes: more than the idle phase plus ~20 s of loaded queries send. */
const PROBE_URLS = 20_000;

export const defaultPathBenchOptions: PathBenchOptions = {
  offers: 10_000,
  assets: 50,
  /** 300 idle queries per listener give a p99 from three samples above it, enough to compare with the loaded one. */
  idleQueries: 600,
  /** 20,000 payments keep ~7 s of load at ~3k tx/s: a few hundred queries at a few ms each. */
  payments: 20_000,
  seed: 6,
  /** The load generator yields to the probe and to the node (Linux per-thread nice; raising needs no privilege). */
  loadNice: 10,
};


export interface SeededBook {
  assets: Asset[];
  /** Offers and books (selling/buying pairs) as the store holds them after the seeding commit. */
  offers: number;
  books: number;
  /** Value of one unit of each asset in DIAM, which the offers' prices follow (with a spread). */
  values: number[];
}

/**
 * Writes `offers` offers over `assets` assets into a new network in `dataDir`: each asset has a
 * value in DIAM, each offer sells a random asset for another at the ratio of their values plus a
 * 0-5% spread, so the books are consistent and multi-hop paths compete with direct ones.
 */
export async function seedBook(dataDir: string, opts: PathBenchOptions): Promise<SeededBook> {
  const rand = prng(opts.seed);
  initNetwork(dataDir);
  const issuer = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 0x61)).publicKey();
  const sellers = Array.from({length: 20}, (_, i) => Keypair.fromRawEd25519Seed(Buffer.alloc(32, 0x70 + i)).publicKey());
  const assets: Asset[] = [{type: "native"}];
  for (let i = 1; i < opts.assets; i++) assets.push({type: "credit_alphanum4", code: `A${String(i).padStart(3, "0")}`, issuer});
  const values = assets.map((_, i) => (i === 0 ? 1 : 0.5 + rand() * 19.5));
  const changes = new Map<EntryKey, LedgerEntry>();
  for (let k = 0; k < opts.offers; k++) {
    const s = Math.floor(rand() * assets.length);
    let b = Math.floor(rand() * (assets.length - 1));
    if (b >= s) b++;
    // Price: units of `buying` per unit of `selling`, to 4 decimal places as an int32 fraction.
    const ratio = ((values[s] as number) / (values[b] as number)) * (1 + rand() * 0.05);
    const id = BigInt(k + 1);
    changes.set(offerKey(id), {
      type: "offer",
      sellerId: sellers[k % sellers.length] as string,
      offerId: id,
      selling: assets[s] as Asset,
      buying: assets[b] as Asset,
      amount: BigInt(Math.floor(100 + rand() * 9_900)) * 10_000_000n,
      price: {n: Math.max(1, Math.round(ratio * 10_000)), d: 10_000},
      flags: 0,
      lastModifiedLedger: 2,
    });
  }
  const store = new LedgerStore({dir: dataDir});
  try {
    const prev = store.latestHeader();
    await store.commitLedger({header: {...prev, seq: prev.seq + 1, prevHash: prev.hash}, changes, txs: [], participants: []}, []);
    // Counted back from the store, so the figure names the book the node reads, not the one asked for.
    let offers = 0;
    let books = 0;
    for (const {selling, buying} of store.bookStamps()) {
      let n = 0;
      for (const _ of store.bookOffers(selling, buying)) n++;
      if (n > 0) books++;
      offers += n;
    }
    return {assets, values, offers, books};
  } finally {
    await store.close();
  }
}

function assetQuery(prefix: string, a: Asset): string {
  return a.type === "native" ? `${prefix}asset_type=native` : `${prefix}asset_type=${a.type}&${prefix}asset_code=${a.code}&${prefix}asset_issuer=${a.issuer}`;
}

function assetListItem(a: Asset): string {
  return a.type === "native" ? "native" : `${a.code}:${a.issuer}`;
}

/** Alternating strict-receive and strict-send queries between random assets, 3 candidates each side. */
function queryMaker(book: SeededBook, seed: number): () => string {
  const rand = prng(seed);
  const pick = (): Asset => book.assets[Math.floor(rand() * book.assets.length)] as Asset;
  let n = 0;
  return () => {
    const fixed = pick();
    const others = [pick(), pick(), pick()].filter((a) => a !== fixed);
    if (others.length === 0) others.push(book.assets[0] === fixed ? (book.assets[1] as Asset) : (book.assets[0] as Asset));
    const list = others.map(assetListItem).join(",");
    const amount = (1 + Math.floor(rand() * 50)).toString();
    return n++ % 2 === 0
      ? `/paths/strict-receive?${assetQuery("destination_", fixed)}&destination_amount=${amount}&source_assets=${list}`
      : `/paths/strict-send?${assetQuery("source_", fixed)}&source_amount=${amount}&destination_assets=${list}`;
  };
}

interface Timing {
  histogram: hdr.Histogram;
  errors: Map<number, number>;
  paths: number;
  /** Round trips (ms) in the order sent, and each reply's Server-Timing parts (the path listener's). */
  latenciesMs: number[];
  server: Array<Map<string, number>>;
}

function newTiming(): Timing {
  return {
    histogram: hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3}),
    errors: new Map(),
    paths: 0,
    latenciesMs: [],
    server: [],
  };
}

function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

/**
 * Splits the path listener's round trips by the parts its Server-Timing header reports: the
 * handler (sync, decode of changed books, search and body), the thread's run-queue wait inside
 * it (runnable, no core free), the run-queue wait before it (a request waiting for the thread to get a core), its
 * garbage collection (reported with the next reply) and what lies outside the handler (network,
 * the listener's event loop, the probe's own thread, whose run-queue wait is `clientRunq`). Percentiles per part, and the mean parts of
 * the slowest 2% of round trips: what makes the tail.
 */
export function listenerSplit(t: Timing): string {
  const n = t.latenciesMs.length;
  if (n === 0 || t.server.every((m) => m.size === 0)) return "no Server-Timing";
  const part = (i: number, name: string): number => t.server[i]?.get(name) ?? Number.NaN;
  const rows = Array.from({length: n}, (_, i) => ({
    rtt: t.latenciesMs[i] as number,
    total: part(i, "total"),
    sync: part(i, "sync"),
    decode: part(i, "decode"),
    search: part(i, "search"),
    clientRunq: part(i, "client-runq"),
    runq: part(i, "runq"),
    runqBefore: part(i, "runq-before"),
    // A query's collections are reported by the next reply of the same listener.
    gc: i + 1 < n ? part(i + 1, "gc-prev") : Number.NaN,
    outside: (t.latenciesMs[i] as number) - part(i, "total"),
  }));
  type Row = (typeof rows)[number];
  const keys: Array<keyof Row> = ["rtt", "total", "search", "decode", "sync", "runq", "runqBefore", "gc", "outside", "clientRunq"];
  const pct = (k: keyof Row, p: number): number => quantile(rows.map((r) => r[k]).filter(Number.isFinite).sort((a, b) => a - b), p);
  const f = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : "-");
  const tailCount = Math.max(3, Math.ceil(n * 0.02));
  const tail = [...rows].sort((a, b) => b.rtt - a.rtt).slice(0, tailCount);
  const mean = (k: keyof Row): number => {
    const v = tail.map((r) => r[k]).filter(Number.isFinite);
    return v.length === 0 ? Number.NaN : v.reduce((a, b) => a + b, 0) / v.length;
  };
  return (
    `p50 / p99 ms: ${keys.map((k) => `${k} ${f(pct(k, 0.5))} / ${f(pct(k, 0.99))}`).join(", ")}; ` +
    `slowest ${tailCount} (mean ms): ${keys.map((k) => `${k} ${f(mean(k))}`).join(", ")}`
  );
}

/**
 * Starts the query probe (paths-probe.ts) on its own thread; `stop` ends a probe started with
 * count 0. `tid` resolves with the probe's kernel thread id (undefined off Linux). One timing per
 * listener.
 */
function startProbe(data: ProbeData): {tid: Promise<number | undefined>; done: Promise<Timing[]>; stop(): void} {
  const worker = new Worker(new URL("./paths-probe.js", import.meta.url), {workerData: data});
  let gotTid: (tid: number | undefined) => void = () => {};
  const tid = new Promise<number | undefined>((resolve) => (gotTid = resolve));
  const done = new Promise<Timing[]>((resolve, reject) => {
    worker.on("message", (m: ProbeMessage) => {
      if ("tid" in m) {
        gotTid(m.tid);
        return;
      }
      resolve(
        m.results.map((r) => {
          const t = newTiming();
          for (const ms of r.latenciesMs) t.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
          t.latenciesMs = r.latenciesMs;
          t.server = r.serverTimings.map((parts) => new Map(parts));
          t.errors = new Map(r.errors);
          t.paths = r.paths;
          return t;
        }),
      );
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`path probe exited with code ${code} before answering`)));
  });
  done.catch(() => gotTid(undefined));
  return {tid, done: done.finally(() => void worker.terminate()), stop: () => worker.postMessage("stop")};
}

/** A port no one listens on now, for the node's dedicated path listener. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const {port} = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A Prometheus histogram's cumulative bucket counts by upper bound (seconds), from /metrics text. */
type BucketCounts = Map<number, number>;

/** What the bench reads from the node's /metrics at the start and end of each phase. */
interface MetricsSnapshot {
  /** Path queries' worker run time so far: sum (ms) and count. */
  run: {sum: number; count: number};
  /** The path pool's wait and run histograms. */
  waitBuckets: BucketCounts;
  runBuckets: BucketCounts;
  /**
   * The main thread's event-loop delay p99 and max (ms) since the previous scrape (prom-client
   * resets its monitor on every scrape): how long a request can sit before the node's HTTP layer
   * even sees it, or a worker's answer before it is written back.
   */
  loopP99Ms: number;
  loopMaxMs: number;
}

/** One scrape of the node's /metrics: every figure of a snapshot comes from the same text. */
async function metricsSnapshot(baseUrl: string): Promise<MetricsSnapshot> {
  const res = await fetch(baseUrl + "/metrics");
  const text = await res.text();
  const num = (name: string): number => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  const buckets = (name: string): BucketCounts => {
    const out: BucketCounts = new Map();
    for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} ([0-9.e+-]+)$`, "gm"))) {
      out.set(m[1] === "+Inf" ? Infinity : Number(m[1]), Number(m[2]));
    }
    return out;
  };
  return {
    run: {sum: num("diamante_paths_pool_run_seconds_sum") * 1000, count: num("diamante_paths_pool_run_seconds_count")},
    waitBuckets: buckets("diamante_paths_pool_wait_seconds"),
    runBuckets: buckets("diamante_paths_pool_run_seconds"),
    loopP99Ms: num("diamante_process_nodejs_eventloop_lag_p99_seconds") * 1000,
    loopMaxMs: num("diamante_process_nodejs_eventloop_lag_max_seconds") * 1000,
  };
}

/**
 * The bucket bound (ms) under which fraction `p` of the queries between two readings fell: an
 * upper bound of the percentile, as exact as the histogram's buckets.
 */
function bucketPercentileMs(before: BucketCounts, after: BucketCounts, p: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return Number.NaN;
  for (const le of bounds) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= p * total) return le * 1000;
  }
  return Infinity;
}

function bucketSplit(before: MetricsSnapshot, after: MetricsSnapshot): string {
  const f = (ms: number): string => (Number.isFinite(ms) ? `≤ ${ms < 1 ? ms.toFixed(2) : ms.toFixed(0)}` : String(ms));
  return (
    `pool run p50 ${f(bucketPercentileMs(before.runBuckets, after.runBuckets, 0.5))} / p99 ${f(bucketPercentileMs(before.runBuckets, after.runBuckets, 0.99))} ms, ` +
    `wait p50 ${f(bucketPercentileMs(before.waitBuckets, after.waitBuckets, 0.5))} / p99 ${f(bucketPercentileMs(before.waitBuckets, after.waitBuckets, 0.99))} ms (histogram buckets); ` +
    `main thread event-loop delay p99 ${after.loopP99Ms.toFixed(1)} / max ${after.loopMaxMs.toFixed(1)} ms`
  );
}

export interface PathBenchResult {
  text: string;
  markdown: string;
  /** Round trips through the API's listener, and through the dedicated path listener (`listener*`). */
  figures: {
    idleP50Ms: number;
    idleP99Ms: number;
    loadedP50Ms: number;
    loadedP99Ms: number;
    loadedQueries: number;
    listenerIdleP50Ms: number;
    listenerIdleP99Ms: number;
    listenerLoadedP50Ms: number;
    listenerLoadedP99Ms: number;
    listenerLoadedQueries: number;
    committedTps: number;
  };
}

export async function runPathBench(opts: PathBenchOptions = defaultPathBenchOptions, e2e: Partial<E2eOptions> = {}): Promise<PathBenchResult> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "diamante-bench-paths-"));
  const dataDir = path.join(tmp, "data");
  try {
    const book = await seedBook(dataDir, opts);
    const next = queryMaker(book, opts.seed + 1);
    const urls = Array.from({length: PROBE_URLS}, next);
    const pathsPort = await freePort();
    // [API listener, dedicated path listener]
    let idle = [newTiming(), newTiming()];
    let loaded = [newTiming(), newTiming()];
    let idleRun = {sum: 0, count: 0};
    let loadedRun = {sum: 0, count: 0};
    let idleSplit = "";
    let loadedSplit = "";
    let loadNiced: ThreadsNiced | undefined;
    const result = await runE2eBench({
      ...defaultE2eOptions,
      ...e2e,
      nodeArgs: [...(e2e.nodeArgs ?? defaultE2eOptions.nodeArgs), "--paths-port", String(pathsPort), ...(opts.nodeArgs ?? [])],
      payments: opts.payments,
      dataDir,
      label: `paths over ${opts.offers.toLocaleString("en-US")} offers`,
      async sideLoad(baseUrl: string) {
        const listenerUrl = new URL(baseUrl);
        listenerUrl.port = String(pathsPort);
        const baseUrls = opts.listenerOnly === true ? [listenerUrl.origin] : [baseUrl, listenerUrl.origin];
        /** Timings as [API, path listener] whichever were probed. */
        const both = (t: Timing[]): Timing[] => (opts.listenerOnly === true ? [newTiming(), t[0] as Timing] : t);
        const before = await metricsSnapshot(baseUrl);
        idle = both(await startProbe({baseUrls, urls, count: opts.idleQueries}).done);
        const after = await metricsSnapshot(baseUrl);
        idleRun = {sum: after.run.sum - before.run.sum, count: after.run.count - before.run.count};
        idleSplit = bucketSplit(before, after);
        // The loaded probe starts on fresh URLs, so no query repeats one the idle phase sent.
        const probe = startProbe({baseUrls, urls: urls.slice(opts.idleQueries), count: 0});
        const probeTid = await probe.tid;
        // Every other thread of this process is the load generator's (its main thread, libuv's
        // and V8's helpers): they yield to the probe and to the node while the load runs.
        if (opts.loadNice !== 0 && probeTid !== undefined) loadNiced = niceOtherThreads(new Set([probeTid]), opts.loadNice);
        return {
          async stop() {
            probe.stop();
            loaded = both(await probe.done);
            loadNiced?.restore();
            const end = await metricsSnapshot(baseUrl);
            loadedRun = {sum: end.run.sum - after.run.sum, count: end.run.count - after.run.count};
            loadedSplit = bucketSplit(after, end);
            // That scrape reset the node's event-loop delay monitor: its reading covers the load up to here.
            return {loop: {p99Ms: end.loopP99Ms, maxMs: end.loopMaxMs}};
          },
        };
      },
    });
    const ms = (h: hdr.Histogram, p: number): number => h.getValueAtPercentile(p) / 1000;
    const errs = (t: Timing): string => (t.errors.size === 0 ? "no errors" : [...t.errors].map(([s, c]) => `${c}× ${s}`).join(", "));
    const pct = (t: Timing): string => `${ms(t.histogram, 50).toFixed(2)} / ${ms(t.histogram, 99).toFixed(2)} ms`;
    const committedTps = result.figures?.committedTps ?? Number.NaN;
    const [idleApi, idleOwn] = idle as [Timing, Timing];
    const [loadedApi, loadedOwn] = loaded as [Timing, Timing];
    const rows = [
      [
        "book",
        `${book.offers.toLocaleString("en-US")} offers, ${book.assets.length} assets`,
        `${book.books.toLocaleString("en-US")} books, read back from the store; 4 hops, 3 candidate assets per query, one query in flight from a thread apart from the load generator, to the two listeners in turn`,
      ],
      ["idle p50 / p99, API listener", pct(idleApi), `${idleApi.histogram.totalCount} queries, ${errs(idleApi)}, worker run mean ${(idleRun.sum / idleRun.count).toFixed(2)} ms`],
      ["idle, in the pool", idleSplit, "the node's diamante_paths_pool_{run,wait}_seconds over the idle queries; its main thread's event-loop delay over the same span"],
      ["idle p50 / p99, path listener", pct(idleOwn), `${idleOwn.histogram.totalCount} queries, ${errs(idleOwn)}; --paths-port: answered from a thread of its own`],
      ["under payment load p50 / p99, API listener", pct(loadedApi), `${loadedApi.histogram.totalCount} queries, ${errs(loadedApi)}, worker run mean ${(loadedRun.sum / loadedRun.count).toFixed(2)} ms; goal p99 < 20 ms`],
      ["under payment load, in the pool", loadedSplit, "the same histograms over the loaded queries"],
      ["under payment load p50 / p99, path listener", pct(loadedOwn), `${loadedOwn.histogram.totalCount} queries, ${errs(loadedOwn)}; goal p99 < 20 ms`],
      ["idle, path listener split", listenerSplit(idleOwn), "the listener's Server-Timing per query: handler total = search + decode + sync; runq: the thread's run-queue wait inside it; runqBefore: since the previous reply; gc: collections inside it; outside: round trip minus handler; clientRunq: the probe thread's run-queue wait over the round trip"],
      ["under payment load, path listener split", listenerSplit(loadedOwn), "the same over the loaded queries"],
      ["under load max, API / path listener", `${ms(loadedApi.histogram, 100).toFixed(2)} / ${ms(loadedOwn.histogram, 100).toFixed(2)} ms`, `${loadedApi.paths} / ${loadedOwn.paths} paths returned`],
      [
        "payment load meanwhile",
        `${committedTps.toFixed(0)} tx/s committed`,
        `${opts.payments.toLocaleString("en-US")} payments; load generator threads at nice ${opts.loadNice} while the load ran (${loadNiced === undefined ? "not set" : loadNiced.refused ?? `${loadNiced.changed.length} threads, ${loadNiced.failed} refused`}), the probe's at the process's`,
      ],
    ];
    const header = ["path finding (HTTP round trip)", "value", "detail"];
    return {
      text: `\n== Path finding ==\n${textTable(header, rows)}\n${result.text}`,
      markdown: `### Path finding\n\n${markdownTable(header, rows)}\n\n${result.markdown}`,
      figures: {
        idleP50Ms: ms(idleApi.histogram, 50),
        idleP99Ms: ms(idleApi.histogram, 99),
        loadedP50Ms: ms(loadedApi.histogram, 50),
        loadedP99Ms: ms(loadedApi.histogram, 99),
        loadedQueries: loadedApi.histogram.totalCount,
        listenerIdleP50Ms: ms(idleOwn.histogram, 50),
        listenerIdleP99Ms: ms(idleOwn.histogram, 99),
        listenerLoadedP50Ms: ms(loadedOwn.histogram, 50),
        listenerLoadedP99Ms: ms(loadedOwn.histogram, 99),
        listenerLoadedQueries: loadedOwn.histogram.totalCount,
        committedTps,
      },
    };
  } finally {
    rmSync(tmp, {recursive: true, force: true});
  }
}

export function parsePathBenchFlags(argv: string[]): PathBenchOptions {
  const {values} = parseArgs({
    args: argv,
    options: {
      offers: {type: "string"},
      assets: {type: "string"},
      payments: {type: "string"},
      "listener-only": {type: "boolean"},
      "node-arg": {type: "string", multiple: true},
      "load-nice": {type: "string"},
    },
    strict: false,
  });
  const int = (v: unknown, d: number): number => (typeof v === "string" ? Number(v) : d);
  return {
    ...defaultPathBenchOptions,
    offers: int(values.offers, defaultPathBenchOptions.offers),
    assets: int(values.assets, defaultPathBenchOptions.assets),
    payments: int(values.payments, defaultPathBenchOptions.payments),
    listenerOnly: values["listener-only"] === true,
    loadNice: int(values["load-nice"], defaultPathBenchOptions.loadNice),
    nodeArgs: Array.isArray(values["node-arg"]) ? values["node-arg"].filter((a): a is string => typeof a === "string") : [],
  };
}

if (isEntryPoint(import.meta.url)) {
  const r = await runPathBench(parsePathBenchFlags(process.argv.slice(2)));
  console.log(r.text);
}
