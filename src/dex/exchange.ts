/**
 * The exchange arithmetic of the order book, as CAP-0004 and stellar-core's OfferExchange define
 * it (exchangeV10). Pure functions over bigint: no ledger access, so the apply path, the path
 * finder in the worker pool and the API all quote exactly the same amounts.
 *
 * Vocabulary (stellar-core's): an offer in the book sells *wheat* for *sheep* at `price` (sheep per
 * wheat, n/d). The taker sends sheep and receives wheat. Values are compared scaled by the price,
 * in 128-bit range (bigint here), so nothing is lost to rounding before the final division.
 *
 * Guarantees (proved in the CAP): the smaller side is always the one removed from the book; the
 * rounding favours the side that stays; outside path payments neither side loses more than 1% to
 * rounding, else nothing trades. No value is created: sheepSend·d ≥ wheatReceive·n when wheat stays.
 */
import type {Price} from "../ledger/types.js";
import {DexError, DexErrorCode} from "./errors.js";

export const INT64_MAX = 9_223_372_036_854_775_807n;
export const INT32_MAX = 2_147_483_647;

/**
 * How an exchange rounds (stellar-core's RoundingType): `normal` for offers crossing offers (1%
 * price error bound on both sides), and the two path payment modes, where the book may be
 * favoured without bound because send_max / dest_min judge the overall price.
 */
export type Rounding = "normal" | "strict_receive" | "strict_send";

export interface ExchangeResult {
  /** Wheat the taker receives from the offer. */
  wheatReceive: bigint;
  /** Sheep the taker sends to the offer's seller. */
  sheepSend: bigint;
  /** Whether the offer (wheat) is the larger side and stays in the book. */
  wheatStays: boolean;
}

function invariant(cond: boolean, message: string, meta?: Record<string, unknown>): asserts cond {
  if (!cond) throw new DexError(DexErrorCode.InvariantViolation, message, meta);
}

/** floor or ceiling of a / b for a ≥ 0, b > 0. */
function divide(a: bigint, b: bigint, roundUp: boolean): bigint {
  const q = a / b;
  return roundUp && q * b !== a ? q + 1n : q;
}

/**
 * stellar-core's bigDivide: a·b/c rounded as asked, or null when the result passes int64 (its
 * "false" return). Arguments are non-negative.
 */
export function bigDivide(a: bigint, b: bigint, c: bigint, roundUp: boolean): bigint | null {
  const r = divide(a * b, c, roundUp);
  return r > INT64_MAX ? null : r;
}

function bigDivideOrThrow(a: bigint, b: bigint, c: bigint, roundUp: boolean): bigint {
  const r = bigDivide(a, b, c, roundUp);
  invariant(r !== null, "exchange quotient passes int64", {a: a.toString(), b: b.toString(), c: c.toString()});
  return r;
}

function checkPrice(price: Price): void {
  if (!Number.isInteger(price.n) || !Number.isInteger(price.d) || price.n <= 0 || price.d <= 0 || price.n > INT32_MAX || price.d > INT32_MAX) {
    throw new DexError(DexErrorCode.BadArgument, "price must be two positive int32 numbers", {n: price.n, d: price.d});
  }
}

/** min(maxSend·priceN, maxReceive·priceD): a side's size scaled by the price (stellar-core's calculateOfferValue). */
function offerValue(priceN: bigint, priceD: bigint, maxSend: bigint, maxReceive: bigint): bigint {
  const send = maxSend * priceN;
  const receive = maxReceive * priceD;
  return send < receive ? send : receive;
}

/**
 * exchangeV10 before the price error thresholds: which side stays, and the amounts, rounded in
 * favour of the side that stays. Also what offer liabilities are computed with.
 */
export function exchangeV10WithoutPriceErrorThresholds(
  price: Price,
  maxWheatSend: bigint,
  maxWheatReceive: bigint,
  maxSheepSend: bigint,
  maxSheepReceive: bigint,
  round: Rounding,
): ExchangeResult {
  checkPrice(price);
  if (maxWheatSend < 0n || maxWheatReceive < 0n || maxSheepSend < 0n || maxSheepReceive < 0n) {
    throw new DexError(DexErrorCode.BadArgument, "exchange limits must be non-negative");
  }
  const n = BigInt(price.n);
  const d = BigInt(price.d);
  const wheatValue = offerValue(n, d, maxWheatSend, maxSheepReceive);
  const sheepValue = offerValue(d, n, maxSheepSend, maxWheatReceive);
  const wheatStays = wheatValue > sheepValue;

  let wheatReceive: bigint;
  let sheepSend: bigint;
  if (wheatStays) {
    if (round === "strict_send") {
      wheatReceive = divide(sheepValue, n, false);
      sheepSend = maxSheepSend < maxSheepReceive ? maxSheepSend : maxSheepReceive;
    } else if (n > d || round === "strict_receive") {
      // Wheat is worth more (or the receiver's amount is what is fixed): the taker pays the rounding up.
      wheatReceive = divide(sheepValue, n, false);
      sheepSend = bigDivideOrThrow(wheatReceive, n, d, true);
    } else {
      sheepSend = divide(sheepValue, d, false);
      wheatReceive = bigDivideOrThrow(sheepSend, d, n, false);
    }
  } else if (n > d) {
    wheatReceive = divide(wheatValue, n, false);
    sheepSend = bigDivideOrThrow(wheatReceive, n, d, false);
  } else {
    sheepSend = divide(wheatValue, d, false);
    wheatReceive = bigDivideOrThrow(sheepSend, d, n, true);
  }

  const minWheat = maxWheatReceive < maxWheatSend ? maxWheatReceive : maxWheatSend;
  const minSheep = maxSheepReceive < maxSheepSend ? maxSheepReceive : maxSheepSend;
  invariant(wheatReceive >= 0n && wheatReceive <= minWheat, "wheatReceive out of bounds", {wheatReceive: wheatReceive.toString()});
  invariant(sheepSend >= 0n && sheepSend <= minSheep, "sheepSend out of bounds", {sheepSend: sheepSend.toString()});
  return {wheatReceive, sheepSend, wheatStays};
}

/**
 * Whether the effective price sheepSend/wheatReceive is within 1% of `price`. With
 * `canFavorWheat`, an error in the book's (wheat seller's) favour is accepted without bound, as
 * path payments require.
 */
export function checkPriceErrorBound(price: Price, wheatReceive: bigint, sheepSend: bigint, canFavorWheat: boolean): boolean {
  const n = BigInt(price.n);
  const d = BigInt(price.d);
  const lhs = 100n * n * wheatReceive;
  const rhs = 100n * d * sheepSend;
  if (canFavorWheat && rhs > lhs) return true;
  const absDiff = lhs > rhs ? lhs - rhs : rhs - lhs;
  return absDiff <= n * wheatReceive;
}

/**
 * The price error thresholds of exchangeV10: in `normal` rounding a trade whose effective price is
 * more than 1% off for either side does not happen (both amounts 0); in path payments only the
 * book's side may be favoured beyond 1%.
 */
export function applyPriceErrorThresholds(price: Price, wheatReceive: bigint, sheepSend: bigint, wheatStays: boolean, round: Rounding): ExchangeResult {
  if (wheatReceive > 0n && sheepSend > 0n) {
    const wheatReceiveValue = wheatReceive * BigInt(price.n);
    const sheepSendValue = sheepSend * BigInt(price.d);
    invariant(!(wheatStays && sheepSendValue < wheatReceiveValue), "rounding favoured sheep while wheat stays");
    invariant(!(!wheatStays && sheepSendValue > wheatReceiveValue), "rounding favoured wheat while sheep stays");
    if (round === "normal") {
      if (!checkPriceErrorBound(price, wheatReceive, sheepSend, false)) {
        wheatReceive = 0n;
        sheepSend = 0n;
      }
    } else {
      invariant(checkPriceErrorBound(price, wheatReceive, sheepSend, true), "exchange exceeded the price error bound");
    }
  } else if (round === "strict_send") {
    // Strict send may sell sheep for no wheat (the destination minimum judges it), never the reverse.
    invariant(sheepSend > 0n, "strict send exchange sent no sheep");
  } else {
    wheatReceive = 0n;
    sheepSend = 0n;
  }
  return {wheatReceive, sheepSend, wheatStays};
}

/**
 * CAP-0004's exchangeV10: the amounts exchanged when a taker who can send at most `maxSheepSend`
 * and wants at most `maxWheatReceive` crosses an offer selling at most `maxWheatSend` at `price`
 * whose seller can receive at most `maxSheepReceive`.
 */
export function exchangeV10(
  price: Price,
  maxWheatSend: bigint,
  maxWheatReceive: bigint,
  maxSheepSend: bigint,
  maxSheepReceive: bigint,
  round: Rounding,
): ExchangeResult {
  const r = exchangeV10WithoutPriceErrorThresholds(price, maxWheatSend, maxWheatReceive, maxSheepSend, maxSheepReceive, round);
  return applyPriceErrorThresholds(price, r.wheatReceive, r.sheepSend, r.wheatStays, round);
}

/**
 * The amount an offer can really sell given what its seller can send and receive: what an
 * unlimited taker would get from it. Idempotent (adjusting an adjusted offer changes nothing);
 * 0 means the offer is too small to trade at its price and leaves the book.
 */
export function adjustOffer(price: Price, maxWheatSend: bigint, maxSheepReceive: bigint): bigint {
  return exchangeV10(price, maxWheatSend, INT64_MAX, INT64_MAX, maxSheepReceive, "normal").wheatReceive;
}

/**
 * Both liabilities of an offer of `amount` at `price` from one exchange: `wheatReceive` is what it
 * promises to sell (selling liabilities), `sheepSend` what it would receive (buying liabilities).
 * Releasing and acquiring an offer's liabilities needs both, and each exchange allocates its
 * 128-bit intermediates afresh.
 */
export function offerLiabilities(price: Price, amount: bigint): ExchangeResult {
  return exchangeV10WithoutPriceErrorThresholds(price, amount, INT64_MAX, INT64_MAX, INT64_MAX, "normal");
}

/** What an offer of `amount` at `price` promises to sell: its selling liabilities. */
export function offerSellingLiabilities(price: Price, amount: bigint): bigint {
  return exchangeV10WithoutPriceErrorThresholds(price, amount, INT64_MAX, INT64_MAX, INT64_MAX, "normal").wheatReceive;
}

/** What an offer of `amount` at `price` would receive if fully taken: its buying liabilities. */
export function offerBuyingLiabilities(price: Price, amount: bigint): bigint {
  return exchangeV10WithoutPriceErrorThresholds(price, amount, INT64_MAX, INT64_MAX, INT64_MAX, "normal").sheepSend;
}
