/**
 * Path queries in a Piscina pool of their own. Workers open the node's LMDB environment read-only,
 * answer each query inside one read transaction (the last closed ledger) and end it before the
 * next task, so no idle worker pins old pages (issue 5: a parked worker's read transaction kept
 * every page freed after it). A second pool rather than the verify pool: verification is batched
 * and latency-tolerant, path queries are single and interactive, and sharing one queue would put
 * a query behind a batch of signatures or stall admission behind a deep search.
 */
import {Piscina} from "piscina";
import type {Metrics} from "../metrics/metrics.js";
import type {ErrorData} from "../util/errors.js";
import {pathErrorOf, type PathAnswer, type PathFinder, type PathOutcome, type PathRequest} from "./paths-finder.js";
import {PathError, PathErrorCode} from "./paths-errors.js";
import type {PathSearchLimits} from "./paths.js";
import type {BookAnswer, BookAnswers, BookQuery} from "../api/queries/book-queries.js";

/** What a path worker is asked: a path query, an order-book or trade read, or to decode the book ahead of the first query. */
export type PathTask = PathRequest | BookQuery | {kind: "warm"};

export interface PathWorkerData {
  dataDir: string;
  limits: PathSearchLimits;
  /** The workers' nice value (PathFinderOptions.nice); 0 or absent: as the process. */
  nice?: number;
}

export interface PathPoolOptions {
  threads: number;
  maxQueue: number;
  /**
   * A ledger close warms the workers' books only if a query or book read ran this recently (ms):
   * a node nobody asks for paths does not decode every changed book at every close (under a mixed
   * load that was CPU taken from apply for no query). Default 30,000.
   */
  warmWindowMs?: number;
}

const DEFAULT_WARM_WINDOW_MS = 30_000;

/** What the worker answers: the outcome and the time it ran, for the wait/run split. */
export interface PathTaskResult {
  outcome: PathOutcome;
  runMs: number;
}

/** What the worker answers to a book query (an error without a code rejects the task instead). */
export interface BookTaskResult {
  outcome: {ok: true; answer: BookAnswer} | {ok: false; error: ErrorData};
  runMs: number;
}

export class PathPool implements PathFinder {
  private readonly pool: Piscina;
  private closed = false;
  /** When the last query or book read was queued (performance.now()). */
  private lastAskedAt = Number.NEGATIVE_INFINITY;
  /** Resolves when the warm-up tasks are done, with the books they decoded (0 when they failed). */
  readonly warmed: Promise<number>;

  constructor(
    workerData: PathWorkerData,
    private readonly opts: PathPoolOptions,
    private readonly metrics?: Metrics,
  ) {
    this.pool = new Piscina({
      filename: new URL("../../workers/paths-entry.cjs", import.meta.url).href,
      minThreads: opts.threads,
      maxThreads: opts.threads,
      maxQueue: opts.maxQueue,
      workerData,
    });
    // A thread that fails outside a task (it cannot start) is replaced by Piscina; its queries
    // fail on their own promises, so the pool-level event only needs to be observed, not rethrown.
    this.pool.on("error", () => this.metrics?.pathsRefused.inc({code: "worker_error"}));
    // Each thread decodes the whole book before the first query needs it (a cold 10,000-offer book
    // costs a query ~1 s). A failed warm-up only means the first query decodes what it needs.
    const warmups: Promise<number>[] = [];
    for (let i = 0; i < opts.threads; i++) {
      warmups.push(this.pool.run({kind: "warm"} satisfies PathTask).then((r: PathTaskResult) => (r.outcome.ok ? r.outcome.answer.work : 0), () => 0));
    }
    this.warmed = Promise.all(warmups).then((n) => n.reduce((a, b) => a + b, 0));
  }

  /** Queues one task unless the queue is full, and records its wait and run time. */
  private async run<R extends {runMs: number}>(task: PathTask): Promise<R> {
    if (this.closed) throw new PathError(PathErrorCode.Closed, "the path finder is closed");
    if (this.pool.queueSize >= this.opts.maxQueue) {
      this.metrics?.pathsDropped.inc();
      throw new PathError(PathErrorCode.Overloaded, "every path worker is busy; ask again shortly", {queued: this.pool.queueSize});
    }
    const queuedAt = performance.now();
    this.lastAskedAt = queuedAt;
    this.metrics?.pathsQueueLength.set(this.pool.queueSize);
    const res = (await this.pool.run(task)) as R;
    const total = (performance.now() - queuedAt) / 1000;
    this.metrics?.pathsRunSeconds.observe(res.runMs / 1000);
    this.metrics?.pathsWaitSeconds.observe(Math.max(0, total - res.runMs / 1000));
    return res;
  }

  /**
   * After a ledger close, while no query waits and one was asked within `warmWindowMs`: each worker brings its book to the new ledger
   * (a warm task decodes only the books the ledger changed), so the next query does not pay for
   * it. Best effort: with several threads Piscina may hand both tasks to one worker. Resolves
   * with the books the tasks decoded (0 when skipped or failed); never rejects.
   */
  ledgerClosed(): Promise<number> {
    if (this.closed || this.pool.queueSize > 0) return Promise.resolve(0);
    if (performance.now() - this.lastAskedAt > (this.opts.warmWindowMs ?? DEFAULT_WARM_WINDOW_MS)) return Promise.resolve(0);
    const tasks: Promise<number>[] = [];
    for (let i = 0; i < this.opts.threads; i++) {
      tasks.push(this.pool.run({kind: "warm"} satisfies PathTask).then((r: PathTaskResult) => (r.outcome.ok ? r.outcome.answer.work : 0), () => 0));
    }
    return Promise.all(tasks).then((n) => n.reduce((a, b) => a + b, 0));
  }

  async find(request: PathRequest): Promise<PathAnswer> {
    const res = await this.run<PathTaskResult>(request);
    if (!res.outcome.ok) {
      this.metrics?.pathsRefused.inc({code: res.outcome.error.code});
      throw pathErrorOf(res.outcome.error);
    }
    return res.outcome.answer;
  }

  /** An order-book or trade read, answered by a worker over its snapshot of the last closed ledger. */
  async bookQuery<Q extends BookQuery>(q: Q): Promise<BookAnswers[Q["kind"]]> {
    const res = await this.run<BookTaskResult>(q);
    if (!res.outcome.ok) throw pathErrorOf(res.outcome.error);
    return res.outcome.answer as BookAnswers[Q["kind"]];
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.destroy();
  }
}
