/**
 * Offers in the ledger: what a seller can sell and receive, the liabilities an open offer holds
 * on its seller's two holdings, and removing an offer from the book, as stellar-core's
 * TransactionUtils (acquireLiabilities, releaseLiabilities, removeOffersByAccountAndAsset) and
 * OfferExchange (canSellAtMost, canBuyAtMost).
 *
 * The book invariant these keep: every holding's buying and selling liabilities equal the sum
 * over its owner's open offers of offerBuyingLiabilities / offerSellingLiabilities.
 */
import type {LedgerTxn} from "../ledger/state.js";
import type {AccountId, Asset, OfferEntry} from "../ledger/types.js";
import {assetKey, assetsEqual, offerKey} from "../ledger/types.js";
import {addBuyingLiabilities, addSellingLiabilities, availableToReceive, availableToSend, loadHolding, type Holding} from "../tx/ops/balances.js";
import {DexError, DexErrorCode} from "./errors.js";
import {offerLiabilities} from "./exchange.js";

function max0(x: bigint): bigint {
  return x > 0n ? x : 0n;
}

/** How much of its holding a seller can sell now (never negative): stellar-core's canSellAtMost. */
export function canSellAtMost(h: Holding | undefined, baseReserve: bigint): bigint {
  return h === undefined ? 0n : max0(availableToSend(h, baseReserve));
}

/** How much more a holder can receive now (never negative): stellar-core's canBuyAtMost. */
export function canBuyAtMost(h: Holding | undefined): bigint {
  return h === undefined ? 0n : max0(availableToReceive(h));
}

function sellerHolding(ltx: LedgerTxn, offer: OfferEntry, asset: Asset): Holding {
  const h = loadHolding(ltx, offer.sellerId, asset);
  if (h === undefined) {
    throw new DexError(DexErrorCode.InvariantViolation, "offer seller has no holding of the offer's asset", {
      offerId: offer.offerId.toString(),
      seller: offer.sellerId,
      asset: assetKey(asset),
    });
  }
  return h;
}

/** An offer's seller's two holdings, loaded once for the several steps of one trade. */
export interface SellerHoldings {
  /** Of the asset the offer buys. */
  buying: Holding;
  /** Of the asset the offer sells. */
  selling: Holding;
}

/**
 * Loads the holdings `changeLiabilities` works on, in the order it loads them (buying first: the
 * order entries are first loaded into a layer is the order of the meta's changes). An offer of an
 * asset for itself is an invariant violation: it has no two holdings.
 */
export function loadSellerHoldings(ltx: LedgerTxn, offer: OfferEntry): SellerHoldings {
  if (assetsEqual(offer.selling, offer.buying)) {
    throw new DexError(DexErrorCode.InvariantViolation, "offer buys and sells the same asset", {offerId: offer.offerId.toString()});
  }
  const buying = sellerHolding(ltx, offer, offer.buying);
  return {buying, selling: sellerHolding(ltx, offer, offer.selling)};
}

function changeLiabilities(ltx: LedgerTxn, offer: OfferEntry, sign: 1n | -1n, baseReserve: bigint): void {
  changeLiabilitiesOn(loadSellerHoldings(ltx, offer), offer, sign, baseReserve);
}

function changeLiabilitiesOn(h: SellerHoldings, offer: OfferEntry, sign: 1n | -1n, baseReserve: bigint): void {
  const l = offerLiabilities(offer.price, offer.amount);
  const buying = sign === 1n ? l.sheepSend : -l.sheepSend;
  if (!addBuyingLiabilities(h.buying, buying)) {
    throw new DexError(DexErrorCode.InvariantViolation, "could not change buying liabilities", {offerId: offer.offerId.toString(), delta: buying.toString()});
  }
  const selling = sign === 1n ? l.wheatReceive : -l.wheatReceive;
  if (!addSellingLiabilities(h.selling, selling, baseReserve)) {
    throw new DexError(DexErrorCode.InvariantViolation, "could not change selling liabilities", {offerId: offer.offerId.toString(), delta: selling.toString()});
  }
}

/**
 * Adds an open offer's liabilities to its seller's holdings. The caller has checked they fit
 * (op_underfunded / op_line_full / op_low_reserve); failing here is a bug.
 */
export function acquireLiabilities(ltx: LedgerTxn, offer: OfferEntry, baseReserve: bigint): void {
  changeLiabilities(ltx, offer, 1n, baseReserve);
}

/**
 * acquireLiabilities / releaseLiabilities on holdings already loaded from the same layer (by
 * `loadSellerHoldings`): what a crossing does several times per trade. The offer's two assets
 * differ (loadSellerHoldings was given the same offer).
 */
export function acquireLiabilitiesOn(h: SellerHoldings, offer: OfferEntry, baseReserve: bigint): void {
  changeLiabilitiesOn(h, offer, 1n, baseReserve);
}

export function releaseLiabilitiesOn(h: SellerHoldings, offer: OfferEntry, baseReserve: bigint): void {
  changeLiabilitiesOn(h, offer, -1n, baseReserve);
}

/** Takes an offer's liabilities (at its current amount and price) off its seller's holdings. */
export function releaseLiabilities(ltx: LedgerTxn, offer: OfferEntry, baseReserve: bigint): void {
  changeLiabilities(ltx, offer, -1n, baseReserve);
}

/**
 * Deletes an offer from the book as stellar-core does: releases its liabilities on both of the
 * seller's holdings, gives back its sub-entry (the seller's numSubEntries − 1, freeing one base
 * reserve) and erases the entry. `offer` is the offer as of `ltx` (its amount fixes the liabilities).
 */
export function removeOffer(ltx: LedgerTxn, offer: OfferEntry, baseReserve: bigint): void {
  releaseLiabilities(ltx, offer, baseReserve);
  const seller = ltx.loadAccount(offer.sellerId);
  if (seller === undefined || seller.numSubEntries < 1) {
    throw new DexError(DexErrorCode.InvariantViolation, "offer seller missing or without sub-entries", {offerId: offer.offerId.toString(), seller: offer.sellerId});
  }
  seller.numSubEntries -= 1;
  ltx.erase(offerKey(offer.offerId));
}

/**
 * Removes every offer of `accountId` that buys or sells `asset` (revoked authorization, deleted
 * trustline), lowest offer id first, as stellar-core's removeOffersByAccountAndAsset. Returns
 * the offers removed.
 */
export function removeOffersByAccountAndAsset(ltx: LedgerTxn, accountId: AccountId, asset: Asset, baseReserve: bigint): OfferEntry[] {
  const removed: OfferEntry[] = [];
  for (const o of ltx.offersOf(accountId)) {
    if (!assetsEqual(o.selling, asset) && !assetsEqual(o.buying, asset)) continue;
    removeOffer(ltx, o, baseReserve);
    removed.push(o);
  }
  return removed;
}
