import {xdr} from "@stellar/stellar-base";
import {accountKey} from "../../ledger/types.js";
import type {Operation} from "../types.js";
import {opInner, type OpResult} from "../results.js";
import {availableBalance, canReceive, type OpContext} from "./context.js";
import {isAssetValid, lineOf} from "./trust.js";

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
  const bypassIssuerCheck = op.destination === asset.issuer;
  if (!bypassIssuerCheck && ltx.getEntry(accountKey(op.destination)) === undefined) {
    return result("op_no_destination", xdr.PaymentResult.paymentNoDestination());
  }
  const destLine = lineOf(ltx, op.destination, asset);
  if (destLine === null) return result("op_no_trust", xdr.PaymentResult.paymentNoTrust());
  if (!destLine.authorized) return result("op_not_authorized", xdr.PaymentResult.paymentNotAuthorized());
  const srcLine = lineOf(ltx, source, asset);
  if (srcLine === null) return result("op_src_no_trust", xdr.PaymentResult.paymentSrcNoTrust());
  if (!srcLine.authorized) return result("op_src_not_authorized", xdr.PaymentResult.paymentSrcNotAuthorized());
  // Both ends are the issuer: its implicit line absorbs and issues without limit.
  return paymentSuccess();
}
