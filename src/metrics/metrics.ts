/**
 * Every metric the node exports, declared in one place over prom-client.
 * Names: diamante_<subsystem>_<what>_<unit>; times in seconds.
 */
import {Counter, Gauge, Histogram, Registry, collectDefaultMetrics} from "prom-client";

/** Buckets from 1 ms to ~16 s: ledger close and submit→confirm live between 10 ms and a few s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16];
/** Worker task times are tens of µs to a few ms. */
const TASK_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25];

export function createMetrics(registry = new Registry()) {
  collectDefaultMetrics({register: registry, prefix: "diamante_process_"});
  const r = {registers: [registry]};
  return {
    registry,
    ledgersClosed: new Counter({name: "diamante_ledger_closed_total", help: "Ledgers closed", ...r}),
    ledgerSeq: new Gauge({name: "diamante_ledger_sequence", help: "Last closed ledger sequence", ...r}),
    txsApplied: new Counter({
      name: "diamante_ledger_txs_applied_total",
      help: "Transactions applied, by outcome",
      labelNames: ["result"] as const,
      ...r,
    }),
    opsApplied: new Counter({name: "diamante_ledger_ops_applied_total", help: "Operations applied", ...r}),
    closeSeconds: new Histogram({
      name: "diamante_ledger_close_seconds",
      help: "Whole ledger close: apply, records, LMDB commit",
      buckets: LATENCY_BUCKETS,
      ...r,
    }),
    applySeconds: new Histogram({
      name: "diamante_ledger_apply_seconds",
      help: "Applying the tx set (closeLedger)",
      buckets: LATENCY_BUCKETS,
      ...r,
    }),
    commitSeconds: new Histogram({
      name: "diamante_store_commit_seconds",
      help: "The one LMDB write transaction of a ledger",
      buckets: LATENCY_BUCKETS,
      ...r,
    }),
    historyPrunedTxs: new Counter({
      name: "diamante_store_history_pruned_txs_total",
      help: "Transactions removed from the history by --history-retention",
      ...r,
    }),
    queueLength: new Gauge({name: "diamante_herder_queue_txs", help: "Transactions waiting in the queue", ...r}),
    queueRejected: new Counter({
      name: "diamante_herder_queue_rejected_total",
      help: "Submissions rejected at admission, by reason",
      labelNames: ["reason"] as const,
      ...r,
    }),
    submitToConfirmSeconds: new Histogram({
      name: "diamante_herder_submit_to_confirm_seconds",
      help: "From admission to the ledger that includes the tx",
      buckets: LATENCY_BUCKETS,
      ...r,
    }),
    verifyQueueLength: new Gauge({name: "diamante_verify_pool_queue_tasks", help: "Batches waiting for a worker", ...r}),
    verifyWaitSeconds: new Histogram({
      name: "diamante_verify_pool_wait_seconds",
      help: "Time a batch waits before a worker takes it",
      buckets: TASK_BUCKETS,
      ...r,
    }),
    verifyRunSeconds: new Histogram({
      name: "diamante_verify_pool_run_seconds",
      help: "Time a worker spends on a batch",
      buckets: TASK_BUCKETS,
      ...r,
    }),
    verifyBatchSize: new Histogram({
      name: "diamante_verify_pool_batch_size",
      help: "Envelopes per worker batch",
      buckets: [1, 4, 16, 32, 64, 128, 256, 512],
      ...r,
    }),
    verifyDropped: new Counter({name: "diamante_verify_pool_dropped_total", help: "Envelopes refused: pool queue full", ...r}),
    verifyFailed: new Counter({
      name: "diamante_verify_pool_failed_total",
      help: "Envelopes whose verification batch failed (worker error, bad answer)",
      ...r,
    }),
    pathsQueueLength: new Gauge({name: "diamante_paths_pool_queue_tasks", help: "Path queries waiting for a worker", ...r}),
    pathsWaitSeconds: new Histogram({
      name: "diamante_paths_pool_wait_seconds",
      help: "Time a path query waits before a worker takes it",
      buckets: TASK_BUCKETS,
      ...r,
    }),
    pathsRunSeconds: new Histogram({
      name: "diamante_paths_pool_run_seconds",
      help: "Time a worker spends on a path query",
      buckets: TASK_BUCKETS,
      ...r,
    }),
    pathsDropped: new Counter({name: "diamante_paths_pool_dropped_total", help: "Path queries refused: pool queue full", ...r}),
    pathsRefused: new Counter({
      name: "diamante_paths_queries_refused_total",
      help: "Path queries answered with an error, by code (path_search_too_expensive: past the work cap)",
      labelNames: ["code"] as const,
      ...r,
    }),
    queueDropped: new Counter({
      name: "diamante_herder_queue_dropped_total",
      help: "Queued transactions dropped without being applied, by reason",
      labelNames: ["reason"] as const,
      ...r,
    }),
    ledgerCommitFailed: new Counter({name: "diamante_store_commit_failed_total", help: "Ledger commits that failed", ...r}),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
