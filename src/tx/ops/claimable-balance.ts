/** create_claimable_balance, claim_claimable_balance and clawback_claimable_balance (CAP-23, CAP-35). */
import {xdr} from "@stellar/stellar-base";
import type {Operation} from "../types.js";
import {opInner, opNotSupported, type OpResult} from "../results.js";
import type {OpContext} from "./context.js";

export type CreateClaimableBalanceOp = Operation & {type: "create_claimable_balance"};
export type ClaimClaimableBalanceOp = Operation & {type: "claim_claimable_balance"};
export type ClawbackClaimableBalanceOp = Operation & {type: "clawback_claimable_balance"};
export type ClaimableBalanceOp = CreateClaimableBalanceOp | ClaimClaimableBalanceOp | ClawbackClaimableBalanceOp;

export function claimableBalanceSuccess(op: ClaimableBalanceOp): OpResult {
  switch (op.type) {
    case "create_claimable_balance":
      return opInner(
        "op_success",
        xdr.OperationResultTr.createClaimableBalance(
          xdr.CreateClaimableBalanceResult.createClaimableBalanceSuccess(xdr.ClaimableBalanceId.claimableBalanceIdTypeV0(Buffer.alloc(32))),
        ),
      );
    case "claim_claimable_balance":
      return opInner("op_success", xdr.OperationResultTr.claimClaimableBalance(xdr.ClaimClaimableBalanceResult.claimClaimableBalanceSuccess()));
    case "clawback_claimable_balance":
      return opInner("op_success", xdr.OperationResultTr.clawbackClaimableBalance(xdr.ClawbackClaimableBalanceResult.clawbackClaimableBalanceSuccess()));
  }
}

export function checkClaimableBalance(op: ClaimableBalanceOp, source: string): OpResult | null {
  void op;
  void source;
  return opNotSupported();
}

export function applyClaimableBalance(op: ClaimableBalanceOp, ctx: OpContext): OpResult {
  void op;
  void ctx;
  return opNotSupported();
}
