/**
 * Knobs of the benchmarks, with the reason for each default. Everything is bounded in count and
 * time so `npm run bench` finishes in a few minutes on the 2-core reference box.
 */

export interface MicroOptions {
  /** Timed runs per figure; the median is reported. */
  runs: number;
  /** Target wall time of one timed run, in ms. */
  runMs: number;
  /** Untimed warm-up before the runs, in ms, so the JIT and caches settle. */
  warmupMs: number;
}

export const defaultMicroOptions: MicroOptions = {
  /** Median of 5 discards up to 2 outliers: enough on a shared 2-core box where a neighbour's
   * burst can halve one run; 7+ runs bought no stabler medians in trials. */
  runs: 5,
  /** 250 ms holds ~200 verifies of the slowest case (pure-JS ed25519 at ~800/s) and ~40k of the
   * fastest, so timer resolution and loop overhead are below 0.1%. */
  runMs: 250,
  /** 150 ms is past V8's tier-up for these small loops (optimised after a few thousand calls). */
  warmupMs: 150,
};

/** The ledgers as the e2e bench's poller saw them: the newest sequence, and when each was first seen. */
export interface LedgersView {
  readonly newest: number;
  readonly seen: ReadonlyMap<number, import("./e2e.js").LedgerSeen>;
}

export interface E2eOptions {
  /** Funded accounts the payments round-robin over (the stellar sequence-number limits how fast
   * one account can go, so parallel load needs many sources). */
  accounts: number;
  /** Pre-signed payments to submit. */
  payments: number;
  /**
   * Payments sent and committed before the measured ones (none when unset): the node's JIT
   * compiles its hot paths during the first seconds of load (its compiler threads spent 2.6-3.1 s
   * in a 40,000-payment run from a fresh start), so a short run measures part start-up. Only with
   * the payments load; the side load is running, and told when they are committed.
   */
  warmupPayments?: number;
  /** Concurrent HTTP connections of the load generator. */
  connections: number;
  /** `--close-interval` handed to the node, in ms. */
  closeIntervalMs: number;
  /** How often the newest ledger is polled, in ms; bounds the latency resolution. */
  pollMs: number;
  /** Longest wait for accepted txs to be committed after sending ends, in ms. */
  commitWaitMs: number;
  /** Longest time the send phase may take before it is stopped, in ms. */
  sendTimeoutMs: number;
  /** Longest wait for the node to answer `GET /` after spawn, in ms. */
  startTimeoutMs: number;
  /** Fee bid per transaction in stroops. */
  fee: number;
  /** Starting balance of each funded account, in DIAM. */
  startingBalance: string;
  /** Start the node under `--cpu-prof` and print where its time goes. */
  cpuProf: boolean;
  /** Keep the node's .cpuprofile files here instead of a temporary folder. */
  cpuProfDir?: string;
  /** Extra node flags, appended after the standard ones. */
  nodeArgs: string[];
  /** CLI of the build under test; this checkout's build when unset. */
  nodeMain?: string;
  /** What this run is, in its title ("baseline build", "1,000,000 accounts"). */
  label?: string;
  /** Run on this existing data folder (kept afterwards) instead of a fresh network. */
  dataDir?: string;
  /** First index of the paying accounts' seeds: runs on one folder need accounts not yet created. */
  accountOffset?: number;
  /**
   * The load: "payments" (native payments only) or "mixed" (issue 6's mix of payments, offer
   * operations and path payments over a market set up through ledgers first; mixed.ts).
   */
  load?: "payments" | "mixed";
  /**
   * Other traffic to run against the node while the payments are sent (the path finding figures):
   * called once the accounts are funded and the payments signed (with the node's pid, for its
   * memory), stopped when sending ends. `warmedUp`, if any, runs once the warm-up payments are
   * committed, just before the measured ones are sent. `afterMeasure`, if any, runs once the
   * node's CPU and profile window is closed, before the node stops: reads that check the run
   * without being counted as the load's cost. A `stop` that scrapes /metrics (which resets the
   * node's event-loop delay monitor) first reads the delay with `loopDelay` and returns it as `loop`.
   */
  sideLoad?: (
    baseUrl: string,
    nodePid: number | undefined,
    /** The bench's own view of the ledgers as they close (polled every `pollMs`). */
    ledgers: LedgersView,
  ) => Promise<{stop(): Promise<void | {loop?: import("./e2e.js").LoopDelay}>; warmedUp?(): Promise<void>; afterMeasure?(): Promise<void>}>;
  /** Starts what the load runs against instead of one node (validators.ts); `tmp` is the run's temp folder. */
  target?: (tmp: string) => Promise<import("./e2e.js").BenchTarget>;
}

export const defaultE2eOptions: E2eOptions = {
  /** 1,000 sources keep each account's next tx ~1,000 requests behind its previous one, far more
   * than the 64 in flight, so a later sequence number practically never overtakes an earlier one. */
  accounts: 1_000,
  /** 30,000 payments are ~10 s of load at the ~3k tx/s we expect: long enough for a dozen ledgers. */
  payments: 30_000,
  /**
   * 256 connections, one request each in flight (as wallets submit): with ~60 ms of admission
   * latency under load, 64 connections cap the offered rate near 1,900/s on this 2-core box
   * (measured), 256 let the node, not the client's concurrency, set the pace.
   */
  connections: 256,
  /** 1 s ledgers give ~10 ledgers per run; Stellar's 5 s would leave too few to take a median. */
  closeIntervalMs: 1_000,
  /** 20 ms is 2% of the default close interval: the latency error that polling adds. */
  pollMs: 20,
  /** 60 s is many ledgers at any sensible interval; longer means the node is stuck, not slow. */
  commitWaitMs: 60_000,
  /** 180 s: 30k txs at a pessimistic 200 tx/s; past that the figure is not worth waiting for. */
  sendTimeoutMs: 180_000,
  /** 30 s covers a cold start with LMDB creation and a tsc-built tree on a loaded box. */
  startTimeoutMs: 30_000,
  /** 100 stroops is Stellar's base fee per operation; payments are single-operation. */
  fee: 100,
  /** 100 DIAM covers 30 payments of 1 stroop plus fees many times over, above any base reserve. */
  startingBalance: "100",
  cpuProf: false,
  nodeArgs: [],
};

/** Create-account operations per funding transaction: Stellar's limit is 100 operations per tx. */
export const MAX_OPS_PER_TX = 100;
