import {xdr} from "@stellar/stellar-base";
import type {Operation} from "../types.js";
import {opInner, type OpResult} from "../results.js";
import type {OpContext} from "./context.js";

export type BumpSequenceOp = Operation & {type: "bump_sequence"};

function result(code: string, r: xdr.BumpSequenceResult): OpResult {
  return opInner(code, xdr.OperationResultTr.bumpSequence(r));
}

export function bumpSequenceSuccess(): OpResult {
  return result("op_success", xdr.BumpSequenceResult.bumpSequenceSuccess());
}

export function checkBumpSequence(op: BumpSequenceOp): OpResult | null {
  if (op.bumpTo < 0n) return result("op_bad_seq", xdr.BumpSequenceResult.bumpSequenceBadSeq());
  return null;
}

/**
 * Raises the source's seqNum to bumpTo. seqLedger/seqTime are updated even when the target is not
 * higher (CAP-21): the op still counts as a sequence update for min_seq_age / min_seq_ledger_gap.
 */
export function applyBumpSequence(op: BumpSequenceOp, ctx: OpContext): OpResult {
  const bad = checkBumpSequence(op);
  if (bad) return bad;
  const src = ctx.ltx.loadAccount(ctx.source)!;
  src.seqLedger = ctx.ledgerSeq;
  src.seqTime = ctx.closeTime;
  if (op.bumpTo > src.seqNum) src.seqNum = op.bumpTo;
  return bumpSequenceSuccess();
}
