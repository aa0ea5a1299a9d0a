/**
 * Turns a closed ledger (frames + what applying them produced) into the records and index entries
 * the API reads. Runs on the main thread once per ledger, inside the close budget.
 */
import type {AccountId} from "../ledger/types.js";
import type {LedgerCloseResult, TxFrame} from "../tx/interface.js";
import type {Memo} from "../tx/types.js";
import {PAYMENT_TYPES, type LedgerCommit} from "./ledger-store.js";
import {isPlainSuccess, type AccountIndexEntry, type CommittedTx, type TxRecord} from "./history-repo.js";
import type {StoredTx} from "./types.js";
import {toidString} from "./toid.js";
import {feeMetaXdr, transactionMetaXdr, type TxMeta} from "../ledger/meta.js";
import {decodeMeta, encodeMetaBytes} from "./meta-codec.js";
import {StoreError, StoreErrorCode} from "./errors.js";
import {plainSuccessResultXdr} from "../tx/results.js";

export function memoFields(memo: Memo): {memoType: StoredTx["memoType"]; memo?: string; memoBytes?: string} {
  switch (memo.type) {
    case "none":
      return {memoType: "none"};
    case "text":
      // The raw bytes too: a text memo need not be valid UTF-8 (Horizon's memo_bytes).
      return {memoType: "text", memo: Buffer.from(memo.value).toString("utf8"), memoBytes: Buffer.from(memo.value).toString("base64")};
    case "id":
      return {memoType: "id", memo: memo.value.toString()};
    case "hash":
    case "return":
      return {memoType: memo.type, memo: Buffer.from(memo.value).toString("base64")};
  }
}

/**
 * The TransactionResult of a plain success of `frame` (txSUCCESS, each operation's success
 * code and nothing else), or null when the frame is a fee-bump or has an operation whose
 * success carries a body. Most txs' results are exactly this: the history stores them as null
 * (32 bytes less per payment) after checking the rebuild gives the same bytes.
 */
export function plainSuccessResult(feeCharged: bigint, frame: TxFrame): Buffer | null {
  return frame.isFeeBump ? null : plainSuccessResultXdr(feeCharged, frame.operations);
}

/** What the history keeps of an applied tx besides its envelope. */
export type AppliedFields = Omit<TxRecord, "envelope">;

function resultOf(frame: TxFrame, a: AppliedFields): Buffer {
  if (a.result !== null) return a.result;
  const rebuilt = plainSuccessResult(a.feeCharged, frame);
  if (rebuilt === null) {
    throw new StoreError(StoreErrorCode.CORRUPT_RECORD, `tx ${frame.hashHex} has no stored result and none is implied by its operations`, {table: "txs"});
  }
  return rebuilt;
}

/** The API's record of a tx: its decoded envelope plus what applying it produced. */
export function storedTxOf(frame: TxFrame, a: AppliedFields): StoredTx {
  const tb = frame.timeBounds;
  const tx: StoredTx = {
    hash: frame.hashHex,
    ledger: a.ledger,
    index: a.index,
    id: toidString(a.ledger, a.index, 0),
    closedAt: a.closedAt,
    sourceAccount: frame.sourceAccount,
    sourceAccountSequence: frame.seqNum,
    feeAccount: frame.feeSource,
    feeCharged: a.feeCharged,
    maxFee: frame.maxFee,
    operationCount: frame.operations.length,
    envelopeXdr: frame.envelopeXdr.toString("base64"),
    resultXdr: resultOf(frame, a).toString("base64"),
    resultCodes: a.resultCodes ?? {transaction: "tx_success", operations: frame.operations.map(() => "op_success")},
    ...memoFields(frame.memo),
    signatures: (frame.isFeeBump ? frame.feeBumpSignatures : frame.signatures).map((s) =>
      Buffer.from(s.signature).toString("base64"),
    ),
    successful: a.successful,
    operations: frame.operations,
  };
  if (a.meta !== undefined) tx.meta = a.meta;
  if (tb) {
    tx.validAfter = tb.minTime;
    if (tb.maxTime > 0n) tx.validBefore = tb.maxTime;
  }
  if (frame.isFeeBump) {
    tx.feeBump = {
      innerHash: frame.innerHash.toString("hex"),
      innerSignatures: frame.signatures.map((s) => Buffer.from(s.signature).toString("base64")),
    };
  }
  return tx;
}

/** The plain deltas of a tx whose record keeps them (codec version 3 or 4), else undefined. */
export function plainMetaOf(tx: StoredTx): TxMeta | undefined {
  return tx.meta !== undefined && "encoded" in tx.meta ? decodeMeta(tx.meta.encoded) : undefined;
}

/** Horizon's `result_meta_xdr` and `fee_meta_xdr` (base64), empty for a tx recorded without meta. */
export function metaXdrOf(tx: StoredTx): {result: string; fee: string} {
  if (tx.meta === undefined) return {result: "", fee: ""};
  if ("resultXdr" in tx.meta) return {result: tx.meta.resultXdr.toString("base64"), fee: tx.meta.feeXdr.toString("base64")};
  const plain = decodeMeta(tx.meta.encoded);
  return {result: transactionMetaXdr(plain, tx.ledger).toString("base64"), fee: feeMetaXdr(plain, tx.ledger).toString("base64")};
}

/**
 * Each tx's stored meta bytes per close (one entry per ledger, not per tx): made ahead of the
 * commit by prepareMetaBytes or else by ledgerCommit, and reused by the feed's records of the same
 * close, so no meta is encoded twice.
 */
const closeMetaBytes = new WeakMap<LedgerCloseResult, Array<Buffer | undefined>>();

function metaBytesOf(result: LedgerCloseResult): Array<Buffer | undefined> {
  let list = closeMetaBytes.get(result);
  if (list === undefined) {
    list = new Array<Buffer | undefined>(result.applied.length).fill(undefined);
    closeMetaBytes.set(result, list);
  }
  return list;
}

/**
 * Encodes the meta of tx `i` of a close in its stored form ahead of ledgerCommit, which then takes
 * those bytes: a close spreads this over turns of the event loop instead of doing it all in the
 * commit's one turn.
 */
export function prepareMetaBytes(result: LedgerCloseResult, i: number): Buffer | undefined {
  const meta = result.applied[i]?.meta;
  if (meta === undefined) return undefined;
  const list = metaBytesOf(result);
  return (list[i] ??= encodeMetaBytes(meta));
}

/**
 * The API's records of a closed ledger's txs, in apply order, from the close itself: exactly the
 * StoredTx values the store read of that ledger returns once it is committed (same fields, same
 * bytes), without reading the records back and decoding every envelope again. The ledger event
 * feed builds each new ledger's records this way; the store read stays the path for any ledger
 * whose close result is not at hand (restart, catch-up gaps, history pages).
 */
export function storedTxsOfClose(result: LedgerCloseResult): StoredTx[] {
  const {header} = result;
  if (result.frames.length !== result.applied.length) {
    throw new StoreError(StoreErrorCode.CORRUPT_RECORD, `ledger ${header.seq} closed ${result.frames.length} frames but ${result.applied.length} results`, {table: "txs"});
  }
  const metaBytes = closeMetaBytes.get(result);
  const out: StoredTx[] = [];
  for (let i = 0; i < result.frames.length; i++) {
    const frame = result.frames[i]!;
    const applied = result.applied[i]!;
    // As the history keeps it: a plain success's codes are not stored and read back as the default.
    const codes = applied.resultCodes === null || isPlainSuccess(applied.resultCodes) ? null : applied.resultCodes;
    const fields: AppliedFields = {
      ledger: header.seq,
      index: applied.index,
      closedAt: header.closeTime,
      feeCharged: applied.feeCharged,
      successful: applied.successful,
      resultCodes: codes,
      result: applied.resultXdr,
    };
    // The meta in the form the history stores and returns (the compact deltas), so every reader of
    // it sees the same bytes: those ledgerCommit encoded for the history, when it has run.
    if (applied.meta !== undefined) fields.meta = {encoded: metaBytes?.[i] ?? encodeMetaBytes(applied.meta)};
    out.push(storedTxOf(frame, fields));
  }
  return out;
}

/** Builds the store commit for a closed ledger: tx records plus per-account index entries. */
export function ledgerCommit(result: LedgerCloseResult): LedgerCommit {
  const {header} = result;
  const txs: CommittedTx[] = [];
  const participants: AccountIndexEntry[] = [];
  const metaBytes = metaBytesOf(result);
  for (let i = 0; i < result.frames.length; i++) {
    const frame = result.frames[i];
    const applied = result.applied[i];
    const bytes = applied.meta === undefined ? undefined : (metaBytes[i] ??= encodeMetaBytes(applied.meta));
    const tx: CommittedTx = {
      ledger: header.seq,
      index: applied.index,
      closedAt: header.closeTime,
      feeCharged: applied.feeCharged,
      successful: applied.successful,
      resultCodes: applied.resultCodes,
      envelope: frame.envelopeXdr,
      result: applied.resultXdr,
      hash: frame.hash,
    };
    // The close marks the results it wrote as the plain success bytes; others are compared with a rebuild.
    if (applied.successful && (applied.plainResult === true || plainSuccessResult(applied.feeCharged, frame)?.equals(applied.resultXdr) === true)) tx.resultImplied = true;
    if (applied.meta !== undefined) {
      tx.meta = applied.meta;
      tx.metaBytes = bytes;
    }
    if (frame.isFeeBump) tx.innerHash = frame.innerHash;
    if (applied.opResults !== undefined) {
      tx.opResults = applied.opResults;
      tx.opSources = frame.operations.map((op) => op.source ?? frame.sourceAccount);
    }
    txs.push(tx);
    const seen = new Set<AccountId>();
    frame.operations.forEach((op, j) => {
      const source = op.source ?? frame.sourceAccount;
      const payment = PAYMENT_TYPES.has(op.type);
      const accounts = applied.opParticipants[j] ?? [];
      if (!accounts.includes(source)) participants.push({account: source, ledger: header.seq, txIndex: applied.index, opIndex: j + 1, payment});
      for (const a of accounts) participants.push({account: a, ledger: header.seq, txIndex: applied.index, opIndex: j + 1, payment});
      seen.add(source);
      for (const a of accounts) seen.add(a);
    });
    // Accounts in the tx but in none of its operations (a fee-bump's fee source, an op-less source).
    for (const a of [frame.sourceAccount, frame.feeSource]) {
      if (!seen.has(a)) {
        seen.add(a);
        participants.push({account: a, ledger: header.seq, txIndex: applied.index, opIndex: 0, payment: false});
      }
    }
  }
  return {header, changes: result.changes, txs, participants};
}
