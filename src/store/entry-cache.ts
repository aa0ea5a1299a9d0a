/**
 * Decoded ledger entries of the last closed ledger, kept in memory: an LMDB get plus a decode
 * costs microseconds and admission and apply read each payment's accounts 4-5 times.
 *
 * Bounded by a count of entries (StoreOptions.entryCacheEntries): a decoded account is about
 * 500 bytes of heap with its key, so the default 50,000 is ~25 MB whatever the ledger holds;
 * without a bound, creating 1M accounts would keep every one of them. Past the bound the entries
 * cached longest ago go first, half the bound at a time (util/two-generation-map.ts: O(1) per
 * fill, no bookkeeping on a hit, which is the hot path).
 *
 * Snapshot semantics are the store's: entries are filled from the last closed ledger's read
 * snapshot and replaced only when a commit is durable (`replaceCommitted`), so the cache never
 * holds a state other than the last closed ledger's. Cached objects are shared with readers and
 * never mutated (ledger state copies before writing).
 */
import type {EntryKey, LedgerEntry} from "../ledger/types.js";
import {StoreError, StoreErrorCode} from "./errors.js";
import {TwoGenerationMap} from "../util/two-generation-map.js";

/** null: known absent from the ledger (a create_account destination is looked up first). */
export type CachedEntry = LedgerEntry | null;

export class EntryCache {
  private readonly map: TwoGenerationMap<EntryKey, CachedEntry>;

  /** `max` entries at most; 0 turns the cache off. */
  constructor(readonly max: number) {
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new StoreError(StoreErrorCode.BAD_OPTION, `the entry cache size must be a whole number of entries ≥ 0, got ${max}`, {entryCacheEntries: String(max)});
    }
    this.map = new TwoGenerationMap(Math.max(1, max));
  }

  /** The cached entry, null when known absent, undefined when not cached. */
  get(key: EntryKey): CachedEntry | undefined {
    return this.map.get(key);
  }

  /** Caches what a read of the last closed ledger found, evicting the oldest entries when full. */
  fill(key: EntryKey, entry: CachedEntry): void {
    if (this.max === 0) return;
    this.map.set(key, entry);
  }

  /**
   * A ledger's changes, once durable: cached keys take their new value (deleted: known absent);
   * keys not cached stay uncached.
   */
  replaceCommitted(changes: Iterable<[EntryKey, CachedEntry]>): void {
    for (const [key, entry] of changes) this.map.replace(key, entry);
  }

  get size(): number {
    return this.map.size;
  }

  /** Entries dropped to stay within the bound, since the store opened. */
  get evicted(): number {
    return this.map.dropped;
  }
}
