/**
 * Streams under the payment load, subscribers on and off within one run: one node under one
 * continuous payment load, its ledgers cut into windows of `--window-ledgers` ledgers, with no
 * subscriber in the first window, the streams bench's 1,000 WebSocket subscribers and 200 SSE
 * streams (the same consumer process, in a new instance each time) in the second, none in the
 * third, and so on for `--cycles` windows with subscribers. Each window with subscribers is read
 * against the mean of the two windows without either side of it: committed TPS over its ledgers
 * as a ratio of theirs (goal ≥ 0.9), with the median of the cycles and its 95% interval.
 *
 * Why beside the pairs of runs (streams.ts): a pair's two runs are minutes apart, and this
 * shared host's speed swings by ±10% between them (the pairs' speed control). Here the windows
 * compared are seconds apart on the same node, and a steady drift of the host cancels in the mean
 * of the windows either side. A swing faster than a window does not cancel: on the bench's shared
 * box the host's speed also moves within seconds, so 6-ledger windows read as noisily as the
 * pairs and 12-ledger ones somewhat less (native-bench/RESULTS.md). What the pairs check and
 * this does not: that every record reached every consumer (digests against the history). Here
 * each window with subscribers reports the records its consumers received, out-of-order frames,
 * errors and slow-consumer closes.
 *
 * A window starts with the first ledger that opened after its subscribers were all subscribed
 * (or all closed, and the consumer process gone): the ledger under way at the switch is in no
 * window. The load generator runs at the clients' nice value from the warm-up's end to the end
 * (both kinds of window alike); the consumer process nices itself as in the pairs.
 *
 *   node dist/native-bench/streams-alternate.js [--cycles N] [--window-ledgers L] [streams.ts flags: --ws --sse --firehose-ws --firehose-sse --clients-nice]
 *     [e2e flags: --payments N --accounts K …]
 */
import os from "node:os";
import {performance} from "node:perf_hooks";
import {benchAccount, hostCpuTicks, parseE2eFlags, runE2eBench} from "./e2e.js";
import {getRecord, sleep} from "./horizon-http.js";
import {machineInfo, machineMarkdown} from "./machine.js";
import {isEntryPoint, median} from "./measure.js";
import {rssParts} from "./node-process.js";
import {defaultE2eOptions, type E2eOptions, type LedgersView} from "./options.js";
import {formatNumber, formatRatio, markdownTable, textTable} from "./report.js";
import {threadCpu, threadCpuDelta, type ThreadCpu} from "./threads.js";
import {consumersOptions, medianIntervalText, niceLoadGenerator, nicedText, parseStreamsBenchArgs, startConsumerProcess, type StreamsBenchOptions} from "./streams.js";
import type {ThreadsNiced} from "../src/util/thread-priority.js";
import type {ConsumersReport} from "./stream-consumers.js";

export interface AlternateArgs {
  /** Windows with subscribers (each between two without), at least 1; the interval of their median needs 6. */
  cycles: number;
  /** Ledgers per window, at least 2. */
  windowLedgers: number;
}

export const defaultAlternateArgs: AlternateArgs = {cycles: 8, windowLedgers: 6};

/** Reads --cycles and --window-ledgers (whole numbers in range), leaving the other flags; throws naming the flag. */
export function parseAlternateArgs(argv: readonly string[]): {alt: AlternateArgs; rest: string[]} {
  const rest = [...argv];
  const read = (flag: string, min: number, max: number, fallback: number): number => {
    const at = rest.indexOf(flag);
    if (at < 0) return fallback;
    const raw = rest[at + 1];
    const v = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(v) || v < min || v > max) throw new Error(`${flag} takes a whole number ${min}..${max}, got "${raw ?? ""}"`);
    rest.splice(at, 2);
    return v;
  };
  const cycles = read("--cycles", 1, 100, defaultAlternateArgs.cycles);
  const windowLedgers = read("--window-ledgers", 2, 1000, defaultAlternateArgs.windowLedgers);
  return {alt: {cycles, windowLedgers}, rest};
}

/** One window's ledgers and what the node spent on them. */
export interface AlternateWindow {
  subscribed: boolean;
  /** The window is the ledgers after `from` up to and including `to`. */
  from: number;
  to: number;
  /** Transactions in those ledgers. */
  txs: number;
  /** From `from` first seen to `to` first seen (the bench's ledger poller). */
  seconds: number;
  /** Node CPU over the window, all threads and the verify workers' (seconds, /proc). */
  nodeCpu: number;
  verifyCpu: number;
  /** The node's resident memory at the window's end (bytes): all, and its private part (heap and other anonymous memory; the rest is LMDB's mapped file). */
  rssBytes: number;
  rssAnonBytes: number;
  /**
   * Shares of the machine's CPU time over the window (/proc/stat): idle (a window with idle cores
   * was not held back by CPU, so the subscribers' cost may not show in its TPS) and stolen by the host.
   */
  idleShare: number;
  stealShare: number;
}

/** A window with subscribers and the windows without either side of it. */
export interface AlternateCycle {
  before: AlternateWindow;
  on: AlternateWindow;
  after: AlternateWindow;
  /** TPS with subscribers over the mean TPS of the two windows without. */
  ratio: number;
  /** Node CPU per payment with subscribers over the mean of the two without. */
  cpuRatio: number;
  /** The verify workers' CPU per payment with over without: the host's speed (1 when steady). */
  control: number;
}

const tps = (w: AlternateWindow): number => w.txs / w.seconds;
const perTx = (cpu: number, w: AlternateWindow): number => cpu / w.txs;

/**
 * The cycles of a run's windows (in ledger order): each window with subscribers whose neighbours
 * are both windows without. Taking the mean of the windows before and after cancels a drift of
 * the host's speed that is steady over the three.
 */
export function alternateCycles(windows: readonly AlternateWindow[]): AlternateCycle[] {
  const out: AlternateCycle[] = [];
  for (let i = 1; i + 1 < windows.length; i++) {
    const [before, on, after] = [windows[i - 1]!, windows[i]!, windows[i + 1]!];
    if (!on.subscribed || before.subscribed || after.subscribed) continue;
    const mean = (f: (w: AlternateWindow) => number): number => (f(before) + f(after)) / 2;
    out.push({
      before,
      on,
      after,
      ratio: tps(on) / mean(tps),
      cpuRatio: perTx(on.nodeCpu, on) / mean((w) => perTx(w.nodeCpu, w)),
      control: perTx(on.verifyCpu, on) / mean((w) => perTx(w.verifyCpu, w)),
    });
  }
  return out;
}

const cpuSeconds = (before: ThreadCpu, after: ThreadCpu, group?: string): number =>
  threadCpuDelta(before, after)
    .filter((g) => group === undefined || g.name === group)
    .reduce((s, g) => s + g.seconds, 0);

/** Waits until ledger `seq` has been seen, or the load has ended (false). */
async function ledgerSeen(ledgers: LedgersView, seq: number, ended: () => boolean): Promise<boolean> {
  while (ledgers.newest < seq) {
    if (ended()) return false;
    await sleep(10);
  }
  return !ended();
}

/** A ledger's transaction count: the poller's, or the node's record when the poller jumped past it. */
async function txCount(baseUrl: string, ledgers: LedgersView, seq: number): Promise<number> {
  const seen = ledgers.seen.get(seq);
  if (seen !== undefined && seen.txCount >= 0) return seen.txCount;
  const rec = await getRecord(baseUrl, `/ledgers/${seq}`);
  return Number(rec.successful_transaction_count ?? 0) + Number(rec.failed_transaction_count ?? 0);
}

export interface AlternateResult {
  windows: AlternateWindow[];
  cycles: AlternateCycle[];
  /** Each window with subscribers' consumer report, in order. */
  reports: ConsumersReport[];
  /** Cycles asked for (`cycles` has fewer when the load ended first). */
  asked: number;
  text: string;
  markdown: string;
}

export async function runStreamsAlternate(e2e: Partial<E2eOptions>, opts: StreamsBenchOptions, alt: AlternateArgs): Promise<AlternateResult> {
  // Enough payments to keep the load on through every window, at up to 3,300 per ledger, with
  // five ledgers per switch (1,200 subscribers connect in ~3 s under the load; `--payments` sets it).
  const windows = 2 * alt.cycles + 1;
  const payments = e2e.payments ?? windows * (alt.windowLedgers + 5) * 3_300;
  // The e2e bench stops sending at `sendTimeoutMs` (3 minutes by default): here the load runs
  // through every window, so at least 1 s per 1,000 payments.
  const sendTimeoutMs = Math.max(e2e.sendTimeoutMs ?? defaultE2eOptions.sendTimeoutMs, payments);
  const base: E2eOptions = {...defaultE2eOptions, ...e2e, payments, sendTimeoutMs, warmupPayments: e2e.warmupPayments ?? 20_000};
  const accounts = Array.from({length: base.accounts}, (_, i) => benchAccount((base.accountOffset ?? 0) + i).keypair.publicKey());
  const got: AlternateWindow[] = [];
  const reports: ConsumersReport[] = [];
  let niced: ThreadsNiced | undefined;
  let ended = false;
  let done: Promise<void> = Promise.resolve();
  let failure: unknown;
  try {
    await runE2eBench({
      ...base,
      label: `subscribers on and off, ${alt.cycles} cycles of ${alt.windowLedgers} ledgers`,
      async sideLoad(baseUrl, nodePid, ledgers) {
        const windowsRun = async (): Promise<void> => {
          let consumers: Awaited<ReturnType<typeof startConsumerProcess>> | null = null;
          try {
            for (let w = 0; w < windows && !ended; w++) {
              const subscribed = w % 2 === 1;
              if (subscribed) {
                consumers = await startConsumerProcess(consumersOptions(baseUrl, opts, accounts));
              } else if (consumers !== null) {
                reports.push(await consumers.stop());
                consumers = null;
              }
              // The ledger under way at the switch straddles it: the window starts after it closes.
              const from = ledgers.newest + 1;
              if (!(await ledgerSeen(ledgers, from, () => ended))) break;
              const cpuFrom = threadCpu(nodePid);
              const hostFrom = hostCpuTicks();
              const to = from + alt.windowLedgers;
              if (!(await ledgerSeen(ledgers, to, () => ended))) break;
              const cpuTo = threadCpu(nodePid);
              const hostTo = hostCpuTicks();
              const rss = rssParts(nodePid);
              const hostTotal = hostFrom !== undefined && hostTo !== undefined ? hostTo.total - hostFrom.total : Number.NaN;
              let txs = 0;
              for (let s = from + 1; s <= to; s++) txs += await txCount(baseUrl, ledgers, s);
              got.push({
                subscribed,
                from,
                to,
                txs,
                seconds: (ledgers.seen.get(to)!.seenAt - ledgers.seen.get(from)!.seenAt) / 1000,
                nodeCpu: cpuSeconds(cpuFrom, cpuTo),
                verifyCpu: cpuSeconds(cpuFrom, cpuTo, "verify-worker"),
                rssBytes: rss.rss,
                rssAnonBytes: rss.anon,
                idleShare: hostTotal > 0 ? (hostTo!.idle - hostFrom!.idle) / hostTotal : Number.NaN,
                stealShare: hostTotal > 0 ? (hostTo!.steal - hostFrom!.steal) / hostTotal : Number.NaN,
              });
            }
          } catch (err) {
            failure = err;
          } finally {
            if (consumers !== null) reports.push(await consumers.stop());
          }
        };
        return {
          async warmedUp() {
            niced = niceLoadGenerator(opts.clientsNice);
            done = windowsRun();
          },
          async stop() {
            // Sending ended: a window not finished by now did not run under the full load.
            ended = true;
            await done;
          },
        };
      },
    });
  } finally {
    // A run that failed before sending ended leaves no window open and no consumer running.
    ended = true;
    await done;
    niced?.restore();
  }
  if (failure !== undefined) throw failure;
  const cycles = alternateCycles(got);
  return {windows: got, cycles, reports, asked: alt.cycles, ...alternateReport(got, cycles, reports, alt, opts, niced)};
}

/** The windows, the cycles and their summary as text and markdown. */
function alternateReport(
  windows: readonly AlternateWindow[],
  cycles: readonly AlternateCycle[],
  reports: readonly ConsumersReport[],
  alt: AlternateArgs,
  opts: StreamsBenchOptions,
  niced: ThreadsNiced | undefined,
): {text: string; markdown: string} {
  const mib = (b: number): string => `${formatNumber(b / 2 ** 20)} MiB`;
  const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "n/a");
  const wHeader = ["window", "subscribers", "ledgers", "txs", "seconds", "TPS", "node CPU per payment", "verify CPU per payment", "node RSS (anonymous) at its end", "machine idle / stolen"];
  const wRows = windows.map((w, i) => [
    String(i + 1),
    w.subscribed ? `${opts.wsSubscribers} ws + ${opts.sseStreams} sse` : "none",
    `${w.from + 1}..${w.to}`,
    formatNumber(w.txs),
    w.seconds.toFixed(2),
    formatNumber(tps(w)),
    `${formatNumber((w.nodeCpu * 1e6) / w.txs)} µs`,
    `${formatNumber((w.verifyCpu * 1e6) / w.txs)} µs`,
    `${mib(w.rssBytes)} (${mib(w.rssAnonBytes)})`,
    `${pct(w.idleShare)} / ${pct(w.stealShare)}`,
  ]);
  const ratios = cycles.map((c) => c.ratio);
  const delivered = (r: ConsumersReport): string =>
    `${formatNumber([...r.ws, ...r.sse].reduce((s, c) => s + c.records, 0))} records; out of order ${r.outOfOrder}, errors ${r.errors}, ws closed by the node ${r.wsClosedByNode}`;
  const cHeader = ["cycle", "TPS without (before / after) → with", "ratio", "node CPU per payment ratio (with / without)", "speed control (verify CPU per payment, with / without)", "ratio × speed control", "the consumers while subscribed"];
  const cRows = cycles.map((c, i) => {
    // The consumer processes report in the order of the windows with subscribers (the odd ones).
    const report = reports[windows.indexOf(c.on) >> 1];
    return [
      String(i + 1),
      `${formatNumber(tps(c.before))} / ${formatNumber(tps(c.after))} → ${formatNumber(tps(c.on))}`,
      formatRatio(c.ratio),
      formatRatio(c.cpuRatio),
      c.control.toFixed(2),
      formatRatio(c.ratio * c.control),
      report === undefined ? "n/a" : delivered(report),
    ];
  });
  const sHeader = ["cycles (asked)", "ratio per cycle (in run order)", "median ratio", "95% interval of that median", "median ratio × speed control", "95% interval of that median", "median node CPU ratio", "ws slow-consumer closes, errors, out of order (all windows)", "load generator / consumer nice"];
  const controlled = cycles.map((c) => c.ratio * c.control);
  const sRows = [
    [
      `${cycles.length} (${alt.cycles})`,
      ratios.map(formatRatio).join(", "),
      formatRatio(median(ratios)),
      medianIntervalText(ratios, "cycles"),
      formatRatio(median(controlled)),
      medianIntervalText(controlled, "cycles"),
      formatRatio(median(cycles.map((c) => c.cpuRatio))),
      `${reports.reduce((s, r) => s + r.wsClosedByNode, 0)}, ${reports.reduce((s, r) => s + r.errors, 0)}, ${reports.reduce((s, r) => s + r.outOfOrder, 0)}`,
      `${nicedText(niced)} / ${opts.clientsNice}`,
    ],
  ];
  const title = `Streams, subscribers on and off in one run: ${alt.cycles} cycles of ${alt.windowLedgers}-ledger windows (${new Date().toISOString()})`;
  return {
    text: `${title}\n\n${textTable(wHeader, wRows)}\n\n${textTable(cHeader, cRows)}\n\n${textTable(sHeader, sRows)}`,
    markdown: `### ${title}\n\n${markdownTable(sHeader, sRows)}\n\n${markdownTable(cHeader, cRows)}\n\n${markdownTable(wHeader, wRows)}\n`,
  };
}

if (isEntryPoint(import.meta.url)) {
  let alt: AlternateArgs;
  let opts: StreamsBenchOptions;
  let e2e: Partial<E2eOptions>;
  try {
    const a = parseAlternateArgs(process.argv.slice(2));
    alt = a.alt;
    const s = parseStreamsBenchArgs(a.rest);
    if (s.pairs !== 1 || s.compareNodeMain !== undefined) throw new Error("--pairs and --compare-node-main are the pairs' flags (streams.js), not this bench's");
    opts = s.opts;
    const explicitPayments = s.e2eArgs.some((a) => a === "--payments" || a.startsWith("--payments="));
    const parsed = parseE2eFlags(s.e2eArgs);
    e2e = {...parsed, ...(s.nodeMain !== undefined ? {nodeMain: s.nodeMain} : {})};
    // The run's length follows the cycles unless --payments sets it.
    if (!explicitPayments) delete e2e.payments;
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
  console.log(machineMarkdown(machineInfo()));
  console.log(`load average at the start: ${os.loadavg().map((x) => x.toFixed(2)).join(", ")}`);
  const t = performance.now();
  const r = await runStreamsAlternate(e2e, opts, alt);
  console.log(r.text);
  console.log(`\n(${((performance.now() - t) / 1000).toFixed(0)} s)\n\n----- markdown -----\n`);
  console.log(r.markdown);
}
