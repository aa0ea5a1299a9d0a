/**
 * The node's LMDB store: one environment, one repository per concern, one write transaction per
 * ledger close. Reads are synchronous.
 *
 *   meta       "network" → NetworkMeta, "lcl" → last closed ledger sequence
 *   entries    ledger state (entries-repo.ts)
 *   headers    every ledger's header (headers-repo.ts)
 *   txs, hashes, accounts, ledgerIdx   transaction history and its indexes (history-repo.ts)
 *   txsets, txsetParts   each ledger's tx set: a reference to its txs, or page-sized parts (txsets-repo.ts)
 *   pending    admitted, acknowledged, not yet in a ledger (pending-repo.ts)
 *   stateIdx   offers, trustlines and claimable balances by the API's filters, asset totals (state-indexes.ts)
 *   balanceOps the operations that touched each claimable balance (balance-history.ts)
 *   tradeBuckets per-minute trade aggregates of each pair (trade-buckets.ts)
 *
 * A ledger is committed as one explicit batch (`root.batch`): lmdb-js runs it as one LMDB write
 * transaction on its write thread, so the B-tree work and the fsync leave the main thread and
 * the ledger is all-or-nothing.
 *
 * Every read sees the last closed ledger: between the moment a ledger is handed to LMDB and the
 * moment it is durable (when `latestHeader()` moves on), reads go through a read transaction
 * opened before the commit, so neither a cache miss nor a history page can see the next ledger
 * early. That snapshot is released as soon as the commit resolves; no read transaction outlives
 * a close, so LMDB can reuse the pages old ledgers freed.
 */
import {open, type Database, type RootDatabase, type Transaction} from "lmdb";
import {join} from "node:path";
import {mkdirSync} from "node:fs";
import type {
  AccountEntry,
  AccountId,
  AssetKey,
  ClaimableBalanceEntry,
  DataEntry,
  EntryKey,
  LedgerEntry,
  LedgerHeader,
  LedgerStateReader,
  NetworkConfig,
  OfferEntry,
  TrustLineEntry,
} from "../ledger/types.js";
import {accountKey, assetKey, claimableBalanceKey, offerKey} from "../ledger/types.js";
import {networkIdOf} from "../ledger/options.js";
import {decodeTxFrame} from "../tx/frame.js";
import type {ClaimableBalanceFilter, LedgerReader, OfferFilter, OpFilter, PageQuery, StoredOp, StoredTx, TxFilter} from "./types.js";
import {allClaimableBalances, allTrustLines, offersPage, type ClaimableBalanceCursor} from "./dex-reads.js";
import {TradesRepo, type TradeFilter, type TradeKey, type TradeRow} from "./trades-repo.js";
import {parseToid, toidString} from "./toid.js";
import {StoreError, StoreErrorCode} from "./errors.js";
import {EntriesRepo} from "./entries-repo.js";
import {EntryCache} from "./entry-cache.js";
import {HeadersRepo} from "./headers-repo.js";
import {PendingRepo} from "./pending-repo.js";
import {TxSetsRepo, type StoredTxSet} from "./txsets-repo.js";

import {ScpStateRepo} from "./scp-state-repo.js";
import {HistoryRepo, OP_INDEX_MAX, accountBounds, accountOpKey, compareKeys, ledgerBounds, type AccountIndexEntry, type CommittedTx, type TxKey, type TxRecord} from "./history-repo.js";
import {rawFromAccountId} from "../tx/keys.js";
import {FREE_PAGES_TO_LOAD, FREE_PAGES_TO_RETAIN, MAX_TABLES, PRUNE_CHUNK_TXS, defaultStoreOptions, type PrunedHistory, type StoreOptions} from "./options.js";
import {storedTxOf} from "./records.js";
import {collectStats, type DbStats} from "./stats.js";
import {StateIndexes, type AssetTotals} from "./state-indexes.js";
import {BalanceHistory} from "./balance-history.js";
import {TradeBuckets, type MinuteBucket} from "./trade-buckets.js";
import {decodeMeta} from "./meta-codec.js";

/** Tx sets deleted per pruning write (a version-2 set deletes its parts too: a few pages each). */
const PRUNE_TXSETS = 50;

export type {StoreOptions, AccountIndexEntry, CommittedTx, StoredTxSet};

/** What a data folder records about its network, checked at every start. */
export interface NetworkMeta {
  passphrase: string;
  baseFee: number;
  baseReserve: number;
  maxTxSetSize: number;
  protocolVersion: number;
  totalCoins: bigint;
  createdAt: number;
}

/** The network record of a new data folder: its config, and the genesis ledger's supply and time. */
export function networkMetaOf(config: NetworkConfig, genesis: LedgerHeader): NetworkMeta {
  return {
    passphrase: config.passphrase,
    baseFee: config.baseFee,
    baseReserve: config.baseReserve,
    maxTxSetSize: config.maxTxSetSize,
    protocolVersion: config.protocolVersion,
    totalCoins: genesis.totalCoins,
    createdAt: genesis.closeTime,
  };
}

export interface LedgerCommit {
  header: LedgerHeader;
  changes: Map<EntryKey, LedgerEntry | null>;
  txs: CommittedTx[];
  participants: AccountIndexEntry[];
  /** The ledger's tx set, kept for catch-up and history archives (its seq is the header's). */
  txSet?: StoredTxSet;
}

export const PAYMENT_TYPES: ReadonlySet<string> = new Set([
  "create_account",
  "payment",
  "path_payment_strict_receive",
  "path_payment_strict_send",
  "account_merge",
]);

export function isPaymentOp(op: StoredOp): boolean {
  return PAYMENT_TYPES.has(op.op.type);
}

/** The operation record of `tx`'s operation `opIndex` (1-based). */
export function storedOp(tx: StoredTx, opIndex: number): StoredOp | undefined {
  const op = tx.operations[opIndex - 1];
  if (op === undefined) return undefined;
  return {
    id: toidString(tx.ledger, tx.index, opIndex),
    ledger: tx.ledger,
    txIndex: tx.index,
    opIndex,
    txHash: tx.hash,
    closedAt: tx.closedAt,
    sourceAccount: op.source ?? tx.sourceAccount,
    op,
    transactionSuccessful: tx.successful,
    envelopeXdr: tx.envelopeXdr,
    resultXdr: tx.resultXdr,
  };
}

/**
 * The set of tables and keys (each record has its own codec version on top). Layout 1 (one
 * "idx" table, txs by hash as msgpack objects with base64 XDR) had no marker; layout 2 keyed
 * ledgerIdx by ledger alone; layout 3 keyed the account index by [G… string, ledger, txIndex,
 * opIndex] arrays (migrated on open); layout 4 had no stateIdx and balanceOps (built on open).
 */
const STORE_LAYOUT = 5;
/** The oldest layout this build opens by migrating it first. */
const MIGRATES_FROM = 3;

/** An account's 32 raw bytes; null when the id is not a G… StrKey (it then has no history). */
function rawAccountOrNull(id: AccountId): Buffer | null {
  try {
    return rawFromAccountId(id);
  } catch {
    return null;
  }
}

export class LedgerStore implements LedgerReader, LedgerStateReader {
  private readonly root: RootDatabase;
  private readonly metaDb: Database;
  readonly entries: EntriesRepo;
  readonly headersRepo: HeadersRepo;
  readonly history: HistoryRepo;
  readonly pending: PendingRepo;
  readonly tradesRepo: TradesRepo;
  readonly txSets: TxSetsRepo;
  /** The local validator's latest SCP statements of recent slots (see scp-state-repo.ts). */
  readonly scpState: ScpStateRepo;
  readonly stateIdx: StateIndexes;
  readonly balanceOps: BalanceHistory;
  readonly bucketsRepo: TradeBuckets;
  private lcl: LedgerHeader | undefined;
  private networkId: Buffer | undefined;
  /**
   * Decoded entries of the last closed ledger (null: known absent), bounded (entry-cache.ts).
   * Updated when a commit resolves, so readers see one ledger's state until the next is durable.
   */
  readonly cache: EntryCache;
  /** Off for read-only opens (workers): they never see commits, so a cache would go stale. */
  private readonly caching: boolean;
  /** The last closed ledger as LMDB held it when the next one was handed over; null outside a commit. */
  private snapshot: Transaction | null = null;
  private readonly retention: number;
  /** The prune chunk in flight, if any. */
  private pruning: Promise<void> | null = null;
  private closed = false;
  private pruneFailure: unknown;
  private readonly file: string;
  private readonly onPruned: ((pruned: PrunedHistory) => void) | undefined;

  constructor(opts: StoreOptions) {
    if (!opts.readOnly) mkdirSync(opts.dir, {recursive: true});
    const retention = opts.historyRetention ?? defaultStoreOptions.historyRetention;
    if (!Number.isSafeInteger(retention) || retention < 0) {
      throw new StoreError(StoreErrorCode.BAD_OPTION, `history retention must be a whole number of ledgers ≥ 0, got ${retention}`, {
        historyRetention: String(retention),
      });
    }
    this.retention = retention;
    this.onPruned = opts.onPruned;
    this.caching = !opts.readOnly;
    this.cache = new EntryCache(this.caching ? (opts.entryCacheEntries ?? defaultStoreOptions.entryCacheEntries) : 0);
    this.file = join(opts.dir, "ledger.mdb");
    this.root = open({
      path: this.file,
      readOnly: opts.readOnly ?? false,
      // Up to 16 GiB of map; LMDB reserves address space, not disk.
      mapSize: 16 * 1024 ** 3,
      maxDbs: MAX_TABLES,
      // Not in lmdb-js's type declarations; read by its native open (see options.ts).
      ...{maxFreeSpaceToLoad: FREE_PAGES_TO_LOAD, maxFreeSpaceToRetain: FREE_PAGES_TO_RETAIN},
    });
    this.metaDb = this.root.openDB({name: "meta"});
    this.entries = new EntriesRepo(this.root);
    this.headersRepo = new HeadersRepo(this.root);
    this.history = new HistoryRepo(this.root);
    this.pending = new PendingRepo(this.root);
    this.tradesRepo = new TradesRepo(this.root);
    this.txSets = new TxSetsRepo(this.root, (ledger, txIndex, txn) => this.history.envelopeAt(ledger, txIndex, txn));
    this.scpState = new ScpStateRepo(this.root);
    this.stateIdx = new StateIndexes(this.root);
    this.balanceOps = new BalanceHistory(this.root);
    this.bucketsRepo = new TradeBuckets(this.root);
    const seq = this.metaDb.get("lcl") as number | undefined;
    if (seq !== undefined) {
      let layout = (this.metaDb.get("layout") as number | undefined) ?? 1;
      if (layout >= MIGRATES_FROM && layout < STORE_LAYOUT && !opts.readOnly) {
        if (layout === 3) this.history.migrateAccountIndex(this.root);
        this.buildIndexes();
        this.metaDb.putSync("layout", STORE_LAYOUT);
        layout = STORE_LAYOUT;
      }
      if (layout !== STORE_LAYOUT) {
        void this.root.close();
        throw new StoreError(
          StoreErrorCode.LAYOUT_MISMATCH,
          `data folder ${opts.dir} has store layout ${layout}; this build reads layout ${STORE_LAYOUT}: start it on a new --data folder`,
          {dir: opts.dir, layout, expected: STORE_LAYOUT},
        );
      }
      this.lcl = this.headersRepo.get(seq);
      // Buckets are not part of the layout: trades no bucket holds (a store from before them, or
      // ledgers a build without them committed) are folded in here, before anything reads them.
      if (!opts.readOnly) this.bucketsRepo.catchUp({scanAll: (after) => this.tradesRepo.scan({}, after, true)}, this.root);
    }
  }

  /** Layout 4 → 5: the state indexes from every entry and the balance rows from stored meta, in one write. */
  private buildIndexes(): void {
    this.root.transactionSync(() => {
      const indexed = (function* (repo: EntriesRepo) {
        for (const prefix of ["c:", "o:", "t:"]) {
          for (const {key} of repo.db.getRange({start: prefix, end: prefix.slice(0, 1) + ";"})) {
            const e = repo.get(key);
            if (e !== undefined) yield e;
          }
        }
      })(this.entries);
      this.stateIdx.rebuild(indexed);
      const withMeta = (function* (history: HistoryRepo) {
        for (const rec of history.scanTxs([0], [Infinity], undefined, true)) {
          if (rec.meta !== undefined && "encoded" in rec.meta) yield {ledger: rec.ledger, index: rec.index, successful: rec.successful, meta: decodeMeta(rec.meta.encoded)};
        }
      })(this.history);
      this.balanceOps.rebuild(withMeta);
    });
  }

  isInitialized(): boolean {
    return this.lcl !== undefined;
  }

  networkMeta(): NetworkMeta {
    const m = this.metaDb.get("network") as NetworkMeta | undefined;
    if (!m) throw new StoreError(StoreErrorCode.NOT_INITIALIZED, "data folder has no network; run `diamante init`");
    return m;
  }

  /** Writes genesis: the network record, ledger 1's header and its entries, in one transaction. */
  initialize(meta: NetworkMeta, header: LedgerHeader, entries: LedgerEntry[], keyOf: (e: LedgerEntry) => EntryKey): void {
    if (this.isInitialized()) {
      throw new StoreError(StoreErrorCode.ALREADY_INITIALIZED, "data folder already holds a network", {
        passphrase: this.networkMeta().passphrase,
      });
    }
    this.root.transactionSync(() => {
      this.metaDb.put("network", meta);
      this.metaDb.put("layout", STORE_LAYOUT);
      for (const e of entries) this.entries.write(keyOf(e), e);
      this.stateIdx.rebuild(entries);
      this.headersRepo.write(header);
      this.metaDb.put("lcl", header.seq);
    });
    this.lcl = header;
  }

  /**
   * One atomic write per ledger: entries, header, transactions, indexes, and removal of the
   * pending envelopes the ledger settled. Resolves once committed and flushed; until then every
   * read, including `latestHeader()`, sees the previous ledger, so the caller must not close
   * another ledger or release its submitters before this resolves.
   */
  commitLedger(c: LedgerCommit, settledPending: Iterable<string>): Promise<void> {
    const prev = this.latestHeader();
    if (c.header.seq !== prev.seq + 1) {
      throw new StoreError(StoreErrorCode.BAD_SEQUENCE, "ledger committed out of sequence", {
        expected: prev.seq + 1,
        got: c.header.seq,
      });
    }
    // Taken before the batch is queued: LMDB applies it later on the write thread.
    const snapshot = this.root.useReadTransaction();
    this.snapshot = snapshot;
    const release = () => {
      this.snapshot = null;
      snapshot.done();
    };
    /**
     * A changed entry as the last closed ledger has it: from the entry cache, which holds that
     * state until this commit is durable (apply read nearly every changed entry through it), else
     * from the store. An offer's and a trustline's old index rows are found from it without a
     * read and decode per change (~10 µs per tx of a mixed load).
     */
    const lastClosed = (key: EntryKey): LedgerEntry | undefined => {
      const hit = this.cache.get(key);
      return hit !== undefined ? hit ?? undefined : this.entries.get(key);
    };
    let committed: Promise<unknown>;
    try {
      committed = this.root.batch(() => {
        // Index rows first: they read the changed entries as the last closed ledger has them.
        this.stateIdx.write(c.changes, lastClosed);
        this.entries.writeAll(c.changes, lastClosed);
        this.headersRepo.write(c.header);
        this.history.write(c.header.seq, c.txs, c.participants);
        this.bucketsRepo.add(this.tradesRepo.write(c.txs));
        this.balanceOps.write(c.txs);
        if (c.txSet !== undefined) this.txSets.write(c.txSet, c.txs);
        for (const hash of settledPending) void this.pending.remove(hash);
        void this.metaDb.put("lcl", c.header.seq);
      });
    } catch (err) {
      // Building the batch threw (a record that can not be encoded): nothing was written.
      release();
      throw err;
    }
    // Committed is visible; flushed is durable (lmdb-js overlaps the fsync with later work).
    // Submitters are answered only after the flush, so not even power loss loses an answered tx.
    return committed
      .then(() => this.root.flushed)
      .then(
        () => {
          this.cache.replaceCommitted(c.changes);
          this.lcl = c.header;
          release();
          this.schedulePrune();
        },
        (err: unknown) => {
          release();
          throw err;
        },
      );
  }

  /**
   * Records an admitted envelope; resolves once committed (then it may be acknowledged). A
   * committed write survives the process being killed at any instant; waiting for the fsync as
   * well would also cover power loss, but measured ~15% fewer admissions per second here
   * (tuning/README.md), so async acknowledgements stop at the commit. Ledgers, which answer
   * POST /transactions, do wait for the flush.
   */
  async addPending(hashHex: string, envelope: Buffer): Promise<void> {
    await this.pending.put(hashHex, envelope);
  }

  /** Drops a pending envelope that can no longer be applied (e.g. its sequence number was used). */
  async removePending(hashHex: string): Promise<void> {
    await this.pending.remove(hashHex);
  }

  pendingEnvelopes(): Array<{hash: string; envelope: Buffer}> {
    return this.pending.all();
  }

  /**
   * Ends this thread's current read transaction now instead of at lmdb-js's next timer tick: a
   * thread whose event loop sleeps between jobs (a Piscina worker in Atomics.wait) would
   * otherwise hold an old snapshot, read stale state from it next time, and keep LMDB from
   * reusing every page freed after it. The next read starts a fresh transaction.
   */
  endReads(): void {
    this.root.resetReadTxn();
  }

  // ---- history retention

  /** The oldest ledger whose history is still stored (undefined when there is none). */
  oldestHistoryLedger(): number | undefined {
    return this.history.oldestLedger(this.snapshot ?? undefined);
  }

  /** Resolves when no prune chunk is running and none is due; rejects with the last chunk's failure. */
  async prunedUpToDate(): Promise<void> {
    while (this.pruning) await this.pruning;
    if (this.pruneFailure !== undefined) throw this.pruneFailure;
  }

  private schedulePrune(): void {
    if (this.retention === 0 || this.pruning || this.closed || !this.lcl) return;
    this.pruning = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.pruneChunk());
  }

  /** One chunk of about PRUNE_CHUNK_TXS transactions (and PRUNE_TXSETS tx sets), in its own write transaction; then the next. */
  private async pruneChunk(): Promise<void> {
    let pruned = 0;
    let report: PrunedHistory | undefined;
    try {
      const keepFrom = (this.lcl as LedgerHeader).seq - this.retention + 1;
      const oldest = this.history.oldestLedger();
      const oldestTrade = this.tradesRepo.oldestLedger();
      const oldestBalanceOp = this.balanceOps.oldestLedger();
      const oldestTxSet = this.txSets.oldestLedger();
      const due = (l: number | undefined): boolean => l !== undefined && l < keepFrom;
      if (!this.closed && (due(oldest) || due(oldestTrade) || due(oldestBalanceOp) || due(oldestTxSet))) {
        await this.root.batch(() => {
          const r = this.history.prune(keepFrom, PRUNE_CHUNK_TXS);
          // Trades and balance rows go with the history they were read from, a chunk of each per write.
          const removedTrades: TradeRow[] = [];
          // Trades of the last closed ledger's minute stay: a commit queued behind this batch reads
          // that minute's bucket as it was before it and would undo the prune's recount of it (or
          // the recount would miss the commit's trades). Later minutes are pruned once it is past.
          const minuteMs = Math.floor(((this.lcl as LedgerHeader).closeTime * 1000) / 60_000) * 60_000;
          pruned =
            r.txs +
            this.tradesRepo.prune(keepFrom, PRUNE_CHUNK_TXS, removedTrades, minuteMs) +
            this.balanceOps.prune(keepFrom, PRUNE_CHUNK_TXS) +
            this.txSets.prune(keepFrom, PRUNE_TXSETS);
          this.bucketsRepo.afterPrune(removedTrades, this.tradesRepo);
          if (r.txs > 0) report = {...r, keepFrom};
        });
      }
    } catch (err) {
      // Pruning is housekeeping: a failure leaves history longer than asked, never a ledger
      // wrong. It is kept for prunedUpToDate() and tried again after the next close.
      this.pruneFailure = err;
      this.pruning = null;
      return;
    }
    this.pruneFailure = undefined;
    if (report !== undefined) this.onPruned?.(report);
    if (pruned === 0) {
      this.pruning = null;
      return;
    }
    this.pruning = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.pruneChunk());
  }

  // ---- LedgerStateReader

  getEntry(key: EntryKey): LedgerEntry | undefined {
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const e = this.entries.get(key, this.snapshot ?? undefined);
    this.cache.fill(key, e ?? null);
    return e;
  }

  *bookOffers(selling: AssetKey, buying: AssetKey): Generator<OfferEntry> {
    for (const key of this.entries.bookKeys(selling, buying, this.snapshot ?? undefined)) {
      const e = this.getEntry(key);
      if (e !== undefined && e.type === "offer") yield e;
    }
  }

  *accountOffers(sellerId: AccountId): Generator<OfferEntry> {
    for (const key of this.entries.sellerOfferKeys(sellerId, this.snapshot ?? undefined)) {
      const e = this.getEntry(key);
      if (e !== undefined && e.type === "offer") yield e;
    }
  }

  /** Every book that ever held an offer, with the stamp its last change left (entries-repo.ts). */
  bookStamps(): Array<{selling: AssetKey; buying: AssetKey; stamp: number}> {
    return this.entries.bookStampList(this.snapshot ?? undefined);
  }

  /** The generation of the whole book, bumped in every ledger that changes a book (entries-repo.ts). */
  bookGeneration(): number | undefined {
    return this.entries.bookGeneration(this.snapshot ?? undefined);
  }

  /**
   * The sequence of the ledger this thread's reads see. A writing store answers its last closed
   * ledger; a read-only open (a worker) reads the marker committed with each ledger, in the same
   * read transaction as its other reads, since it never sees commits happen.
   */
  readSeq(): number {
    if (this.caching) return this.latestHeader().seq;
    const seq = this.metaDb.get("lcl") as number | undefined;
    if (seq === undefined) throw new StoreError(StoreErrorCode.NOT_INITIALIZED, "data folder has no ledger yet");
    return seq;
  }

  trustLines(accountId: AccountId): TrustLineEntry[] {
    return this.entries.trustLines(accountId, this.snapshot ?? undefined);
  }

  // ---- LedgerReader

  latestHeader(): LedgerHeader {
    if (!this.lcl) throw new StoreError(StoreErrorCode.NOT_INITIALIZED, "data folder has no ledger yet");
    return this.lcl;
  }

  /** The tx set ledger `seq` closed with; undefined for genesis and ledgers closed before they were kept. */
  txSetAt(seq: number): StoredTxSet | undefined {
    return this.txSets.get(seq, this.snapshot ?? undefined);
  }

  header(seq: number): LedgerHeader | undefined {
    return this.headersRepo.get(seq, this.snapshot ?? undefined);
  }

  headers(page: PageQuery): LedgerHeader[] {
    return this.headersRepo.page(page, this.snapshot ?? undefined);
  }

  account(id: AccountId): AccountEntry | undefined {
    const e = this.getEntry(accountKey(id));
    return e && e.type === "account" ? e : undefined;
  }

  accountsWithSigner(signer: string, page: PageQuery): AccountEntry[] {
    return this.entries.accountsWithSigner(signer, page.cursor, page.order === "asc", page.limit, this.snapshot ?? undefined);
  }

  dataEntries(id: AccountId): DataEntry[] {
    return this.entries.dataEntries(id, this.snapshot ?? undefined);
  }

  /** By hash, or by the inner hash of a fee-bump (the fee-bump is returned, as Horizon does). */
  tx(hash: string): StoredTx | undefined {
    if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
    const rec = this.history.txByHash(Buffer.from(hash, "hex"), this.snapshot ?? undefined);
    return rec ? this.storedTx(rec) : undefined;
  }

  private txAt(ledger: number, txIndex: number): StoredTx | undefined {
    const rec = this.history.txAt(ledger, txIndex, this.snapshot ?? undefined);
    return rec ? this.storedTx(rec) : undefined;
  }

  private storedTx(rec: TxRecord): StoredTx {
    if (!this.networkId) this.networkId = networkIdOf(this.networkMeta().passphrase);
    return storedTxOf(decodeTxFrame(rec.envelope, this.networkId), rec);
  }

  txs(page: PageQuery, filter: TxFilter): StoredTx[] {
    const txn = this.snapshot ?? undefined;
    const cursor = page.cursor !== undefined ? parseToid(page.cursor) : undefined;
    const asc = page.order === "asc";
    const out: StoredTx[] = [];
    if (filter.claimableBalance !== undefined) {
      // A tx's rows are its operations': distinct (ledger, txIndex), past the cursor's tx whole.
      const after: [number, number, number] | undefined = cursor ? [cursor.ledger, cursor.txIndex, asc ? Infinity : 0] : undefined;
      let last = "";
      for (const row of this.balanceOps.scan(filter.claimableBalance, after, asc, txn)) {
        const at = `${row.ledger}:${row.txIndex}`;
        if (at === last) continue;
        last = at;
        const tx = this.txAt(row.ledger, row.txIndex);
        if (tx) out.push(tx);
        if (out.length === page.limit) break;
      }
      return out;
    }
    if (filter.account === undefined) {
      const [lo, hi] = ledgerBounds([], filter.ledger);
      const c: TxKey | undefined = cursor ? [cursor.ledger, cursor.txIndex] : undefined;
      for (const rec of this.history.scanTxs(lo as [number], hi, c, asc, txn)) {
        out.push(this.storedTx(rec));
        if (out.length === page.limit) break;
      }
      return out;
    }
    // An account's txs are the distinct (ledger, txIndex) of its rows in the account index.
    const raw = rawAccountOrNull(filter.account);
    if (raw === null) return out;
    const [lo, hi] = accountBounds(raw, filter.ledger);
    // Strictly after the cursor's tx (asc: past its last possible row), or before its first row (desc).
    const c = cursor ? accountOpKey(raw, cursor.ledger, cursor.txIndex, asc ? OP_INDEX_MAX : 0) : undefined;
    let lastLedger = -1;
    let lastTx = -1;
    for (const row of this.history.scanAccount(lo, hi, c, asc, txn)) {
      if (row.ledger === lastLedger && row.txIndex === lastTx) continue;
      lastLedger = row.ledger;
      lastTx = row.txIndex;
      const tx = this.txAt(row.ledger, row.txIndex);
      if (tx) out.push(tx);
      if (out.length === page.limit) break;
    }
    return out;
  }

  op(id: string): StoredOp | undefined {
    const t = parseToid(id);
    if (!t || t.opIndex === 0) return undefined;
    const tx = this.txAt(t.ledger, t.txIndex);
    return tx ? storedOp(tx, t.opIndex) : undefined;
  }

  ops(page: PageQuery, filter: OpFilter): StoredOp[] {
    const txn = this.snapshot ?? undefined;
    const cursor = page.cursor !== undefined ? parseToid(page.cursor) : undefined;
    const asc = page.order === "asc";
    const keep = (op: StoredOp) => !filter.paymentsOnly || isPaymentOp(op);
    const after = (op: StoredOp) => {
      if (!cursor) return true;
      const c = compareKeys([op.ledger, op.txIndex, op.opIndex], [cursor.ledger, cursor.txIndex, cursor.opIndex]);
      return asc ? c > 0 : c < 0;
    };
    const out: StoredOp[] = [];
    const take = (tx: StoredTx): boolean => {
      const n = tx.operations.length;
      for (let k = 0; k < n; k++) {
        const op = storedOp(tx, asc ? k + 1 : n - k) as StoredOp;
        if (after(op) && keep(op)) out.push(op);
        if (out.length === page.limit) return true;
      }
      return false;
    };
    if (filter.txHash !== undefined) {
      const tx = this.tx(filter.txHash);
      if (tx) take(tx);
      return out;
    }
    if (filter.claimableBalance !== undefined) {
      const after: [number, number, number] | undefined = cursor ? [cursor.ledger, cursor.txIndex, cursor.opIndex] : undefined;
      for (const row of this.balanceOps.scan(filter.claimableBalance, after, asc, txn)) {
        const tx = this.txAt(row.ledger, row.txIndex);
        const op = tx ? storedOp(tx, row.opIndex) : undefined;
        if (op && keep(op)) out.push(op);
        if (out.length === page.limit) break;
      }
      return out;
    }
    if (filter.account === undefined) {
      const [lo, hi] = ledgerBounds([], filter.ledger);
      // Start at the cursor's own tx (inclusive): some of its operations may still be ahead of the cursor.
      let c: TxKey | undefined;
      if (cursor) c = asc ? [cursor.ledger, cursor.txIndex - 1 + 0.5] : [cursor.ledger, cursor.txIndex + 0.5];
      for (const rec of this.history.scanTxs(lo as [number], hi, c, asc, txn)) {
        if (take(this.storedTx(rec))) break;
      }
      return out;
    }
    const raw = rawAccountOrNull(filter.account);
    if (raw === null) return out;
    const [lo, hi] = accountBounds(raw, filter.ledger);
    const c = cursor ? accountOpKey(raw, cursor.ledger, cursor.txIndex, cursor.opIndex) : undefined;
    for (const row of this.history.scanAccount(lo, hi, c, asc, txn)) {
      if (row.opIndex === 0 || (filter.paymentsOnly && !row.payment)) continue;
      const tx = this.txAt(row.ledger, row.txIndex);
      const op = tx ? storedOp(tx, row.opIndex) : undefined;
      if (op) out.push(op);
      if (out.length === page.limit) break;
    }
    return out;
  }

  offer(id: bigint): OfferEntry | undefined {
    const e = this.getEntry(offerKey(id));
    return e !== undefined && e.type === "offer" ? e : undefined;
  }

  offers(page: PageQuery, filter: OfferFilter): OfferEntry[] {
    const txn = this.snapshot ?? undefined;
    if (filter.seller !== undefined) return offersPage(this.entries, (k) => this.getEntry(k), page, {...filter, seller: filter.seller}, txn);
    const cursor = page.cursor === undefined ? undefined : BigInt(page.cursor);
    const out: OfferEntry[] = [];
    for (const id of this.stateIdx.offerIds(filter, cursor, page.order === "asc", page.limit, txn)) {
      const o = this.offer(id);
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  claimableBalance(idHex: string): ClaimableBalanceEntry | undefined {
    const e = this.getEntry(claimableBalanceKey(idHex));
    return e !== undefined && e.type === "claimable_balance" ? e : undefined;
  }

  /**
   * Through the claimant, sponsor or asset index (state-indexes.ts); filters beyond the first
   * are checked on the entries read.
   */
  claimableBalances(page: {cursor?: ClaimableBalanceCursor; limit: number; order: "asc" | "desc"}, filter: ClaimableBalanceFilter): ClaimableBalanceEntry[] {
    const out: ClaimableBalanceEntry[] = [];
    for (const id of this.stateIdx.balanceIds(filter, page.cursor, page.order === "asc", this.snapshot ?? undefined)) {
      const b = this.claimableBalance(id);
      if (b === undefined) continue;
      if (filter.asset !== undefined && assetKey(b.asset) !== filter.asset) continue;
      if (filter.sponsor !== undefined && b.sponsor !== filter.sponsor) continue;
      if (filter.claimant !== undefined && !b.claimants.some((c) => c.destination === filter.claimant)) continue;
      out.push(b);
      if (out.length === page.limit) break;
    }
    return out;
  }

  claimableBalanceKnown(idHex: string): boolean {
    return this.balanceOps.known(idHex, this.snapshot ?? undefined);
  }

  assetTotals(q: {code?: string; issuer?: string; after?: {code: string; issuer: string}; asc: boolean; limit: number}): AssetTotals[] {
    return this.stateIdx.assetTotals(q, this.snapshot ?? undefined);
  }

  trustLineHolders(asset: AssetKey, page: PageQuery): AccountId[] {
    return this.stateIdx.holders(asset, page.cursor, page.order === "asc", page.limit, this.snapshot ?? undefined);
  }

  allTrustLines(): Iterable<TrustLineEntry> {
    return allTrustLines(this.entries, this.snapshot ?? undefined);
  }

  allClaimableBalances(): Iterable<ClaimableBalanceEntry> {
    return allClaimableBalances(this.entries, this.snapshot ?? undefined);
  }

  /** Trades after (asc) or before (desc) `cursor` through the filter's index, lazily (stop when enough). */
  trades(filter: TradeFilter, cursor: TradeKey | undefined, asc: boolean): Iterable<TradeRow> {
    return this.tradesRepo.scan(filter, cursor, asc, this.snapshot ?? undefined);
  }

  /** The pair's minute buckets (a before b in `assetOrder`) in [fromMs, toMs), in time order or reversed, lazily. */
  tradeBuckets(a: AssetKey, b: AssetKey, fromMs: number, toMs: number, asc: boolean): Iterable<MinuteBucket> {
    return this.bucketsRepo.range(a, b, fromMs, toMs, asc, this.snapshot ?? undefined);
  }

  /** What `diamante db stats` prints, for this open store. */
  stats(): DbStats {
    return collectStats(this.root, this.file);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.prunedUpToDate().catch(() => undefined);
    await this.root.close();
  }
}
