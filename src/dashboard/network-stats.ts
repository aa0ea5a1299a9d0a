/**
 * The network dashboard's numbers: one point per closed ledger and one sample of the node's
 * counters per interval, kept in fixed rings. Everything is read from the metrics registry on a
 * timer or copied from the closed-ledger event, so nothing here runs on the apply/commit path
 * and a page request only copies arrays.
 */
import type {Metrics} from "../metrics/metrics.js";
import type {QuorumSet} from "../scp/types.js";
import type {LedgerCloseResult} from "../tx/interface.js";
import type {LedgerHeader} from "../ledger/types.js";
import type {LedgerPoint, MetricsFrame, NetworkSnapshot, NodeStatus, QuorumHealth, SamplePoint} from "./interface.js";
import {defaultDashboardOptions, type DashboardOptions} from "./options.js";

export interface NetworkStatsModules {
  metrics: Metrics;
  /** The node's own panel first, then peers' as the overlay reports them. */
  nodes(): NodeStatus[];
  /** Threads of the verify pool (0: verification runs in the main thread). */
  verifyThreads: number;
}

/** Totals read from the registry at one instant; samples are differences of two of these. */
interface Totals {
  t: number;
  txs: number;
  requests: number;
  hits: number;
  misses: number;
  rejected: number;
  verifyRunSum: number;
  verifyWaitSum: number;
  verifyWaitCount: number;
  queue: number;
  subscribers: Record<string, number>;
}

type Labelled = {value: number; labels: Record<string, string | number | undefined>; metricName?: string};

function sumOf(values: Labelled[], metricName?: string): number {
  let s = 0;
  for (const v of values) if (metricName === undefined || v.metricName === metricName) s += v.value;
  return s;
}

function byLabel(values: Labelled[], label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) {
    const k = String(v.labels[label] ?? "");
    if (v.value > 0) out[k] = (out[k] ?? 0) + v.value;
  }
  return out;
}

/**
 * The fewest validators whose failure leaves `q` unable to reach its threshold: any
 * (entries − threshold + 1) of its entries, each a validator (cost 1, or 0 when it is already
 * down) or an inner set (its own cost), cheapest first.
 */
export function minBlockingFailures(q: QuorumSet, down: ReadonlySet<string> = new Set()): number {
  const costs = [...q.validators.map((v) => (down.has(v) ? 0 : 1)), ...q.innerSets.map((i) => minBlockingFailures(i, down))].sort((a, b) => a - b);
  const need = costs.length - q.threshold + 1;
  if (need <= 0) return Number.POSITIVE_INFINITY;
  let s = 0;
  for (let i = 0; i < need; i++) s += costs[i]!;
  return s;
}

/** Health of quorum set `q` with the validators in `down` already failed. */
export function quorumHealth(q: QuorumSet, down: ReadonlySet<string> = new Set()): QuorumHealth {
  const nodes = new Set<string>();
  const walk = (s: QuorumSet): void => {
    for (const v of s.validators) nodes.add(v);
    for (const i of s.innerSets) walk(i);
  };
  walk(q);
  const toHalt = minBlockingFailures(q, down);
  const tolerated = Math.max(0, toHalt - 1);
  return {
    validators: nodes.size,
    threshold: q.threshold,
    down: [...nodes].filter((n) => down.has(n)).length,
    failuresToHalt: toHalt,
    toleratedFailures: tolerated,
    oneFailureFromHalt: tolerated === 0,
  };
}

/** The first code that says why a failed tx failed: an operation's when the tx code is tx_failed. */
export function failureCode(codes: {transaction: string; operations?: string[]; innerTransaction?: {transaction: string; operations?: string[]}}): string {
  const c = codes.innerTransaction ?? codes;
  if (c.transaction === "tx_failed" && c.operations !== undefined) {
    const op = c.operations.find((o) => o !== "op_success");
    if (op !== undefined) return op;
  }
  return c.transaction;
}

export class NetworkStats {
  private readonly opts: DashboardOptions;
  private readonly ledgers: LedgerPoint[] = [];
  private readonly samples: SamplePoint[] = [];
  private readonly frameListeners: Array<(f: MetricsFrame) => void> = [];
  private last: Totals | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sampling = false;
  /** Sequence of the last ledger point handed to frame listeners. */
  private framedLedger = 0;

  constructor(
    opts: Partial<DashboardOptions>,
    private readonly modules: NetworkStatsModules,
  ) {
    this.opts = {...defaultDashboardOptions, ...opts};
  }

  start(): void {
    if (this.timer !== null) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.opts.sampleMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Called with a frame per sample taken: what the /ws metrics topic publishes. */
  onFrame(cb: (frame: MetricsFrame) => void): void {
    this.frameListeners.push(cb);
  }

  /** Copies what the charts need from a closed ledger; counts failed txs by code. */
  ledgerClosed(c: {header: LedgerHeader; result: LedgerCloseResult; closeMs: number}): void {
    let failed = 0;
    for (const a of c.result.applied) {
      if (a.successful) continue;
      failed++;
      this.modules.metrics.txsFailed.inc({code: failureCode(a.resultCodes)});
    }
    this.modules.metrics.ledgerTxs.set(c.result.frames.length);
    this.ledgers.push({
      seq: c.header.seq,
      closedAt: c.header.closeTime,
      txs: c.result.frames.length,
      failed,
      ops: c.header.opCount,
      closeMs: Math.round(c.closeMs * 100) / 100,
    });
    if (this.ledgers.length > this.opts.keepLedgers) this.ledgers.splice(0, this.ledgers.length - this.opts.keepLedgers);
  }

  async snapshot(): Promise<NetworkSnapshot> {
    const m = this.modules.metrics;
    const latency = m.submitToConfirmSeconds.latency;
    const rejected = (await m.queueRejected.get()).values as Labelled[];
    const failed = (await m.txsFailed.get()).values as Labelled[];
    return {
      now: Date.now(),
      nodes: this.modules.nodes(),
      ledgers: [...this.ledgers],
      samples: [...this.samples],
      latency: {recent: latency.recent(), overall: latency.overall(), windowSeconds: this.opts.latencyWindowSeconds},
      rejectedByCode: byLabel(rejected, "reason"),
      failedByCode: byLabel(failed, "code"),
    };
  }

  /** Takes one sample now (the timer calls it; tests call it to avoid waiting). */
  async sample(): Promise<SamplePoint | null> {
    if (this.sampling) return null;
    this.sampling = true;
    try {
      const totals = await this.totals();
      const prev = this.last;
      this.last = totals;
      if (prev === null) return null;
      const point = this.point(prev, totals);
      this.samples.push(point);
      if (this.samples.length > this.opts.keepSamples) this.samples.splice(0, this.samples.length - this.opts.keepSamples);
      if (this.frameListeners.length > 0) {
        const frame = await this.frame(point);
        for (const cb of this.frameListeners) cb(frame);
      }
      return point;
    } finally {
      this.sampling = false;
    }
  }

  /** A sample with the ledgers closed since the previous frame and the current panels and tables. */
  private async frame(sample: SamplePoint): Promise<MetricsFrame> {
    const snap = await this.snapshot();
    const ledgers = snap.ledgers.filter((l) => l.seq > this.framedLedger);
    if (ledgers.length > 0) this.framedLedger = ledgers[ledgers.length - 1]!.seq;
    return {type: "metrics", channel: "metrics", sample, ledgers, nodes: snap.nodes, latency: snap.latency, rejectedByCode: snap.rejectedByCode, failedByCode: snap.failedByCode};
  }

  private async totals(): Promise<Totals> {
    const m = this.modules.metrics;
    const wait = (await m.verifyWaitSeconds.get()).values as Labelled[];
    const run = (await m.verifyRunSeconds.get()).values as Labelled[];
    return {
      t: Date.now(),
      txs: sumOf((await m.txsApplied.get()).values as Labelled[]),
      requests: sumOf((await m.apiRequests.get()).values as Labelled[]),
      hits: sumOf((await m.apiCacheHits.get()).values as Labelled[]),
      misses: sumOf((await m.apiCacheMisses.get()).values as Labelled[]),
      rejected: sumOf((await m.queueRejected.get()).values as Labelled[]),
      verifyRunSum: sumOf(run, "diamante_verify_pool_run_seconds_sum"),
      verifyWaitSum: sumOf(wait, "diamante_verify_pool_wait_seconds_sum"),
      verifyWaitCount: sumOf(wait, "diamante_verify_pool_wait_seconds_count"),
      queue: sumOf((await m.queueLength.get()).values as Labelled[]),
      subscribers: byLabel((await m.streamSubscribers.get()).values as Labelled[], "transport"),
    };
  }

  private point(a: Totals, b: Totals): SamplePoint {
    const m = this.modules.metrics;
    const dt = Math.max(1, b.t - a.t) / 1000;
    const rate = (x: number, y: number): number => Math.round(((y - x) / dt) * 100) / 100;
    const lookups = b.hits - a.hits + (b.misses - a.misses);
    const waits = b.verifyWaitCount - a.verifyWaitCount;
    const threads = this.modules.verifyThreads;
    const utilization = threads > 0 ? Math.min(1, (b.verifyRunSum - a.verifyRunSum) / (dt * threads)) : 0;
    m.verifyUtilization.set(utilization);
    const recent = m.submitToConfirmSeconds.latency.recent();
    m.submitToConfirmQuantile.set({quantile: "0.5"}, recent.p50);
    m.submitToConfirmQuantile.set({quantile: "0.9"}, recent.p90);
    m.submitToConfirmQuantile.set({quantile: "0.99"}, recent.p99);
    m.submitToConfirmQuantile.set({quantile: "0.999"}, recent.p999);
    return {
      t: b.t,
      ledger: this.ledgers.length > 0 ? this.ledgers[this.ledgers.length - 1]!.seq : 0,
      tps: rate(a.txs, b.txs),
      queue: b.queue,
      apiRps: rate(a.requests, b.requests),
      cacheHitRatio: lookups > 0 ? Math.round(((b.hits - a.hits) / lookups) * 1000) / 1000 : null,
      verifyUtilization: Math.round(utilization * 1000) / 1000,
      verifyWaitMs: waits > 0 ? Math.round(((b.verifyWaitSum - a.verifyWaitSum) / waits) * 1e6) / 1000 : null,
      rejectedPerSec: rate(a.rejected, b.rejected),
      subscribers: {ws: b.subscribers.ws ?? 0, sse: b.subscribers.sse ?? 0},
      latencyP50: recent.p50,
      latencyP99: recent.p99,
    };
  }
}
