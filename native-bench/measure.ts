/**
 * Timing helpers. Every figure is the median of several timed runs measured in this process, and
 * each section names a baseline measured in the same run, so ratios compare like with like even
 * when the box is busier today than yesterday.
 */
import {realpathSync} from "node:fs";
import {performance} from "node:perf_hooks";
import {pathToFileURL} from "node:url";
import type {MicroOptions} from "./options.js";

/** One measured figure: throughput of `name` as the median of `runs` (ops/s each). */
export interface Figure {
  name: string;
  /** Median throughput, operations per second. */
  opsPerSec: number;
  /** Throughput of each timed run, ops/s, in run order. */
  runs: number[];
  /** Free text shown in the notes column (e.g. "µs per round trip: 61"). */
  note?: string;
  /** `name` of the figure this one is compared with, when not the section's baseline. */
  baseline?: string;
}

/** A group of figures compared against one baseline figure of the same group. */
export interface Section {
  title: string;
  /** `name` of the figure the ratios are relative to, unless a figure names its own. */
  baseline: string;
  figures: Figure[];
  /** Lines printed under the table (method, sizes, caveats). */
  notes: string[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A distribution-free confidence interval for the median of the population `values` were drawn
 * from (the sign test's): the k-th smallest and the k-th largest value, with k the largest for
 * which the interval holds the median with probability ≥ `confidence`, that is
 * 1 − 2·P(Bin(n, ½) ≤ k − 1). `coverage` is that probability for the k chosen. Undefined when
 * even the whole range falls short (fewer than 6 values for 95%), or for more than 1,000 values.
 */
export function medianInterval(values: readonly number[], confidence = 0.95): {low: number; high: number; coverage: number} | undefined {
  const n = values.length;
  if (n === 0 || n > 1000 || !(confidence > 0 && confidence < 1)) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  // P(Bin(n, ½) = i) for i = 0, 1, …, built term by term from 2^-n (no underflow up to n = 1,000).
  let term = 2 ** -n;
  let below = 0; // P(X ≤ k − 1)
  let best: {k: number; coverage: number} | undefined;
  for (let k = 1; 2 * k <= n; k++) {
    below += term;
    term = (term * (n - (k - 1))) / k;
    const coverage = 1 - 2 * below;
    if (coverage < confidence) break;
    best = {k, coverage};
  }
  if (best === undefined) return undefined;
  return {low: sorted[best.k - 1]!, high: sorted[n - best.k]!, coverage: best.coverage};
}

/** (max − min) / median of the runs: how noisy the figure was, 0.05 = ±2.5%. */
export function relativeSpread(runs: readonly number[]): number {
  if (runs.length === 0) return Number.NaN;
  return (Math.max(...runs) - Math.min(...runs)) / median(runs);
}

/** Name of the figure `figure` is compared with: its own baseline, else the section's. */
export function baselineOf(section: Section, figure: Figure): string {
  return figure.baseline ?? section.baseline;
}

/** Ratio of a figure to its baseline figure (1 for the baseline itself). */
export function ratioToBaseline(section: Section, figure: Figure): number {
  const name = baselineOf(section, figure);
  const base = section.figures.find((f) => f.name === name);
  if (base === undefined || base.opsPerSec === 0) return Number.NaN;
  return figure.opsPerSec / base.opsPerSec;
}

/**
 * Measures a synchronous operation. The warm-up counts how many calls fit in `warmupMs`, then
 * each run times a fixed number of calls sized to last about `runMs`: reading the clock once per
 * run instead of once per call keeps the ~40 ns clock read out of sub-microsecond figures.
 * `opsPerCall` lets one call stand for a batch (e.g. one call = 100 gets).
 */
export function measureSync(name: string, call: () => void, opts: MicroOptions, opsPerCall = 1): Figure {
  let calls = 0;
  const warmStart = performance.now();
  let elapsed = 0;
  while (elapsed < opts.warmupMs) {
    call();
    calls++;
    elapsed = performance.now() - warmStart;
  }
  const callsPerRun = Math.max(1, Math.round((calls / elapsed) * opts.runMs));
  const runs: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    const start = performance.now();
    for (let i = 0; i < callsPerRun; i++) call();
    const ms = performance.now() - start;
    runs.push((callsPerRun * opsPerCall * 1000) / ms);
  }
  return {name, opsPerSec: median(runs), runs};
}

/**
 * Measures an asynchronous workload: `runOnce` performs a fixed amount of work and resolves to
 * the number of operations it did. One untimed call warms up, then `runs` timed calls follow.
 */
export async function measureAsync(
  name: string,
  runOnce: () => Promise<number>,
  runs: number,
): Promise<Figure> {
  await runOnce();
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const ops = await runOnce();
    const ms = performance.now() - start;
    rates.push((ops * 1000) / ms);
  }
  return {name, opsPerSec: median(rates), runs: rates};
}

/** Runs `main` when the module is the process entry point, so each benchmark can run alone. */
export function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === moduleUrl;
  } catch {
    // argv[1] may name a file that no longer exists (e.g. `node -e`): not an entry point.
    return false;
  }
}

/** What a self-timed run reports: operations done and the ms of only the part being measured. */
export interface TimedRun {
  ops: number;
  ms: number;
}

/**
 * Like `measureAsync`, for workloads whose setup must stay outside the timing (e.g. building
 * 10k records before the write transaction): `runOnce` times its own measured part.
 */
export async function measureSelfTimed(
  name: string,
  runOnce: () => Promise<TimedRun> | TimedRun,
  runs: number,
): Promise<Figure & {medianMs: number}> {
  await runOnce();
  const rates: number[] = [];
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const {ops, ms} = await runOnce();
    rates.push((ops * 1000) / ms);
    times.push(ms);
  }
  return {name, opsPerSec: median(rates), runs: rates, medianMs: median(times)};
}
