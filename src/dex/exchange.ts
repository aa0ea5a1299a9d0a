/**
 * The exchange arithmetic of the order book, as CAP-0004 and stellar-core's OfferExchange define
 * it (exchangeV10). Pure functions over bigint amounts (computed in doubles where that is exact):
 * no ledger access, so the apply path, the path finder in the worker pool and the API all quote
 * exactly the same amounts.
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
 * exchangeV10WithoutPriceErrorThresholds computed in bigints throughout: the reference the
 * double-precision path below is tested against, and what answers when that path cannot.
 */
export function exchangeV10WithoutPriceErrorThresholdsInBigInts(
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

/** The largest integer a double holds exactly, with every integer below it (2^53 − 1). */
const SAFE = Number.MAX_SAFE_INTEGER;

/** floor(a / b) for integers 0 ≤ a ≤ 2^53, b > 0: the remainder of doubles is exact, so is the quotient of a − r. */
function floorDiv(a: number, b: number): number {
  return (a - (a % b)) / b;
}

function ceilDiv(a: number, b: number): number {
  const r = a % b;
  return (a - r) / b + (r === 0 ? 0 : 1);
}

/*
 * What exchangeInNumbers computed (module scratch: the fast path allocates nothing of its own).
 */
let fastWheatReceive = 0;
let fastSheepSend = 0;
let fastWheatStays = false;

/**
 * exchangeV10WithoutPriceErrorThresholds in doubles, exact whenever the value its amounts come
 * from is below 2^53 (the four limits may be anything up to int64: a side worth 2^53 or more
 * only ever loses the min or the comparison to one that is exact). Every product and quotient it
 * takes is then an exact integer. Answers false, changing nothing, when it cannot be sure: the
 * bigint path answers those (and raises its invariant errors). A crossing computes 3-6 exchanges,
 * each of which allocated about ten 128-bit bigints.
 *
 * Arguments are prices as numbers and the limits as Number(limit): exact below 2^53, and a
 * conversion never takes a limit of 2^53 or more below 2^53 (rounding is monotonic).
 */
function exchangeInNumbers(n: number, d: number, maxWheatSend: number, maxWheatReceive: number, maxSheepSend: number, maxSheepReceive: number, round: Rounding): boolean {
  const ws = maxWheatSend * n;
  const sr = maxSheepReceive * d;
  const wheatValue = ws < sr ? ws : sr;
  const ss = maxSheepSend * d;
  const wr = maxWheatReceive * n;
  const sheepValue = ss < wr ? ss : wr;
  // A product of 2^53 or more is only ever compared: above SAFE in doubles iff above it exactly.
  const wheatStays = wheatValue > sheepValue;
  if ((wheatStays ? sheepValue : wheatValue) > SAFE) return false;
  let wheatReceive: number;
  let sheepSend: number;
  if (wheatStays) {
    if (round === "strict_send") {
      wheatReceive = floorDiv(sheepValue, n);
      sheepSend = maxSheepSend < maxSheepReceive ? maxSheepSend : maxSheepReceive;
      if (sheepSend > SAFE) return false;
    } else if (n > d || round === "strict_receive") {
      wheatReceive = floorDiv(sheepValue, n);
      sheepSend = ceilDiv(wheatReceive * n, d);
    } else {
      sheepSend = floorDiv(sheepValue, d);
      wheatReceive = floorDiv(sheepSend * d, n);
    }
  } else if (n > d) {
    wheatReceive = floorDiv(wheatValue, n);
    sheepSend = floorDiv(wheatReceive * n, d);
  } else {
    sheepSend = floorDiv(wheatValue, d);
    wheatReceive = ceilDiv(sheepSend * d, n);
  }
  // The bigint path's bounds; a limit of 2^53 or more is above any amount computed here.
  if (wheatReceive > maxWheatReceive || wheatReceive > maxWheatSend || sheepSend > maxSheepReceive || sheepSend > maxSheepSend) return false;
  fastWheatReceive = wheatReceive;
  fastSheepSend = sheepSend;
  fastWheatStays = wheatStays;
  return true;
}

/**
 * The price error thresholds (applyPriceErrorThresholds) on the fast path's amounts, in doubles,
 * when both sides' values (wheatReceive·n and sheepSend·d) are below 2^53. False, changing
 * nothing, when it cannot decide or the bigint path would raise an invariant error.
 */
function thresholdsInNumbers(n: number, d: number, round: Rounding): boolean {
  const w = fastWheatReceive;
  const s = fastSheepSend;
  if (w > 0 && s > 0) {
    const x = w * n;
    const y = s * d;
    if (x > SAFE || y > SAFE) return false;
    if (fastWheatStays ? y < x : y > x) return false;
    // checkPriceErrorBound: |100·x − 100·y| ≤ x. A difference of exact integers is exact; times
    // 100 it is exact, or past 2^53 and so above x either way.
    const withinBound = 100 * (x > y ? x - y : y - x) <= x;
    if (round === "normal") {
      if (!withinBound) {
        fastWheatReceive = 0;
        fastSheepSend = 0;
      }
    } else if (!(y > x || withinBound)) {
      return false;
    }
  } else if (round === "strict_send") {
    if (!(s > 0)) return false;
  } else {
    fastWheatReceive = 0;
    fastSheepSend = 0;
  }
  return true;
}

function checkLimits(maxWheatSend: bigint, maxWheatReceive: bigint, maxSheepSend: bigint, maxSheepReceive: bigint): void {
  if (maxWheatSend < 0n || maxWheatReceive < 0n || maxSheepSend < 0n || maxSheepReceive < 0n) {
    throw new DexError(DexErrorCode.BadArgument, "exchange limits must be non-negative");
  }
}

/**
 * exchangeV10 before the price error thresholds: which side stays, and the amounts, rounded in
 * favour of the side that stays. Also what offer liabilities are computed with. In doubles when
 * exact (exchangeInNumbers), else in bigints: the same answer either way.
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
  checkLimits(maxWheatSend, maxWheatReceive, maxSheepSend, maxSheepReceive);
  if (exchangeInNumbers(price.n, price.d, Number(maxWheatSend), Number(maxWheatReceive), Number(maxSheepSend), Number(maxSheepReceive), round)) {
    return {wheatReceive: BigInt(fastWheatReceive), sheepSend: BigInt(fastSheepSend), wheatStays: fastWheatStays};
  }
  return exchangeV10WithoutPriceErrorThresholdsInBigInts(price, maxWheatSend, maxWheatReceive, maxSheepSend, maxSheepReceive, round);
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
  checkPrice(price);
  checkLimits(maxWheatSend, maxWheatReceive, maxSheepSend, maxSheepReceive);
  if (
    exchangeInNumbers(price.n, price.d, Number(maxWheatSend), Number(maxWheatReceive), Number(maxSheepSend), Number(maxSheepReceive), round) &&
    thresholdsInNumbers(price.n, price.d, round)
  ) {
    return {wheatReceive: BigInt(fastWheatReceive), sheepSend: BigInt(fastSheepSend), wheatStays: fastWheatStays};
  }
  return exchangeV10InBigInts(price, maxWheatSend, maxWheatReceive, maxSheepSend, maxSheepReceive, round);
}

/** exchangeV10 in bigints throughout: the reference of the double-precision path. */
export function exchangeV10InBigInts(
  price: Price,
  maxWheatSend: bigint,
  maxWheatReceive: bigint,
  maxSheepSend: bigint,
  maxSheepReceive: bigint,
  round: Rounding,
): ExchangeResult {
  const r = exchangeV10WithoutPriceErrorThresholdsInBigInts(price, maxWheatSend, maxWheatReceive, maxSheepSend, maxSheepReceive, round);
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
