import {xdr} from "@stellar/stellar-base";
import {accountKey, AUTH_IMMUTABLE_FLAG, numSponsoring} from "../../ledger/types.js";
import type {Operation} from "../types.js";
import {opInner, type OpResult} from "../results.js";
import {canReceive, startingSeqNum, type OpContext} from "./context.js";

export type AccountMergeOp = Operation & {type: "account_merge"};

function result(code: string, r: xdr.AccountMergeResult): OpResult {
  return opInner(code, xdr.OperationResultTr.accountMerge(r));
}

export function checkAccountMerge(op: AccountMergeOp, source: string): OpResult | null {
  if (op.destination === source) return result("op_malformed", xdr.AccountMergeResult.accountMergeMalformed());
  return null;
}

/**
 * Moves the whole balance to the destination and deletes the source, in stellar-core's order of
 * checks: destination exists, source not AUTH_IMMUTABLE, no sub-entries other than signers,
 * seqNum below this ledger's starting sequence (so a re-created account cannot replay), not
 * sponsoring any reserve (its claimable balances would lose their sponsor), and the destination
 * can hold the amount. Trustlines and offers are sub-entries: they block the merge.
 */
export function applyAccountMerge(op: AccountMergeOp, ctx: OpContext): OpResult {
  const bad = checkAccountMerge(op, ctx.source);
  if (bad) return bad;
  if (ctx.ltx.getEntry(accountKey(op.destination)) === undefined) {
    return result("op_no_account", xdr.AccountMergeResult.accountMergeNoAccount());
  }
  const src = ctx.ltx.getAccount(ctx.source)!;
  if ((src.flags & AUTH_IMMUTABLE_FLAG) !== 0) return result("op_immutable_set", xdr.AccountMergeResult.accountMergeImmutableSet());
  if (src.numSubEntries !== src.signers.length) return result("op_has_sub_entries", xdr.AccountMergeResult.accountMergeHasSubEntries());
  if (src.seqNum >= startingSeqNum(ctx.ledgerSeq)) return result("op_seq_num_too_far", xdr.AccountMergeResult.accountMergeSeqnumTooFar());
  if (numSponsoring(src) > 0) return result("op_is_sponsor", xdr.AccountMergeResult.accountMergeIsSponsor());
  const dest = ctx.ltx.loadAccount(op.destination)!;
  const amount = src.balance;
  if (!canReceive(dest, amount)) return result("op_dest_full", xdr.AccountMergeResult.accountMergeDestFull());
  dest.balance += amount;
  ctx.ltx.erase(accountKey(ctx.source));
  return result("op_success", xdr.AccountMergeResult.accountMergeSuccess(xdr.Int64.fromString(amount.toString())));
}
