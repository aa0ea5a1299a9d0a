/**
 * Which operations touched each claimable balance (Horizon's history_operation_claimable_balances
 * and, by their transactions, history_transaction_claimable_balances), in table "balanceOps":
 *   ["b", balance id (hex), ledger, txIndex, opIndex] → null   a balance's operations in order
 *   ["l", ledger, txIndex, opIndex, balance id]       → null   the same rows by ledger, for pruning
 * An operation is related to a balance when its meta created, changed or removed that balance,
 * as Horizon derives it; a failed transaction changed nothing, so it has no rows. Written in the
 * ledger's commit batch from the plain meta the close built; only operations whose meta holds a
 * claimable balance write anything.
 */
import type {Database, RootDatabase, Transaction} from "lmdb";
import type {CommittedTx} from "./history-repo.js";
import type {TxMeta} from "../ledger/meta.js";

type Row = [string, number | string, number | string, number | string, number | string];

/** One operation related to a balance. */
export interface BalanceOpRow {
  ledger: number;
  txIndex: number;
  /** 1-based */
  opIndex: number;
}

/** Above every txIndex and opIndex: "after every row of this ledger / tx". */
const MAX = Infinity;

/** The distinct claimable balance ids in each operation's meta, by operation (1-based index). */
export function balancesByOperation(meta: TxMeta): Array<{opIndex: number; ids: string[]}> {
  const out: Array<{opIndex: number; ids: string[]}> = [];
  meta.operations.forEach((deltas, j) => {
    const ids = new Set<string>();
    for (const d of deltas) {
      const e = d.after ?? d.before;
      if (e !== null && e.type === "claimable_balance") ids.add(e.balanceId);
    }
    if (ids.size > 0) out.push({opIndex: j + 1, ids: [...ids].sort()});
  });
  return out;
}

export class BalanceHistory {
  readonly db: Database<null, Row>;

  constructor(root: RootDatabase) {
    this.db = root.openDB({name: "balanceOps"});
  }

  /** Inside a write batch: the rows of a ledger's transactions. */
  write(txs: Iterable<CommittedTx>): void {
    for (const t of txs) {
      if (t.meta === undefined || !t.successful) continue;
      for (const {opIndex, ids} of balancesByOperation(t.meta)) {
        for (const id of ids) {
          void this.db.put(["b", id, t.ledger, t.index, opIndex], null);
          void this.db.put(["l", t.ledger, t.index, opIndex, id], null);
        }
      }
    }
  }

  /** The oldest ledger with a row, if any. */
  oldestLedger(txn?: Transaction): number | undefined {
    for (const key of this.db.getKeys({start: ["l", 0] as unknown as Row, end: ["l", MAX] as unknown as Row, limit: 1, transaction: txn})) return key[1] as number;
    return undefined;
  }

  /** Inside a write batch: removes up to `max` rows of ledgers before `keepFrom`; returns how many. */
  prune(keepFrom: number, max: number): number {
    let n = 0;
    for (const key of this.db.getKeys({start: ["l", 0] as unknown as Row, end: ["l", keepFrom] as unknown as Row})) {
      const [, ledger, txIndex, opIndex, id] = key;
      void this.db.remove(key);
      void this.db.remove(["b", id as string, ledger, txIndex, opIndex]);
      if (++n >= max) break;
    }
    return n;
  }

  /** True when some operation still in the history touched the balance. */
  known(balanceId: string, txn?: Transaction): boolean {
    for (const _ of this.db.getKeys({start: ["b", balanceId, 0] as unknown as Row, end: ["b", balanceId, MAX] as unknown as Row, limit: 1, transaction: txn})) return true;
    return false;
  }

  /**
   * The balance's operations after (asc) or before (desc) the position (ledger, txIndex, opIndex),
   * exclusive, in history order.
   */
  *scan(balanceId: string, after: [number, number, number] | undefined, asc: boolean, txn?: Transaction): Generator<BalanceOpRow> {
    const lo = ["b", balanceId, 0] as unknown as Row;
    const hi = ["b", balanceId, MAX] as unknown as Row;
    const at = after === undefined ? undefined : (["b", balanceId, ...after] as Row);
    const range = asc ? {start: at ?? lo, end: hi, transaction: txn} : {start: at ?? hi, end: lo, reverse: true, transaction: txn};
    for (const key of this.db.getKeys(range)) {
      const row = {ledger: key[2] as number, txIndex: key[3] as number, opIndex: key[4] as number};
      if (after !== undefined && row.ledger === after[0] && row.txIndex === after[1] && row.opIndex === after[2]) continue;
      yield row;
    }
  }

  /** Rebuilds the rows from stored history (opening an older layout). */
  rebuild(txs: Iterable<{ledger: number; index: number; successful: boolean; meta: TxMeta}>): void {
    for (const t of txs) {
      if (!t.successful) continue;
      for (const {opIndex, ids} of balancesByOperation(t.meta)) {
        for (const id of ids) {
          void this.db.put(["b", id, t.ledger, t.index, opIndex], null);
          void this.db.put(["l", t.ledger, t.index, opIndex, id], null);
        }
      }
    }
  }
}
