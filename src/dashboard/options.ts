/** Knobs of the dashboards' data. */
export interface DashboardOptions {
  /** Counter sampling period: one point per second is what a "live" chart needs; the cost is ~10 registry reads. */
  sampleMs: number;
  /** Samples kept: 5 minutes at one per second (~60 KB of JSON for a page load). */
  keepSamples: number;
  /** Ledger points kept: 300 ledgers is 5 minutes at one ledger per second, 25 at Stellar's 5 s. */
  keepLedgers: number;
  /** The window of the "recent" latency percentiles (LatencyWindow's two 30 s windows). */
  latencyWindowSeconds: number;
  /** Payments per asset are kept for this long (the asset page's longest period). */
  activityHours: number;
  /** At start, at most this many past payment operations are read back to fill the periods. */
  activityBackfillOps: number;
}

export const defaultDashboardOptions: DashboardOptions = {
  sampleMs: 1000,
  keepSamples: 300,
  keepLedgers: 300,
  latencyWindowSeconds: 60,
  activityHours: 24,
  activityBackfillOps: 100_000,
};
