/**
 * Horizon's /fee_stats: distributions of the per-operation fee bid (max_fee) and the
 * per-operation fee charged over the recent ledgers, as strings of stroops.
 */
import type {FeeStatsSource} from "../interface.js";

export type RecentFees = ReturnType<FeeStatsSource["recentFees"]>;

export interface FeeDistribution {
  max: string;
  min: string;
  mode: string;
  p10: string;
  p20: string;
  p30: string;
  p40: string;
  p50: string;
  p60: string;
  p70: string;
  p80: string;
  p90: string;
  p95: string;
  p99: string;
}

export interface FeeStatsRecord {
  last_ledger: string;
  last_ledger_base_fee: string;
  ledger_capacity_usage: string;
  fee_charged: FeeDistribution;
  max_fee: FeeDistribution;
}

const PERCENTILES = [10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99] as const;

/** Nearest-rank percentile of an ascending list (the value at rank ceil(p/100 * n)). */
export function nearestRank(sorted: bigint[], p: number): bigint {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Most frequent value; the smallest wins a tie, so the answer does not depend on input order. */
export function modeOf(sorted: bigint[]): bigint {
  let best = sorted[0];
  let bestCount = 0;
  let run = 0;
  for (let i = 0; i < sorted.length; i++) {
    run = i > 0 && sorted[i] === sorted[i - 1] ? run + 1 : 1;
    if (run > bestCount) {
      bestCount = run;
      best = sorted[i];
    }
  }
  return best;
}

/** Distribution of `samples`; with no samples every figure is `fallback` (the base fee), as Horizon reports quiet ledgers. */
export function feeDistribution(samples: bigint[], fallback: bigint): FeeDistribution {
  if (samples.length === 0) samples = [fallback];
  const sorted = [...samples].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const d: FeeDistribution = {
    max: sorted[sorted.length - 1].toString(),
    min: sorted[0].toString(),
    mode: modeOf(sorted).toString(),
    p10: "",
    p20: "",
    p30: "",
    p40: "",
    p50: "",
    p60: "",
    p70: "",
    p80: "",
    p90: "",
    p95: "",
    p99: "",
  };
  for (const p of PERCENTILES) d[`p${p}`] = nearestRank(sorted, p).toString();
  return d;
}

/**
 * A transaction pays per operation the ledger's base fee, never more than it bid, so the charged
 * sample of each bid is min(bid, base fee of its ledger). Capacity usage is the mean over the
 * ledgers given, printed with two decimals like Horizon.
 */
export function feeStatsRecord(lastLedger: number, lastBaseFee: number, recent: RecentFees): FeeStatsRecord {
  const bids: bigint[] = [];
  const charged: bigint[] = [];
  let usage = 0;
  for (const l of recent) {
    const baseFee = BigInt(l.baseFee);
    for (const bid of l.feesPerOp) {
      bids.push(bid);
      charged.push(bid < baseFee ? bid : baseFee);
    }
    usage += l.capacityUsage;
  }
  const fallback = BigInt(lastBaseFee);
  return {
    last_ledger: String(lastLedger),
    last_ledger_base_fee: String(lastBaseFee),
    ledger_capacity_usage: (recent.length === 0 ? 0 : usage / recent.length).toFixed(2),
    fee_charged: feeDistribution(charged, fallback),
    max_fee: feeDistribution(bids, fallback),
  };
}
