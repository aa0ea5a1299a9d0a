/**
 * The node's LMDB store: one environment, one small database per concern, one write transaction
 * per ledger close. Values are msgpackr (bigints and buffers round-trip). Reads are synchronous.
 *
 * Databases and keys (arrays sort element by element, so every index is a range scan):
 *   meta     "network" → NetworkMeta, "lcl" → last closed ledger sequence
 *   entries  EntryKey ("a:G…", "d:G…:name") → LedgerEntry
 *   headers  seq → LedgerHeader
 *   txs      hash → StoredTx (with its operations: operation records are built on read)
 *   idx      ["t", ledger, txIndex] → hash                  all transactions in order
 *            ["a", account, ledger, txIndex, opIndex] → 1|0 an account's operations (1: a payment);
 *                                                           opIndex 0: in the tx, in none of its ops
 *            ["i", innerHash] → fee-bump hash               fee-bumps by their inner tx's hash
 *   pending  hash → envelope bytes: admitted, acknowledged and not yet in a ledger, so a crash
 *            loses no acknowledged transaction (replayed into the queue at start).
 *
 * A payment costs 7 writes per ledger: two accounts, the tx, its "t" and two "a" index entries,
 * and the pending removal. A ledger's writes are issued in one event turn as asynchronous puts:
 * lmdb-js commits everything queued in a turn as one transaction on its write thread, so the
 * B-tree work and the fsync leave the main thread and the ledger is still all-or-nothing.
 */
import {open, type Database, type RootDatabase} from "lmdb";
import {join} from "node:path";
import {mkdirSync} from "node:fs";
import type {AccountEntry, AccountId, DataEntry, EntryKey, LedgerEntry, LedgerHeader, LedgerStateReader} from "../ledger/types.js";
import {accountKey} from "../ledger/types.js";
import type {LedgerReader, OpFilter, PageQuery, StoredOp, StoredTx, TxFilter} from "./types.js";
import {parseToid, toidString} from "./toid.js";
import {StoreError, StoreErrorCode} from "./errors.js";

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

/** One row of the per-account index. */
export interface AccountIndexEntry {
  account: AccountId;
  ledger: number;
  txIndex: number;
  /** 1-based; 0 when the account is in the tx but in none of its operations */
  opIndex: number;
  payment: boolean;
}

export interface LedgerCommit {
  header: LedgerHeader;
  changes: Map<EntryKey, LedgerEntry | null>;
  txs: StoredTx[];
  participants: AccountIndexEntry[];
}

export interface StoreOptions {
  /** Data folder; the LMDB file is `<dir>/ledger.mdb`. */
  dir: string;
  readOnly?: boolean;
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
  };
}

/**
 * Entries kept decoded in memory: an LMDB get plus msgpack decode costs ~7 µs here and admission
 * and apply read each payment's accounts 4-5 times. 100k entries (~60 MB) hold every account an
 * active network touches within minutes; beyond that the oldest are dropped.
 */
const ENTRY_CACHE_MAX = 100_000;

/** Upper bound element for array-key ranges: sorts after every number. */
const MAX = Infinity;

export class LedgerStore implements LedgerReader, LedgerStateReader {
  private readonly root: RootDatabase;
  private readonly metaDb: Database;
  private readonly entries: Database;
  private readonly headersDb: Database<LedgerHeader, number>;
  private readonly txsDb: Database<StoredTx, string>;
  private readonly idx: Database;
  private readonly pendingDb: Database<Buffer, string>;
  private lcl: LedgerHeader | undefined;
  /**
   * Decoded entries of the last closed ledger (null: known absent). Updated when a commit
   * resolves, so readers see one ledger's state until the next is durable. Never mutated by
   * readers: ledger state copies before writing.
   */
  private readonly cache = new Map<EntryKey, LedgerEntry | null>();
  /** Off for read-only opens (workers): they never see commits, so a cache would go stale. */
  private readonly caching: boolean;

  constructor(opts: StoreOptions) {
    if (!opts.readOnly) mkdirSync(opts.dir, {recursive: true});
    this.caching = !opts.readOnly;
    this.root = open({
      path: join(opts.dir, "ledger.mdb"),
      readOnly: opts.readOnly ?? false,
      // Up to 16 GiB of map; LMDB reserves address space, not disk.
      mapSize: 16 * 1024 ** 3,
    });
    this.metaDb = this.root.openDB({name: "meta"});
    this.entries = this.root.openDB({name: "entries"});
    this.headersDb = this.root.openDB({name: "headers"});
    this.txsDb = this.root.openDB({name: "txs"});
    this.idx = this.root.openDB({name: "idx"});
    this.pendingDb = this.root.openDB({name: "pending", encoding: "binary"});
    const seq = this.metaDb.get("lcl") as number | undefined;
    if (seq !== undefined) this.lcl = this.headersDb.get(seq);
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
      for (const e of entries) this.entries.put(keyOf(e), e);
      this.headersDb.put(header.seq, header);
      this.metaDb.put("lcl", header.seq);
    });
    this.lcl = header;
  }

  /**
   * One atomic write per ledger: entries, header, transactions, indexes, and removal of the
   * pending envelopes the ledger settled. Resolves once committed; until then readers, including
   * `latestHeader()`, see the previous ledger, so the caller must not close another ledger or
   * release its submitters before this resolves.
   */
  commitLedger(c: LedgerCommit, settledPending: Iterable<string>): Promise<void> {
    const prev = this.latestHeader();
    if (c.header.seq !== prev.seq + 1) {
      throw new StoreError(StoreErrorCode.BAD_SEQUENCE, "ledger committed out of sequence", {
        expected: prev.seq + 1,
        got: c.header.seq,
      });
    }
    // Every write below is queued in this one event turn, hence one LMDB transaction.
    for (const [key, entry] of c.changes) {
      if (entry === null) void this.entries.remove(key);
      else void this.entries.put(key, entry);
    }
    void this.headersDb.put(c.header.seq, c.header);
    for (const tx of c.txs) {
      void this.txsDb.put(tx.hash, tx);
      void this.idx.put(["t", tx.ledger, tx.index], tx.hash);
      if (tx.feeBump) void this.idx.put(["i", tx.feeBump.innerHash], tx.hash);
    }
    for (const p of c.participants) void this.idx.put(["a", p.account, p.ledger, p.txIndex, p.opIndex], p.payment ? 1 : 0);
    for (const hash of settledPending) void this.pendingDb.remove(hash);
    // Committed is visible; flushed is durable (lmdb-js overlaps the fsync with later work).
    // Submitters are answered only after the flush, so not even power loss loses an answered tx.
    return this.metaDb
      .put("lcl", c.header.seq)
      .then(() => this.root.flushed)
      .then(() => {
        for (const [key, entry] of c.changes) if (this.cache.has(key)) this.cache.set(key, entry);
        this.lcl = c.header;
      });
  }

  /**
   * Records an admitted envelope; resolves once committed (then it may be acknowledged). A
   * committed write survives the process being killed at any instant; waiting for the fsync as
   * well would also cover power loss, but measured ~15% fewer admissions per second here
   * (tuning/README.md), so async acknowledgements stop at the commit. Ledgers, which answer
   * POST /transactions, do wait for the flush.
   */
  async addPending(hashHex: string, envelope: Buffer): Promise<void> {
    await this.pendingDb.put(hashHex, envelope);
  }

  /** Drops a pending envelope that can no longer be applied (e.g. its sequence number was used). */
  async removePending(hashHex: string): Promise<void> {
    await this.pendingDb.remove(hashHex);
  }

  pendingEnvelopes(): Array<{hash: string; envelope: Buffer}> {
    const out: Array<{hash: string; envelope: Buffer}> = [];
    for (const {key, value} of this.pendingDb.getRange()) out.push({hash: key, envelope: value});
    return out;
  }

  // ---- LedgerStateReader

  getEntry(key: EntryKey): LedgerEntry | undefined {
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const e = this.entries.get(key) as LedgerEntry | undefined;
    if (this.caching) this.cacheSet(key, e ?? null);
    return e;
  }

  private cacheSet(key: EntryKey, entry: LedgerEntry | null): void {
    if (this.cache.size >= ENTRY_CACHE_MAX && !this.cache.has(key)) {
      this.cache.delete(this.cache.keys().next().value as EntryKey);
    }
    this.cache.set(key, entry);
  }

  // ---- LedgerReader

  latestHeader(): LedgerHeader {
    if (!this.lcl) throw new StoreError(StoreErrorCode.NOT_INITIALIZED, "data folder has no ledger yet");
    return this.lcl;
  }

  header(seq: number): LedgerHeader | undefined {
    return this.headersDb.get(seq);
  }

  headers(page: PageQuery): LedgerHeader[] {
    let cursorSeq: number | undefined;
    if (page.cursor !== undefined) {
      const t = parseToid(page.cursor);
      cursorSeq = t ? t.ledger : undefined;
    }
    const asc = page.order === "asc";
    const range = asc
      ? {start: cursorSeq === undefined ? 0 : cursorSeq + 1, limit: page.limit}
      : {start: cursorSeq === undefined ? Number.MAX_SAFE_INTEGER : cursorSeq - 1, reverse: true, limit: page.limit};
    return [...this.headersDb.getRange(range).map(({value}) => value)];
  }

  account(id: AccountId): AccountEntry | undefined {
    const e = this.getEntry(accountKey(id));
    return e && e.type === "account" ? e : undefined;
  }

  dataEntries(id: AccountId): DataEntry[] {
    const prefix = "d:" + id + ":";
    const out: DataEntry[] = [];
    for (const {key, value} of this.entries.getRange({start: prefix})) {
      if (typeof key !== "string" || !key.startsWith(prefix)) break;
      out.push(value as DataEntry);
    }
    return out;
  }

  /** By hash, or by the inner hash of a fee-bump (the fee-bump is returned, as Horizon does). */
  tx(hash: string): StoredTx | undefined {
    const tx = this.txsDb.get(hash) as StoredTx | undefined;
    if (tx !== undefined) return tx;
    const outer = this.idx.get(["i", hash]) as string | undefined;
    return outer === undefined ? undefined : this.txsDb.get(outer);
  }

  private txAt(ledger: number, txIndex: number): StoredTx | undefined {
    const hash = this.idx.get(["t", ledger, txIndex]) as string | undefined;
    return hash === undefined ? undefined : this.txsDb.get(hash);
  }

  txs(page: PageQuery, filter: TxFilter): StoredTx[] {
    const cursor = page.cursor !== undefined ? parseToid(page.cursor) : undefined;
    const asc = page.order === "asc";
    const out: StoredTx[] = [];
    if (filter.account === undefined) {
      const [lo, hi] = ledgerBounds(["t"], filter.ledger);
      const res = this.scan(lo, hi, cursor ? ["t", cursor.ledger, cursor.txIndex] : undefined, page);
      for (const hash of res.values) {
        const tx = this.txsDb.get(hash as string);
        if (tx) out.push(tx);
      }
      return out;
    }
    // An account's txs are the distinct (ledger, txIndex) of its rows in the "a" index.
    const prefix = ["a", filter.account];
    const [lo, hi] = ledgerBounds(prefix, filter.ledger);
    let start: unknown[] = asc ? lo : hi;
    if (cursor) {
      const c = asc ? [...prefix, cursor.ledger, cursor.txIndex, MAX] : [...prefix, cursor.ledger, cursor.txIndex, -1];
      if (asc ? compareKeys(c, lo) > 0 : compareKeys(c, hi) < 0) start = c;
    }
    let last = "";
    for (const {key} of this.idx.getRange({start, end: asc ? hi : lo, reverse: !asc} as never)) {
      const k = key as unknown as [string, string, number, number, number];
      const id = k[2] + ":" + k[3];
      if (id === last) continue;
      last = id;
      const tx = this.txAt(k[2], k[3]);
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
    if (filter.account === undefined) {
      const [lo, hi] = ledgerBounds(["t"], filter.ledger);
      let start: unknown[] = asc ? lo : hi;
      if (cursor) {
        // Start at the cursor's own tx: some of its operations may still be ahead of the cursor.
        const c = asc ? ["t", cursor.ledger, cursor.txIndex] : ["t", cursor.ledger, cursor.txIndex, MAX];
        if (asc ? compareKeys(c, lo) > 0 : compareKeys(c, hi) < 0) start = c;
      }
      for (const {value} of this.idx.getRange({start, end: asc ? hi : lo, reverse: !asc} as never)) {
        const tx = this.txsDb.get(value as string);
        if (tx && take(tx)) break;
      }
      return out;
    }
    const prefix = ["a", filter.account];
    const [lo, hi] = ledgerBounds(prefix, filter.ledger);
    const res = this.scanFiltered(lo, hi, cursor ? [...prefix, cursor.ledger, cursor.txIndex, cursor.opIndex] : undefined, page, (k, v) => {
      const key = k as [string, string, number, number, number];
      return key[4] !== 0 && (!filter.paymentsOnly || v === 1);
    });
    for (const k of res.keys) {
      const key = k as [string, string, number, number, number];
      const tx = this.txAt(key[2], key[3]);
      const op = tx ? storedOp(tx, key[4]) : undefined;
      if (op) out.push(op);
    }
    return out;
  }

  close(): Promise<void> {
    return this.root.close();
  }

  // ---- helpers

  private scan(lo: unknown[], hi: unknown[], cursor: unknown[] | undefined, page: PageQuery): {keys: unknown[][]; values: unknown[]} {
    return this.scanFiltered(lo, hi, cursor, page, () => true);
  }

  /**
   * A page of [lo, hi) of the index in key order, strictly after (asc) or before (desc) `cursor`,
   * keeping rows that pass `keep`. The cursor is clamped into the range, so a token from another
   * listing cannot escape the prefix.
   */
  private scanFiltered(
    lo: unknown[],
    hi: unknown[],
    cursor: unknown[] | undefined,
    page: PageQuery,
    keep: (key: unknown[], value: unknown) => boolean,
  ): {keys: unknown[][]; values: unknown[]} {
    const keys: unknown[][] = [];
    const values: unknown[] = [];
    const asc = page.order === "asc";
    const range = asc
      ? {start: cursor && compareKeys(cursor, lo) > 0 ? cursor : lo, end: hi}
      : {start: cursor && compareKeys(cursor, hi) < 0 ? cursor : hi, end: lo, reverse: true};
    for (const {key, value} of this.idx.getRange(range as never)) {
      const k = key as unknown as unknown[];
      if (cursor && compareKeys(k, cursor) === 0) continue;
      if (!keep(k, value)) continue;
      keys.push(k);
      values.push(value);
      if (keys.length === page.limit) break;
    }
    return {keys, values};
  }
}

function ledgerBounds(prefix: unknown[], ledger: number | undefined): [unknown[], unknown[]] {
  if (ledger === undefined) return [[...prefix], [...prefix, MAX]];
  return [[...prefix, ledger], [...prefix, ledger, MAX]];
}

/** Element-wise order of array keys of numbers and strings, as LMDB's ordered-binary sorts them. */
function compareKeys(a: unknown[], b: unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x < y ? -1 : 1;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}
