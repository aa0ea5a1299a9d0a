/**
 * Piscina pool for signature verification. Envelopes are gathered into batches (by count or by
 * `maxBatchDelayMs`, whichever comes first), packed into one buffer that is transferred, not copied,
 * and verified by workers that read signers from the last closed ledger through a read-only LMDB
 * environment of their own.
 */
import {Piscina} from "piscina";
import type {Metrics} from "../metrics/metrics.js";
import type {SignatureVerifier, Verdict} from "./interface.js";
import {defaultVerifyPoolOptions, type VerifyPoolOptions} from "./options.js";
import {packBatch, unpackVerdicts} from "./verdict.js";
import {DiamanteError} from "../util/errors.js";

export interface VerifyWorkerData {
  networkId: Uint8Array;
  dataDir: string;
  /** The workers' nice value (VerifyPoolOptions.nice); set by each worker on itself. */
  nice?: number;
}

/**
 * Two batches per thread in flight: one running, one waiting in the worker's port, so a worker
 * never idles between batches; more would only move the queue where it cannot be measured.
 */
const IN_FLIGHT_PER_THREAD = 2;

interface Waiting {
  envelope: Buffer;
  resolve: (v: Verdict) => void;
  reject: (e: Error) => void;
}

export class VerifyPool implements SignatureVerifier {
  private readonly pool: Piscina;
  private readonly opts: VerifyPoolOptions;
  /**
   * Envelopes not yet handed to a worker, oldest first. While every worker is busy they pile up
   * here and leave as full batches: cutting batches by the timer alone sent tasks of ~3 envelopes
   * under load, and the per-task round trip, not the crypto, capped throughput.
   */
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private pending = 0;
  private inFlight = 0;
  private readonly maxInFlight: number;

  constructor(
    workerData: VerifyWorkerData,
    opts: Partial<VerifyPoolOptions> = {},
    private readonly metrics?: Metrics,
  ) {
    this.opts = {...defaultVerifyPoolOptions, ...opts};
    this.pool = new Piscina({
      filename: new URL("../../workers/verify-entry.cjs", import.meta.url).href,
      minThreads: this.opts.threads,
      maxThreads: this.opts.threads,
      workerData: {...workerData, nice: this.opts.nice},
    });
    this.maxInFlight = this.opts.threads * IN_FLIGHT_PER_THREAD;
  }

  /** True when callers should stop submitting until some work drains. */
  get needsDrain(): boolean {
    return this.pending >= this.opts.maxPending;
  }

  verify(envelope: Buffer): Promise<Verdict> {
    if (this.needsDrain) {
      this.metrics?.verifyDropped.inc();
      return Promise.reject(new DiamanteError("verify_pool_full", "signature verification queue is full"));
    }
    this.pending++;
    return new Promise<Verdict>((resolve, reject) => {
      this.waiting.push({envelope, resolve, reject});
      if (this.waiting.length >= this.opts.maxBatch) this.dispatch(false);
      else this.armTimer();
    });
  }

  private armTimer(): void {
    if (this.timer === null && this.waiting.length > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.dispatch(true);
      }, this.opts.maxBatchDelayMs);
    }
  }

  /**
   * Hands batches to free workers: full ones always; a partial one only when `partial` (its
   * oldest envelope has waited maxBatchDelayMs, or a worker just came free).
   */
  private dispatch(partial: boolean): void {
    while (
      this.inFlight < this.maxInFlight &&
      (this.waiting.length >= this.opts.maxBatch || (partial && this.waiting.length > 0))
    ) {
      const items = this.waiting.splice(0, this.opts.maxBatch);
      this.inFlight++;
      const packed = packBatch(items.map((w) => w.envelope));
      const queuedAt = performance.now();
      this.metrics?.verifyBatchSize.observe(items.length);
      this.metrics?.verifyQueueLength.set(this.waiting.length);
      this.pool
        .run(packed, {transferList: [packed.bytes.buffer as ArrayBuffer, packed.offsets.buffer as ArrayBuffer]})
        .then(
          (res: {packed: Uint8Array; runMs: number}) => {
            try {
              this.resolveBatch(items, res, queuedAt);
            } catch (err) {
              this.failBatch(items, err);
            }
          },
          (err: unknown) => this.failBatch(items, err),
        )
        .finally(() => {
          this.pending -= items.length;
          this.inFlight--;
          this.dispatch(true);
        });
    }
    if (this.waiting.length === 0 && this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    } else {
      this.armTimer();
    }
  }

  private resolveBatch(items: Waiting[], res: {packed: Uint8Array; runMs: number}, queuedAt: number): void {
    const total = (performance.now() - queuedAt) / 1000;
    this.metrics?.verifyRunSeconds.observe(res.runMs / 1000);
    this.metrics?.verifyWaitSeconds.observe(Math.max(0, total - res.runMs / 1000));
    const verdicts = unpackVerdicts(res.packed, items.map((w) => w.envelope));
    if (verdicts.length !== items.length) {
      throw new DiamanteError("verify_batch_mismatch", "worker answered a batch with the wrong number of verdicts", {
        sent: items.length,
        got: verdicts.length,
      });
    }
    items.forEach((w, i) => w.resolve(verdicts[i]!));
  }

  /**
   * Settles every envelope of a batch that failed anywhere (worker, transfer, unpacking, even a
   * metric): rejecting one already resolved is a no-op, so no submitter is left waiting.
   */
  private failBatch(items: Waiting[], err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.metrics?.verifyFailed.inc(items.length);
    for (const w of items) w.reject(e);
  }

  async close(): Promise<void> {
    this.dispatch(true);
    await this.pool.destroy();
  }
}
