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
import {applyChangeTrust, changeTrustSuccess, checkChangeTrust} from "./change-trust.js";
import {allowTrustSuccess, applyAllowTrust, applySetTrustLineFlags, checkAllowTrust, checkSetTrustLineFlags, setTrustLineFlagsSuccess} from "./trust-flags.js";
import {applyClawback, checkClawback, clawbackSuccess} from "./clawback.js";
import {applyOffer, checkOffer, offerSuccess} from "./offers.js";
import {applyPathPayment, checkPathPayment, pathPaymentSuccess} from "./path-payment.js";
import {applyClaimableBalance, checkClaimableBalance, claimableBalanceSuccess} from "./claimable-balance.js";
import {xdr} from "@stellar/stellar-base";
import {opInner} from "../results.js";

export type {OpContext} from "./context.js";
export {applyCreateAccount, applyPayment, applySetOptions, applyAccountMerge, applyManageData, applyBumpSequence};

/** Stellar's threshold levels per operation type. */
export function operationThreshold(op: Operation): ThresholdLevel {
  switch (op.type) {
    // As stellar-core: the issuer's authorization ops and claiming a balance need only the low threshold.
    case "bump_sequence":
    case "allow_trust":
    case "set_trust_line_flags":
    case "claim_claimable_balance":
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
    case "change_trust":
      return checkChangeTrust(op, source);
    case "allow_trust":
      return checkAllowTrust(op, source);
    case "set_trust_line_flags":
      return checkSetTrustLineFlags(op, source);
    case "clawback":
      return checkClawback(op, source);
    case "manage_sell_offer":
    case "manage_buy_offer":
    case "create_passive_sell_offer":
      return checkOffer(op, source);
    case "path_payment_strict_receive":
    case "path_payment_strict_send":
      return checkPathPayment(op, source);
    case "create_claimable_balance":
    case "claim_claimable_balance":
    case "clawback_claimable_balance":
      return checkClaimableBalance(op, source);
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
    case "change_trust":
      return applyChangeTrust(op, ctx);
    case "allow_trust":
      return applyAllowTrust(op, ctx);
    case "set_trust_line_flags":
      return applySetTrustLineFlags(op, ctx);
    case "clawback":
      return applyClawback(op, ctx);
    case "manage_sell_offer":
    case "manage_buy_offer":
    case "create_passive_sell_offer":
      return applyOffer(op, ctx);
    case "path_payment_strict_receive":
    case "path_payment_strict_send":
      return applyPathPayment(op, ctx);
    case "create_claimable_balance":
    case "claim_claimable_balance":
    case "clawback_claimable_balance":
      return applyClaimableBalance(op, ctx);
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
    case "change_trust":
      return changeTrustSuccess();
    case "allow_trust":
      return allowTrustSuccess();
    case "set_trust_line_flags":
      return setTrustLineFlagsSuccess();
    case "clawback":
      return clawbackSuccess();
    case "manage_sell_offer":
    case "manage_buy_offer":
    case "create_passive_sell_offer":
      return offerSuccess(op);
    case "path_payment_strict_receive":
    case "path_payment_strict_send":
      return pathPaymentSuccess(op);
    case "create_claimable_balance":
    case "claim_claimable_balance":
    case "clawback_claimable_balance":
      return claimableBalanceSuccess(op);
    case "unsupported":
      return opNotSupported();
  }
}
