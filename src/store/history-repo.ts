/**
 * Transaction history and its indexes, in four databases:
 *   txs        [ledger, txIndex] → [4, closedAt, feeCharged, successful, resultCodes, envelope, result,
 *              meta]; feeCharged (version 3): big-endian bytes; result null (version 3): the plain success result of the envelope's
 *              operations (records.ts rebuilds it; written only when the rebuild is identical); meta: the plain entry deltas in meta-codec.ts's compact form, the XDR is built
 *              on read (version 4: as bytes; version 3: as nested arrays; version 2: raw-deflated
 *              TransactionMeta ‖ fee LedgerEntryChanges; version 1: no meta);
 *              resultCodes null for a plain success, the codes of nearly every tx (49 bytes saved)
 *              Keys grow with the ledger, so inserts append to the B-tree's last page (no splits
 *              in the middle, pages stay full) and pruning deletes from its first pages.
 *              Envelope and result are XDR bytes; hash, source, memo, signatures and operations are
 *              decoded from the envelope on read, not stored twice.
 *   hashes     kind byte ‖ 32-byte hash → [ledger, txIndex]; kind 0: the tx's own hash, kind 1: the
 *              inner tx hash of a fee-bump (Horizon finds a fee-bump by either).
 *   accountOps raw account id (32) ‖ ledger (u32) ‖ txIndex << 12 | opIndex (u32) → 1|0 (one byte):
 *              an account's operations (1: a payment); opIndex 0: in the tx, in none of its
 *              operations. 40-byte binary keys: a row costs ~50 bytes of page, where the
 *              ordered-binary array key with the G… string it replaces (table "accounts", store
 *              layout 3, migrated on open) cost ~100.
 *   ledgerIdx  [ledger, first txIndex] → [1, tx count, hash-key rows, account rows]: the index
 *              keys a group of consecutive txs wrote, so pruning deletes exactly them without
 *              decoding a single envelope. Groups stay under INDEX_GROUP_BYTES so a record fits
 *              in a page: a record on overflow pages would need a run of contiguous free pages to
 *              be reused, single pages are always reusable.
 */
import type {Database, RootDatabase, Transaction} from "lmdb";
import type {xdr} from "@stellar/stellar-base";
import type {AccountId} from "../ledger/types.js";
import type {ResultCodes} from "../tx/types.js";
import {rawFromAccountId} from "../tx/keys.js";
import {appendPut, fieldsOf} from "./codec.js";
import {inflateRawSync} from "node:zlib";
import type {TxMetaRecord} from "./types.js";
import type {TxMeta} from "../ledger/meta.js";
import {encodeMetaBytes, magnitudeBytes, magnitudeOf} from "./meta-codec.js";
import {StoreError, StoreErrorCode} from "./errors.js";

/** A fee charged as big-endian bytes (3 bytes for 100 stroops, where a msgpack int64 takes 9). */
function feeBytes(fee: bigint): Buffer {
  if (fee < 0n) throw new StoreError(StoreErrorCode.CORRUPT_RECORD, `a tx can not be charged a negative fee (${fee})`, {table: "txs"});
  return magnitudeBytes(fee);
}

const VERSIONS = [1] as const;
/**
 * txs records: version 2 added the meta as deflated XDR, version 3 keeps it as plain deltas,
 * version 4 writes those deltas as bytes (cheaper to build and to pack than version 3's arrays).
 */
const TX_VERSIONS = [1, 2, 3, 4] as const;
const TX_VERSION = 4;
/** Upper bound element for array-key ranges: sorts after every number. */
export const MAX = Infinity;

export const HASH_OWN = 0;
export const HASH_INNER = 1;

/** One transaction as the history keeps it. */
export interface TxRecord {
  ledger: number;
  /** 1-based apply order */
  index: number;
  closedAt: number;
  feeCharged: bigint;
  successful: boolean;
  /** null: tx_success with op_success for every operation (most txs; not stored) */
  resultCodes: ResultCodes | null;
  envelope: Buffer;
  /** TransactionResult XDR; null: the plain success result of the envelope's operations (see records.ts). */
  result: Buffer | null;
  /** Absent in records written before meta was kept. */
  meta?: TxMetaRecord;
}

/** True for {transaction: "tx_success", operations: ["op_success", …]} and nothing else. */
export function isPlainSuccess(codes: ResultCodes): boolean {
  return (
    codes.transaction === "tx_success" &&
    codes.innerTransaction === undefined &&
    codes.operations !== undefined &&
    Object.keys(codes).length === 2 &&
    codes.operations.every((c) => c === "op_success")
  );
}

/** A transaction to commit: its record, its meta as apply captured it and the hashes it is found by. */
export interface CommittedTx extends Omit<TxRecord, "meta" | "result"> {
  result: Buffer;
  /** The result is the plain success result of the envelope's operations: it is not stored. */
  resultImplied?: boolean;
  meta?: TxMeta;
  /** `meta` in the stored form (encodeMetaBytes), when the caller already has it. */
  metaBytes?: Buffer;
  hash: Buffer;
  /** Fee-bumps only */
  innerHash?: Buffer;
  /** The (inner) operation results apply built, when the result has operation bodies (trades read them instead of `result`). */
  opResults?: readonly xdr.OperationResult[];
  /** Each operation's effective source account, from the envelope. */
  opSources?: readonly AccountId[];
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

export type TxKey = [ledger: number, txIndex: number];
/** One row of an account's index as read back. */
export interface AccountRow {
  ledger: number;
  txIndex: number;
  opIndex: number;
  payment: boolean;
}

const ACCOUNT_KEY = 40;
/** Above every opIndex (at most 100 operations): "after every row of this tx". */
export const OP_INDEX_MAX = 0xfff;

/** The accountOps key of one row; `raw` is the account's 32 raw bytes. */
export function accountOpKey(raw: Uint8Array, ledger: number, txIndex: number, opIndex: number): Buffer {
  const k = Buffer.allocUnsafe(ACCOUNT_KEY);
  k.set(raw, 0);
  k.writeUInt32BE(ledger, 32);
  k.writeUInt32BE(txIndex * 4096 + opIndex, 36);
  return k;
}

/** [lo, hi) of an account's rows, all of them or one ledger's. */
export function accountBounds(raw: Uint8Array, ledger: number | undefined): [Buffer, Buffer] {
  if (ledger === undefined) return [accountOpKey(raw, 0, 0, 0), Buffer.concat([raw, Buffer.alloc(8, 0xff)])];
  return [accountOpKey(raw, ledger, 0, 0), accountOpKey(raw, ledger, 0xfffff, OP_INDEX_MAX)];
}

function accountRowOf(key: Buffer, value: unknown): AccountRow {
  const txop = key.readUInt32BE(36);
  return {ledger: key.readUInt32BE(32), txIndex: Math.floor(txop / 4096), opIndex: txop % 4096, payment: value instanceof Uint8Array && value[0] === 1};
}

const PAYMENT_ROW = Buffer.from([1]);
const OTHER_ROW = Buffer.from([0]);

const HASH_ROW = 33;
/**
 * Rows per index group record. LMDB keeps a value on its leaf page up to ~2,000 bytes (half a
 * 4 KB page less headers); two groups of up to 1,980 bytes of rows (plus ~40 of key, node and
 * msgpack headers) fill a page. A group is closed before a tx would take it past the limit, so
 * only a tx with more rows than the limit alone makes a larger record.
 */
const INDEX_GROUP_BYTES = 1980;
/** txIndex u32 ‖ opIndex u16 ‖ raw account id */
const ACCOUNT_ROW = 38;

export function hashKey(kind: number, hash: Buffer): Buffer {
  const k = Buffer.allocUnsafe(HASH_ROW);
  k[0] = kind;
  hash.copy(k, 1);
  return k;
}

function decodeTx(key: TxKey, raw: unknown): TxRecord {
  const {version, fields} = fieldsOf("txs", raw, TX_VERSIONS);
  const [closedAt, fee, successful, resultCodes, envelope, result, meta] = fields as [number, bigint | Uint8Array, boolean, ResultCodes | null, Buffer, Buffer | null, unknown];
  const feeCharged = typeof fee === "bigint" ? fee : magnitudeOf(fee);
  const rec: TxRecord = {ledger: key[0], index: key[1], closedAt, feeCharged, successful, resultCodes, envelope, result};
  if (meta === undefined || meta === null) return rec;
  if (version === 2) {
    // Version 2: result meta length (u32) ‖ result meta ‖ fee meta, in one raw deflate stream.
    const both = inflateRawSync(meta as Buffer);
    const split = both.readUInt32BE(0);
    rec.meta = {resultXdr: both.subarray(4, 4 + split), feeXdr: both.subarray(4 + split)};
  } else if (version >= 3) {
    rec.meta = {encoded: meta};
  }
  return rec;
}

/** The getRange options over [lo, hi) in `asc` or descending order, starting at `cursor` clamped into the range. */
function clampedRange(lo: unknown[], hi: unknown[], cursor: unknown[] | undefined, asc: boolean, txn: Transaction | undefined) {
  return asc
    ? {start: cursor && compareKeys(cursor, lo) > 0 ? cursor : lo, end: hi, transaction: txn}
    : {start: cursor && compareKeys(cursor, hi) < 0 ? cursor : hi, end: lo, reverse: true, transaction: txn};
}

export class HistoryRepo {
  readonly txs: Database<unknown, TxKey>;
  readonly hashes: Database<TxKey, Buffer>;
  readonly accountOps: Database<Buffer, Buffer>;
  readonly ledgerIdx: Database<unknown, [number, number]>;

  constructor(root: RootDatabase) {
    this.txs = root.openDB({name: "txs"});
    this.hashes = root.openDB({name: "hashes", keyEncoding: "binary"});
    this.accountOps = root.openDB({name: "accountOps", keyEncoding: "binary", encoding: "binary"});
    this.ledgerIdx = root.openDB({name: "ledgerIdx"});
  }

  /** Inside a write batch: a ledger's transactions and their index rows. */
  /**
   * Keys of txs and ledgerIdx only grow (the sequence is checked before a commit and txs come in
   * apply order), so they are appended: pages are filled, not split in half.
   */
  write(ledger: number, txs: CommittedTx[], participants: AccountIndexEntry[]): void {
    // Account rows by tx, to group them with their tx's hash rows; each row's group bytes are
    // made here, from the same raw account id as its accountOps key.
    const rowsOf = new Map<number, Buffer[]>();
    for (const p of participants) {
      const raw = rawFromAccountId(p.account);
      void this.accountOps.put(accountOpKey(raw, p.ledger, p.txIndex, p.opIndex), p.payment ? PAYMENT_ROW : OTHER_ROW);
      const row = Buffer.allocUnsafe(ACCOUNT_ROW);
      row.writeUInt32BE(p.txIndex, 0);
      row.writeUInt16BE(p.opIndex, 4);
      row.set(raw, 6);
      const list = rowsOf.get(p.txIndex);
      if (list) list.push(row);
      else rowsOf.set(p.txIndex, [row]);
    }
    let group: {first: number; count: number; hashes: Buffer[]; accounts: Buffer[]; bytes: number} | null = null;
    const flush = () => {
      if (!group) return;
      appendPut(this.ledgerIdx, [ledger, group.first], [1, group.count, Buffer.concat(group.hashes), Buffer.concat(group.accounts)]);
      group = null;
    };
    for (const t of txs) {
      const key: TxKey = [t.ledger, t.index];
      const codes = t.resultCodes === null || isPlainSuccess(t.resultCodes) ? null : t.resultCodes;
      appendPut(this.txs, key, [TX_VERSION, t.closedAt, feeBytes(t.feeCharged), t.successful, codes, t.envelope, t.resultImplied === true ? null : t.result, t.metaBytes ?? (t.meta === undefined ? null : encodeMetaBytes(t.meta))]);
      const own = hashKey(HASH_OWN, t.hash);
      void this.hashes.put(own, key);
      const rows = rowsOf.get(t.index) ?? [];
      const txBytes = HASH_ROW * (t.innerHash ? 2 : 1) + ACCOUNT_ROW * rows.length;
      if (group && (group.bytes + txBytes > INDEX_GROUP_BYTES || group.first + group.count !== t.index)) flush();
      group ??= {first: t.index, count: 0, hashes: [], accounts: [], bytes: 0};
      group.count++;
      group.hashes.push(own);
      group.bytes += HASH_ROW;
      if (t.innerHash) {
        const inner = hashKey(HASH_INNER, t.innerHash);
        void this.hashes.put(inner, key);
        group.hashes.push(inner);
        group.bytes += HASH_ROW;
      }
      for (const row of rows) {
        group.accounts.push(row);
        group.bytes += ACCOUNT_ROW;
      }
    }
    flush();
  }

  /**
   * Inside a write batch: deletes the history of the oldest ledgers before `keepFrom`, index
   * group by index group, stopping after at least `maxTxs` transactions. Returns how many
   * transactions it deleted (0: nothing older is left) and the ledgers they were in.
   */
  prune(keepFrom: number, maxTxs: number): {txs: number; fromLedger: number; toLedger: number} {
    let done = 0;
    let fromLedger = 0;
    let toLedger = 0;
    for (const {key, value} of this.ledgerIdx.getRange({end: [keepFrom]})) {
      const [ledger, first] = key as unknown as [number, number];
      const [count, hashRows, accountRows] = fieldsOf("ledgerIdx", value, VERSIONS).fields as [number, Buffer, Buffer];
      for (let i = 0; i < count; i++) void this.txs.remove([ledger, first + i]);
      for (let off = 0; off < hashRows.length; off += HASH_ROW) void this.hashes.remove(Buffer.from(hashRows.subarray(off, off + HASH_ROW)));
      for (let off = 0; off < accountRows.length; off += ACCOUNT_ROW) {
        void this.accountOps.remove(accountOpKey(accountRows.subarray(off + 6, off + ACCOUNT_ROW), ledger, accountRows.readUInt32BE(off), accountRows.readUInt16BE(off + 4)));
      }
      void this.ledgerIdx.remove(key as unknown as [number, number]);
      if (done === 0) fromLedger = ledger;
      toLedger = ledger;
      done += count;
      if (done >= maxTxs) break;
    }
    return {txs: done, fromLedger, toLedger};
  }

  /** The oldest ledger that still has history, if any. */
  oldestLedger(txn?: Transaction): number | undefined {
    for (const key of this.ledgerIdx.getKeys({limit: 1, transaction: txn})) return (key as unknown as [number, number])[0];
    return undefined;
  }

  /** A tx's envelope XDR alone (no result or meta decoded); undefined when not kept. */
  envelopeAt(ledger: number, txIndex: number, txn?: Transaction): Buffer | undefined {
    const raw = this.txs.get([ledger, txIndex], txn ? {transaction: txn} : undefined);
    if (raw === undefined) return undefined;
    const envelope = fieldsOf("txs", raw, TX_VERSIONS).fields[4];
    if (!(envelope instanceof Uint8Array)) throw new StoreError(StoreErrorCode.CORRUPT_RECORD, `tx ${ledger}/${txIndex} has no envelope`, {table: "txs"});
    return Buffer.isBuffer(envelope) ? envelope : Buffer.from(envelope);
  }

  txAt(ledger: number, txIndex: number, txn?: Transaction): TxRecord | undefined {
    const key: TxKey = [ledger, txIndex];
    const raw = this.txs.get(key, txn ? {transaction: txn} : undefined);
    return raw === undefined ? undefined : decodeTx(key, raw);
  }

  /** By its own hash, else by the inner hash of a fee-bump (the fee-bump is returned). */
  txByHash(hash: Buffer, txn?: Transaction): TxRecord | undefined {
    const opts = txn ? {transaction: txn} : undefined;
    const at = this.hashes.get(hashKey(HASH_OWN, hash), opts) ?? this.hashes.get(hashKey(HASH_INNER, hash), opts);
    return at === undefined ? undefined : this.txAt(at[0], at[1], txn);
  }

  /**
   * Transactions in [lo, hi) of the txs table, strictly after (asc) or before (desc) the
   * (ledger, txIndex) cursor, clamped into the range.
   */
  *scanTxs(lo: TxKey | [number], hi: unknown[], cursor: TxKey | undefined, asc: boolean, txn?: Transaction): Generator<TxRecord> {
    for (const {key, value} of this.txs.getRange(clampedRange(lo, hi, cursor, asc, txn) as never)) {
      const k = key as unknown as TxKey;
      if (cursor && compareKeys(k, cursor) === 0) continue;
      yield decodeTx(k, value);
    }
  }

  /** Rows of an account's index in [lo, hi), in key order, after/before `cursor` (exclusive). */
  *scanAccount(lo: Buffer, hi: Buffer, cursor: Buffer | undefined, asc: boolean, txn?: Transaction): Generator<AccountRow> {
    const range = asc
      ? {start: cursor && Buffer.compare(cursor, lo) > 0 ? cursor : lo, end: hi, transaction: txn}
      : {start: cursor && Buffer.compare(cursor, hi) < 0 ? cursor : hi, end: lo, reverse: true, transaction: txn};
    for (const {key, value} of this.accountOps.getRange(range)) {
      if (cursor && cursor.equals(key)) continue;
      yield accountRowOf(key, value);
    }
  }

  /**
   * Store layout 3 kept the account index as [account, ledger, txIndex, opIndex] → 1|0 under
   * "accounts": its rows are rewritten into accountOps and the old table dropped, in one write
   * transaction. Returns how many rows moved.
   */
  migrateAccountIndex(root: RootDatabase): number {
    const old = root.openDB<number, [string, number, number, number]>({name: "accounts"});
    let moved = 0;
    root.transactionSync(() => {
      for (const {key, value} of old.getRange()) {
        const [account, ledger, txIndex, opIndex] = key;
        void this.accountOps.put(accountOpKey(rawFromAccountId(account), ledger, txIndex, opIndex), value === 1 ? PAYMENT_ROW : OTHER_ROW);
        moved++;
      }
      void old.drop();
    });
    return moved;
  }
}

export function ledgerBounds(prefix: unknown[], ledger: number | undefined): [unknown[], unknown[]] {
  if (ledger === undefined) return [[...prefix, 0], [...prefix, MAX]];
  return [[...prefix, ledger], [...prefix, ledger, MAX]];
}

/** Element-wise order of array keys of numbers and strings, as LMDB's ordered-binary sorts them. */
export function compareKeys(a: readonly unknown[], b: readonly unknown[]): number {
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
