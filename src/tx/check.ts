/**
 * Admission (stellar-core's checkValid) against the last closed ledger plus what is queued
 * ahead of this tx. Pure: reads state, never writes it; signature crypto comes from
 * `frame.verified` (filled by the workers), with an on-the-spot verify only as a fallback.
 */
import type {LedgerStateReader} from "../ledger/types.js";
import {accountKey} from "../ledger/types.js";
import type {CheckContext, CheckFailure, TxFrame} from "./interface.js";
import {SignatureChecker} from "./auth.js";
import {buildTxResult, transactionResultBytes, TxCode, type TxOutcome} from "./results.js";
import {checkInner, minFee, type CommonValidOptions, type TxEnv} from "./apply.js";
import {availableBalance, INT64_MAX} from "./ops/context.js";

function failure(fee: bigint, outcome: TxOutcome, feeBump: {innerHash: Buffer; outer?: TxCode} | null): CheckFailure {
  const r = buildTxResult(fee, outcome, feeBump);
  return {resultCodes: r.resultCodes, resultXdr: transactionResultBytes(r.xdr)};
}

/** A fee-bump refused for its bid, reporting `required` as the fee it would need (as stellar-core). */
export function insufficientFeeFailure(frame: TxFrame, required: bigint): CheckFailure {
  const code = TxCode.InsufficientFee;
  return failure(required, {code, ops: null}, frame.isFeeBump ? {innerHash: frame.innerHash, outer: code} : null);
}

export function checkValid(frame: TxFrame, reader: LedgerStateReader, ctx: CheckContext): CheckFailure | null {
  // Built field by field, not by spreading: this runs for every admission and every queued tx
  // each time a set is built.
  const env: TxEnv = {ledgerSeq: ctx.header.seq + 1, closeTime: ctx.closeTime, baseFee: ctx.header.baseFee, baseReserve: BigInt(ctx.header.baseReserve)};
  if (ctx.minSeqAgeCloseTime !== undefined) env.minSeqAgeCloseTime = ctx.minSeqAgeCloseTime;
  if (!frame.isFeeBump) {
    const opts: CommonValidOptions = {applying: false, checkFee: true, queuedAhead: ctx.queuedAhead, feeToPay: frame.maxFee + ctx.queuedFees};
    if (ctx.followsSeq !== undefined) opts.followsSeq = ctx.followsSeq;
    const outcome = checkInner(frame, reader, env, opts);
    // As stellar-core, a rejected tx reports the fee it would need: its minimum fee.
    return outcome.code === TxCode.Success ? null : failure(minFee(frame, env.baseFee), outcome, null);
  }
  const fee = minFee(frame, env.baseFee);
  const outer = (code: TxCode, charged = fee): CheckFailure => failure(charged, {code, ops: null}, {innerHash: frame.innerHash, outer: code});
  // Fee-bump: the outer bid covers ops + 1 at base fee, and bids at least the inner tx's rate.
  const outerMin = fee;
  const innerMin = BigInt(env.baseFee) * BigInt(Math.max(1, frame.operations.length));
  const innerFee = frame.innerMaxFee ?? 0n;
  if (frame.maxFee < outerMin) return outer(TxCode.InsufficientFee);
  if (frame.maxFee * innerMin < innerFee * outerMin) {
    // The outer bid needed to match the inner rate, rounded up (int64 max if it does not fit).
    const needed = (innerFee * outerMin + innerMin - 1n) / innerMin;
    return outer(TxCode.InsufficientFee, needed > INT64_MAX ? INT64_MAX : needed);
  }
  const feeSource = reader.getEntry(accountKey(frame.feeSource));
  if (feeSource === undefined || feeSource.type !== "account") return outer(TxCode.NoAccount);
  const checker = new SignatureChecker(frame.feeBumpSignatures, frame.verifiedFeeBump, frame.hash, frame.triedFeeBumpKeys);
  if (!checker.checkAccount(feeSource, "low")) return outer(TxCode.BadAuth);
  if (availableBalance(feeSource, env.baseReserve) < frame.maxFee + ctx.queuedFees) return outer(TxCode.InsufficientBalance);
  if (!checker.allUsed()) return outer(TxCode.BadAuthExtra);
  const inner = checkInner(frame, reader, env, {applying: false, checkFee: false, queuedAhead: ctx.queuedAhead,
      ...(ctx.followsSeq !== undefined ? {followsSeq: ctx.followsSeq} : {}), feeToPay: null});
  return inner.code === TxCode.Success ? null : failure(fee, inner, {innerHash: frame.innerHash});
}
