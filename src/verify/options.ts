import {availableParallelism} from "node:os";

export interface VerifyPoolOptions {
  /** Worker threads. */
  threads: number;
  /** Envelopes per task. */
  maxBatch: number;
  /** Longest an envelope waits for its batch to fill, in ms. */
  maxBatchDelayMs: number;
  /** Envelopes waiting or in flight beyond which submissions are refused (TRY_AGAIN_LATER). */
  maxPending: number;
  /**
   * Nice value of the worker threads (Linux, per thread; util/thread-priority.ts). Verification
   * is batched and a batch may wait a few ms, while a path query (another thread) is interactive:
   * nicer verify workers let a query take a core first on a busy box.
   */
  nice: number;
}

export const defaultVerifyPoolOptions: VerifyPoolOptions = {
  /**
   * Cores − 1: the main thread owns HTTP, sequencing and apply. On a 2-core box that is 1; see
   * tuning/ for the sweep (2 threads contend with the main thread for the second core).
   */
  threads: Math.max(1, availableParallelism() - 1),
  /**
   * One task round trip costs ~50-75 µs, about three libsodium verifies; batches of 64 reach ~95%
   * of raw libsodium throughput per thread, larger batches only add latency.
   */
  maxBatch: 64,
  /** Under light load a lone envelope leaves after 1 ms, well below a ledger interval. */
  maxBatchDelayMs: 1,
  /** ~2 s of work at 20k verifies/s; beyond it the queue only adds latency. */
  maxPending: 40_000,
  /**
   * 5 (weight 335 against 1024 for the other threads): a query waiting for a core gets it about
   * three times sooner from a verify worker; the verify workers still get every idle core, so
   * payment throughput stays (native-bench paths and e2e figures, alternated).
   */
  nice: 5,
};
