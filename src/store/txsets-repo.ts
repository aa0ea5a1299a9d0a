/**
 * The tx set of every closed ledger. Enough to replay the ledger on another node and to re-derive
 * its header (the header's tx set hash covers the envelopes' hashes, its close time is here):
 * catch-up serves peers from it and history archives publish it. Kept as long as the ledger's
 * transaction history: `--history-retention` prunes both (a pruned ledger's set reads as absent).
 *
 *   txsets      seq → [3, closeTime, baseFeeCharged, tx count] (version 3): the envelopes are those
 *               of the ledger's transactions in the txs table, [seq, 1..count], in apply order;
 *               written when the ledger's history holds exactly the set's envelopes in its order
 *               (every ledger the node closes), so no envelope is stored twice (~230 bytes per payment)
 *               seq → [2, closeTime, baseFeeCharged, part count] (version 2), or
 *               seq → [1, closeTime, baseFeeCharged, envelopes in apply order] (version 1, read only)
 *   txsetParts  seq (u32 BE) ‖ part (u32 BE) → the envelopes in apply order as a stream of
 *               (u32 BE length ‖ TransactionEnvelope XDR), cut into parts of at most PART_BYTES
 *
 * Why parts: a version-1 record held every envelope of the ledger (tens to hundreds of KB), so
 * LMDB stored it on a run of contiguous overflow pages, and finding such a run in a free list of
 * scattered single pages costs the write thread a scan of the whole list per ledger. After
 * creating 1,000,000 accounts (27,000 free pages left by the random inserts) that made the LMDB
 * write thread's CPU per payment 630-680 µs against ~90 µs on the same ledger compacted (accounts
 * bench, per-thread split). Parts fit in a page, and a single free page is always reusable.
 */
import type {Database, RootDatabase, Transaction} from "lmdb";
import {appendPut, fieldsOf} from "./codec.js";
import {StoreError, StoreErrorCode} from "./errors.js";

const VERSIONS = [1, 2, 3] as const;
const VERSION_PARTS = 2;
const VERSION_BY_REFERENCE = 3;

/** Reads the envelope of a ledger's tx from the history (txs table); undefined once pruned. */
export type EnvelopeReader = (ledger: number, txIndex: number, txn?: Transaction) => Buffer | undefined;

/**
 * Bytes of envelope stream per part: with its 8-byte key and LMDB's 8-byte node header a part
 * stays under the largest node a 4 KiB page holds inline (2,038 bytes), past which LMDB moves
 * the value to overflow pages.
 */
export const PART_BYTES = 1980;

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

function partKey(seq: number, part: number): Buffer {
  const k = Buffer.allocUnsafe(8);
  k.writeUInt32BE(seq, 0);
  k.writeUInt32BE(part, 4);
  return k;
}

/** The envelopes as one stream of (u32 length ‖ bytes). */
function envelopeStream(envelopes: Buffer[]): Buffer {
  let total = 0;
  for (const e of envelopes) total += 4 + e.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const e of envelopes) {
    out.writeUInt32BE(e.length, at);
    e.copy(out, at + 4);
    at += 4 + e.length;
  }
  return out;
}

function sameEnvelopes(set: readonly Buffer[], history: ReadonlyArray<{index: number; envelope: Buffer}>): boolean {
  if (set.length !== history.length) return false;
  for (let i = 0; i < set.length; i++) {
    const h = history[i]!;
    if (h.index !== i + 1) return false;
    if (h.envelope !== set[i] && !h.envelope.equals(set[i]!)) return false;
  }
  return true;
}

export class TxSetsRepo {
  readonly db: Database<unknown, number>;
  readonly parts: Database<Buffer, Buffer>;

  constructor(
    root: RootDatabase,
    private readonly envelopeAt: EnvelopeReader,
  ) {
    this.db = root.openDB({name: "txsets"});
    this.parts = root.openDB({name: "txsetParts", keyEncoding: "binary", encoding: "binary"});
  }

  /**
   * Inside the ledger's write batch. `history`: the envelopes of the txs the same batch writes to
   * the history as [seq, 1..n]; when they are the set's envelopes byte for byte and in order, the
   * record refers to them instead of holding a copy.
   */
  write(s: StoredTxSet, history?: ReadonlyArray<{index: number; envelope: Buffer}>): void {
    if (history !== undefined && sameEnvelopes(s.envelopes, history)) {
      appendPut(this.db, s.seq, [VERSION_BY_REFERENCE, s.closeTime, s.baseFeeCharged, s.envelopes.length]);
      return;
    }
    const stream = envelopeStream(s.envelopes);
    const count = Math.ceil(stream.length / PART_BYTES);
    for (let p = 0; p < count; p++) appendPut(this.parts, partKey(s.seq, p), stream.subarray(p * PART_BYTES, (p + 1) * PART_BYTES));
    appendPut(this.db, s.seq, [VERSION_PARTS, s.closeTime, s.baseFeeCharged, count]);
  }

  /**
   * Inside a write batch: deletes the tx sets (and their parts) of ledgers before `keepFrom`, at
   * most `max` of them. Returns how many it deleted.
   */
  prune(keepFrom: number, max: number): number {
    let done = 0;
    for (const {key, value} of this.db.getRange({end: keepFrom, limit: max})) {
      const seq = key as number;
      const {version, fields} = fieldsOf("txsets", value, VERSIONS);
      if (version === VERSION_PARTS) {
        const count = fields[2] as number;
        for (let p = 0; p < count; p++) void this.parts.remove(partKey(seq, p));
      }
      void this.db.remove(seq);
      done++;
    }
    return done;
  }

  /** The oldest ledger whose tx set is kept, if any. */
  oldestLedger(txn?: Transaction): number | undefined {
    for (const key of this.db.getKeys({limit: 1, transaction: txn})) return key as number;
    return undefined;
  }

  get(seq: number, txn?: Transaction): StoredTxSet | undefined {
    const raw = this.db.get(seq, txn ? {transaction: txn} : undefined);
    if (raw === undefined) return undefined;
    const {version, fields} = fieldsOf("txsets", raw, VERSIONS);
    const [closeTime, fee, body] = fields as [unknown, unknown, unknown];
    const malformed = (why: string): StoreError =>
      new StoreError(StoreErrorCode.CORRUPT_RECORD, `tx set record of ledger ${seq} is malformed: ${why}`, {table: "txsets"});
    if (typeof closeTime !== "number" || typeof fee !== "bigint") throw malformed("close time or fee");
    if (version === 1) {
      if (!Array.isArray(body)) throw malformed("no envelope list");
      return {seq, closeTime, baseFeeCharged: fee, envelopes: body.map((e: Uint8Array) => Buffer.from(e))};
    }
    if (typeof body !== "number" || !Number.isSafeInteger(body) || body < 0) throw malformed(version === VERSION_BY_REFERENCE ? "tx count" : "part count");
    if (version === VERSION_BY_REFERENCE) {
      const envelopes: Buffer[] = [];
      for (let i = 1; i <= body; i++) {
        const e = this.envelopeAt(seq, i, txn);
        // The ledger's history was pruned after this read began: the set is gone with it.
        if (e === undefined) return undefined;
        envelopes.push(e);
      }
      return {seq, closeTime, baseFeeCharged: fee, envelopes};
    }
    const chunks: Buffer[] = [];
    for (let p = 0; p < body; p++) {
      const part = this.parts.get(partKey(seq, p), txn ? {transaction: txn} : undefined);
      if (part === undefined) throw malformed(`part ${p} of ${body} is missing`);
      chunks.push(Buffer.from(part));
    }
    const stream = Buffer.concat(chunks);
    const envelopes: Buffer[] = [];
    for (let at = 0; at < stream.length; ) {
      if (at + 4 > stream.length) throw malformed("truncated length");
      const len = stream.readUInt32BE(at);
      if (at + 4 + len > stream.length) throw malformed("truncated envelope");
      envelopes.push(stream.subarray(at + 4, at + 4 + len));
      at += 4 + len;
    }
    return {seq, closeTime, baseFeeCharged: fee, envelopes};
  }
}
