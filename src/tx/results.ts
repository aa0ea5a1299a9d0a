/**
 * XDR TransactionResult building and the Horizon strings for every result code, as Horizon's
 * `codes` package maps them (e.g. txNO_ACCOUNT → "tx_no_source_account", opNO_ACCOUNT →
 * "op_no_source_account", CREATE_ACCOUNT_ALREADY_EXIST → "op_already_exists").
 */
import {cereal, xdr} from "@stellar/stellar-base";
import type {ResultCodes} from "./types.js";
import {fastTransactionResultBytes} from "./result-bytes.js";

/** Transaction result codes by their XDR arm name. */
export enum TxCode {
  FeeBumpInnerSuccess = "txFeeBumpInnerSuccess",
  Success = "txSuccess",
  Failed = "txFailed",
  TooEarly = "txTooEarly",
  TooLate = "txTooLate",
  MissingOperation = "txMissingOperation",
  BadSeq = "txBadSeq",
  BadAuth = "txBadAuth",
  InsufficientBalance = "txInsufficientBalance",
  NoAccount = "txNoAccount",
  InsufficientFee = "txInsufficientFee",
  BadAuthExtra = "txBadAuthExtra",
  InternalError = "txInternalError",
  NotSupported = "txNotSupported",
  FeeBumpInnerFailed = "txFeeBumpInnerFailed",
  BadSponsorship = "txBadSponsorship",
  BadMinSeqAgeOrGap = "txBadMinSeqAgeOrGap",
  Malformed = "txMalformed",
  SorobanInvalid = "txSorobanInvalid",
}

export const TX_CODE_HORIZON: Record<TxCode, string> = {
  [TxCode.FeeBumpInnerSuccess]: "tx_fee_bump_inner_success",
  [TxCode.Success]: "tx_success",
  [TxCode.Failed]: "tx_failed",
  [TxCode.TooEarly]: "tx_too_early",
  [TxCode.TooLate]: "tx_too_late",
  [TxCode.MissingOperation]: "tx_missing_operation",
  [TxCode.BadSeq]: "tx_bad_seq",
  [TxCode.BadAuth]: "tx_bad_auth",
  [TxCode.InsufficientBalance]: "tx_insufficient_balance",
  [TxCode.NoAccount]: "tx_no_source_account",
  [TxCode.InsufficientFee]: "tx_insufficient_fee",
  [TxCode.BadAuthExtra]: "tx_bad_auth_extra",
  [TxCode.InternalError]: "tx_internal_error",
  [TxCode.NotSupported]: "tx_not_supported",
  [TxCode.FeeBumpInnerFailed]: "tx_fee_bump_inner_failed",
  [TxCode.BadSponsorship]: "tx_bad_sponsorship",
  [TxCode.BadMinSeqAgeOrGap]: "tx_bad_min_seq_age_or_gap",
  [TxCode.Malformed]: "tx_malformed",
  [TxCode.SorobanInvalid]: "tx_soroban_invalid",
};

/** An operation's outcome: Horizon's code string and the XDR OperationResult. */
export interface OpResult {
  code: string;
  result: xdr.OperationResult;
}

export const OP_SUCCESS = "op_success";

export function isOpSuccess(r: OpResult): boolean {
  return r.code === OP_SUCCESS;
}

export function opBadAuth(): OpResult {
  return {code: "op_bad_auth", result: xdr.OperationResult.opBadAuth()};
}

export function opNoSourceAccount(): OpResult {
  return {code: "op_no_source_account", result: xdr.OperationResult.opNoAccount()};
}

export function opNotSupported(): OpResult {
  return {code: "op_not_supported", result: xdr.OperationResult.opNotSupported()};
}

export function opTooManySubentries(): OpResult {
  return {code: "op_too_many_subentries", result: xdr.OperationResult.opTooManySubentries()};
}

export function opInner(code: string, tr: xdr.OperationResultTr): OpResult {
  return {code, result: xdr.OperationResult.opInner(tr)};
}

type BareResultFactory = () => xdr.TransactionResultResult;

function txResultResult(code: TxCode, ops: xdr.OperationResult[]): xdr.TransactionResultResult {
  if (code === TxCode.Success) return xdr.TransactionResultResult.txSuccess(ops);
  if (code === TxCode.Failed) return xdr.TransactionResultResult.txFailed(ops);
  const f = (xdr.TransactionResultResult as unknown as Record<string, BareResultFactory>)[code];
  if (f === undefined) throw new Error("no transaction result arm " + code);
  return f();
}

function innerResultResult(code: TxCode, ops: xdr.OperationResult[]): xdr.InnerTransactionResultResult {
  if (code === TxCode.Success) return xdr.InnerTransactionResultResult.txSuccess(ops);
  if (code === TxCode.Failed) return xdr.InnerTransactionResultResult.txFailed(ops);
  const f = (xdr.InnerTransactionResultResult as unknown as Record<string, () => xdr.InnerTransactionResultResult>)[code];
  if (f === undefined) throw new Error("no inner transaction result arm " + code);
  return f();
}

/** The outcome of one (inner) transaction before it is serialized. */
export interface TxOutcome {
  code: TxCode;
  /** Present for txSuccess / txFailed. */
  ops: OpResult[] | null;
}

export function resultCodesOf(o: TxOutcome): ResultCodes {
  const rc: ResultCodes = {transaction: TX_CODE_HORIZON[o.code]};
  if (o.ops !== null && (o.code === TxCode.Success || o.code === TxCode.Failed)) rc.operations = o.ops.map((r) => r.code);
  return rc;
}

/**
 * XDR OperationType numbers of the operations whose success result is its code alone (the
 * result union's success arm is void).
 */
const VOID_SUCCESS_OP_TYPES: Readonly<Record<string, number>> = {
  create_account: 0,
  payment: 1,
  set_options: 5,
  change_trust: 6,
  allow_trust: 7,
  manage_data: 10,
  bump_sequence: 11,
  claim_claimable_balance: 15,
  clawback: 19,
  clawback_claimable_balance: 20,
  set_trust_line_flags: 21,
};

/**
 * The TransactionResult XDR of a plain success (txSUCCESS, each operation's void success code
 * and nothing else), written straight into its 20 + 12 × ops bytes; null when an operation's
 * success carries a body. Most transactions end this way: building the result through js-xdr's
 * objects and writer instead costs tens of µs per transaction at close.
 */
export function plainSuccessResultXdr(feeCharged: bigint, operations: readonly {type: string}[]): Buffer | null {
  const n = operations.length;
  // feeCharged int64 ‖ txSUCCESS (0) ‖ results count ‖ per op: opINNER (0), type, success (0) ‖ ext v0.
  const b = Buffer.alloc(20 + 12 * n);
  b.writeBigInt64BE(feeCharged, 0);
  b.writeUInt32BE(n, 12);
  for (let i = 0; i < n; i++) {
    const type = VOID_SUCCESS_OP_TYPES[operations[i]!.type];
    if (type === undefined) return null;
    b.writeUInt32BE(type, 16 + 12 * i + 4);
  }
  return b;
}

/**
 * Scratch space results are written into: js-xdr's toXDR() allocates a fresh 8 KB buffer for every
 * value (outside Node's small-buffer pool) and returns a view of it, so each result kept 8 KB
 * alive and cost an allocation of that size. A result longer than this grows a buffer of its own.
 */
const RESULT_SCRATCH = Buffer.allocUnsafe(16 * 1024);

/** The XDR bytes of a TransactionResult: the same bytes as `result.toXDR()`, in a buffer of their own size. */
export function transactionResultBytes(result: xdr.TransactionResult): Buffer {
  const fast = fastTransactionResultBytes(result, RESULT_SCRATCH);
  if (fast !== null) {
    const out = Buffer.allocUnsafe(fast.length);
    fast.copy(out);
    return out;
  }
  return jsXdrTransactionResultBytes(result);
}

/** transactionResultBytes through js-xdr's writer alone: every shape, and the reference for the fast one. */
export function jsXdrTransactionResultBytes(result: xdr.TransactionResult): Buffer {
  const w = new cereal.XdrWriter(RESULT_SCRATCH);
  // The typings name a Buffer as the writer; js-xdr's write takes its XdrWriter.
  xdr.TransactionResult.write(result, w as unknown as Buffer);
  const view = w.finalize();
  const out = Buffer.allocUnsafe(view.length);
  view.copy(out);
  return out;
}

/**
 * Serialized TransactionResult. Fee-bumps wrap the inner outcome as txFEE_BUMP_INNER_SUCCESS /
 * FAILED with the inner hash; the inner feeCharged is 0 since the fee source pays (CAP-15).
 * Failures of the fee-bump itself (outer code) are given with `outer`.
 */
export function buildTxResult(
  feeCharged: bigint,
  outcome: TxOutcome,
  feeBump: {innerHash: Buffer; outer?: TxCode} | null,
): {xdr: xdr.TransactionResult; resultCodes: ResultCodes} {
  const ext = new xdr.TransactionResultExt(0);
  const fee = xdr.Int64.fromString(feeCharged.toString());
  if (feeBump === null) {
    const ops = outcome.ops ? outcome.ops.map((r) => r.result) : [];
    return {xdr: new xdr.TransactionResult({feeCharged: fee, result: txResultResult(outcome.code, ops), ext}), resultCodes: resultCodesOf(outcome)};
  }
  if (feeBump.outer !== undefined) {
    return {
      xdr: new xdr.TransactionResult({feeCharged: fee, result: txResultResult(feeBump.outer, []), ext}),
      resultCodes: {transaction: TX_CODE_HORIZON[feeBump.outer]},
    };
  }
  const ops = outcome.ops ? outcome.ops.map((r) => r.result) : [];
  const inner = new xdr.InnerTransactionResult({
    feeCharged: xdr.Int64.fromString("0"),
    result: innerResultResult(outcome.code, ops),
    ext: new xdr.InnerTransactionResultExt(0),
  });
  const pair = new xdr.InnerTransactionResultPair({transactionHash: feeBump.innerHash, result: inner});
  const ok = outcome.code === TxCode.Success;
  const result = ok ? xdr.TransactionResultResult.txFeeBumpInnerSuccess(pair) : xdr.TransactionResultResult.txFeeBumpInnerFailed(pair);
  const outerCode = ok ? TxCode.FeeBumpInnerSuccess : TxCode.FeeBumpInnerFailed;
  return {
    xdr: new xdr.TransactionResult({feeCharged: fee, result, ext}),
    resultCodes: {transaction: TX_CODE_HORIZON[outerCode], innerTransaction: resultCodesOf(outcome)},
  };
}
