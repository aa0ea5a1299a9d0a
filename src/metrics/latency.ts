/**
 * Latency percentiles from HDR histograms: prom-client's buckets give rates and coarse quantiles
 * for Prometheus, while the dashboard shows exact p50/p90/p99/p99.9 of recent submissions.
 */
import * as hdr from "hdr-histogram-js";
import {Histogram, type HistogramConfiguration, type LabelValues, type ObserveDataWithExemplar} from "prom-client";

/** Microsecond resolution up to one hour, 3 significant digits: ~0.1% error, ~40 KB per histogram. */
const HDR_LOWEST_US = 1;
const HDR_HIGHEST_US = 3_600_000_000;
const HDR_DIGITS = 3;

/**
 * "Recent" is the current window plus the previous one: 30 s windows keep a percentile readable
 * at ~1 tx/s yet let a load spike fade within a minute.
 */
export const LATENCY_WINDOW_MS = 30_000;

export interface LatencyPercentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

function newHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: HDR_LOWEST_US,
    highestTrackableValue: HDR_HIGHEST_US,
    numberOfSignificantValueDigits: HDR_DIGITS,
    useWebAssembly: false,
  });
}

/** Seconds in, percentiles in seconds out; over all time and over the last one or two windows. */
export class LatencyWindow {
  private readonly total = newHistogram();
  private current = newHistogram();
  private previous = newHistogram();
  private windowStart: number;

  constructor(
    private readonly windowMs = LATENCY_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  record(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    this.rotate();
    const us = Math.min(HDR_HIGHEST_US, Math.max(HDR_LOWEST_US, Math.round(seconds * 1e6)));
    this.total.recordValue(us);
    this.current.recordValue(us);
  }

  /** Percentiles since start. */
  overall(): LatencyPercentiles {
    return percentilesOf(this.total);
  }

  /** Percentiles of the submissions confirmed in the last one to two windows. */
  recent(): LatencyPercentiles {
    this.rotate();
    const both = newHistogram();
    both.add(this.previous);
    both.add(this.current);
    return percentilesOf(both);
  }

  private rotate(): void {
    const t = this.now();
    if (t - this.windowStart < this.windowMs) return;
    // A gap longer than two windows leaves nothing recent.
    const stale = t - this.windowStart >= 2 * this.windowMs;
    const old = this.previous;
    this.previous = this.current;
    old.reset();
    this.current = old;
    if (stale) this.previous.reset();
    this.windowStart = t - ((t - this.windowStart) % this.windowMs);
  }
}

function percentilesOf(h: hdr.Histogram): LatencyPercentiles {
  const s = (us: number): number => us / 1e6;
  if (h.totalCount === 0) return {count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0};
  return {
    count: h.totalCount,
    p50: s(h.getValueAtPercentile(50)),
    p90: s(h.getValueAtPercentile(90)),
    p99: s(h.getValueAtPercentile(99)),
    p999: s(h.getValueAtPercentile(99.9)),
    max: s(h.maxValue),
  };
}

/**
 * A prom-client histogram that also records every observation into a LatencyWindow, so the code
 * that observes a latency (the herder) needs to know nothing about the dashboard. prom-client
 * assigns `observe` per instance in its constructor, so the wrapper is assigned the same way.
 */
export class HdrBackedHistogram<T extends string = string> extends Histogram<T> {
  readonly latency: LatencyWindow;

  constructor(config: HistogramConfiguration<T>, latency = new LatencyWindow()) {
    super(config);
    this.latency = latency;
    const inner = this.observe.bind(this) as (a: number | LabelValues<T> | ObserveDataWithExemplar<T>, b?: number) => void;
    const wrapped = (a: number | LabelValues<T> | ObserveDataWithExemplar<T>, b?: number): void => {
      inner(a, b);
      if (typeof a === "number") latency.record(a);
      else if (b !== undefined) latency.record(b);
      else if ("value" in a && typeof a.value === "number") latency.record(a.value);
    };
    this.observe = wrapped as Histogram<T>["observe"];
  }
}
