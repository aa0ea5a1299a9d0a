export interface StoreOptions {
  /** Data folder; the LMDB file is `<dir>/ledger.mdb`. */
  dir: string;
  readOnly?: boolean;
  /**
   * Ledgers of transaction history to keep (Horizon's HISTORY_RETENTION_COUNT); 0 keeps all.
   * Older transactions, operations and their index rows are pruned in the background; state
   * entries and headers are always kept.
   */
  historyRetention?: number;
  /**
   * Decoded entries of the last closed ledger kept in memory (entry-cache.ts); 0 turns the
   * cache off. Read-only opens (workers) never cache.
   */
  entryCacheEntries?: number;
  /** Told after each prune chunk what it removed (the node logs it and counts it in a metric). */
  onPruned?: (pruned: PrunedHistory) => void;
}

/** What one prune chunk removed: its transactions, from the ledgers `fromLedger`..`toLedger`. */
export interface PrunedHistory {
  txs: number;
  fromLedger: number;
  toLedger: number;
  /** The retention bound: every ledger below it is to be pruned. */
  keepFrom: number;
}

export const defaultStoreOptions = {
  /** Horizon's default: keep everything. */
  historyRetention: 0,
  /**
   * 50,000 decoded entries, ~25 MB of live heap (a decoded account with its key is ~500 bytes):
   * every account a network paying at 3,000 tx/s touches in the last ~8 s, whatever the ledger
   * holds. After creating 250,000 accounts a 20,000-entry cache left 75-165 MB less anonymous
   * memory than 100,000 (the heap grows to about twice its live size); a miss is one LMDB read
   * of a 37-byte record.
   */
  entryCacheEntries: 50_000,
};

/**
 * Transactions pruned per write transaction. A payment's history is 4 deletes, so 500 txs are
 * ~2,000 B-tree deletes: a few ms on the write thread, short enough that a ledger commit queued
 * behind a prune chunk is not held up noticeably, while 5k payments/s are pruned in 10 chunks.
 */
export const PRUNE_CHUNK_TXS = 500;

/**
 * Free pages LMDB keeps in memory across write transactions (lmdb-js's maxFreeSpaceToLoad and
 * maxFreeSpaceToRetain; its defaults are 50,000 and 75,000). lmdb-js's LMDB re-reads and re-merges
 * the whole in-memory free list into a check list at every commit (mdb_freelist_save, one sorted
 * insert per free page), so that list's length is paid by every write transaction, and a node
 * makes hundreds per second (each admission's pending put, each ledger). A ledger of 1,000,000
 * accounts created through ledgers holds ~31,000 free pages: profiled at 1M accounts, that check
 * was half of the write thread's CPU (mdb_midl_insert under mdb_freelist_save) and it vanished
 * with these bounds. A write transaction still loads more free pages when it needs them, up to
 * the load bound, before it grows the file; the rest stay in the free-list table for later ones.
 */
export const FREE_PAGES_TO_LOAD = 2_000;
export const FREE_PAGES_TO_RETAIN = 4_000;

/**
 * Named tables an environment may hold. LMDB fixes this when the environment opens (lmdb-js
 * defaults to 12) and every open of the file must allow at least as many as it holds: 19 today
 * (ledger state and offer indexes, history, tx sets and their parts, pending, trades, SCP
 * state), so 32 leaves room.
 */
export const MAX_TABLES = 32;
