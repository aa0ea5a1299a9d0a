import {xdr} from "@stellar/stellar-base";
import {accountKey} from "../../ledger/types.js";
import type {Operation} from "../types.js";
import {opInner, type OpResult} from "../results.js";
import {availableBalance, canReceive, type OpContext} from "./context.js";
import {isAssetValid} from "./trust.js";
import {addBalance, holdingAuthorized, loadHolding} from "./balances.js";

export type PaymentOp = Operation & {type: "payment"};

function result(code: string, r: xdr.PaymentResult): OpResult {
  return opInner(code, xdr.OperationResultTr.payment(r));
}

export function paymentSuccess(): OpResult {
  return result("op_success", xdr.PaymentResult.paymentSuccess());
}

export function checkPayment(op: PaymentOp): OpResult | null {
  if (op.amount <= 0n || !isAssetValid(op.asset)) return result("op_malformed", xdr.PaymentResult.paymentMalformed());
  return null;
}

/**
 * As stellar-core (protocol ≥ 13): a payment is a path payment with an empty path. Native to
 * oneself succeeds at once. The destination must exist unless it is the asset's issuer; the
 * destination is credited before the source is debited, which fixes which failure is reported.
 * (op_no_issuer only existed before protocol 13.)
 */
export function applyPayment(op: PaymentOp, ctx: OpContext): OpResult {
  const bad = checkPayment(op);
  if (bad) return bad;
  const {ltx, source} = ctx;
  if (op.asset.type === "native") {
    if (op.destination === source) return paymentSuccess();
    const dest = ltx.loadAccount(op.destination);
    if (dest === undefined) return result("op_no_destination", xdr.PaymentResult.paymentNoDestination());
    if (!canReceive(dest, op.amount)) return result("op_line_full", xdr.PaymentResult.paymentLineFull());
    const src = ltx.loadAccount(source)!;
    if (op.amount > availableBalance(src, ctx.baseReserve)) {
      return result("op_underfunded", xdr.PaymentResult.paymentUnderfunded());
    }
    dest.balance += op.amount;
    src.balance -= op.amount;
    return paymentSuccess();
  }
  const asset = op.asset;
  // Paying the issuer burns: its account need not even exist, so the credit can always go home.
  if (op.destination !== asset.issuer && ltx.getEntry(accountKey(op.destination)) === undefined) {
    return result("op_no_destination", xdr.PaymentResult.paymentNoDestination());
  }
  const dest = loadHolding(ltx, op.destination, asset);
  if (dest === undefined) return result("op_no_trust", xdr.PaymentResult.paymentNoTrust());
  if (!holdingAuthorized(dest)) return result("op_not_authorized", xdr.PaymentResult.paymentNotAuthorized());
  if (!addBalance(dest, op.amount, ctx.baseReserve)) return result("op_line_full", xdr.PaymentResult.paymentLineFull());
  // Loaded after the credit: paying oneself reads the line just credited, as stellar-core does.
  const src = loadHolding(ltx, source, asset);
  if (src === undefined) return result("op_src_no_trust", xdr.PaymentResult.paymentSrcNoTrust());
  if (!holdingAuthorized(src)) return result("op_src_not_authorized", xdr.PaymentResult.paymentSrcNotAuthorized());
  if (!addBalance(src, -op.amount, ctx.baseReserve)) return result("op_underfunded", xdr.PaymentResult.paymentUnderfunded());
  return paymentSuccess();
}
