/**
 * The tx set of every closed ledger: seq → [1, closeTime, baseFeeCharged, envelopes in apply
 * order]. Enough to replay the ledger on another node and to re-derive its header (the header's
 * tx set hash covers the envelopes' hashes, its close time is here): catch-up serves peers from
 * it and history archives publish it. Kept for every ledger, whatever the history retention.
 */
import type {Database, RootDatabase, Transaction} from "lmdb";
import {appendPut, fieldsOf} from "./codec.js";
import {StoreError, StoreErrorCode} from "./errors.js";

const VERSIONS = [1] as const;

/** A closed ledger's tx set as consensus agreed it. */
export interface StoredTxSet {
  seq: number;
  /** Unix seconds, the header's close time. */
  closeTime: number;
  /** Fee per operation charged (int64). */
  baseFeeCharged: bigint;
  /** TransactionEnvelope XDR, in the order the ledger applied them. */
  envelopes: Buffer[];
}

export class TxSetsRepo {
  readonly db: Database<unknown, number>;

  constructor(root: RootDatabase) {
    this.db = root.openDB({name: "txsets"});
  }

  /** Inside the ledger's write batch. */
  write(s: StoredTxSet): void {
    appendPut(this.db, s.seq, [1, s.closeTime, s.baseFeeCharged, s.envelopes]);
  }

  get(seq: number, txn?: Transaction): StoredTxSet | undefined {
    const raw = this.db.get(seq, txn ? {transaction: txn} : undefined);
    if (raw === undefined) return undefined;
    const [closeTime, fee, envelopes] = fieldsOf("txsets", raw, VERSIONS).fields as [unknown, unknown, unknown];
    if (typeof closeTime !== "number" || typeof fee !== "bigint" || !Array.isArray(envelopes)) {
      throw new StoreError(StoreErrorCode.CORRUPT_RECORD, `tx set record of ledger ${seq} is malformed`, {table: "txsets"});
    }
    return {seq, closeTime, baseFeeCharged: fee, envelopes: envelopes.map((e: Uint8Array) => Buffer.from(e))};
  }
}
