/**
 * The node's LMDB store: one environment, one small database per concern, one write transaction
 * per ledger close. Values are msgpackr (bigints and buffers round-trip). Reads are synchronous.
 *
 * Databases and keys (arrays sort element by element, so every index is a range scan):
 *   meta     "network" → NetworkMeta, "lcl" → last closed ledger sequence
 *   entries  EntryKey ("a:G…", "d:G…:name") → LedgerEntry
 *   headers  seq → LedgerHeader
 *   txs      hash → StoredTx
 *   ops      [ledger, txIndex, opIndex] → StoredOp
 *   idx      ["t", ledger, txIndex] → hash             all transactions in order
 *            ["at", account, ledger, txIndex] → hash   an account's transactions
 *            ["ao", account, ledger, txIndex, opIndex]  an account's operations
 *            ["p", ledger, txIndex, opIndex]            payments
 *            ["ap", account, ledger, txIndex, opIndex]  an account's payments
 *   pending  hash → envelope bytes: admitted, acknowledged and not yet in a ledger, so a crash
 *            loses no acknowledged transaction (replayed into the queue at start).
 */
import {open, type Database, type RootDatabase} from "lmdb";
import {join} from "node:path";
import {mkdirSync} from "node:fs";
import type {AccountEntry, AccountId, DataEntry, EntryKey, LedgerEntry, LedgerHeader, LedgerStateReader} from "../ledger/types.js";
import {accountKey} from "../ledger/types.js";
import type {LedgerReader, OpFilter, PageQuery, StoredOp, StoredTx, TxFilter} from "./types.js";
import {parseToid} from "./toid.js";
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

export interface LedgerCommit {
  header: LedgerHeader;
  changes: Map<EntryKey, LedgerEntry | null>;
  txs: StoredTx[];
  ops: StoredOp[];
  /** account → [ledger, txIndex] pairs to index under "at" */
  txParticipants: Array<[AccountId, StoredTx]>;
  opParticipants: Array<[AccountId, StoredOp]>;
}

export interface StoreOptions {
  /** Data folder; the LMDB file is `<dir>/ledger.mdb`. */
  dir: string;
  readOnly?: boolean;
}

const PAYMENT_TYPES = new Set([
  "create_account",
  "payment",
  "path_payment_strict_receive",
  "path_payment_strict_send",
  "account_merge",
]);

export function isPaymentOp(op: StoredOp): boolean {
  return PAYMENT_TYPES.has(op.op.type);
}

/** Upper bound element for array-key ranges: sorts after every number. */
const MAX = Infinity;

export class LedgerStore implements LedgerReader, LedgerStateReader {
  private readonly root: RootDatabase;
  private readonly metaDb: Database;
  private readonly entries: Database;
  private readonly headersDb: Database<LedgerHeader, number>;
  private readonly txsDb: Database<StoredTx, string>;
  private readonly opsDb: Database<StoredOp, number[]>;
  private readonly idx: Database;
  private readonly pendingDb: Database<Buffer, string>;
  private lcl: LedgerHeader | undefined;

  constructor(opts: StoreOptions) {
    if (!opts.readOnly) mkdirSync(opts.dir, {recursive: true});
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
    this.opsDb = this.root.openDB({name: "ops"});
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
   * One atomic write per ledger: entries, header, transactions, operations, indexes, and removal of
   * the pending envelopes the ledger settled. Synchronous: when it returns, the ledger is durable.
   */
  commitLedger(c: LedgerCommit, settledPending: Iterable<string>): void {
    const prev = this.latestHeader();
    if (c.header.seq !== prev.seq + 1) {
      throw new StoreError(StoreErrorCode.BAD_SEQUENCE, "ledger committed out of sequence", {
        expected: prev.seq + 1,
        got: c.header.seq,
      });
    }
    this.root.transactionSync(() => {
      for (const [key, entry] of c.changes) {
        if (entry === null) this.entries.remove(key);
        else this.entries.put(key, entry);
      }
      this.headersDb.put(c.header.seq, c.header);
      for (const tx of c.txs) {
        this.txsDb.put(tx.hash, tx);
        this.idx.put(["t", tx.ledger, tx.index], tx.hash);
      }
      for (const op of c.ops) {
        this.opsDb.put([op.ledger, op.txIndex, op.opIndex], op);
        if (isPaymentOp(op)) this.idx.put(["p", op.ledger, op.txIndex, op.opIndex], null);
      }
      for (const [account, tx] of c.txParticipants) this.idx.put(["at", account, tx.ledger, tx.index], tx.hash);
      for (const [account, op] of c.opParticipants) {
        this.idx.put(["ao", account, op.ledger, op.txIndex, op.opIndex], null);
        if (isPaymentOp(op)) this.idx.put(["ap", account, op.ledger, op.txIndex, op.opIndex], null);
      }
      for (const hash of settledPending) this.pendingDb.remove(hash);
      this.metaDb.put("lcl", c.header.seq);
    });
    this.lcl = c.header;
  }

  /** Records an admitted envelope; resolves once it is on disk (then it may be acknowledged). */
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
    return this.entries.get(key) as LedgerEntry | undefined;
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

  tx(hash: string): StoredTx | undefined {
    return this.txsDb.get(hash);
  }

  txs(page: PageQuery, filter: TxFilter): StoredTx[] {
    let prefix: unknown[];
    if (filter.account !== undefined) prefix = ["at", filter.account];
    else prefix = ["t"];
    const cursor = page.cursor !== undefined ? parseToid(page.cursor) : undefined;
    let lo: unknown[] = [...prefix];
    let hi: unknown[] = [...prefix, MAX];
    if (filter.ledger !== undefined) {
      lo = [...prefix, filter.ledger];
      hi = [...prefix, filter.ledger, MAX];
    }
    const keys = this.scan(lo, hi, cursor ? [...prefix, cursor.ledger, cursor.txIndex] : undefined, page);
    const out: StoredTx[] = [];
    for (const hash of keys.values) {
      const tx = this.txsDb.get(hash as string);
      if (tx) out.push(tx);
    }
    return out;
  }

  op(id: string): StoredOp | undefined {
    const t = parseToid(id);
    if (!t) return undefined;
    return this.opsDb.get([t.ledger, t.txIndex, t.opIndex]);
  }

  ops(page: PageQuery, filter: OpFilter): StoredOp[] {
    const cursor = page.cursor !== undefined ? parseToid(page.cursor) : undefined;
    const cur = cursor ? [cursor.ledger, cursor.txIndex, cursor.opIndex] : undefined;
    if (filter.txHash !== undefined) {
      const tx = this.tx(filter.txHash);
      if (!tx) return [];
      const res = this.scanDb(this.opsDb as Database, [tx.ledger, tx.index], [tx.ledger, tx.index, MAX], cur, page);
      return this.onlyPayments(res.values as StoredOp[], filter);
    }
    if (filter.account === undefined) {
      if (filter.paymentsOnly) {
        const prefix = ["p"];
        const [lo, hi] = this.ledgerBounds(prefix, filter.ledger);
        const res = this.scan(lo, hi, cur ? [...prefix, ...cur] : undefined, page);
        return this.opsAt(res.keys, prefix.length);
      }
      const [lo, hi] = this.ledgerBounds([], filter.ledger);
      return this.scanDb(this.opsDb as Database, lo, hi, cur, page).values as StoredOp[];
    }
    const prefix = [filter.paymentsOnly ? "ap" : "ao", filter.account];
    const [lo, hi] = this.ledgerBounds(prefix, filter.ledger);
    const res = this.scan(lo, hi, cur ? [...prefix, ...cur] : undefined, page);
    return this.opsAt(res.keys, prefix.length);
  }

  close(): Promise<void> {
    return this.root.close();
  }

  // ---- helpers

  private onlyPayments(ops: StoredOp[], filter: OpFilter): StoredOp[] {
    return filter.paymentsOnly ? ops.filter(isPaymentOp) : ops;
  }

  private ledgerBounds(prefix: unknown[], ledger: number | undefined): [unknown[], unknown[]] {
    if (ledger === undefined) return [[...prefix], [...prefix, MAX]];
    return [[...prefix, ledger], [...prefix, ledger, MAX]];
  }

  private opsAt(keys: unknown[][], skip: number): StoredOp[] {
    const out: StoredOp[] = [];
    for (const k of keys) {
      const op = this.opsDb.get(k.slice(skip) as number[]);
      if (op) out.push(op);
    }
    return out;
  }

  private scan(lo: unknown[], hi: unknown[], cursor: unknown[] | undefined, page: PageQuery): {keys: unknown[][]; values: unknown[]} {
    return this.scanDb(this.idx, lo, hi, cursor, page);
  }

  /**
   * A page of [lo, hi) in key order, strictly after (asc) or before (desc) `cursor`. The cursor is
   * clamped into the range so a token from another listing cannot escape the prefix.
   */
  private scanDb(db: Database, lo: unknown[], hi: unknown[], cursor: unknown[] | undefined, page: PageQuery): {keys: unknown[][]; values: unknown[]} {
    const keys: unknown[][] = [];
    const values: unknown[] = [];
    const asc = page.order === "asc";
    const range = asc
      ? {start: cursor && compareKeys(cursor, lo) > 0 ? cursor : lo, end: hi, limit: page.limit + 1}
      : {start: cursor && compareKeys(cursor, hi) < 0 ? cursor : hi, end: lo, reverse: true, limit: page.limit + 1};
    for (const {key, value} of db.getRange(range as never)) {
      const k = key as unknown as unknown[];
      if (cursor && compareKeys(k, cursor) === 0) continue;
      keys.push(k);
      values.push(value);
      if (keys.length === page.limit) break;
    }
    return {keys, values};
  }
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
