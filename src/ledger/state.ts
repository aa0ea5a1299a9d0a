/**
 * Nested ledger state, as stellar-core's LedgerTxn: a root layer over the last closed state, a
 * child layer per transaction and a grandchild per operation. Each layer records only what it
 * changed (key → entry, or null for deleted); `commit()` folds a layer into its parent and
 * `rollback()` drops it, so a failed operation leaves nothing behind.
 *
 * Entries are plain objects shared with the layers below: `getEntry` returns a read-only view,
 * `load` returns this layer's own copy (copy-on-write) that the caller may mutate. Account copies
 * duplicate the signers array and thresholds, the only nested mutable parts.
 */
import {LedgerError, LedgerErrorCode} from "./errors.js";
import type {AccountEntry, EntryKey, LedgerEntry, LedgerStateReader} from "./types.js";
import {accountKey, entryKey} from "./types.js";

export function cloneEntry<E extends LedgerEntry>(e: E): E {
  if (e.type === "account") {
    const a = e as AccountEntry;
    return {...a, thresholds: {...a.thresholds}, signers: a.signers.slice()} as E;
  }
  return {...e};
}

export class LedgerTxn implements LedgerStateReader {
  private readonly parent: LedgerStateReader;
  private readonly parentTxn: LedgerTxn | null;
  private readonly layer = new Map<EntryKey, LedgerEntry | null>();
  private openChild: LedgerTxn | null = null;
  private sealed = false;

  constructor(parent: LedgerStateReader) {
    this.parent = parent;
    this.parentTxn = parent instanceof LedgerTxn ? parent : null;
    if (this.parentTxn !== null) {
      if (this.parentTxn.openChild !== null) {
        throw new LedgerError(LedgerErrorCode.StateMisuse, "parent already has an open child");
      }
      this.parentTxn.openChild = this;
    }
  }

  /** A nested layer (one per tx, one per op). Only one child may be open at a time. */
  child(): LedgerTxn {
    this.assertUsable();
    return new LedgerTxn(this);
  }

  private assertUsable(): void {
    if (this.sealed) throw new LedgerError(LedgerErrorCode.StateMisuse, "ledger txn already committed or rolled back");
  }

  getEntry(key: EntryKey): LedgerEntry | undefined {
    const own = this.layer.get(key);
    if (own !== undefined) return own === null ? undefined : own;
    return this.parent.getEntry(key);
  }

  getAccount(id: string): AccountEntry | undefined {
    const e = this.getEntry(accountKey(id));
    return e !== undefined && e.type === "account" ? e : undefined;
  }

  /** This layer's mutable copy of an entry, or undefined if it does not exist. */
  load(key: EntryKey): LedgerEntry | undefined {
    this.assertWritable();
    const own = this.layer.get(key);
    if (own !== undefined) return own === null ? undefined : own;
    const below = this.parent.getEntry(key);
    if (below === undefined) return undefined;
    const copy = cloneEntry(below);
    this.layer.set(key, copy);
    return copy;
  }

  loadAccount(id: string): AccountEntry | undefined {
    const e = this.load(accountKey(id));
    return e !== undefined && e.type === "account" ? e : undefined;
  }

  /** Creates (or replaces) an entry in this layer. */
  put(entry: LedgerEntry): void {
    this.assertWritable();
    this.layer.set(entryKey(entry), entry);
  }

  erase(key: EntryKey): void {
    this.assertWritable();
    this.layer.set(key, null);
  }

  private assertWritable(): void {
    this.assertUsable();
    if (this.openChild !== null) throw new LedgerError(LedgerErrorCode.StateMisuse, "ledger txn has an open child");
  }

  /** Folds this layer into its parent layer. */
  commit(): void {
    this.assertWritable();
    if (this.parentTxn === null) throw new LedgerError(LedgerErrorCode.StateMisuse, "the root layer has no parent to commit into");
    const target = this.parentTxn.layer;
    for (const [k, v] of this.layer) target.set(k, v);
    this.close();
  }

  rollback(): void {
    this.assertUsable();
    if (this.openChild !== null) this.openChild.rollback();
    this.layer.clear();
    this.close();
  }

  private close(): void {
    this.sealed = true;
    if (this.parentTxn !== null) this.parentTxn.openChild = null;
  }

  /** What this layer changed: final value per key, null = deleted. */
  changes(): Map<EntryKey, LedgerEntry | null> {
    return new Map(this.layer);
  }
}
