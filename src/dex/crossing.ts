/**
 * Crossing the book, as stellar-core's convertWithOffers / crossOfferV10: a taker sending *sheep*
 * for *wheat* takes the offers selling wheat for sheep best price first (then lowest id, the
 * LedgerTxn's `bestOffer`), each at its maker's price, until it has what it wants, runs out, hits
 * the filter (a price limit, its own offer) or the book is empty.
 *
 * Each crossed offer is first adjusted to what its seller can really deliver and receive
 * (adjustOffer); an offer that stays too small to trade leaves the book and gives its reserve
 * back. Liabilities are released before and re-acquired after each trade, so they always equal the
 * sum over open offers. Deterministic: the order comes from the book, never from a Map.
 */
import {xdr} from "@stellar/stellar-base";
import type {LedgerTxn} from "../ledger/state.js";
import type {AccountId, Asset, OfferEntry, Price} from "../ledger/types.js";
import {assetKey, offerKey} from "../ledger/types.js";
import {accountIdXdr, assetXdr, offerXdr} from "../ledger/meta.js";
import {addBalance} from "../tx/ops/balances.js";
import {DexError, DexErrorCode} from "./errors.js";
import {adjustOffer, exchangeV10, type Rounding} from "./exchange.js";
import {acquireLiabilitiesOn, canBuyAtMost, canSellAtMost, loadSellerHoldings, releaseLiabilitiesOn, type SellerHoldings} from "./liabilities.js";

/**
 * Most offers one operation may cross (stellar-core's MAX_OFFERS_TO_CROSS, protocol ≥ 11): bounds
 * the apply work a single operation can cause; beyond it the op fails with op_exceeded_work_limit.
 */
export const MAX_OFFERS_TO_CROSS = 1000;

/** One trade against one offer (Stellar's ClaimOfferAtom): the seller sold `amountSold` of `assetSold`. */
export interface ClaimOfferAtom {
  sellerId: AccountId;
  offerId: bigint;
  assetSold: Asset;
  amountSold: bigint;
  assetBought: Asset;
  amountBought: bigint;
}

/** What the taker does with the best offer: cross it, or stop (price beyond its limit, its own offer). */
export type OfferFilterResult = "keep" | "stop_bad_price" | "stop_cross_self";
export type OfferFilter = (offer: OfferEntry) => OfferFilterResult;

/**
 * `ok`: the taker got all it could (its limit, or the last offer crossed stays in the book);
 * `partial`: the book ran out first; the `stop_*` results come from the filter;
 * `crossed_too_many`: the work limit was reached.
 */
export type ConvertResult = "ok" | "partial" | "stop_bad_price" | "stop_cross_self" | "crossed_too_many";

export interface Conversion {
  result: ConvertResult;
  sheepSend: bigint;
  wheatReceived: bigint;
  /** Trades in the order they happened. */
  trail: ClaimOfferAtom[];
}

/** a > b for prices as exact fractions (stellar-core's Price operator>). */
export function priceGreater(a: Price, b: Price): boolean {
  return BigInt(a.n) * BigInt(b.d) > BigInt(a.d) * BigInt(b.n);
}

/** a ≥ b for prices as exact fractions. */
export function priceGreaterOrEqual(a: Price, b: Price): boolean {
  return BigInt(a.n) * BigInt(b.d) >= BigInt(a.d) * BigInt(b.n);
}

function loadOffer(ltx: LedgerTxn, offerId: bigint): OfferEntry {
  const e = ltx.load(offerKey(offerId));
  if (e === undefined || e.type !== "offer") {
    throw new DexError(DexErrorCode.InvariantViolation, "book offer vanished while crossing", {offerId: offerId.toString()});
  }
  return e;
}

/** Fits an offer to what its seller can deliver and receive now (stellar-core's adjustOffer on an entry). */
function adjustOfferEntry(h: SellerHoldings, o: OfferEntry, baseReserve: bigint): void {
  const canSell = canSellAtMost(h.selling, baseReserve);
  o.amount = adjustOffer(o.price, o.amount < canSell ? o.amount : canSell, canBuyAtMost(h.buying));
}

interface Crossed {
  wheatReceived: bigint;
  sheepSend: bigint;
  wheatStays: boolean;
}

/** stellar-core's crossOfferV10: one trade against the offer `offerId` (selling wheat for sheep). */
function crossOffer(ltx: LedgerTxn, offerId: bigint, maxWheatReceive: bigint, maxSheepSend: bigint, round: Rounding, baseReserve: bigint, trail: ClaimOfferAtom[]): Crossed {
  const o = loadOffer(ltx, offerId);
  const seller = o.sellerId;
  if (ltx.getAccount(seller) === undefined) {
    throw new DexError(DexErrorCode.InvariantViolation, "offer without its seller account", {offerId: offerId.toString(), seller});
  }
  // The seller's two holdings, loaded once: every step below works on these same layer copies.
  const h = loadSellerHoldings(ltx, o);
  releaseLiabilitiesOn(h, o, baseReserve);
  adjustOfferEntry(h, o, baseReserve);

  const wheatH = h.selling;
  const sheepH = h.buying;
  const canSell = canSellAtMost(wheatH, baseReserve);
  const maxWheatSend = o.amount < canSell ? o.amount : canSell;
  const ex = exchangeV10(o.price, maxWheatSend, maxWheatReceive, maxSheepSend, canBuyAtMost(sheepH), round);

  if (ex.sheepSend !== 0n && !addBalance(sheepH, ex.sheepSend, baseReserve)) {
    throw new DexError(DexErrorCode.InvariantViolation, "overflowed the seller's sheep balance", {offerId: offerId.toString()});
  }
  if (ex.wheatReceive !== 0n && !addBalance(wheatH, -ex.wheatReceive, baseReserve)) {
    throw new DexError(DexErrorCode.InvariantViolation, "overdrew the seller's wheat balance", {offerId: offerId.toString()});
  }

  if (ex.wheatStays) {
    o.amount -= ex.wheatReceive;
    adjustOfferEntry(h, o, baseReserve);
  } else {
    o.amount = 0n;
  }
  if (o.amount === 0n) {
    // Liabilities are already released: give back the sub-entry and erase.
    const account = ltx.loadAccount(seller)!;
    account.numSubEntries -= 1;
    ltx.erase(offerKey(offerId));
  } else {
    acquireLiabilitiesOn(h, o, baseReserve);
  }
  trail.push({sellerId: seller, offerId, assetSold: o.selling, amountSold: ex.wheatReceive, assetBought: o.buying, amountBought: ex.sheepSend});
  return {wheatReceived: ex.wheatReceive, sheepSend: ex.sheepSend, wheatStays: ex.wheatStays};
}

/**
 * Sends at most `maxSheepSend` of `sheep` through the book selling `wheat`, receiving at most
 * `maxWheatReceive`, crossing at most `maxOffersToCross` offers. Changes the makers' entries in
 * `ltx`; the taker's own balances are the caller's to move.
 */
export function convertWithOffers(
  ltx: LedgerTxn,
  sheep: Asset,
  maxSheepSend: bigint,
  wheat: Asset,
  maxWheatReceive: bigint,
  round: Rounding,
  filter: OfferFilter | null,
  maxOffersToCross: number,
  baseReserve: bigint,
): Conversion {
  const trail: ClaimOfferAtom[] = [];
  let sheepSend = 0n;
  let wheatReceived = 0n;
  const done = (result: ConvertResult): Conversion => ({result, sheepSend, wheatReceived, trail});

  let needMore = maxWheatReceive > 0n && maxSheepSend > 0n;
  if (needMore && maxOffersToCross <= 0) return done("crossed_too_many");
  const wheatKey = assetKey(wheat);
  const sheepKey = assetKey(sheep);
  while (needMore) {
    const best = ltx.bestOffer(wheatKey, sheepKey);
    if (best === undefined) break;
    if (filter !== null) {
      const f = filter(best);
      if (f !== "keep") return done(f);
    }
    if (trail.length >= maxOffersToCross) return done("crossed_too_many");
    const c = crossOffer(ltx, best.offerId, maxWheatReceive, maxSheepSend, round, baseReserve, trail);
    sheepSend += c.sheepSend;
    maxSheepSend -= c.sheepSend;
    wheatReceived += c.wheatReceived;
    maxWheatReceive -= c.wheatReceived;
    needMore = !c.wheatStays && maxWheatReceive > 0n && maxSheepSend > 0n;
  }
  return done(needMore ? "partial" : "ok");
}

/**
 * The trade each ClaimOfferAtom built at apply was made from. The ledger's commit files every
 * trade from the operation results apply built; with this it reads the seller, assets and amounts
 * back as they were instead of decoding them from the XDR (a StrKey encoding for the seller and
 * each issuer, bigints through strings), which cost more than building the atom.
 */
const APPLIED_TRADE: unique symbol = Symbol("applied trade");

/**
 * The trade rides on the atom itself, under a symbol (the XDR encoding reads only the struct's
 * attributes): a WeakMap entry per trade cost more than building the atom, and every one was an
 * ephemeron the garbage collector had to trace.
 */
type AtomWithTrade = xdr.ClaimOfferAtom & {[APPLIED_TRADE]?: ClaimOfferAtom};

/** The trade `atom` was built from by claimAtomXdr, or undefined for an atom decoded from bytes. */
export function appliedAtomOf(atom: xdr.ClaimOfferAtom): ClaimOfferAtom | undefined {
  return (atom as AtomWithTrade)[APPLIED_TRADE];
}

/**
 * Asset XDR shared by every result that names the asset (claim atoms, path payment results):
 * building one (a code buffer, an AlphaNum struct and a union) cost as much as the rest of an
 * atom, and a ledger of trades names the same few assets thousands of times. Result XDR values are
 * never changed once built (ledger/meta.ts shares account ids the same way). Keyed by issuer,
 * then code, per code length: no key string is built for a lookup. Bounded like the account id
 * cache: cleared when it holds this many assets, far more than one ledger's books name.
 */
const RESULT_ASSET_CACHE_MAX = 10_000;
const NATIVE_ASSET_XDR = xdr.Asset.assetTypeNative();
const alphanum4Xdrs = new Map<string, Map<string, xdr.Asset>>();
const alphanum12Xdrs = new Map<string, Map<string, xdr.Asset>>();
let resultAssetsCached = 0;

/** Stellar's Asset XDR of `a`, shared (see RESULT_ASSET_CACHE_MAX): the caller must not change it. */
export function resultAssetXdr(a: Asset): xdr.Asset {
  if (a.type === "native") return NATIVE_ASSET_XDR;
  const byIssuer = a.type === "credit_alphanum4" ? alphanum4Xdrs : alphanum12Xdrs;
  let byCode = byIssuer.get(a.issuer);
  if (byCode === undefined) byIssuer.set(a.issuer, (byCode = new Map()));
  let x = byCode.get(a.code);
  if (x === undefined) {
    if (resultAssetsCached >= RESULT_ASSET_CACHE_MAX) {
      alphanum4Xdrs.clear();
      alphanum12Xdrs.clear();
      resultAssetsCached = 0;
      byIssuer.set(a.issuer, byCode);
      byCode.clear();
    }
    x = assetXdr(a);
    byCode.set(a.code, x);
    resultAssetsCached++;
  }
  return x;
}

/**
 * The OfferEntry a manage offer result carries (created or updated): the same bytes as the
 * ledger entry's own XDR (ledger/meta.ts), built with the shared asset XDR and without the
 * LedgerEntry around it that the result does not use.
 */
export function offerResultXdr(o: OfferEntry): xdr.OfferEntry {
  return offerXdr(o, resultAssetXdr);
}

/** The XDR of a trade as protocol ≥ 18 results carry it (ClaimAtom of type CLAIM_ATOM_TYPE_ORDER_BOOK). */
export function claimAtomXdr(a: ClaimOfferAtom): xdr.ClaimAtom {
  // Int64 from the bigint itself: the same value as fromString(toString()) without two conversions.
  const atom = new xdr.ClaimOfferAtom({
    sellerId: accountIdXdr(a.sellerId),
    offerId: new xdr.Int64(a.offerId),
    assetSold: resultAssetXdr(a.assetSold),
    amountSold: new xdr.Int64(a.amountSold),
    assetBought: resultAssetXdr(a.assetBought),
    amountBought: new xdr.Int64(a.amountBought),
  });
  (atom as AtomWithTrade)[APPLIED_TRADE] = a;
  return xdr.ClaimAtom.claimAtomTypeOrderBook(atom);
}
