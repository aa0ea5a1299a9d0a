/**
 * Transaction validation shared by admission (check.ts) and apply (ledger/close.ts), following
 * stellar-core's commonValid stages:
 *   Invalid            — no effect beyond the fee: unsupported, no ops, time bounds, fee, no source, bad seq
 *   InvalidUpdateSeq   — seqNum is consumed: tx source lacks the low threshold (tx_bad_auth)
 *   InvalidPostAuth    — seqNum consumed, one-time signers removed: insufficient balance
 *   MaybeValid         — go on to operation signatures and the operations
 */
import {StrKey} from "@stellar/stellar-base";
import type {LedgerTxn} from "../ledger/state.js";
import {layerDeltas, type EntryDelta, type TxMeta} from "../ledger/meta.js";
import type {AccountEntry, AccountId, LedgerStateReader} from "../ledger/types.js";
import {accountKey} from "../ledger/types.js";
import type {TxFrame, V2Preconditions} from "./interface.js";
import {decodeSignerKey} from "./keys.js";
import type {Operation} from "./types.js";
import {SignatureChecker} from "./auth.js";
import {TxCode, opBadAuth, opNoSourceAccount, isOpSuccess, type OpResult, type TxOutcome} from "./results.js";
import {applyOperation, checkOperation, defaultOpResult, operationThreshold} from "./ops/index.js";
import {availableBalance, INT64_MAX} from "./ops/context.js";

export enum Validity {
  Invalid = 0,
  InvalidUpdateSeq = 1,
  InvalidPostAuth = 2,
  MaybeValid = 3,
}

/** The ledger a tx is checked against or applied in. */
export interface TxEnv {
  /** Sequence of the ledger being closed (last closed + 1 at admission). */
  ledgerSeq: number;
  closeTime: number;
  /** min_seq_age is judged at this time instead of closeTime (admission: the last closed ledger's). */
  minSeqAgeCloseTime?: number;
  baseFee: number;
  baseReserve: bigint;
}

export interface CommonValidOptions {
  applying: boolean;
  /** Check the fee bid against baseFee × ops (regular txs; never a fee-bump's inner tx). */
  checkFee: boolean;
  queuedAhead: number;
  /**
   * The sequence number the tx must follow when txs are queued ahead of it (the last of them);
   * overrides queuedAhead, which only counts txs and is wrong once min_seq_num leaves gaps.
   */
  followsSeq?: bigint;
  /** Fee the source must be able to pay from its available balance (0 at apply: fee charged), else null. */
  feeToPay: bigint | null;
}

function getAccount(reader: LedgerStateReader, id: AccountId): AccountEntry | undefined {
  const e = reader.getEntry(accountKey(id));
  return e !== undefined && e.type === "account" ? e : undefined;
}

/**
 * Minimum fee (stellar-core's min inclusion fee): baseFee × max(1, ops), where a fee-bump counts
 * its inner tx's operations plus one; a fee-bump of a 0-operation tx therefore needs baseFee × 1.
 */
export function minFee(frame: TxFrame, baseFee: number): bigint {
  const ops = Math.max(1, frame.operations.length + (frame.isFeeBump ? 1 : 0));
  return BigInt(baseFee) * BigInt(ops);
}

/** Fee actually charged for a ledger whose base fee is `baseFee`: the bid, capped at base × ops. */
export function feeToCharge(frame: TxFrame, baseFee: bigint): bigint {
  const ops = Math.max(1, frame.operations.length + (frame.isFeeBump ? 1 : 0));
  const full = baseFee * BigInt(ops);
  return frame.maxFee < full ? frame.maxFee : full;
}

/**
 * stellar-core's isBadSeq. `current` is the sequence number the tx must follow (the account's,
 * advanced past the txs queued ahead). A sequence number equal to the starting sequence of an
 * account created in this ledger (ledgerSeq << 32) is never valid, so a tx can not be replayed
 * against an account that was merged and created again.
 */
export function isBadSeq(frame: TxFrame, env: TxEnv, current: bigint): boolean {
  if (frame.seqNum === BigInt(env.ledgerSeq) << 32n) return true;
  if (current === INT64_MAX) return true;
  // min_seq_num (CAP-21) relaxes the rule to: minSeqNum ≤ current < seqNum.
  const minSeqNum = frame.preconditions?.minSeqNum ?? null;
  if (minSeqNum !== null) return current < minSeqNum || current >= frame.seqNum;
  return current + 1n !== frame.seqNum;
}

/**
 * stellar-core's isTooEarlyForAccount (CAP-21): min_seq_age seconds and min_seq_ledger_gap ledgers
 * must have passed since the source account's sequence number last changed.
 */
function isTooEarlyForAccount(pre: V2Preconditions, source: AccountEntry, env: TxEnv): boolean {
  const closeTime = BigInt(env.minSeqAgeCloseTime ?? env.closeTime);
  if (pre.minSeqAge > closeTime || closeTime - pre.minSeqAge < source.seqTime) return true;
  return pre.minSeqLedgerGap > env.ledgerSeq || env.ledgerSeq - pre.minSeqLedgerGap < source.seqLedger;
}

/** As stellar-core: no duplicate extra signer, and no signed-payload signer with an empty payload. */
function extraSignersWellFormed(keys: string[]): boolean {
  if (keys.length === 2 && keys[0] === keys[1]) return false;
  for (const k of keys) {
    const d = decodeSignerKey(k);
    if (d === null) return false;
    if (d.kind === "signed_payload" && (d.raw.length < 36 || d.raw.readUInt32BE(32) === 0)) return false;
  }
  return true;
}

function invalid(code: TxCode): {validity: Validity; code: TxCode} {
  return {validity: Validity.Invalid, code};
}

/** The one success answer of commonValid (never mutated by its callers). */
const MAYBE_VALID: {validity: Validity; code: TxCode} = Object.freeze({validity: Validity.MaybeValid, code: TxCode.Success});

export function commonValid(
  frame: TxFrame,
  reader: LedgerStateReader,
  env: TxEnv,
  checker: SignatureChecker,
  opts: CommonValidOptions,
): {validity: Validity; code: TxCode} {
  if (frame.notSupported !== undefined) return invalid(TxCode.NotSupported);
  if (frame.operations.length === 0) return invalid(TxCode.MissingOperation);
  const pre = frame.preconditions;
  if (pre !== undefined && !extraSignersWellFormed(pre.extraSigners)) return invalid(TxCode.Malformed);
  const tb = frame.timeBounds;
  const lb = pre?.ledgerBounds ?? null;
  const t = BigInt(env.closeTime);
  // stellar-core's isTooEarly / isTooLate: time bounds at the close time, ledger bounds at the
  // sequence of the ledger being closed (maxLedger is exclusive).
  if ((tb !== null && tb.minTime !== 0n && t < tb.minTime) || (lb !== null && lb.minLedger > env.ledgerSeq)) {
    return invalid(TxCode.TooEarly);
  }
  if ((tb !== null && tb.maxTime !== 0n && t > tb.maxTime) || (lb !== null && lb.maxLedger !== 0 && lb.maxLedger <= env.ledgerSeq)) {
    return invalid(TxCode.TooLate);
  }
  if (opts.checkFee && (frame.innerMaxFee ?? frame.maxFee) < BigInt(env.baseFee) * BigInt(frame.operations.length)) {
    return invalid(TxCode.InsufficientFee);
  }
  const source = getAccount(reader, frame.sourceAccount);
  if (source === undefined) return invalid(TxCode.NoAccount);
  if (isBadSeq(frame, env, opts.followsSeq ?? source.seqNum + BigInt(opts.queuedAhead))) return invalid(TxCode.BadSeq);
  if (pre !== undefined && isTooEarlyForAccount(pre, source, env)) return invalid(TxCode.BadMinSeqAgeOrGap);
  if (!checker.checkAccount(source, "low")) return {validity: Validity.InvalidUpdateSeq, code: TxCode.BadAuth};
  // Every extra signer (weight 1 each) must have signed.
  if (pre !== undefined && pre.extraSigners.length > 0) {
    const extra = pre.extraSigners.map((key) => ({key, weight: 1}));
    if (!checker.checkSigners(extra, extra.length)) return {validity: Validity.InvalidUpdateSeq, code: TxCode.BadAuth};
  }
  if (opts.feeToPay !== null && availableBalance(source, env.baseReserve) < opts.feeToPay) {
    return {validity: Validity.InvalidPostAuth, code: TxCode.InsufficientBalance};
  }
  return MAYBE_VALID;
}

function effectiveSource(frame: TxFrame, op: Operation): AccountId {
  return op.source ?? frame.sourceAccount;
}

/**
 * Signature check of one operation's source (stellar-core's OperationFrame::checkSignature with
 * forApply = false): an explicit source that does not exist must at least have signed with its
 * master key. Null when authorized.
 */
export function checkOperationSignature(frame: TxFrame, op: Operation, reader: LedgerStateReader, checker: SignatureChecker): OpResult | null {
  const id = effectiveSource(frame, op);
  const acc = getAccount(reader, id);
  if (acc !== undefined) return checker.checkAccount(acc, operationThreshold(op)) ? null : opBadAuth();
  if (op.source === null) return opNoSourceAccount();
  return checker.checkNoAccount(id) ? null : opBadAuth();
}

/** Every account that had to authorize the inner tx: its source and each op source. */
function sourceAccounts(frame: TxFrame): AccountId[] {
  // Most txs name no operation source: no set to build.
  if (frame.operations.every((op) => op.source === null)) return [frame.sourceAccount];
  const ids = new Set<AccountId>([frame.sourceAccount]);
  for (const op of frame.operations) if (op.source !== null) ids.add(op.source);
  return [...ids];
}

/** Pre-auth signers are one-time: Stellar removes the one matching this tx from every source account. */
function removeOneTimeSigner(ltx: LedgerTxn, accounts: AccountId[], txHash: Buffer): void {
  // Encoding the T… key costs a few µs: only do it when some source has a pre-auth signer at all.
  let key: string | null = null;
  for (const id of accounts) {
    const view = ltx.getAccount(id);
    if (view === undefined || !view.signers.some((s) => s.key.charCodeAt(0) === 0x54 /* "T" */)) continue;
    key ??= StrKey.encodePreAuthTx(txHash);
    const k = key;
    if (!view.signers.some((s) => s.key === k)) continue;
    const acc = ltx.loadAccount(id)!;
    acc.signers = acc.signers.filter((s) => s.key !== k);
    acc.numSubEntries -= 1;
  }
}

/** Accounts each operation touches (source first), for the API's per-account indexes. */
export function opParticipants(frame: TxFrame): AccountId[][] {
  const out: AccountId[][] = [];
  for (const op of frame.operations) {
    const list = [effectiveSource(frame, op)];
    switch (op.type) {
      case "create_account":
      case "payment":
      case "account_merge":
      case "path_payment_strict_receive":
      case "path_payment_strict_send":
        addParticipant(list, op.destination);
        break;
      case "allow_trust":
      case "set_trust_line_flags":
        addParticipant(list, op.trustor);
        break;
      case "clawback":
        addParticipant(list, op.from);
        break;
      case "create_claimable_balance":
        for (const c of op.claimants) addParticipant(list, c.destination);
        break;
      default:
        break;
    }
    out.push(list);
  }
  return out;
}

function addParticipant(list: AccountId[], id: AccountId): void {
  if (!list.includes(id)) list.push(id);
}

export interface ApplyOutcome {
  outcome: TxOutcome;
  success: boolean;
  /** What the tx changed before its operations, and what each operation changed (none if it failed). */
  meta: Pick<TxMeta, "before" | "operations">;
}

/**
 * Applies one (inner) transaction whose fee was already charged: re-validates against the current
 * state, consumes the seqNum from stage InvalidUpdateSeq on, then applies every operation in its
 * own layer (later operations still run after a failure so each reports its code, as stellar-core
 * does); any failure rolls back all operations of the tx.
 */
export function applyTransaction(frame: TxFrame, ltx: LedgerTxn, env: TxEnv): ApplyOutcome {
  const txLtx = ltx.child();
  if (frame.isFeeBump) removeOneTimeSigner(txLtx, [frame.feeSource], frame.hash);
  const checker = new SignatureChecker(frame.signatures, frame.verified, frame.innerHash, frame.triedKeys);
  // The fee is already charged: as stellar-core, the source must still hold its reserve (feeToPay
  // 0), unless a fee-bump paid for it.
  const cv = commonValid(frame, txLtx, env, checker, {
    applying: true,
    checkFee: !frame.isFeeBump,
    queuedAhead: 0,
    feeToPay: frame.isFeeBump ? null : 0n,
  });
  if (cv.validity >= Validity.InvalidUpdateSeq) {
    const src = txLtx.loadAccount(frame.sourceAccount)!;
    src.seqNum = frame.seqNum;
    src.seqLedger = env.ledgerSeq;
    src.seqTime = BigInt(env.closeTime);
  }
  let failure: TxOutcome | null = cv.validity === Validity.MaybeValid ? null : {code: cv.code, ops: null};
  if (cv.validity >= Validity.InvalidPostAuth) {
    if (failure === null) {
      const results = frame.operations.map((op) => checkOperationSignature(frame, op, txLtx, checker));
      if (results.some((r) => r !== null)) {
        failure = {code: TxCode.Failed, ops: results.map((r, i) => r ?? defaultOpResult(frame.operations[i]!))};
      } else if (!checker.allUsed()) {
        failure = {code: TxCode.BadAuthExtra, ops: null};
      }
    }
    removeOneTimeSigner(txLtx, sourceAccounts(frame), frame.innerHash);
  }
  const before = layerDeltas(txLtx, ltx);
  txLtx.commit();
  if (failure !== null) return {outcome: failure, success: false, meta: {before, operations: []}};

  const opsLtx = ltx.child();
  const results: OpResult[] = [];
  const opDeltas: EntryDelta[][] = [];
  let success = true;
  const closeTime = BigInt(env.closeTime);
  for (let opIndex = 0; opIndex < frame.operations.length; opIndex++) {
    const op = frame.operations[opIndex]!;
    const source = effectiveSource(frame, op);
    const opLtx = opsLtx.child();
    let res: OpResult;
    if (opLtx.getEntry(accountKey(source)) === undefined) res = opNoSourceAccount();
    else {
      res = applyOperation(op, {
        ltx: opLtx,
        source,
        ledgerSeq: env.ledgerSeq,
        closeTime,
        baseReserve: env.baseReserve,
        txSource: frame.sourceAccount,
        txSeqNum: frame.seqNum,
        opIndex,
      });
    }
    if (isOpSuccess(res)) {
      opDeltas.push(layerDeltas(opLtx, opsLtx));
      opLtx.commit();
    } else {
      opLtx.rollback();
      success = false;
    }
    results.push(res);
  }
  if (success) opsLtx.commit();
  else opsLtx.rollback();
  // As stellar-core: a failed transaction's operations changed nothing, so it has no operation meta.
  return {outcome: {code: success ? TxCode.Success : TxCode.Failed, ops: results}, success, meta: {before, operations: success ? opDeltas : []}};
}

/**
 * Admission checks of the inner tx (stellar-core's checkValid): common checks, then each
 * operation's signature and stateless validity, stopping at the first failing operation, then
 * unused signatures.
 */
export function checkInner(frame: TxFrame, reader: LedgerStateReader, env: TxEnv, opts: CommonValidOptions): TxOutcome {
  const checker = new SignatureChecker(frame.signatures, frame.verified, frame.innerHash, frame.triedKeys);
  const cv = commonValid(frame, reader, env, checker, opts);
  if (cv.validity !== Validity.MaybeValid) return {code: cv.code, ops: null};
  const ops = frame.operations;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const bad = checkOperationSignature(frame, op, reader, checker) ?? checkOperation(op, effectiveSource(frame, op));
    if (bad !== null) {
      return {code: TxCode.Failed, ops: ops.map((o, j) => (j === i ? bad : defaultOpResult(o)))};
    }
  }
  if (!checker.allUsed()) return {code: TxCode.BadAuthExtra, ops: null};
  // The checks' success carries no operation results: a valid tx is answered with none, and
  // building js-xdr results for every admitted and re-checked tx only to drop them costs µs each.
  return {code: TxCode.Success, ops: null};
}
