/**
 * Operation dispatch: the threshold each operation needs, its stateless validity (admission)
 * and its application. One file per operation beside this one.
 */
import type {ThresholdLevel} from "../auth.js";
import type {Operation} from "../types.js";
import {opNotSupported, type OpResult} from "../results.js";
import type {OpContext} from "./context.js";
import {applyCreateAccount, checkCreateAccount, createAccountSuccess} from "./create-account.js";
import {applyPayment, checkPayment, paymentSuccess} from "./payment.js";
import {applySetOptions, checkSetOptions, setOptionsIsHigh, setOptionsSuccess} from "./set-options.js";
import {applyAccountMerge, checkAccountMerge} from "./account-merge.js";
import {applyManageData, checkManageData, manageDataSuccess} from "./manage-data.js";
import {applyBumpSequence, bumpSequenceSuccess, checkBumpSequence} from "./bump-sequence.js";
import {xdr} from "@stellar/stellar-base";
import {opInner} from "../results.js";

export type {OpContext} from "./context.js";
export {applyCreateAccount, applyPayment, applySetOptions, applyAccountMerge, applyManageData, applyBumpSequence};

/** Stellar's threshold levels per operation type. */
export function operationThreshold(op: Operation): ThresholdLevel {
  switch (op.type) {
    case "bump_sequence":
      return "low";
    case "account_merge":
      return "high";
    case "set_options":
      return setOptionsIsHigh(op) ? "high" : "med";
    default:
      return "med";
  }
}

/** Stateless validity (doCheckValid): null when the operation is well-formed. */
export function checkOperation(op: Operation, source: string): OpResult | null {
  switch (op.type) {
    case "create_account":
      return checkCreateAccount(op, source);
    case "payment":
      return checkPayment(op);
    case "set_options":
      return checkSetOptions(op, source);
    case "account_merge":
      return checkAccountMerge(op, source);
    case "manage_data":
      return checkManageData(op);
    case "bump_sequence":
      return checkBumpSequence(op);
    case "unsupported":
      return opNotSupported();
  }
}

/** Applies one operation in `ctx.ltx` (its source account exists). */
export function applyOperation(op: Operation, ctx: OpContext): OpResult {
  switch (op.type) {
    case "create_account":
      return applyCreateAccount(op, ctx);
    case "payment":
      return applyPayment(op, ctx);
    case "set_options":
      return applySetOptions(op, ctx);
    case "account_merge":
      return applyAccountMerge(op, ctx);
    case "manage_data":
      return applyManageData(op, ctx);
    case "bump_sequence":
      return applyBumpSequence(op, ctx);
    case "unsupported":
      return opNotSupported();
  }
}

/**
 * The result an operation shows when the tx stopped before reaching it: stellar-core leaves such
 * results default-initialized, i.e. the operation type's success code.
 */
export function defaultOpResult(op: Operation): OpResult {
  switch (op.type) {
    case "create_account":
      return createAccountSuccess();
    case "payment":
      return paymentSuccess();
    case "set_options":
      return setOptionsSuccess();
    case "account_merge":
      return opInner("op_success", xdr.OperationResultTr.accountMerge(xdr.AccountMergeResult.accountMergeSuccess(xdr.Int64.fromString("0"))));
    case "manage_data":
      return manageDataSuccess();
    case "bump_sequence":
      return bumpSequenceSuccess();
    case "unsupported":
      return opNotSupported();
  }
}
