/**
 * Every metric the node exports, declared in one place over prom-client.
 * Names: diamante_<subsystem>_<what>_<unit>; times in seconds.
 */
import {Counter, Gauge, Histogram, Registry, collectDefaultMetrics} from "prom-client";
import {HdrBackedHistogram} from "./latency.js";
import type {OperationRecordCounts} from "../api/stream/feed.js";

/** Buckets from 1 ms to ~16 s: ledger close and submit→confirm live between 10 ms and a few s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16];
/** Worker task times are tens of µs to a few ms. */
const TASK_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25];
/** Path queries: finer around the 20 ms p99 goal, which TASK_BUCKETS puts inside one 10-50 ms bucket. */
const PATH_TASK_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 1];

export function createMetrics(registry = new Registry()) {
  collectDefaultMetrics({register: registry, prefix: "diamante_process_"});
  const r = {registers: [registry]};
  /** Read at each scrape; the node sets it once its stream feed exists. */
  const streamRecordSource: {read?: () => OperationRecordCounts} = {};
  return {
    registry,
    streamRecordSource,
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
      help: "Applying the tx set (closeLedgerSteps), wall time: includes the turns other work gets between its slices",
      buckets: LATENCY_BUCKETS,
      ...r,
    }),
    closeSlices: new Histogram({
      name: "diamante_ledger_close_slices",
      help: "Slices a ledger's apply was cut into (the event loop runs between two)",
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
      ...r,
    }),
    closeLongestSliceSeconds: new Histogram({
      name: "diamante_ledger_close_longest_slice_seconds",
      help: "Longest slice of a ledger's apply: the longest the apply held the main thread at once",
      buckets: LATENCY_BUCKETS,
      ...r,
    }),
    closeCommitTurnSeconds: new Histogram({
      name: "diamante_ledger_close_commit_turn_seconds",
      help: "The one turn that builds a ledger's records and queues its LMDB write (not cut into slices)",
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
    entryCacheEntries: new Gauge({
      name: "diamante_store_entry_cache_entries",
      help: "Decoded ledger entries held in memory (bounded by --entry-cache), after the last close",
      ...r,
    }),
    entryCacheEvictions: new Counter({
      name: "diamante_store_entry_cache_evictions_total",
      help: "Decoded entries dropped from memory to stay within --entry-cache",
      ...r,
    }),
    queueLength: new Gauge({name: "diamante_herder_queue_txs", help: "Transactions waiting in the queue", ...r}),
    queueRejected: new Counter({
      name: "diamante_herder_queue_rejected_total",
      help: "Submissions rejected at admission, by reason",
      labelNames: ["reason"] as const,
      ...r,
    }),
    submitToConfirmSeconds: new HdrBackedHistogram({
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
      buckets: PATH_TASK_BUCKETS,
      ...r,
    }),
    pathsRunSeconds: new Histogram({
      name: "diamante_paths_pool_run_seconds",
      help: "Time a worker spends on a path query",
      buckets: PATH_TASK_BUCKETS,
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
    txsFailed: new Counter({
      name: "diamante_ledger_txs_failed_total",
      help: "Transactions applied as failed, by result code (the inner tx's code for fee-bumps)",
      labelNames: ["code"] as const,
      ...r,
    }),
    ledgerTxs: new Gauge({name: "diamante_ledger_last_txs", help: "Transactions in the last closed ledger", ...r}),
    submitToConfirmQuantile: new Gauge({
      name: "diamante_herder_submit_to_confirm_recent_seconds",
      help: "Submit-to-confirm latency quantiles over the last 30 to 60 s (HDR histogram)",
      labelNames: ["quantile"] as const,
      ...r,
    }),
    verifyUtilization: new Gauge({
      name: "diamante_verify_pool_utilization_ratio",
      help: "Share of the verify threads' time spent on batches over the last sampling interval (0..1)",
      ...r,
    }),
    apiRequests: new Counter({name: "diamante_api_requests_total", help: "HTTP requests answered, by method", labelNames: ["method"] as const, ...r}),
    apiCacheHits: new Counter({name: "diamante_api_cache_hits_total", help: "GET answers served from the per-ledger response cache", ...r}),
    apiCacheMisses: new Counter({name: "diamante_api_cache_misses_total", help: "Cacheable GETs computed because the cache had no answer", ...r}),
    streamSubscribers: new Gauge({
      name: "diamante_api_stream_subscribers",
      help: "Open streaming connections, by transport (ws, sse)",
      labelNames: ["transport"] as const,
      ...r,
    }),
    wsMessagesSent: new Counter({
      name: "diamante_api_ws_messages_sent_total",
      help: "WebSocket frames published or sent (a pub/sub frame counts once, whatever its subscriber count)",
      ...r,
    }),
    wsSlowClosed: new Counter({
      name: "diamante_api_ws_slow_consumers_closed_total",
      help: "WebSocket connections closed with code 4008 because their send buffer passed the limit",
      ...r,
    }),
    streamOperationRecords: new Counter({
      name: "diamante_api_stream_operation_records_total",
      help: "Operation records formatted for streams, by thread: records (the feed's record thread, while the ledger applied) or main (other kinds, failed txs, small ledgers, or the record thread late)",
      labelNames: ["thread"] as const,
      collect() {
        const c = streamRecordSource.read?.();
        if (c === undefined) return;
        this.reset();
        this.inc({thread: "records"}, c.worker);
        this.inc({thread: "main"}, c.main);
      },
      ...r,
    }),
    streamLagSeconds: new Histogram({
      name: "diamante_api_stream_publish_lag_seconds",
      help: "From a ledger's commit to its events being handed to the sockets",
      buckets: LATENCY_BUCKETS,
      ...r,
    }),
    overlayPeers: new Gauge({
      name: "diamante_overlay_peers",
      help: "Authenticated peers, by direction",
      labelNames: ["direction"] as const,
      ...r,
    }),
    overlayDials: new Counter({name: "diamante_overlay_dials_total", help: "Outbound connection attempts to configured peers", ...r}),
    overlayMessagesReceived: new Counter({
      name: "diamante_overlay_messages_received_total",
      help: "Valid messages received from authenticated peers, by type (duplicates included)",
      labelNames: ["type"] as const,
      ...r,
    }),
    overlayMessagesSent: new Counter({
      name: "diamante_overlay_messages_sent_total",
      help: "Messages queued to peers, by type",
      labelNames: ["type"] as const,
      ...r,
    }),
    overlayTxHashes: new Counter({
      name: "diamante_overlay_tx_hashes_total",
      help: "Tx hashes in pull-mode flooding, by kind (advert_sent, advert_received, demand_sent, demand_received, demand_retried: asked of another peer after no answer)",
      labelNames: ["kind"] as const,
      ...r,
    }),
    overlayTxBodies: new Counter({
      name: "diamante_overlay_tx_bodies_total",
      help: "Tx bodies (envelopes) sent to or received from peers, by direction (duplicates included)",
      labelNames: ["direction"] as const,
      ...r,
    }),
    overlayFloodDuplicates: new Counter({
      name: "diamante_overlay_flood_duplicates_total",
      help: "Flooded messages received again and not delivered, by type",
      labelNames: ["type"] as const,
      ...r,
    }),
    overlayDropped: new Counter({
      name: "diamante_overlay_dropped_total",
      help: "Messages not sent to a peer, by reason (backpressure: its write queue was over the soft limit)",
      labelNames: ["reason"] as const,
      ...r,
    }),
    overlayDisconnects: new Counter({
      name: "diamante_overlay_disconnects_total",
      help: "Authenticated or handshaking peers disconnected by this node, by reason",
      labelNames: ["reason"] as const,
      ...r,
    }),
    overlayHandshakeRefused: new Counter({
      name: "diamante_overlay_handshake_refused_total",
      help: "Connections refused at the handshake, by reason",
      labelNames: ["reason"] as const,
      ...r,
    }),
    overlayBadFrames: new Counter({name: "diamante_overlay_bad_frames_total", help: "Malformed frames or messages from peers", ...r}),
    catchupRefused: new Counter({
      name: "diamante_herder_catchup_refused_total",
      help: "Peers' ledger chains refused by catch-up, by reason (not_vouched: the chain does not end at the ledger the quorum externalized)",
      labelNames: ["reason"] as const,
      ...r,
    }),
    catchupLedgers: new Counter({name: "diamante_herder_catchup_ledgers_total", help: "Ledgers replayed from peers by catch-up", ...r}),
    scpRejected: new Counter({
      name: "diamante_scp_envelopes_rejected_total",
      help: "Peers' SCP envelopes refused, by reason (undecodable, slot_out_of_range, bad_signature, then SCP's own: malformed, insane_statement, unknown_quorum_set, insane_quorum_set, not_newer_or_invalid_value…)",
      labelNames: ["reason"] as const,
      ...r,
    }),
    scpEnvelopesEmitted: new Counter({name: "diamante_scp_envelopes_emitted_total", help: "SCP envelopes this node signed and sent, by statement type", labelNames: ["type"] as const, ...r}),
    scpEnvelopesReceived: new Counter({name: "diamante_scp_envelopes_received_total", help: "Peers' SCP envelopes handed to SCP, by verdict", labelNames: ["verdict"] as const, ...r}),
    scpProposeToExternalizeSeconds: new Histogram({
      name: "diamante_scp_propose_to_externalize_seconds",
      help: "From this node's proposal for a slot (nomination of its tx set) until the slot externalized here: consensus' share of a tx's wait",
      buckets: LATENCY_BUCKETS,
      ...r,
    }),
    scpStateWriteSeconds: new Histogram({
      name: "diamante_scp_state_write_seconds",
      help: "A validator's SCP state write (one event-loop turn's statements, committed and synced in its own small LMDB environment) until durable: how long the turn's ballot statements wait before they are sent",
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
      ...r,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
