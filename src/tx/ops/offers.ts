/** manage_sell_offer, manage_buy_offer and create_passive_sell_offer. */
import {xdr} from "@stellar/stellar-base";
import type {Operation} from "../types.js";
import {opInner, opNotSupported, type OpResult} from "../results.js";
import type {OpContext} from "./context.js";

export type ManageSellOfferOp = Operation & {type: "manage_sell_offer"};
export type ManageBuyOfferOp = Operation & {type: "manage_buy_offer"};
export type CreatePassiveSellOfferOp = Operation & {type: "create_passive_sell_offer"};
export type OfferOp = ManageSellOfferOp | ManageBuyOfferOp | CreatePassiveSellOfferOp;

function emptySuccess(): xdr.ManageOfferSuccessResult {
  return new xdr.ManageOfferSuccessResult({offersClaimed: [], offer: xdr.ManageOfferSuccessResultOffer.manageOfferDeleted()});
}

/** The default (success) result of each offer operation type. */
export function offerSuccess(op: OfferOp): OpResult {
  switch (op.type) {
    case "manage_sell_offer":
      return opInner("op_success", xdr.OperationResultTr.manageSellOffer(xdr.ManageSellOfferResult.manageSellOfferSuccess(emptySuccess())));
    case "create_passive_sell_offer":
      return opInner("op_success", xdr.OperationResultTr.createPassiveSellOffer(xdr.ManageSellOfferResult.manageSellOfferSuccess(emptySuccess())));
    case "manage_buy_offer":
      return opInner("op_success", xdr.OperationResultTr.manageBuyOffer(xdr.ManageBuyOfferResult.manageBuyOfferSuccess(emptySuccess())));
  }
}

export function checkOffer(op: OfferOp, source: string): OpResult | null {
  void op;
  void source;
  return opNotSupported();
}

export function applyOffer(op: OfferOp, ctx: OpContext): OpResult {
  void op;
  void ctx;
  return opNotSupported();
}
