/** path_payment_strict_receive and path_payment_strict_send. */
import {xdr} from "@stellar/stellar-base";
import type {Operation} from "../types.js";
import {opInner, opNotSupported, type OpResult} from "../results.js";
import type {OpContext} from "./context.js";
import {assetXdr} from "../../ledger/meta.js";
import {Keypair} from "@stellar/stellar-base";

export type PathPaymentStrictReceiveOp = Operation & {type: "path_payment_strict_receive"};
export type PathPaymentStrictSendOp = Operation & {type: "path_payment_strict_send"};
export type PathPaymentOp = PathPaymentStrictReceiveOp | PathPaymentStrictSendOp;

/** The default (success) result: no offers crossed, the destination credited the op's amount. */
export function pathPaymentSuccess(op: PathPaymentOp): OpResult {
  const last = (amount: bigint): xdr.SimplePaymentResult =>
    new xdr.SimplePaymentResult({
      destination: Keypair.fromPublicKey(op.destination).xdrAccountId(),
      asset: assetXdr(op.destAsset),
      amount: xdr.Int64.fromString(amount.toString()),
    });
  if (op.type === "path_payment_strict_receive") {
    const r = new xdr.PathPaymentStrictReceiveResultSuccess({offers: [], last: last(op.destAmount)});
    return opInner("op_success", xdr.OperationResultTr.pathPaymentStrictReceive(xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveSuccess(r)));
  }
  const r = new xdr.PathPaymentStrictSendResultSuccess({offers: [], last: last(op.destMin)});
  return opInner("op_success", xdr.OperationResultTr.pathPaymentStrictSend(xdr.PathPaymentStrictSendResult.pathPaymentStrictSendSuccess(r)));
}

export function checkPathPayment(op: PathPaymentOp, source: string): OpResult | null {
  void op;
  void source;
  return opNotSupported();
}

export function applyPathPayment(op: PathPaymentOp, ctx: OpContext): OpResult {
  void op;
  void ctx;
  return opNotSupported();
}
