/**
 * Streams under the payment load: the end-to-end run once with no subscriber and once with
 * 1,000 WebSocket subscribers (/ws, topic payments) plus 200 SSE streams (text/event-stream) open
 * while the payments are sent. As wallets do, most subscribers follow one account's payments
 * (the load's accounts, round-robin: each sees the payments it sends and receives); a few follow
 * every payment. The subscribers run in a process of their own (stream-consumers.ts), apart from
 * the load generator and the node. Reports delivery (every payment record committed while
 * subscribed reached every consumer that follows it, once, in paging order), the
 * delivery lag (the node's publish time per ledger plus the fan-out spread across consumers),
 * the node's memory before and after, and committed TPS with subscribers as a ratio of the run
 * without (goal ≥ 0.9).
 *
 * The consumers and the load generator stand for remote clients, which in a deployment do not
 * run on the node's cores. Here they share 2 cores with it, so while the load runs their threads
 * run at nice 10 (--clients-nice N, 0..19; 0 leaves them as started), identically in both runs:
 * the node gets the cores first, and the report shows whether the niced consumers still kept up.
 *
 * Each run first sends 20,000 warm-up payments and waits until they are committed
 * (`STREAMS_WARMUP_PAYMENTS`); what is measured is the load after them.
 *
 * One pair of runs swings with the ledgers the load happens to span (a run lasts a few ledgers):
 * `--pairs N` runs N pairs back to back and reports each pair's ratio, their median, and the
 * 95% interval of that median (from 6 pairs on; `medianInterval`); beside them, each pair's
 * speed control (how much more the verify workers' same work cost in the run with subscribers,
 * `speedControl`) and the ratios multiplied by it, which tell a set the host disturbed apart;
 * `--compare-node-main OTHER/dist/src/cli/main.js` alternates another build's node with this
 * one's, pair by pair (this, other, this, other, …), for an A/B of the ratio in the same period.
 * streams-alternate.ts reads the same ratio within one run, subscribers switched on and off
 * every few ledgers under one continuous load (no delivery digests there).
 *
 * `--firehose-ws N` and `--firehose-sse N` set how many of the subscribers follow every payment
 * (10 and 10 by default); with 0 and 0, every subscriber follows one account.
 *
 *   node dist/native-bench/streams.js [--ws N] [--sse N] [--firehose-ws N] [--firehose-sse N] [--clients-nice N] [--pairs N] [--node-main OTHER/dist/src/cli/main.js]
 *     [--compare-node-main OTHER/dist/src/cli/main.js] [e2e flags: --payments N --warmup N --accounts K …]
 */
import {fork, type ChildProcess} from "node:child_process";
import os from "node:os";
import {fileURLToPath} from "node:url";
import {benchAccount, loopDelay, runE2eBench, parseE2eFlags, type E2eResult} from "./e2e.js";
import {getRecord, pageRecords, sleep} from "./horizon-http.js";
import {machineInfo, machineMarkdown} from "./machine.js";
import {isEntryPoint, median, medianInterval} from "./measure.js";
import {rssBytes} from "./node-process.js";
import {threadCpu, threadCpuDelta, type ThreadCpu} from "./threads.js";
import {defaultE2eOptions, type E2eOptions} from "./options.js";
import {formatNumber, formatRatio, markdownTable, textTable} from "./report.js";
import {MAX_NICE, niceOtherThreads, type ThreadsNiced} from "../src/util/thread-priority.js";
import {eventsDigest, recordsDigest, type ConsumerCount, type ConsumersOptions, type ConsumersReport} from "./stream-consumers.js";

export interface StreamsBenchOptions {
  wsSubscribers: number;
  sseStreams: number;
  /** Of those, how many follow every payment (a firehose carries every record of a ledger to each of them). */
  firehoseWs: number;
  firehoseSse: number;
  /** Sockets opened at once while connecting (a burst of 1,000 handshakes would be its own benchmark). */
  connectConcurrency: number;
  /** Nice value of the load generator's threads and the consumer process while the load runs (0: as started). */
  clientsNice: number;
}

export const defaultStreamsBenchOptions: StreamsBenchOptions = {wsSubscribers: 1000, sseStreams: 200, firehoseWs: 10, firehoseSse: 10, connectConcurrency: 50, clientsNice: 10};

/** The bench's command line: its own flags, `--node-main`, and the rest for the e2e bench. */
export interface StreamsBenchArgs {
  opts: StreamsBenchOptions;
  nodeMain?: string;
  /** Pairs of runs (without, then with subscribers), at least 1. */
  pairs: number;
  /** A second build's node, run in alternate pairs. */
  compareNodeMain?: string;
  /** The flags left for `parseE2eFlags`. */
  e2eArgs: string[];
}

/**
 * Reads --ws, --sse (whole numbers ≥ 0), --clients-nice (a whole number 0..19: a negative value
 * would need privileges and would put the clients ahead of the node) and --node-main; throws on a
 * bad value, naming the flag, before anything runs.
 */
export function parseStreamsBenchArgs(argv: readonly string[]): StreamsBenchArgs {
  const args = [...argv];
  const take = (flag: string): string | undefined => {
    const at = args.indexOf(flag);
    if (at < 0) return undefined;
    const v = args[at + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    args.splice(at, 2);
    return v;
  };
  const whole = (flag: string, max: number, min = 0): number | undefined => {
    const raw = take(flag);
    if (raw === undefined) return undefined;
    const v = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(v) || v > max || v < min) throw new Error(`${flag} takes a whole number ${min}..${max}, got "${raw}"`);
    return v;
  };
  const wsSubscribers = whole("--ws", Number.MAX_SAFE_INTEGER) ?? defaultStreamsBenchOptions.wsSubscribers;
  const sseStreams = whole("--sse", Number.MAX_SAFE_INTEGER) ?? defaultStreamsBenchOptions.sseStreams;
  // Of those, how many follow every payment; by default as many as the defaults have, and never more than there are.
  const firehoseWs = whole("--firehose-ws", wsSubscribers) ?? Math.min(defaultStreamsBenchOptions.firehoseWs, wsSubscribers);
  const firehoseSse = whole("--firehose-sse", sseStreams) ?? Math.min(defaultStreamsBenchOptions.firehoseSse, sseStreams);
  const clientsNice = whole("--clients-nice", MAX_NICE) ?? defaultStreamsBenchOptions.clientsNice;
  const pairs = whole("--pairs", 100, 1) ?? 1;
  // Another build's node against this bench (A/B runs): its dist/src/cli/main.js.
  const nodeMain = take("--node-main");
  const compareNodeMain = take("--compare-node-main");
  return {
    opts: {...defaultStreamsBenchOptions, wsSubscribers, sseStreams, firehoseWs, firehoseSse, clientsNice},
    pairs,
    ...(nodeMain !== undefined ? {nodeMain} : {}),
    ...(compareNodeMain !== undefined ? {compareNodeMain} : {}),
    e2eArgs: args,
  };
}

/**
 * Sets the clients' nice value on every thread of this process (the load generator's: main,
 * libuv's and V8's helpers); undefined when `nice` is 0. Called once the node is running, so the
 * node, spawned earlier, keeps its own priority.
 */
export function niceLoadGenerator(nice: number): ThreadsNiced | undefined {
  return nice === 0 ? undefined : niceOtherThreads(new Set(), nice);
}

/** What a nicing did, for the report. */
export function nicedText(n: ThreadsNiced | undefined): string {
  if (n === undefined) return "not set";
  return n.refused ?? `${n.changed.length} threads${n.failed > 0 ? `, ${n.failed} refused` : ""}`;
}

/** The nice value of a process's main thread (NaN when it cannot be read). */
function niceOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    return os.getPriority(pid);
  } catch {
    return Number.NaN;
  }
}

/**
 * Payments sent and committed before the measured ones in both runs of a pair (`--warmup N`
 * changes it): the ratio is the node's steady state, not its first seconds, when its JIT is
 * still compiling the admission, apply and stream code (the run with subscribers compiled
 * ~0.5 s more of it). 20,000 is three to four ledgers of load. In the run with subscribers the
 * consumers are subscribed throughout, and receive and check the warm-up's records too.
 */
const STREAMS_WARMUP_PAYMENTS = 20_000;

/** Longest wait for the last payments to be committed and delivered after sending ends. */
const SETTLE_MS = 120_000;
/** The newest payment unchanged this long (with nothing left queued): the load is committed. */
const QUIET_MS = 3_000;

const CONSUMERS_MAIN = fileURLToPath(new URL("./stream-consumers.js", import.meta.url));

/** The consumer process's options for the bench's subscribers, following `accounts` round-robin. */
export function consumersOptions(baseUrl: string, opts: StreamsBenchOptions, accounts: string[]): ConsumersOptions {
  return {
    baseUrl,
    ws: opts.wsSubscribers,
    sse: opts.sseStreams,
    firehoseWs: opts.firehoseWs,
    firehoseSse: opts.firehoseSse,
    accounts,
    connectConcurrency: opts.connectConcurrency,
    nice: opts.clientsNice,
  };
}

/** The consumer process, started and subscribed. */
export async function startConsumerProcess(opts: ConsumersOptions): Promise<{child: ChildProcess; mark(): Promise<void>; stop(): Promise<ConsumersReport>}> {
  const child = fork(CONSUMERS_MAIN, ["--consumers"], {stdio: ["ignore", "inherit", "inherit", "ipc"]});
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the consumer process exited (${code}) before subscribing`)));
    child.once("message", (m: unknown) => {
      if (m === "ready") resolve();
      else reject(new Error(`the consumer process failed: ${JSON.stringify(m)}`));
    });
    child.send({start: opts});
  });
  child.removeAllListeners("exit");
  return {
    child,
    mark: () =>
      new Promise<void>((resolve, reject) => {
        child.once("message", (m: unknown) => (m === "marked" ? resolve() : reject(new Error(`the consumer process answered ${JSON.stringify(m)} to "mark"`))));
        child.send("mark");
      }),
    // The report, once the process has exited (its sockets closed, its CPU off the cores).
    stop: () =>
      new Promise<ConsumersReport>((resolve, reject) => {
        let report: ConsumersReport | undefined;
        child.once("message", (m: {report?: ConsumersReport}) => (report = m.report));
        child.once("exit", (code) => (report !== undefined ? resolve(report) : reject(new Error(`the consumer process exited (${code}) without a report`))));
        child.send("stop");
      }),
  };
}

/** The paging token of the newest payment ("" when there is none). */
async function newestPayment(baseUrl: string): Promise<string> {
  const page = await getRecord(baseUrl, "/payments?order=desc&limit=1");
  const r = pageRecords(page, "GET /payments")[0];
  return r === undefined ? "" : String(r.paging_token);
}

/**
 * Payment records after `cursor` (of one account, or all), read page by page: their count and
 * the digests a consumer that received exactly them computes (`recordsDigest` over /ws,
 * `eventsDigest` over SSE). A record's JSON is the GET's record as the node wrote it (parsing and
 * writing again gives back its bytes).
 */
async function paymentsAfter(baseUrl: string, cursor: string, account = ""): Promise<Expected> {
  const all: {token: string; json: string}[] = [];
  let at = cursor;
  const path = account === "" ? "/payments" : `/accounts/${account}/payments`;
  for (;;) {
    const page = await getRecord(baseUrl, `${path}?order=asc&limit=200${at === "" ? "" : `&cursor=${at}`}`);
    const records = pageRecords(page, "GET /payments");
    for (const r of records) all.push({token: String(r.paging_token), json: JSON.stringify(r)});
    if (records.length < 200) return {count: all.length, ws: recordsDigest(all), sse: eventsDigest(all)};
    at = String(records[records.length - 1]!.paging_token);
  }
}

/** What a consumer following some records should have received: their count and digest by transport. */
interface Expected {
  count: number;
  ws: string;
  sse: string;
}

/** CPU seconds of one thread group: user and system (kernel: socket writes and loopback delivery show here). */
interface GroupCpu {
  user: number;
  system: number;
}

/** The node's CPU between two samples by thread group ("main", "verify-worker", "uv-pool", "node-platform"). */
function threadSplit(before: ThreadCpu, after: ThreadCpu): Map<string, GroupCpu> {
  return new Map(threadCpuDelta(before, after).map((g) => [g.name, {user: g.user, system: g.system}]));
}

/** Waits until the newest payment stays the same for QUIET_MS and the queue is empty. */
async function settled(baseUrl: string): Promise<boolean> {
  const end = performance.now() + SETTLE_MS;
  let last = await newestPayment(baseUrl);
  let since = performance.now();
  while (performance.now() < end) {
    await sleep(250);
    const now = await newestPayment(baseUrl);
    if (now !== last) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since >= QUIET_MS) return true;
  }
  return false;
}

/** The p-th percentile of a Prometheus histogram's observations between two scrapes, as its bucket's upper bound (seconds). */
function bucketPercentile(before: Map<number, number>, after: Map<number, number>, p: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return Number.NaN;
  for (const le of bounds) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= (p / 100) * total) return le;
  }
  return Infinity;
}

/** What the streams bench reads from the node's /metrics: the publish lag histogram and the records by thread. */
interface StreamMetrics {
  sum: number;
  count: number;
  buckets: Map<number, number>;
  /** Operation records formatted for the streams so far, by the record thread and by the main thread (NaN: a node without the metric). */
  records: {thread: number; main: number};
}

async function streamMetrics(baseUrl: string): Promise<StreamMetrics> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const num = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  const buckets = new Map<number, number>();
  for (const m of text.matchAll(/^diamante_api_stream_publish_lag_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)) {
    buckets.set(m[1] === "+Inf" ? Infinity : Number(m[1]), Number(m[2]));
  }
  return {
    sum: num("diamante_api_stream_publish_lag_seconds_sum"),
    count: num("diamante_api_stream_publish_lag_seconds_count"),
    buckets,
    records: {thread: num('diamante_api_stream_operation_records_total\\{thread="records"\\}'), main: num('diamante_api_stream_operation_records_total\\{thread="main"\\}')},
  };
}

/** One pair's headline figures, for a summary over pairs. */
export interface StreamsPairFigures {
  /** Committed TPS over each run's span (E2eFigures.committedTps): whole ledgers, so the ratio moves in steps of one ledger in the run's count. */
  tpsQuiet: number;
  tpsLoaded: number;
  /** Committed TPS over each run's full ledgers (E2eFigures.fullLedgerTps): the ratio the goal is read from. */
  fullQuiet: number;
  fullLoaded: number;
  /** Accepted TPS over each run's send window (E2eFigures.acceptedTps): every accepted payment is committed, so a third reading, not cut by ledgers. */
  acceptedQuiet: number;
  acceptedLoaded: number;
  /** Every consumer got every record it follows (count and digest). */
  complete: boolean;
  /** Node CPU per payment sent over all its threads (µs), without and with subscribers. */
  nodeCpuQuietUs: number;
  nodeCpuLoadedUs: number;
  /** The consumer process's CPU per payment sent (µs). */
  consumerCpuUs: number;
  /**
   * The verify workers' CPU per payment sent (µs), without and with subscribers: the control of
   * the machine's speed in each run (see `summarizePairs`). NaN when the node had no such thread.
   */
  verifyCpuQuietUs: number;
  verifyCpuLoadedUs: number;
}

export async function runStreamsBench(
  e2e: Partial<E2eOptions>,
  opts: StreamsBenchOptions = defaultStreamsBenchOptions,
): Promise<{text: string; markdown: string; figures: StreamsPairFigures}> {
  const base: E2eOptions = {...defaultE2eOptions, ...e2e, warmupPayments: e2e.warmupPayments ?? STREAMS_WARMUP_PAYMENTS};
  let quietThreads = new Map<string, GroupCpu>();
  /** The load generator's nicing in each run; restored before the next node is spawned (it would inherit it). */
  let quietNiced: ThreadsNiced | undefined;
  let loadedNiced: ThreadsNiced | undefined;
  const nodeNice = {quiet: Number.NaN, loaded: Number.NaN};
  let quiet: E2eResult;
  try {
    quiet = await runE2eBench({
      ...base,
      label: "no subscribers",
      // Nothing runs beside the load: only the node's threads are read, as in the run with subscribers.
      async sideLoad(_baseUrl, nodePid) {
        nodeNice.quiet = niceOf(nodePid);
        quietNiced = niceLoadGenerator(opts.clientsNice);
        let from = threadCpu(nodePid);
        return {
          stop: async () => {},
          async warmedUp() {
            from = threadCpu(nodePid);
          },
          async afterMeasure() {
            quietThreads = threadSplit(from, threadCpu(nodePid));
            quietNiced?.restore();
          },
        };
      },
    });
  } finally {
    quietNiced?.restore();
  }
  let report: ConsumersReport | undefined;
  let loadedThreads = new Map<string, GroupCpu>();
  /** Payments committed while subscribed, by what a consumer follows ("": all): count and digest. */
  const expected = new Map<string, Expected>();
  const accounts = Array.from({length: base.accounts}, (_, i) => benchAccount((base.accountOffset ?? 0) + i).keypair.publicKey());
  let settledInTime = false;
  let rssBefore = Number.NaN;
  let rssSubscribed = Number.NaN;
  let rssAfter = Number.NaN;
  let lag: {meanMs: number; p99Ms: number} = {meanMs: Number.NaN, p99Ms: Number.NaN};
  /** Operation records formatted for the streams during the measured load, by thread. */
  let records = {thread: Number.NaN, main: Number.NaN};
  let loaded: E2eResult;
  try {
    loaded = await runE2eBench({
      ...base,
      label: `${opts.wsSubscribers} ws + ${opts.sseStreams} sse subscribers`,
      async sideLoad(baseUrl, nodePid) {
        // Every payment after this one is committed while the consumers are subscribed.
        const from = await newestPayment(baseUrl);
        rssBefore = rssBytes(nodePid);
        const consumers = await startConsumerProcess(consumersOptions(baseUrl, opts, accounts));
        // Subscribed: from here the load generator yields to the node, as in the run without subscribers.
        nodeNice.loaded = niceOf(nodePid);
        loadedNiced = niceLoadGenerator(opts.clientsNice);
        rssSubscribed = rssBytes(nodePid);
        let lagBefore = await streamMetrics(baseUrl);
        let threadsFrom = threadCpu(nodePid);
        return {
          // The measured load starts: its CPU, publish lag and fan-out spread count from here.
          async warmedUp() {
            await consumers.mark();
            lagBefore = await streamMetrics(baseUrl);
            threadsFrom = threadCpu(nodePid);
          },
          async stop() {
            // Sending ended: let the last payments commit and reach everyone before counting.
            settledInTime = await settled(baseUrl);
            // Before the scrape below resets the node's event-loop delay monitor.
            const loop = await loopDelay(baseUrl);
            report = await consumers.stop();
            rssAfter = rssBytes(nodePid);
            const lagAfter = await streamMetrics(baseUrl);
            const count = lagAfter.count - lagBefore.count;
            lag = {meanMs: count > 0 ? ((lagAfter.sum - lagBefore.sum) / count) * 1000 : Number.NaN, p99Ms: bucketPercentile(lagBefore.buckets, lagAfter.buckets, 99) * 1000};
            records = {thread: lagAfter.records.thread - lagBefore.records.thread, main: lagAfter.records.main - lagBefore.records.main};
            return {loop};
          },
          // Counting what each consumer should have got reads every account's payments: not the load's cost.
          async afterMeasure() {
            loadedThreads = threadSplit(threadsFrom, threadCpu(nodePid));
            loadedNiced?.restore();
            for (const c of [...(report?.ws ?? []), ...(report?.sse ?? [])]) if (!expected.has(c.follows)) expected.set(c.follows, await paymentsAfter(baseUrl, from, c.follows));
          },
        };
      },
    });
  } finally {
    loadedNiced?.restore();
  }
  const tpsQuiet = quiet.figures?.committedTps ?? Number.NaN;
  const tpsLoaded = loaded.figures?.committedTps ?? Number.NaN;
  const fullQuiet = quiet.figures?.fullLedgerTps ?? Number.NaN;
  const fullLoaded = loaded.figures?.fullLedgerTps ?? Number.NaN;
  const acceptedQuiet = quiet.figures?.acceptedTps ?? Number.NaN;
  const acceptedLoaded = loaded.figures?.acceptedTps ?? Number.NaN;
  const r = report;
  const mib = (b: number): string => `${formatNumber(b / 2 ** 20)} MiB`;
  const minMax = (cs: ConsumerCount[]): string => {
    const xs = cs.map((c) => c.records).sort((a, b) => a - b);
    return xs.length > 0 ? `${xs[0]} / ${xs[xs.length - 1]}` : "n/a";
  };
  /** Got every record it follows, once, in order, with the GET's bytes: the same count and digest. */
  const exact = (c: ConsumerCount, transport: "ws" | "sse"): boolean => c.records === expected.get(c.follows)?.count && c.digest === expected.get(c.follows)?.[transport];
  const whole = (cs: ConsumerCount[], transport: "ws" | "sse"): string => `${cs.filter((c) => exact(c, transport)).length} of ${cs.length}`;
  const complete = r !== undefined && r.ws.every((c) => exact(c, "ws")) && r.sse.every((c) => exact(c, "sse"));
  const payments = base.payments;
  const perTx = (seconds: number): string => `${formatNumber((seconds * 1e6) / payments)} µs`;
  /** Total per payment, then its user + system parts. */
  const split = (g: GroupCpu | undefined): string => (g === undefined ? "0 µs" : `${perTx(g.user + g.system)} (${perTx(g.user)} user + ${perTx(g.system)} sys)`);
  const firehose = (cs: ConsumerCount[]): ConsumerCount[] => cs.filter((c) => c.follows === "");
  const oneAccount = (cs: ConsumerCount[]): ConsumerCount[] => cs.filter((c) => c.follows !== "");
  const fanP99Ms = r === undefined ? Number.NaN : r.spreadUs.p99 / 1000;
  const rows = [
    ["committed TPS, no subscribers", formatNumber(tpsQuiet), ""],
    [
      "committed TPS, with subscribers",
      formatNumber(tpsLoaded),
      `${opts.wsSubscribers} ws (topic payments; ${opts.firehoseWs} unfiltered, the others one account each) + ${opts.sseStreams} sse (${opts.firehoseSse} /payments, the others /accounts/{id}/payments), in their own process`,
    ],
    ["ratio over full ledgers", formatRatio(fullLoaded / fullQuiet), `goal ≥ 0.9; committed TPS over the ledgers the load filled from close to close: ${formatNumber(fullQuiet)} without, ${formatNumber(fullLoaded)} with`],
    ["ratio over the runs' spans", formatRatio(tpsLoaded / tpsQuiet), "the rows above: the partial first and last ledgers counted as whole, so one ledger more or less moves it by 1/7 in a 7-ledger run"],
    [
      "ratio of accepted TPS",
      formatRatio(acceptedLoaded / acceptedQuiet),
      `over each run's send window (every accepted payment was committed): ${formatNumber(acceptedQuiet)} without, ${formatNumber(acceptedLoaded)} with`,
    ],
    [
      "clients' nice (--clients-nice)",
      String(opts.clientsNice),
      `while the load ran: load generator ${nicedText(quietNiced)} without subscribers, ${nicedText(loadedNiced)} with; consumer process ${
        r?.niced === undefined ? "not set" : r.niced.refused ?? `${r.niced.threads} threads${r.niced.failed > 0 ? `, ${r.niced.failed} refused` : ""}`
      }; the node at nice ${nodeNice.quiet} / ${nodeNice.loaded}`,
    ],
    ["payment records committed while subscribed", formatNumber(expected.get("")?.count ?? Number.NaN), settledInTime ? "counted from /payments after the load settled" : "the load had not settled when counted"],
    ["ws records per subscriber min / max: all payments | one account", r === undefined ? "n/a" : `${minMax(firehose(r.ws))} | ${minMax(oneAccount(r.ws))}`, ""],
    [
      "sse records per stream min / max: all payments | one account",
      r === undefined ? "n/a" : `${minMax(firehose(r.sse))} | ${minMax(oneAccount(r.sse))}`,
      r === undefined ? "" : `${r.sseReconnects} reconnections after goodbyes (limit=200), with Last-Event-ID`,
    ],
    [
      "consumers that got every record they follow: ws | sse",
      r === undefined ? "n/a" : `${whole(r.ws, "ws")} | ${whole(r.sse, "sse")}`,
      "count, byte count and CRC-32 of the records' bytes equal to those of /payments or /accounts/{id}/payments after the start token",
    ],
    ["every record to every consumer", complete ? "yes" : "NO", ""],
    ["records out of paging order", r === undefined ? "n/a" : String(r.outOfOrder), "frames or chunks whose first record did not follow the one before, over all consumers (within them the digest checks the order)"],
    ["connection errors / ws closed by the node", r === undefined ? "n/a" : `${r.errors} / ${r.wsClosedByNode}`, ""],
    ["node publish per ledger mean / p99", `${lag.meanMs.toFixed(2)} ms / ≤ ${lag.p99Ms} ms`, "ledger event to frames handed to the sockets (diamante_api_stream_publish_lag_seconds; p99 as its bucket bound)"],
    [
      "operation records formatted: record thread / main thread",
      Number.isFinite(records.thread) ? `${formatNumber(records.thread)} / ${formatNumber(records.main)}` : "n/a",
      "during the measured load (diamante_api_stream_operation_records_total); every payment here is a plain one, so the main thread's are ledgers of fewer than 200 operations or ones the record thread did not answer within 250 ms",
    ],
    [
      "fan-out spread p50 / p99 / max",
      r === undefined ? "n/a" : `${(r.spreadUs.p50 / 1000).toFixed(1)} / ${fanP99Ms.toFixed(1)} / ${(r.spreadUs.max / 1000).toFixed(1)} ms`,
      r === undefined ? "" : `a ledger's first record at each consumer after the first consumer got it (${r.spreadUs.count} arrivals)`,
    ],
    ["delivery lag p99 (publish p99 + fan-out p99)", `≤ ${formatNumber(lag.p99Ms + fanP99Ms)} ms`, "from the ledger event to the last consumer"],
    ["node RSS before / subscribed / after the load", `${mib(rssBefore)} / ${mib(rssSubscribed)} / ${mib(rssAfter)}`, `${mib(quiet.figures?.nodeRssBytes ?? Number.NaN)} after the same load without subscribers`],
    ["consumer process RSS", r === undefined ? "n/a" : mib(r.consumerRssBytes), ""],
    ...[...new Set([...loadedThreads.keys(), ...quietThreads.keys()])].map((name) => [
      `node CPU per payment sent, ${name} threads: no subscribers → with`,
      `${split(quietThreads.get(name))} → ${split(loadedThreads.get(name))}`,
      name === "main" ? "/proc/PID/task/*/stat from the first send until committed; the event loop: API, uWS writes, ledger close, GC work done there" : "",
    ]),
    [
      "consumer process CPU per payment sent",
      r === undefined ? "n/a" : `${formatNumber(r.consumerCpuUs / payments)} µs (${formatNumber(r.consumerUserUs / payments)} user + ${formatNumber((r.consumerCpuUs - r.consumerUserUs) / payments)} sys)`,
      "the 1,200 consumers' share of the same cores, from subscribed until the load settled (no record parsed: records found by byte search, CRC-32 of their bytes, two tokens read per frame or chunk; a large frame or chunk several consumers got alike scanned once, the others comparing their bytes with it)",
    ],
  ];
  const header = ["streams", "value", "detail"];
  const total = (m: Map<string, GroupCpu>): number => [...m.values()].reduce((k, g) => k + g.user + g.system, 0);
  const verifyUs = (m: Map<string, GroupCpu>): number => {
    const g = m.get("verify-worker");
    return g === undefined ? Number.NaN : ((g.user + g.system) * 1e6) / payments;
  };
  const figures: StreamsPairFigures = {
    tpsQuiet,
    tpsLoaded,
    fullQuiet,
    fullLoaded,
    acceptedQuiet,
    acceptedLoaded,
    complete,
    nodeCpuQuietUs: (total(quietThreads) * 1e6) / payments,
    nodeCpuLoadedUs: (total(loadedThreads) * 1e6) / payments,
    consumerCpuUs: r === undefined ? Number.NaN : r.consumerCpuUs / payments,
    verifyCpuQuietUs: verifyUs(quietThreads),
    verifyCpuLoadedUs: verifyUs(loadedThreads),
  };
  return {
    figures,
    text: `${textTable(header, rows)}\n\n${quiet.text}\n\n${loaded.text}`,
    markdown: `### Streams under the payment load (${new Date().toISOString()})\n\n${markdownTable(header, rows)}\n\n${quiet.markdown}\n\n${loaded.markdown}\n`,
  };
}

if (isEntryPoint(import.meta.url)) {
  let parsed: StreamsBenchArgs;
  try {
    parsed = parseStreamsBenchArgs(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
  const {opts, nodeMain, compareNodeMain, pairs, e2eArgs} = parsed;
  const e2e = parseE2eFlags(e2eArgs);
  const builds: {label: string; nodeMain?: string}[] = [{label: nodeMain ?? "this build", ...(nodeMain !== undefined ? {nodeMain} : {})}];
  if (compareNodeMain !== undefined) builds.push({label: compareNodeMain, nodeMain: compareNodeMain});
  console.log(machineMarkdown(machineInfo()));
  const got = new Map<string, StreamsPairFigures[]>(builds.map((b) => [b.label, []]));
  const markdowns: string[] = [];
  for (let i = 0; i < pairs; i++) {
    for (const b of builds) {
      const result = await runStreamsBench({...e2e, ...(b.nodeMain !== undefined ? {nodeMain: b.nodeMain} : {})}, opts);
      got.get(b.label)!.push(result.figures);
      console.log(`== pair ${i + 1} of ${pairs}: ${b.label} ==`);
      console.log(result.text);
      markdowns.push(result.markdown);
    }
  }
  const summary = summarizePairs(got);
  console.log(`\n${summary.text}`);
  console.log("\n----- markdown -----\n");
  console.log(markdowns.join("\n"));
  console.log(summary.markdown);
}

/**
 * Where the median ratio of the pairs' population lies with 95% confidence (`medianInterval`:
 * the pairs' k-th smallest to k-th largest ratio), and the interval's exact coverage. A goal is
 * shown met when the interval's low end reaches it, not when the median of one set does.
 */
export function medianIntervalText(ratios: readonly number[], of = "pairs"): string {
  const i = medianInterval(ratios, 0.95);
  return i === undefined ? `needs 6 ${of} or more` : `${formatRatio(i.low)} to ${formatRatio(i.high)} (covers ${(i.coverage * 100).toFixed(1)}%)`;
}

/**
 * How much slower the machine ran in a pair's run with subscribers than in its run without,
 * read from the verify workers' CPU per payment: the same signatures checked by the same code in
 * both runs, which the subscribers do not touch (on a quiet box it moved by ±1 µs per payment
 * between the runs). A host that slows down for a run (a neighbour's load, which the guest's
 * steal figure does not show) raises it in that run, and the run's committed TPS falls about as
 * much. NaN (printed n/a) without the figure.
 */
export function speedControl(f: StreamsPairFigures): number {
  return f.verifyCpuLoadedUs / f.verifyCpuQuietUs;
}

/**
 * Each build's pairs: their ratios in order, and the medians of TPS, ratio and CPU per payment.
 * Beside the ratios, each pair's speed control (`speedControl`) and the ratio multiplied by it:
 * a reading that takes out what the host's own swings between the two runs did, for telling a
 * set disturbed by the host from one that is not. It assumes the subscribers leave the verify
 * workers' cost as it is, so it is a check on the set, not the figure a goal is read from.
 */
export function summarizePairs(got: ReadonlyMap<string, readonly StreamsPairFigures[]>): {text: string; markdown: string} {
  const header = [
    "build",
    "pairs",
    "full-ledger ratio per pair (in run order)",
    "median full-ledger ratio",
    "95% interval of that median",
    "median full-ledger TPS without / with",
    "span ratio per pair",
    "median span ratio",
    "accepted-TPS ratio per pair",
    "median accepted-TPS ratio",
    "median node CPU per payment without / with",
    "median consumer CPU per payment",
    "speed control per pair (verify CPU per payment with / without)",
    "median ratio × speed control",
    "95% interval of that median",
    "every record delivered",
  ];
  // The ratios × control, with their interval; n/a when a pair has no control.
  const controlled = (fs: readonly StreamsPairFigures[]): [string, string] => {
    const values = fs.map((f) => (f.fullLoaded / f.fullQuiet) * speedControl(f));
    return values.every(Number.isFinite) ? [formatRatio(median(values)), medianIntervalText(values)] : ["n/a", "n/a"];
  };
  const rows = [...got].map(([label, fs]) => [
    label,
    String(fs.length),
    fs.map((f) => formatRatio(f.fullLoaded / f.fullQuiet)).join(", "),
    formatRatio(median(fs.map((f) => f.fullLoaded / f.fullQuiet))),
    medianIntervalText(fs.map((f) => f.fullLoaded / f.fullQuiet)),
    `${formatNumber(median(fs.map((f) => f.fullQuiet)))} / ${formatNumber(median(fs.map((f) => f.fullLoaded)))}`,
    fs.map((f) => formatRatio(f.tpsLoaded / f.tpsQuiet)).join(", "),
    formatRatio(median(fs.map((f) => f.tpsLoaded / f.tpsQuiet))),
    fs.map((f) => formatRatio(f.acceptedLoaded / f.acceptedQuiet)).join(", "),
    formatRatio(median(fs.map((f) => f.acceptedLoaded / f.acceptedQuiet))),
    `${formatNumber(median(fs.map((f) => f.nodeCpuQuietUs)))} / ${formatNumber(median(fs.map((f) => f.nodeCpuLoadedUs)))} µs`,
    `${formatNumber(median(fs.map((f) => f.consumerCpuUs)))} µs`,
    fs.map((f) => (Number.isFinite(speedControl(f)) ? speedControl(f).toFixed(2) : "n/a")).join(", "),
    ...controlled(fs),
    fs.every((f) => f.complete) ? "yes, every pair" : `NO in ${fs.filter((f) => !f.complete).length} pair(s)`,
  ]);
  return {text: textTable(header, rows), markdown: `### Streams ratio over pairs of runs (${new Date().toISOString()})\n\n${markdownTable(header, rows)}\n`};
}
