/**
 * manage_sell_offer, manage_buy_offer and create_passive_sell_offer, as stellar-core's
 * ManageOfferOpFrameBase (latest protocol). The source sells *sheep* (the op's `selling`) for
 * *wheat* (`buying`). A buy offer is a sell offer at the inverse price whose limit is on the wheat
 * received; a passive offer does not take offers at exactly its price.
 *
 * Apply: check the holdings, release the old offer's liabilities (update/delete) or reserve the
 * new offer's sub-entry (create), check the new liabilities fit, cross the book up to the op's
 * price, move the taker's balances, then leave what remains (adjusted to what the source can
 * really deliver) in the book with its liabilities, or delete it.
 */
import {xdr} from "@stellar/stellar-base";
import type {Operation} from "../types.js";
import {opInner, opTooManySubentries, type OpResult} from "../results.js";
import {addSubEntries, INT64_MAX, type OpContext} from "./context.js";
import {isAssetValid} from "./trust.js";
import {addBalance, availableToReceive, availableToSend, holdingAuthorized, holdingBalance, loadHolding, viewHolding} from "./balances.js";
import type {Asset, OfferEntry, Price} from "../../ledger/types.js";
import {assetsEqual, offerKey, PASSIVE_FLAG} from "../../ledger/types.js";
import {adjustOffer, exchangeV10WithoutPriceErrorThresholds, INT32_MAX} from "../../dex/exchange.js";
import {acquireLiabilities, canBuyAtMost, canSellAtMost, releaseLiabilities} from "../../dex/liabilities.js";
import {DexError, DexErrorCode} from "../../dex/errors.js";
import {claimAtomXdr, convertWithOffers, MAX_OFFERS_TO_CROSS, offerResultXdr, priceGreater, priceGreaterOrEqual, type ClaimOfferAtom} from "../../dex/crossing.js";

export type ManageSellOfferOp = Operation & {type: "manage_sell_offer"};
export type ManageBuyOfferOp = Operation & {type: "manage_buy_offer"};
export type CreatePassiveSellOfferOp = Operation & {type: "create_passive_sell_offer"};
export type OfferOp = ManageSellOfferOp | ManageBuyOfferOp | CreatePassiveSellOfferOp;

/** The failure codes the three ops share (their XDR arms differ only by op). */
type OfferFailure =
  | "malformed"
  | "sell_no_trust"
  | "buy_no_trust"
  | "sell_not_authorized"
  | "buy_not_authorized"
  | "line_full"
  | "underfunded"
  | "cross_self"
  | "not_found"
  | "low_reserve";

/** Horizon's strings for them (its codes package: the two not_authorized ones carry no "op_" prefix). */
const HORIZON_CODE: Record<OfferFailure, string> = {
  malformed: "op_malformed",
  sell_no_trust: "op_sell_no_trust",
  buy_no_trust: "op_buy_no_trust",
  sell_not_authorized: "sell_not_authorized",
  buy_not_authorized: "buy_not_authorized",
  line_full: "op_line_full",
  underfunded: "op_underfunded",
  cross_self: "op_cross_self",
  not_found: "op_offer_not_found",
  low_reserve: "op_low_reserve",
};

const SELL_RESULT: Record<OfferFailure, () => xdr.ManageSellOfferResult> = {
  malformed: () => xdr.ManageSellOfferResult.manageSellOfferMalformed(),
  sell_no_trust: () => xdr.ManageSellOfferResult.manageSellOfferSellNoTrust(),
  buy_no_trust: () => xdr.ManageSellOfferResult.manageSellOfferBuyNoTrust(),
  sell_not_authorized: () => xdr.ManageSellOfferResult.manageSellOfferSellNotAuthorized(),
  buy_not_authorized: () => xdr.ManageSellOfferResult.manageSellOfferBuyNotAuthorized(),
  line_full: () => xdr.ManageSellOfferResult.manageSellOfferLineFull(),
  underfunded: () => xdr.ManageSellOfferResult.manageSellOfferUnderfunded(),
  cross_self: () => xdr.ManageSellOfferResult.manageSellOfferCrossSelf(),
  not_found: () => xdr.ManageSellOfferResult.manageSellOfferNotFound(),
  low_reserve: () => xdr.ManageSellOfferResult.manageSellOfferLowReserve(),
};

const BUY_RESULT: Record<OfferFailure, () => xdr.ManageBuyOfferResult> = {
  malformed: () => xdr.ManageBuyOfferResult.manageBuyOfferMalformed(),
  sell_no_trust: () => xdr.ManageBuyOfferResult.manageBuyOfferSellNoTrust(),
  buy_no_trust: () => xdr.ManageBuyOfferResult.manageBuyOfferBuyNoTrust(),
  sell_not_authorized: () => xdr.ManageBuyOfferResult.manageBuyOfferSellNotAuthorized(),
  buy_not_authorized: () => xdr.ManageBuyOfferResult.manageBuyOfferBuyNotAuthorized(),
  line_full: () => xdr.ManageBuyOfferResult.manageBuyOfferLineFull(),
  underfunded: () => xdr.ManageBuyOfferResult.manageBuyOfferUnderfunded(),
  cross_self: () => xdr.ManageBuyOfferResult.manageBuyOfferCrossSelf(),
  not_found: () => xdr.ManageBuyOfferResult.manageBuyOfferNotFound(),
  low_reserve: () => xdr.ManageBuyOfferResult.manageBuyOfferLowReserve(),
};

function wrap(op: OfferOp, code: string, sell: () => xdr.ManageSellOfferResult, buy: () => xdr.ManageBuyOfferResult): OpResult {
  switch (op.type) {
    case "manage_sell_offer":
      return opInner(code, xdr.OperationResultTr.manageSellOffer(sell()));
    case "create_passive_sell_offer":
      return opInner(code, xdr.OperationResultTr.createPassiveSellOffer(sell()));
    case "manage_buy_offer":
      return opInner(code, xdr.OperationResultTr.manageBuyOffer(buy()));
  }
}

function failure(op: OfferOp, f: OfferFailure): OpResult {
  return wrap(op, HORIZON_CODE[f], SELL_RESULT[f], BUY_RESULT[f]);
}

function success(op: OfferOp, claimed: ClaimOfferAtom[], offer: xdr.ManageOfferSuccessResultOffer): OpResult {
  const r = (): xdr.ManageOfferSuccessResult => new xdr.ManageOfferSuccessResult({offersClaimed: claimed.map(claimAtomXdr), offer});
  return wrap(
    op,
    "op_success",
    () => xdr.ManageSellOfferResult.manageSellOfferSuccess(r()),
    () => xdr.ManageBuyOfferResult.manageBuyOfferSuccess(r()),
  );
}

/** The default (success) result of each offer operation type. */
export function offerSuccess(op: OfferOp): OpResult {
  return success(op, [], xdr.ManageOfferSuccessResultOffer.manageOfferDeleted());
}

/** What the three ops have in common, from the source's side: it sells sheep for wheat at `price`. */
interface OfferParams {
  sheep: Asset;
  wheat: Asset;
  /** Sell amount (sell ops) or buy amount (manage_buy_offer); 0 deletes. */
  amount: bigint;
  /** The price of the offer in the book: wheat (buying) units per sheep (selling) unit. */
  price: Price;
  offerId: bigint;
  isBuy: boolean;
  passiveOnCreate: boolean;
}

function paramsOf(op: OfferOp): OfferParams {
  switch (op.type) {
    case "manage_sell_offer":
      return {sheep: op.selling, wheat: op.buying, amount: op.amount, price: op.price, offerId: op.offerId, isBuy: false, passiveOnCreate: false};
    case "create_passive_sell_offer":
      return {sheep: op.selling, wheat: op.buying, amount: op.amount, price: op.price, offerId: 0n, isBuy: false, passiveOnCreate: true};
    case "manage_buy_offer":
      // A buy offer's price is selling units per buying unit: the book holds its inverse.
      return {sheep: op.selling, wheat: op.buying, amount: op.buyAmount, price: {n: op.price.d, d: op.price.n}, offerId: op.offerId, isBuy: true, passiveOnCreate: false};
  }
}

function validPriceComponent(x: number): boolean {
  return Number.isInteger(x) && x > 0 && x <= INT32_MAX;
}

/** Stateless validity, as stellar-core's doCheckValid (protocol ≥ 15). */
export function checkOffer(op: OfferOp, source: string): OpResult | null {
  void source;
  const p = paramsOf(op);
  if (!isAssetValid(p.sheep) || !isAssetValid(p.wheat) || assetsEqual(p.sheep, p.wheat)) return failure(op, "malformed");
  if (p.amount < 0n || p.amount > INT64_MAX || !validPriceComponent(p.price.n) || !validPriceComponent(p.price.d)) return failure(op, "malformed");
  if (p.offerId === 0n && p.amount === 0n) return failure(op, "malformed");
  if (p.offerId < 0n || p.offerId > INT64_MAX) return failure(op, "malformed");
  return null;
}

/** The liabilities the op's offer would take on: [selling (sheep), buying (wheat)]. */
function opLiabilities(p: OfferParams): {selling: bigint; buying: bigint} {
  const r = p.isBuy
    ? exchangeV10WithoutPriceErrorThresholds(p.price, INT64_MAX, INT64_MAX, INT64_MAX, p.amount, "normal")
    : exchangeV10WithoutPriceErrorThresholds(p.price, p.amount, INT64_MAX, INT64_MAX, INT64_MAX, "normal");
  return {selling: r.wheatReceive, buying: r.sheepSend};
}

/** The op's own limit on what it sends (sell) or receives (buy), less what it already exchanged. */
function applyOpLimits(p: OfferParams, maxSheepSend: bigint, sheepSent: bigint, maxWheatReceive: bigint, wheatReceived: bigint): [bigint, bigint] {
  if (p.isBuy) {
    const left = p.amount - wheatReceived;
    return [maxSheepSend, left < maxWheatReceive ? left : maxWheatReceive];
  }
  const left = p.amount - sheepSent;
  return [left < maxSheepSend ? left : maxSheepSend, maxWheatReceive];
}

export function applyOffer(op: OfferOp, ctx: OpContext): OpResult {
  const bad = checkOffer(op, ctx.source);
  if (bad) return bad;
  const p = paramsOf(op);
  const {ltx, source, baseReserve} = ctx;
  const isDelete = p.amount === 0n;

  // checkOfferValid: what the source holds and may hold.
  if (!isDelete) {
    if (p.sheep.type !== "native") {
      const h = viewHolding(ltx, source, p.sheep);
      if (h === undefined) return failure(op, "sell_no_trust");
      if (holdingBalance(h) === 0n) return failure(op, "underfunded");
      if (!holdingAuthorized(h)) return failure(op, "sell_not_authorized");
    }
    if (p.wheat.type !== "native") {
      const h = viewHolding(ltx, source, p.wheat);
      if (h === undefined) return failure(op, "buy_no_trust");
      if (!holdingAuthorized(h)) return failure(op, "buy_not_authorized");
    }
  }

  let creating = false;
  let flags: number;
  if (p.offerId !== 0n) {
    const e = ltx.getEntry(offerKey(p.offerId));
    if (e === undefined || e.type !== "offer" || e.sellerId !== source) return failure(op, "not_found");
    releaseLiabilities(ltx, e, baseReserve);
    flags = e.flags;
    ltx.erase(offerKey(p.offerId));
  } else {
    creating = true;
    flags = p.passiveOnCreate ? PASSIVE_FLAG : 0;
    const outcome = addSubEntries(ltx.loadAccount(source)!, 1, baseReserve);
    if (outcome === "low_reserve") return failure(op, "low_reserve");
    if (outcome === "too_many_subentries") return opTooManySubentries();
  }
  const passive = (flags & PASSIVE_FLAG) !== 0;

  let amount = 0n;
  let claimed: ClaimOfferAtom[] = [];
  if (!isDelete) {
    // computeOfferExchangeParameters: the new offer's liabilities must fit.
    const sheepView = viewHolding(ltx, source, p.sheep);
    const wheatView = viewHolding(ltx, source, p.wheat);
    const liab = opLiabilities(p);
    if (wheatView === undefined || availableToReceive(wheatView) < liab.buying) return failure(op, "line_full");
    if (sheepView === undefined || availableToSend(sheepView, baseReserve) < liab.selling) return failure(op, "underfunded");
    const [maxSheepSend, maxWheatReceive] = applyOpLimits(p, canSellAtMost(sheepView, baseReserve), 0n, canBuyAtMost(wheatView), 0n);
    if (maxWheatReceive === 0n) return failure(op, "line_full");

    // The offers this one may take sell wheat at a price (sheep per wheat) of at most 1 / p.price.
    const maxWheatPrice: Price = {n: p.price.d, d: p.price.n};
    const conv = convertWithOffers(
      ltx,
      p.sheep,
      maxSheepSend,
      p.wheat,
      maxWheatReceive,
      "normal",
      (o: OfferEntry) => {
        if (passive ? priceGreaterOrEqual(o.price, maxWheatPrice) : priceGreater(o.price, maxWheatPrice)) return "stop_bad_price";
        if (o.sellerId === source) return "stop_cross_self";
        return "keep";
      },
      MAX_OFFERS_TO_CROSS,
      baseReserve,
    );
    if (conv.result === "stop_cross_self") return failure(op, "cross_self");
    if (conv.result === "crossed_too_many") return {code: "op_exceeded_work_limit", result: xdr.OperationResult.opExceededWorkLimit()};
    claimed = conv.trail;

    if (conv.wheatReceived > 0n) {
      const wheatH = loadHolding(ltx, source, p.wheat)!;
      const sheepH = loadHolding(ltx, source, p.sheep)!;
      if (!addBalance(wheatH, conv.wheatReceived, baseReserve)) throw new DexError(DexErrorCode.InvariantViolation, "offer claimed over limit", {source});
      if (!addBalance(sheepH, -conv.sheepSend, baseReserve)) throw new DexError(DexErrorCode.InvariantViolation, "offer sold more than balance", {source});
    }

    // The source's offer stays unless its own limit was met ("ok").
    if (conv.result !== "ok") {
      const [sheepLimit, wheatLimit] = applyOpLimits(
        p,
        canSellAtMost(viewHolding(ltx, source, p.sheep), baseReserve),
        conv.sheepSend,
        canBuyAtMost(viewHolding(ltx, source, p.wheat)),
        conv.wheatReceived,
      );
      amount = adjustOffer(p.price, sheepLimit, wheatLimit);
    }
  }

  let offerResult: xdr.ManageOfferSuccessResultOffer;
  if (amount > 0n) {
    const offerId = creating ? ltx.nextId() : p.offerId;
    const offer: OfferEntry = {type: "offer", sellerId: source, offerId, selling: p.sheep, buying: p.wheat, amount, price: {n: p.price.n, d: p.price.d}, flags, lastModifiedLedger: ctx.ledgerSeq};
    ltx.put(offer);
    acquireLiabilities(ltx, offer, baseReserve);
    const entry = offerResultXdr(offer);
    offerResult = creating ? xdr.ManageOfferSuccessResultOffer.manageOfferCreated(entry) : xdr.ManageOfferSuccessResultOffer.manageOfferUpdated(entry);
  } else {
    offerResult = xdr.ManageOfferSuccessResultOffer.manageOfferDeleted();
    // The sub-entry reserved on create, or held by the offer being deleted, is given back.
    ltx.loadAccount(source)!.numSubEntries -= 1;
  }
  return success(op, claimed, offerResult);
}
