/**
 * The order book summary of one pair (Horizon's /order_book), as a plain function over a store
 * reader so the worker pool can run it against its own read snapshot.
 */
import type {Asset, AssetKey, OfferEntry, Price} from "../../ledger/types.js";
import {assetKey, offerPrice} from "../../ledger/types.js";
import {formatAmount} from "../format/amount.js";
import {assetObject, priceString} from "../format/asset.js";

export interface BookReader {
  bookOffers(selling: AssetKey, buying: AssetKey): Iterable<OfferEntry>;
}

export interface PriceLevelRecord {
  price_r: {n: number; d: number};
  price: string;
  amount: string;
}

export interface OrderBookRecord {
  bids: PriceLevelRecord[];
  asks: PriceLevelRecord[];
  base: ReturnType<typeof assetObject>;
  counter: ReturnType<typeof assetObject>;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** The price in lowest terms, as Horizon reduces each level's price (big.Rat). */
function reduced(p: Price): Price {
  const g = gcd(p.n, p.d);
  return {n: p.n / g, d: p.d / g};
}

interface Level {
  price: Price;
  amount: bigint;
}

/**
 * Up to `limit` price levels of a book, best first: offers at the same price (as the double
 * n/d, the book's order) are summed; a level's price is its first offer's, reduced.
 */
function levels(offers: Iterable<OfferEntry>, limit: number): Level[] {
  const out: Level[] = [];
  let lastPrice = Number.NaN;
  for (const o of offers) {
    const p = offerPrice(o);
    if (p === lastPrice) {
      out[out.length - 1]!.amount += o.amount;
      continue;
    }
    if (out.length === limit) break;
    out.push({price: reduced(o.price), amount: o.amount});
    lastPrice = p;
  }
  return out;
}

function levelRecord(l: Level): PriceLevelRecord {
  return {price_r: {n: l.price.n, d: l.price.d}, price: priceString(l.price), amount: formatAmount(l.amount)};
}

/**
 * Asks are offers selling `base` for `counter` at their own price (counter per base); bids are
 * offers selling `counter` for `base`, their price inverted to counter per base and their amount
 * left in counter units, as Horizon reports both.
 */
export function orderBookSummary(reader: BookReader, base: Asset, counter: Asset, limit: number): OrderBookRecord {
  const b = assetKey(base);
  const c = assetKey(counter);
  const asks = levels(reader.bookOffers(b, c), limit).map(levelRecord);
  const bids = levels(reader.bookOffers(c, b), limit).map((l) => levelRecord({price: {n: l.price.d, d: l.price.n}, amount: l.amount}));
  return {bids, asks, base: assetObject(base), counter: assetObject(counter)};
}
