/**
 * Admission (stellar-core's checkValid) against the last closed ledger plus what is queued
 * ahead of this tx. Pure: reads state, never writes it; signature crypto comes from
 * `frame.verified` (filled by the workers), with an on-the-spot verify only as a fallback.
 */
import type {LedgerStateReader} from "../ledger/types.js";
import {accountKey} from "../ledger/types.js";
import type {CheckContext, CheckFailure, TxFrame} from "./interface.js";
import {SignatureChecker} from "./auth.js";
import {buildTxResult, TxCode, type TxOutcome} from "./results.js";
import {checkInner, feeToCharge, minFee, type TxEnv} from "./apply.js";
import {availableBalance} from "./ops/context.js";

function failure(fee: bigint, outcome: TxOutcome, feeBump: {innerHash: Buffer; outer?: TxCode} | null): CheckFailure {
  const r = buildTxResult(fee, outcome, feeBump);
  return {resultCodes: r.resultCodes, resultXdr: r.xdr.toXDR()};
}

export function checkValid(frame: TxFrame, reader: LedgerStateReader, ctx: CheckContext): CheckFailure | null {
  const env: TxEnv = {
    ledgerSeq: ctx.header.seq + 1,
    closeTime: ctx.closeTime,
    baseFee: ctx.header.baseFee,
    baseReserve: BigInt(ctx.header.baseReserve),
  };
  const fee = feeToCharge(frame, BigInt(env.baseFee));
  if (!frame.isFeeBump) {
    const outcome = checkInner(frame, reader, env, {
      applying: false,
      checkFee: true,
      queuedAhead: ctx.queuedAhead,
      feeToPay: frame.maxFee + ctx.queuedFees,
    });
    return outcome.code === TxCode.Success ? null : failure(fee, outcome, null);
  }
  const outer = (code: TxCode): CheckFailure => failure(fee, {code, ops: null}, {innerHash: frame.innerHash, outer: code});
  // Fee-bump: the outer bid covers ops + 1 at base fee, and bids at least the inner tx's rate.
  const outerMin = minFee(frame, env.baseFee);
  const innerMin = BigInt(env.baseFee) * BigInt(Math.max(1, frame.operations.length));
  const innerFee = frame.innerMaxFee ?? 0n;
  if (frame.maxFee < outerMin || frame.maxFee * innerMin < innerFee * outerMin) return outer(TxCode.InsufficientFee);
  const feeSource = reader.getEntry(accountKey(frame.feeSource));
  if (feeSource === undefined || feeSource.type !== "account") return outer(TxCode.NoAccount);
  const checker = new SignatureChecker(frame.feeBumpSignatures, frame.verifiedFeeBump, frame.hash, frame.triedFeeBumpKeys);
  if (!checker.checkAccount(feeSource, "low")) return outer(TxCode.BadAuth);
  if (availableBalance(feeSource, env.baseReserve) < frame.maxFee + ctx.queuedFees) return outer(TxCode.InsufficientBalance);
  if (!checker.allUsed()) return outer(TxCode.BadAuthExtra);
  const inner = checkInner(frame, reader, env, {applying: false, checkFee: false, queuedAhead: ctx.queuedAhead, feeToPay: null});
  return inner.code === TxCode.Success ? null : failure(fee, inner, {innerHash: frame.innerHash});
}
