/** Ledger state entries: EntryKey ("a:G…", "d:G…:name") → [1, LedgerEntry]. */
import type {Database, RootDatabase, Transaction} from "lmdb";
import type {AccountEntry, DataEntry, EntryKey, LedgerEntry} from "../ledger/types.js";
import {fieldsOf} from "./codec.js";

const VERSIONS = [1] as const;

export class EntriesRepo {
  readonly db: Database<unknown, EntryKey>;

  constructor(root: RootDatabase) {
    this.db = root.openDB({name: "entries"});
  }

  get(key: EntryKey, txn?: Transaction): LedgerEntry | undefined {
    const raw = this.db.get(key, txn ? {transaction: txn} : undefined);
    return raw === undefined ? undefined : (fieldsOf("entries", raw, VERSIONS).fields[0] as LedgerEntry);
  }

  /** Inside a write batch. */
  write(key: EntryKey, entry: LedgerEntry | null): void {
    if (entry === null) void this.db.remove(key);
    else void this.db.put(key, [1, entry]);
  }

  dataEntries(accountId: string, txn?: Transaction): DataEntry[] {
    const prefix = "d:" + accountId + ":";
    const out: DataEntry[] = [];
    for (const {key, value} of this.db.getRange({start: prefix, transaction: txn})) {
      if (typeof key !== "string" || !key.startsWith(prefix)) break;
      out.push(fieldsOf("entries", value, VERSIONS).fields[0] as DataEntry);
    }
    return out;
  }

  /**
   * Accounts, in account id order after `afterId`, that `signer` can sign for (as master key
   * of weight > 0 or as an extra signer), up to `limit`.
   * TODO: a scan of every account; an index (signer → accounts) written with each ledger would
   * make this a range read once networks outgrow ~100k accounts.
   */
  accountsWithSigner(signer: string, afterId: string | undefined, asc: boolean, limit: number, txn?: Transaction): AccountEntry[] {
    const out: AccountEntry[] = [];
    const range = asc
      ? {start: afterId === undefined ? "a:" : "a:" + afterId, end: "a;", transaction: txn}
      : {start: afterId === undefined ? "a;" : "a:" + afterId, end: "a:", reverse: true, transaction: txn};
    for (const {key, value} of this.db.getRange(range)) {
      if (afterId !== undefined && key === "a:" + afterId) continue;
      const a = fieldsOf("entries", value, VERSIONS).fields[0] as AccountEntry;
      const signs = (a.accountId === signer && a.thresholds.master > 0) || a.signers.some((s) => s.key === signer);
      if (!signs) continue;
      out.push(a);
      if (out.length === limit) break;
    }
    return out;
  }
}
