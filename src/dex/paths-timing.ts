/**
 * Per-query timings of the dedicated path listener (workers/paths-listener.ts), sent back as a
 * `Server-Timing` header so a client (the paths bench) can split a slow round trip into its
 * parts: the refresh of books a ledger changed, the search, the reply body, and what the thread
 * did not control: time runnable but waiting for a core (CPU contention with the node's main
 * thread, the verify workers, the LMDB write thread) and garbage collection.
 *
 * Why from the thread itself: a round trip measured by the client mixes all of these, and under
 * load on 2 cores any of them can make the 1% tail; guessing which one is what the split avoids.
 */
import {closeSync, openSync, readSync} from "node:fs";
import {PerformanceObserver, type PerformanceEntry} from "node:perf_hooks";

/** Run-queue wait of the calling thread so far, in ms (Linux schedstat). */
export interface ThreadTimes {
  runqMs: number;
}

/**
 * Reads the calling thread's /proc/thread-self/schedstat ("run ns, run-queue wait ns, slices")
 * through a descriptor opened once: a read costs a few µs, against a query's milliseconds.
 * Only the wait is used: the kernel adds a wait when the thread gets a core back, so a span that
 * ends while the thread runs has all of its waits counted, while the run time of a running thread
 * is brought up to date only at the scheduler's tick (4 ms) and reads as 0 for most queries.
 * Undefined where the file does not exist (not Linux).
 */
export class ThreadClock {
  private fd: number | null;
  private readonly buf = Buffer.alloc(96);

  constructor() {
    try {
      this.fd = openSync("/proc/thread-self/schedstat", "r");
    } catch {
      this.fd = null;
    }
  }

  read(): ThreadTimes | undefined {
    if (this.fd === null) return undefined;
    try {
      const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
      const wait = this.buf.toString("latin1", 0, n).split(" ")[1];
      return {runqMs: Number(wait) / 1e6};
    } catch {
      return undefined;
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Garbage collections of this thread's isolate, kept for a few seconds. Entries reach an observer
 * only after the code that triggered them returns, so a query's collections are known at the
 * next query: `sumBetween` of the previous query's span.
 */
export class GcLog {
  private entries: Array<{start: number; end: number}> = [];
  private readonly observer: PerformanceObserver;

  constructor(private readonly keepMs = 10_000) {
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries() as PerformanceEntry[]) this.entries.push({start: e.startTime, end: e.startTime + e.duration});
      const horizon = performance.now() - this.keepMs;
      if (this.entries.length > 256 && (this.entries[0]?.end ?? 0) < horizon) this.entries = this.entries.filter((x) => x.end >= horizon);
    });
    this.observer.observe({entryTypes: ["gc"]});
  }

  /** Milliseconds of collection overlapping [from, to]. */
  sumBetween(from: number, to: number): number {
    let ms = 0;
    for (const e of this.entries) {
      const a = Math.max(from, e.start);
      const b = Math.min(to, e.end);
      if (b > a) ms += b - a;
    }
    return ms;
  }

  close(): void {
    this.observer.disconnect();
  }
}

/** One query's parts, ms; absent parts are left out of the header. */
export interface QueryTiming {
  /** Bringing the view to the ledger (stamp reads when books changed). */
  sync?: number;
  /** Decoding books a ledger changed, inside the query. */
  decode?: number;
  /** How many books that was (the header's `decode` description). */
  decodeBooks?: number;
  /** The search, parsing and the reply body (JSON, gzip), without sync and decode. */
  search?: number;
  /** Wall time of the whole handler. */
  total?: number;
  /** Run-queue wait during the handler: runnable, no core free. */
  runq?: number;
  /** Run-queue wait since the previous handler ended: includes a request waiting to be read. */
  runqBefore?: number;
  /** Collections during the previous query's handler (known only now). */
  gcPrev?: number;
}

const NAMES: ReadonlyArray<[keyof QueryTiming, string]> = [
  ["sync", "sync"],
  ["decode", "decode"],
  ["search", "search"],
  ["total", "total"],
  ["runq", "runq"],
  ["runqBefore", "runq-before"],
  ["gcPrev", "gc-prev"],
];

/** The `Server-Timing` header value (RFC: `name;dur=ms`, comma separated). */
export function serverTimingHeader(t: QueryTiming): string {
  const parts: string[] = [];
  for (const [key, name] of NAMES) {
    const v = t[key];
    if (v === undefined || !Number.isFinite(v)) continue;
    const desc = key === "decode" && t.decodeBooks !== undefined ? `;desc="${t.decodeBooks} books"` : "";
    parts.push(`${name};dur=${v.toFixed(3)}${desc}`);
  }
  return parts.join(", ");
}

/** Parses a `Server-Timing` header into ms by name (the inverse of `serverTimingHeader`). */
export function parseServerTiming(header: string | null | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (header === null || header === undefined) return out;
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().split(";");
    if (name === undefined || name === "") continue;
    for (const p of params) {
      const m = /^\s*dur=([0-9.eE+-]+)\s*$/.exec(p);
      if (m !== null) out.set(name, Number(m[1]));
    }
  }
  return out;
}
