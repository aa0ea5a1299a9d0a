/**
 * Transactions admitted and waiting for a ledger. Per source account they are kept in sequence
 * order (admission only accepts the next sequence number), deduplicated by hash, bounded in total
 * and per account. Selection for a ledger applies Stellar's surge pricing: when more operations wait
 * than a ledger holds, the highest fee per operation goes first, an account's txs stay in order, and
 * everyone included pays the lowest included fee per operation.
 */
import type {AccountId} from "../ledger/types.js";
import type {TxFrame} from "../tx/interface.js";

export interface QueuedTx {
  frame: TxFrame;
  ops: number;
  /** performance.now() at admission, for the submit→confirm histogram */
  admittedAt: number;
}

export interface TxSelection {
  txs: QueuedTx[];
  ops: number;
  /** Fee per operation everyone in the set pays: the base fee, or the surge price when full (int64). */
  baseFeeCharged: bigint;
}

export type AddResult = "added" | "duplicate" | "queue_full" | "account_full";

/** Fee-bumps pay for one extra operation, as in Stellar. */
export function feeOps(frame: TxFrame): number {
  return frame.operations.length + (frame.isFeeBump ? 1 : 0);
}

/** Replace-by-fee: a fee-bump replaces a queued tx when it bids at least this multiple of its fee rate. */
export const FEE_MULTIPLIER = 10n;

/**
 * stellar-core's canReplaceByFee: null when `next` bids at least FEE_MULTIPLIER times `old`'s fee
 * per operation (operations counted as at least 1), else the smallest bid that would.
 */
export function replaceByFeeMinimum(next: TxFrame, old: TxFrame): bigint | null {
  const newOps = BigInt(Math.max(1, feeOps(next)));
  const oldOps = BigInt(Math.max(1, feeOps(old)));
  const needed = old.maxFee * newOps * FEE_MULTIPLIER;
  if (next.maxFee * oldOps >= needed) return null;
  const min = (needed + oldOps - 1n) / oldOps;
  return min > INT64_MAX ? INT64_MAX : min;
}

const INT64_MAX = 2n ** 63n - 1n;

/** a's fee per op compared with b's, without division: a.fee × b.ops vs b.fee × a.ops. */
function compareFeeRate(a: QueuedTx, b: QueuedTx): number {
  const l = a.frame.maxFee * BigInt(feeOps(b.frame));
  const r = b.frame.maxFee * BigInt(feeOps(a.frame));
  return l === r ? 0 : l > r ? 1 : -1;
}

export class TxQueue {
  private readonly byHash = new Map<string, QueuedTx>();
  private readonly byAccount = new Map<AccountId, QueuedTx[]>();
  private readonly feesByFeeSource = new Map<AccountId, bigint>();
  private opCount = 0;

  constructor(
    private readonly maxOps: number,
    private readonly maxPerAccount: number,
  ) {}

  get size(): number {
    return this.byHash.size;
  }

  get ops(): number {
    return this.opCount;
  }

  has(hashHex: string): boolean {
    return this.byHash.has(hashHex);
  }

  get(hashHex: string): QueuedTx | undefined {
    return this.byHash.get(hashHex);
  }

  /** Txs of `account` waiting, in sequence order. */
  pendingFor(account: AccountId): number {
    return this.byAccount.get(account)?.length ?? 0;
  }

  /** Sequence number of `account`'s last queued tx, if any. */
  lastSeq(account: AccountId): bigint | undefined {
    const list = this.byAccount.get(account);
    return list && list.length > 0 ? list[list.length - 1].frame.seqNum : undefined;
  }

  /**
   * How many of `account`'s queued txs are still ahead of a state in which its sequence number is
   * `currentSeq`. Counting from the last queued sequence number rather than the queue length keeps
   * admission right while a ledger commit is in flight: LMDB may already show the new sequence
   * numbers while the queue still holds the txs that produced them.
   */
  queuedAhead(account: AccountId, currentSeq: bigint): number {
    const last = this.lastSeq(account);
    return last !== undefined && last > currentSeq ? Number(last - currentSeq) : 0;
  }

  /** Each account's queued txs, in sequence order. */
  accountQueues(): IterableIterator<readonly QueuedTx[]> {
    return this.byAccount.values();
  }

  queuedFees(feeSource: AccountId): bigint {
    return this.feesByFeeSource.get(feeSource) ?? 0n;
  }

  /** Admission has already checked that the tx's sequence number follows the account's queue. */
  canAdd(frame: TxFrame): AddResult {
    if (this.byHash.has(frame.hashHex)) return "duplicate";
    if (this.opCount + feeOps(frame) > this.maxOps) return "queue_full";
    if (this.pendingFor(frame.sourceAccount) >= this.maxPerAccount) return "account_full";
    return "added";
  }

  add(frame: TxFrame, admittedAt: number): AddResult {
    const verdict = this.canAdd(frame);
    if (verdict !== "added") return verdict;
    const q: QueuedTx = {frame, ops: feeOps(frame), admittedAt};
    this.byHash.set(frame.hashHex, q);
    let list = this.byAccount.get(frame.sourceAccount);
    if (!list) this.byAccount.set(frame.sourceAccount, (list = []));
    list.push(q);
    this.feesByFeeSource.set(frame.feeSource, this.queuedFees(frame.feeSource) + frame.maxFee);
    this.opCount += q.ops;
    return "added";
  }

  /** The queued tx of `account` with sequence number `seq`, if any. */
  atSeq(account: AccountId, seq: bigint): QueuedTx | undefined {
    const list = this.byAccount.get(account);
    return list?.find((q) => q.frame.seqNum === seq);
  }

  /** The tx queued just ahead of `q` for the same account, if any. */
  before(q: QueuedTx): QueuedTx | undefined {
    const list = this.byAccount.get(q.frame.sourceAccount);
    const i = list ? list.indexOf(q) : -1;
    return i > 0 ? list![i - 1] : undefined;
  }

  /**
   * Puts `frame` in the place of `old` (replace-by-fee): same account, same sequence number, so
   * the account's order is unchanged. "queue_full" if the extra operations do not fit.
   */
  replace(old: QueuedTx, frame: TxFrame, admittedAt: number): AddResult {
    const list = this.byAccount.get(old.frame.sourceAccount);
    const i = list ? list.indexOf(old) : -1;
    if (!list || i < 0) return "duplicate";
    const ops = feeOps(frame);
    if (this.opCount - old.ops + ops > this.maxOps) return "queue_full";
    const q: QueuedTx = {frame, ops, admittedAt};
    list[i] = q;
    this.byHash.delete(old.frame.hashHex);
    this.byHash.set(frame.hashHex, q);
    this.releaseFee(old.frame);
    this.feesByFeeSource.set(frame.feeSource, this.queuedFees(frame.feeSource) + frame.maxFee);
    this.opCount += ops - old.ops;
    return "added";
  }

  private releaseFee(frame: TxFrame): void {
    const fees = this.queuedFees(frame.feeSource) - frame.maxFee;
    if (fees > 0n) this.feesByFeeSource.set(frame.feeSource, fees);
    else this.feesByFeeSource.delete(frame.feeSource);
  }

  /** Removes a tx (applied, or no longer valid). Later txs of the same account stay queued. */
  remove(hashHex: string): QueuedTx | undefined {
    const q = this.byHash.get(hashHex);
    if (!q) return undefined;
    this.byHash.delete(hashHex);
    const list = this.byAccount.get(q.frame.sourceAccount);
    if (list) {
      const i = list.indexOf(q);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.byAccount.delete(q.frame.sourceAccount);
    }
    this.releaseFee(q.frame);
    this.opCount -= q.ops;
    return q;
  }

  /**
   * Txs whose sequence number is now at or below their account's: they can never apply.
   * `currentSeq` gives each account's sequence number in the new last closed ledger.
   */
  stale(currentSeq: (account: AccountId) => bigint | undefined): QueuedTx[] {
    const out: QueuedTx[] = [];
    for (const [account, list] of this.byAccount) {
      const seq = currentSeq(account);
      for (const q of list) if (seq === undefined || q.frame.seqNum <= seq) out.push(q);
    }
    return out;
  }

  /**
   * Picks the txs for the next ledger, at most `maxOps` operations. Without contention every
   * account's queue goes in whole. Under contention, account heads compete by fee per operation
   * (ties by hash, so every node picks the same set from the same queue).
   */
  select(maxOps: number, baseFee: number): TxSelection {
    if (this.opCount <= maxOps) {
      const txs: QueuedTx[] = [];
      for (const list of this.byAccount.values()) txs.push(...list);
      return {txs, ops: this.opCount, baseFeeCharged: BigInt(baseFee)};
    }
    const heads: Array<{list: QueuedTx[]; at: number}> = [];
    for (const list of this.byAccount.values()) heads.push({list, at: 0});
    const better = (x: QueuedTx, y: QueuedTx) => {
      const c = compareFeeRate(x, y);
      return c !== 0 ? c > 0 : x.frame.hashHex < y.frame.hashHex;
    };
    const heap = new MaxHeap<{list: QueuedTx[]; at: number}>((a, b) => better(a.list[a.at], b.list[b.at]));
    for (const h of heads) heap.push(h);
    const txs: QueuedTx[] = [];
    let ops = 0;
    let lowest: QueuedTx | undefined;
    while (heap.size > 0) {
      const h = heap.pop() as {list: QueuedTx[]; at: number};
      const q = h.list[h.at];
      // An account's later txs cannot go ahead of one that did not fit.
      if (ops + q.ops > maxOps) continue;
      txs.push(q);
      ops += q.ops;
      if (!lowest || compareFeeRate(q, lowest) < 0) lowest = q;
      if (h.at + 1 < h.list.length) heap.push({list: h.list, at: h.at + 1});
    }
    // Fee bids are int64: the rate stays a bigint (a Number would round bids above 2^53).
    let surge = BigInt(baseFee);
    if (lowest) {
      const rate = lowest.frame.maxFee / BigInt(lowest.ops);
      if (rate > surge) surge = rate;
    }
    return {txs, ops, baseFeeCharged: surge};
  }
}

/** Binary max-heap over a "greater than" predicate. */
class MaxHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly greater: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  push(x: T): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.greater(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as T;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.greater(a[l], a[m])) m = l;
        if (r < a.length && this.greater(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}
