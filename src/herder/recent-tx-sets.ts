/**
 * Applied or outdated tx sets, kept to answer peers a ledger or two behind that still fetch
 * them (`Herder.servedTxSet`). A set holds its decoded frames, about 500 bytes per operation:
 * 16 sets of 100 transactions of 100 create_account operations held 57 MB of heap after a bulk
 * creation, so the window is bounded by operations as well as by count.
 */
import type {TxSet} from "./tx-set.js";

export interface RecentTxSetsLimits {
  /** Sets kept at most. */
  maxSets: number;
  /** Operations kept at most across the sets, once more than `minSets` sets are kept. */
  maxOps: number;
  /** The newest sets kept whatever their size (the last ledger's candidates of a few validators). */
  minSets: number;
}

/** 16 sets of up to 1,250 operations each; 4 sets (~20 MB of 5,000-operation sets) whatever their size. */
export const defaultRecentTxSetsLimits: RecentTxSetsLimits = {maxSets: 16, maxOps: 20_000, minSets: 4};

export class RecentTxSets {
  /** Insertion order is age order: the first key is the oldest. */
  private readonly sets = new Map<string, TxSet>();
  private ops = 0;
  private readonly limits: RecentTxSetsLimits;

  constructor(limits: Partial<RecentTxSetsLimits> = {}) {
    const l = {...defaultRecentTxSetsLimits, ...limits};
    for (const [k, v] of Object.entries(l)) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`recent tx sets: ${k} must be a whole number ≥ 0`);
    }
    if (l.minSets > l.maxSets) throw new RangeError("recent tx sets: minSets must not exceed maxSets");
    this.limits = l;
  }

  /** Adds a set as the newest, then drops the oldest while over either bound. */
  add(set: TxSet): void {
    const old = this.sets.get(set.hashHex);
    if (old !== undefined) {
      this.sets.delete(set.hashHex);
      this.ops -= old.ops;
    }
    this.sets.set(set.hashHex, set);
    this.ops += set.ops;
    for (const [h, s] of this.sets) {
      const overCount = this.sets.size > this.limits.maxSets;
      const overOps = this.ops > this.limits.maxOps && this.sets.size > this.limits.minSets;
      if (!overCount && !overOps) break;
      this.sets.delete(h);
      this.ops -= s.ops;
    }
  }

  get(hashHex: string): TxSet | undefined {
    return this.sets.get(hashHex);
  }

  get size(): number {
    return this.sets.size;
  }

  /** Operations across the kept sets. */
  get operations(): number {
    return this.ops;
  }
}
