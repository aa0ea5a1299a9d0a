/**
 * Default longest slice of a ledger's apply before the event loop gets a turn; 0 applies in one
 * turn. Slices of 4 ms cut the main thread's event-loop delay p99 (paths bench API port p99 88 vs
 * 143 ms; mixed bench 117-163 vs 236-278 ms). Their memory cost under bulk loads is bounded by
 * closingQueueLedgers (1,000,000 accounts created: 1,400-1,410 MiB RSS sliced, 1,345-1,502 in one
 * turn). They stay off because they did not raise throughput on a shared 2-core box: in 5
 * alternating mixed runs each (15,000 txs, 2026-11-28 03:13-03:20 UTC) 4 ms slices committed a
 * median 2,050 tx/s against 3,140 in one turn, at 276 against 254 µs of node CPU per tx (main
 * thread system time, GC, and LMDB write transactions: lmdb-js batches the pending-record
 * writes of one event-loop turn, and slices make more turns); payments 2-5% more CPU per tx.
 */
export const DEFAULT_CLOSE_SLICE_MS = 0;

export interface HerderOptions {
  /** Target time between ledger closes. */
  closeIntervalMs: number;
  /** The queue holds this many ledgers' worth of operations (maxTxSetSize × this). */
  queueLedgers: number;
  /**
   * While a ledger is being closed or committed, admission queues a tx only while the queue
   * (which still holds the closing ledger's txs) stays within this many ledgers' worth of
   * operations (maxTxSetSize × this); beyond, TRY_AGAIN_LATER. At most `queueLedgers`.
   */
  closingQueueLedgers: number;
  /** Txs one source account may have waiting at once. */
  maxPendingPerAccount: number;
  /** Check ledger invariants (coins conserved, no negative balance) after every close. */
  checkInvariants: boolean;
  /** Longest slice of a ledger's apply before the event loop gets a turn (ledger-manager.ts); 0: one turn. */
  closeSliceMs: number;
  /** Longest POST /transactions waits for the including ledger before answering 504. */
  submitTimeoutMs: number;
}

export const defaultHerderOptions: HerderOptions = {
  /**
   * 1 s: four to five times faster than Stellar's ~5 s, affordable because a standalone or LAN
   * quorum agrees in milliseconds; the submit→confirm p50 is about half of it.
   */
  closeIntervalMs: 1000,
  /**
   * 4 ledgers: absorbs a burst of up to 4 × maxTxSetSize ops while keeping the worst wait for an
   * admitted tx at 4 intervals; beyond that, TRY_AGAIN_LATER tells clients to back off.
   */
  queueLedgers: 4,
  /**
   * 2: the ledger being applied and the next one. A close in slices lets admission run for the
   * whole close, and with the full 4 ledgers a bulk load kept the queue at its bound throughout:
   * creating the scale bench's 1,000,000 accounts (txs of 100 ops) in 4 ms slices ended at
   * 1,500-1,640 MiB RSS (anonymous 853-890 MiB, 4 runs); held to 2 ledgers while closing,
   * 1,400-1,410 MiB (anonymous 760-769), as in one-turn closes in the same session (1,345-1,502).
   * Payment and mixed loads queue far fewer than 2 ledgers' ops and never meet it. The refusals
   * are `diamante_herder_queue_rejected_total{reason="queue_full_closing"}`: many of them while
   * the queue is short between closes would call for more.
   */
  closingQueueLedgers: 2,
  /**
   * 500: lets a load generator or an exchange chain many payments from one account per ledger
   * (stellar-core allows 1; we apply faster), while one account cannot fill the queue alone.
   */
  maxPendingPerAccount: 500,
  /** Off in production: the delta check costs one pass over the changed entries per ledger. */
  checkInvariants: false,
  closeSliceMs: DEFAULT_CLOSE_SLICE_MS,
  /** 30 s, Horizon's submission timeout: many ledgers at any sane close interval. */
  submitTimeoutMs: 30_000,
};
