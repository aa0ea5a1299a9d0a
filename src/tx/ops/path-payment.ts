/**
 * path_payment_strict_receive and path_payment_strict_send, as stellar-core's
 * PathPaymentOpFrameBase and its two subclasses (latest protocol, no liquidity pools).
 *
 * Strict receive credits the destination its exact amount first, then walks the path backwards
 * from the destination asset, each hop buying exactly what the next one needs (rounding
 * `strict_receive`), and finally debits the source what the first hop cost, if within send_max.
 * Strict send debits the source its exact amount first, walks the path forwards, each hop selling
 * everything the previous one produced (rounding `strict_send`), and credits the destination what
 * arrives, if at least dest_min. A hop between equal assets is skipped; crossing the source's own
 * offer fails the op (op_cross_self); all hops share one work limit of offers crossed.
 */
import {xdr} from "@stellar/stellar-base";
import type {Operation} from "../types.js";
import {opInner, type OpResult} from "../results.js";
import {availableBalance, INT64_MAX, type OpContext} from "./context.js";
import {accountIdXdr} from "../../ledger/meta.js";
import {accountKey, assetsEqual, type Asset} from "../../ledger/types.js";
import {addBalance, holdingAuthorized, loadHolding} from "./balances.js";
import {isAssetValid} from "./trust.js";
import {claimAtomXdr, convertWithOffers, MAX_OFFERS_TO_CROSS, resultAssetXdr, type ClaimOfferAtom} from "../../dex/crossing.js";

export type PathPaymentStrictReceiveOp = Operation & {type: "path_payment_strict_receive"};
export type PathPaymentStrictSendOp = Operation & {type: "path_payment_strict_send"};
export type PathPaymentOp = PathPaymentStrictReceiveOp | PathPaymentStrictSendOp;

/** The failures both ops share; op_over_source_max and op_under_dest_min are each op's own. */
type PathFailure =
  | "malformed"
  | "underfunded"
  | "src_no_trust"
  | "src_not_authorized"
  | "no_destination"
  | "no_trust"
  | "not_authorized"
  | "line_full"
  | "too_few_offers"
  | "cross_self"
  | "over_sendmax"
  | "under_destmin";

const HORIZON_CODE: Record<PathFailure, string> = {
  malformed: "op_malformed",
  underfunded: "op_underfunded",
  src_no_trust: "op_src_no_trust",
  src_not_authorized: "op_src_not_authorized",
  no_destination: "op_no_destination",
  no_trust: "op_no_trust",
  not_authorized: "op_not_authorized",
  line_full: "op_line_full",
  too_few_offers: "op_too_few_offers",
  cross_self: "op_cross_self",
  over_sendmax: "op_over_source_max",
  under_destmin: "op_under_dest_min",
};

type Strict = Exclude<PathFailure, "over_sendmax" | "under_destmin">;

const RECEIVE_RESULT: Record<Strict | "over_sendmax", () => xdr.PathPaymentStrictReceiveResult> = {
  malformed: () => xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveMalformed(),
  underfunded: () => xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveUnderfunded(),
  src_no_trust: () => xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveSrcNoTrust(),
  src_not_authorized: () => xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveSrcNotAuthorized(),
  no_destination: () => xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveNoDestination(),
  no_trust: () => xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveNoTrust(),
  not_authorized: () => xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveNotAuthorized(),
  line_full: () => xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveLineFull(),
  too_few_offers: () => xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveTooFewOffers(),
  cross_self: () => xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveOfferCrossSelf(),
  over_sendmax: () => xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveOverSendmax(),
};

const SEND_RESULT: Record<Strict | "under_destmin", () => xdr.PathPaymentStrictSendResult> = {
  malformed: () => xdr.PathPaymentStrictSendResult.pathPaymentStrictSendMalformed(),
  underfunded: () => xdr.PathPaymentStrictSendResult.pathPaymentStrictSendUnderfunded(),
  src_no_trust: () => xdr.PathPaymentStrictSendResult.pathPaymentStrictSendSrcNoTrust(),
  src_not_authorized: () => xdr.PathPaymentStrictSendResult.pathPaymentStrictSendSrcNotAuthorized(),
  no_destination: () => xdr.PathPaymentStrictSendResult.pathPaymentStrictSendNoDestination(),
  no_trust: () => xdr.PathPaymentStrictSendResult.pathPaymentStrictSendNoTrust(),
  not_authorized: () => xdr.PathPaymentStrictSendResult.pathPaymentStrictSendNotAuthorized(),
  line_full: () => xdr.PathPaymentStrictSendResult.pathPaymentStrictSendLineFull(),
  too_few_offers: () => xdr.PathPaymentStrictSendResult.pathPaymentStrictSendTooFewOffers(),
  cross_self: () => xdr.PathPaymentStrictSendResult.pathPaymentStrictSendOfferCrossSelf(),
  under_destmin: () => xdr.PathPaymentStrictSendResult.pathPaymentStrictSendUnderDestmin(),
};

function failure(op: PathPaymentOp, f: Strict): OpResult {
  if (op.type === "path_payment_strict_receive") return opInner(HORIZON_CODE[f], xdr.OperationResultTr.pathPaymentStrictReceive(RECEIVE_RESULT[f]()));
  return opInner(HORIZON_CODE[f], xdr.OperationResultTr.pathPaymentStrictSend(SEND_RESULT[f]()));
}

function success(op: PathPaymentOp, offers: ClaimOfferAtom[], amount: bigint): OpResult {
  const last = new xdr.SimplePaymentResult({
    destination: accountIdXdr(op.destination),
    asset: resultAssetXdr(op.destAsset),
    amount: new xdr.Int64(amount),
  });
  const atoms = offers.map(claimAtomXdr);
  if (op.type === "path_payment_strict_receive") {
    const r = new xdr.PathPaymentStrictReceiveResultSuccess({offers: atoms, last});
    return opInner("op_success", xdr.OperationResultTr.pathPaymentStrictReceive(xdr.PathPaymentStrictReceiveResult.pathPaymentStrictReceiveSuccess(r)));
  }
  const r = new xdr.PathPaymentStrictSendResultSuccess({offers: atoms, last});
  return opInner("op_success", xdr.OperationResultTr.pathPaymentStrictSend(xdr.PathPaymentStrictSendResult.pathPaymentStrictSendSuccess(r)));
}

/** The default (success) result: no offers crossed, the destination credited the op's amount. */
export function pathPaymentSuccess(op: PathPaymentOp): OpResult {
  return success(op, [], op.type === "path_payment_strict_receive" ? op.destAmount : op.destMin);
}

export function checkPathPayment(op: PathPaymentOp, source: string): OpResult | null {
  void source;
  const [a, b] = op.type === "path_payment_strict_receive" ? [op.destAmount, op.sendMax] : [op.sendAmount, op.destMin];
  if (a <= 0n || b <= 0n || a > INT64_MAX || b > INT64_MAX) return failure(op, "malformed");
  if (!isAssetValid(op.sendAsset) || !isAssetValid(op.destAsset) || !op.path.every(isAssetValid)) return failure(op, "malformed");
  return null;
}

/** stellar-core's updateSourceBalance: debits the source, or names why it cannot. */
function debitSource(op: PathPaymentOp, ctx: OpContext, amount: bigint): Strict | null {
  const {ltx, source, baseReserve} = ctx;
  if (op.sendAsset.type === "native") {
    const account = ltx.loadAccount(source)!;
    if (amount > availableBalance(account, baseReserve)) return "underfunded";
    account.balance -= amount;
    return null;
  }
  const h = loadHolding(ltx, source, op.sendAsset);
  if (h === undefined) return "src_no_trust";
  if (!holdingAuthorized(h)) return "src_not_authorized";
  return addBalance(h, -amount, baseReserve) ? null : "underfunded";
}

/** stellar-core's updateDestBalance: credits the destination, or names why it cannot. */
function creditDestination(op: PathPaymentOp, ctx: OpContext, amount: bigint): Strict | null {
  const h = loadHolding(ctx.ltx, op.destination, op.destAsset);
  if (h === undefined) return op.destAsset.type === "native" ? "no_destination" : "no_trust";
  if (!holdingAuthorized(h)) return "not_authorized";
  return addBalance(h, amount, ctx.baseReserve) ? null : "line_full";
}

/** A payment to an asset's issuer in that same asset needs neither the destination account nor its line. */
function bypassesIssuerCheck(op: PathPaymentOp): boolean {
  return op.destAsset.type !== "native" && op.path.length === 0 && assetsEqual(op.sendAsset, op.destAsset) && op.destAsset.issuer === op.destination;
}

export function applyPathPayment(op: PathPaymentOp, ctx: OpContext): OpResult {
  const bad = checkPathPayment(op, ctx.source);
  if (bad) return bad;
  const {ltx, source, baseReserve} = ctx;
  if (!bypassesIssuerCheck(op) && ltx.getEntry(accountKey(op.destination)) === undefined) return failure(op, "no_destination");

  let budget = MAX_OFFERS_TO_CROSS;
  const noSelf = (o: {sellerId: string}): "keep" | "stop_cross_self" => (o.sellerId === source ? "stop_cross_self" : "keep");
  /** One hop through one book: what it sent and received, or why the op fails. */
  const hop = (send: Asset, maxSend: bigint, recv: Asset, maxRecv: bigint, strictReceive: boolean): {sent: bigint; received: bigint; trail: ClaimOfferAtom[]} | Strict | "work_limit" => {
    const c = convertWithOffers(ltx, send, maxSend, recv, maxRecv, strictReceive ? "strict_receive" : "strict_send", noSelf, budget, baseReserve);
    budget -= c.trail.length;
    if (c.result === "stop_cross_self") return "cross_self";
    if (c.result === "crossed_too_many") return "work_limit";
    const complete = strictReceive ? c.wheatReceived === maxRecv : c.sheepSend === maxSend;
    if (c.result !== "ok" || !complete) return "too_few_offers";
    return {sent: c.sheepSend, received: c.wheatReceived, trail: c.trail};
  };
  const workLimit = (): OpResult => ({code: "op_exceeded_work_limit", result: xdr.OperationResult.opExceededWorkLimit()});

  if (op.type === "path_payment_strict_receive") {
    const credited = creditDestination(op, ctx, op.destAmount);
    if (credited !== null) return failure(op, credited);
    let recv: Asset = op.destAsset;
    let need = op.destAmount;
    let offers: ClaimOfferAtom[] = [];
    for (const send of [...op.path].reverse().concat([op.sendAsset])) {
      if (assetsEqual(send, recv)) continue;
      const h = hop(send, INT64_MAX, recv, need, true);
      if (h === "work_limit") return workLimit();
      if (typeof h === "string") return failure(op, h);
      need = h.sent;
      recv = send;
      offers = h.trail.concat(offers);
    }
    if (need > op.sendMax) {
      return opInner(HORIZON_CODE.over_sendmax, xdr.OperationResultTr.pathPaymentStrictReceive(RECEIVE_RESULT.over_sendmax()));
    }
    const debited = debitSource(op, ctx, need);
    if (debited !== null) return failure(op, debited);
    return success(op, offers, op.destAmount);
  }

  const debited = debitSource(op, ctx, op.sendAmount);
  if (debited !== null) return failure(op, debited);
  let send: Asset = op.sendAsset;
  let have = op.sendAmount;
  const offers: ClaimOfferAtom[] = [];
  for (const recv of op.path.concat([op.destAsset])) {
    if (assetsEqual(recv, send)) continue;
    const h = hop(send, have, recv, INT64_MAX, false);
    if (h === "work_limit") return workLimit();
    if (typeof h === "string") return failure(op, h);
    have = h.received;
    send = recv;
    offers.push(...h.trail);
  }
  if (have < op.destMin) return opInner(HORIZON_CODE.under_destmin, xdr.OperationResultTr.pathPaymentStrictSend(SEND_RESULT.under_destmin()));
  const credited = creditDestination(op, ctx, have);
  if (credited !== null) return failure(op, credited);
  return success(op, offers, have);
}
