/**
 * Trades and trade aggregations (Horizon's /trades and /trade_aggregations) as plain functions
 * over a store reader, so the worker pool can run them against its own read snapshot.
 */
import type {AssetKey} from "../../ledger/types.js";
import {assetOrder, type TradeFilter, type TradeKey, type TradeRow} from "../../store/trades-repo.js";

export interface TradesReader {
  trades(filter: TradeFilter, cursor: TradeKey | undefined, asc: boolean): Iterable<TradeRow>;
  /** The first ledger that closed at or after `unixMs` (past the last one when none did), so a time range starts with a seek. */
  firstLedgerAt?(unixMs: number): number;
}

/** A trade seen from one side of its pair: base and counter amounts, accounts, offers and price. */
export interface OrientedTrade {
  row: TradeRow;
  base: AssetKey;
  counter: AssetKey;
  baseAmount: bigint;
  counterAmount: bigint;
  baseAccount: string;
  counterAccount: string;
  baseOfferId: bigint;
  counterOfferId: bigint;
  baseIsSeller: boolean;
  /** Counter per base. */
  priceN: number;
  priceD: number;
}

/**
 * Orients a trade as Horizon stores it (the maker's sold asset as base, swapped when the pair's
 * order puts the bought asset first) or, given `base`, with that asset as base.
 */
export function orientTrade(row: TradeRow, base?: AssetKey): OrientedTrade {
  const makerIsBase = base !== undefined ? row.sold === base : assetOrder(row.sold, row.bought) < 0;
  if (makerIsBase) {
    return {
      row,
      base: row.sold,
      counter: row.bought,
      baseAmount: row.amountSold,
      counterAmount: row.amountBought,
      baseAccount: row.maker,
      counterAccount: row.taker,
      baseOfferId: row.makerOfferId,
      counterOfferId: row.takerOfferId,
      baseIsSeller: true,
      priceN: row.priceN,
      priceD: row.priceD,
    };
  }
  return {
    row,
    base: row.bought,
    counter: row.sold,
    baseAmount: row.amountBought,
    counterAmount: row.amountSold,
    baseAccount: row.taker,
    counterAccount: row.maker,
    baseOfferId: row.takerOfferId,
    counterOfferId: row.makerOfferId,
    baseIsSeller: false,
    priceN: row.priceD,
    priceD: row.priceN,
  };
}

export interface TradesQuery {
  filter: TradeFilter;
  /** With a pair filter: which of its assets is base. */
  base?: AssetKey;
  cursor?: TradeKey;
  asc: boolean;
  limit: number;
  /** With an account filter: only this pair's trades (either orientation). */
  pairOfAccount?: [AssetKey, AssetKey];
}

export function tradesPage(reader: TradesReader, q: TradesQuery): OrientedTrade[] {
  const out: OrientedTrade[] = [];
  const pair = q.pairOfAccount;
  for (const row of reader.trades(q.filter, q.cursor, q.asc)) {
    if (pair !== undefined && !((row.sold === pair[0] && row.bought === pair[1]) || (row.sold === pair[1] && row.bought === pair[0]))) continue;
    out.push(orientTrade(row, q.base));
    if (out.length === q.limit) break;
  }
  return out;
}

/** Horizon's resolutions (ms): 1 minute, 5 minutes, 15 minutes, 1 hour, 1 day, 1 week. */
export const RESOLUTIONS: ReadonlySet<number> = new Set([60_000, 300_000, 900_000, 3_600_000, 86_400_000, 604_800_000]);

export interface AggregationQuery {
  base: AssetKey;
  counter: AssetKey;
  /** Milliseconds since the epoch; already validated. */
  startTime: number;
  /** 0: no end. */
  endTime: number;
  resolution: number;
  offset: number;
  asc: boolean;
  limit: number;
}

export interface Bucket {
  timestamp: number;
  count: number;
  baseVolume: bigint;
  counterVolume: bigint;
  high: {n: number; d: number};
  low: {n: number; d: number};
  open: {n: number; d: number};
  close: {n: number; d: number};
}

/** Start rounded up and end rounded down to bucket boundaries (Horizon's WithStartTime / WithEndTime). */
export function bucketRange(q: {startTime: number; endTime: number; resolution: number; offset: number}): {start: number; end: number} {
  const start = q.startTime < q.offset ? q.offset : Math.ceil((q.startTime - q.offset) / q.resolution) * q.resolution + q.offset;
  const end = q.endTime === 0 ? Number.MAX_SAFE_INTEGER : q.endTime < q.offset ? q.offset : Math.floor((q.endTime - q.offset) / q.resolution) * q.resolution + q.offset;
  return {start, end};
}

function lessPrice(a: {n: number; d: number}, b: {n: number; d: number}): boolean {
  return BigInt(a.n) * BigInt(b.d) < BigInt(b.n) * BigInt(a.d);
}

/**
 * Buckets of `resolution` ms (shifted by `offset`) over [start, end), in the asked order, up
 * to `limit`; each sums the base and counter volumes and keeps the high, low, first and last
 * trade price (counter per base). The pair's trades are read from the first ledger closed at or
 * after the range's start (ascending) or before its end (descending), found by a binary search
 * of the headers, so a page reads the trades of its own buckets.
 */
export function tradeAggregations(reader: TradesReader, q: AggregationQuery): Bucket[] {
  const {start, end} = bucketRange(q);
  const buckets: Bucket[] = [];
  const byTs = new Map<number, Bucket>();
  // Exclusive cursors: after every trade of the ledger before the start, before any trade of the ledger at the end.
  let from: TradeKey | undefined;
  if (reader.firstLedgerAt !== undefined) {
    if (q.asc) from = [reader.firstLedgerAt(start) - 1, Infinity, Infinity, Infinity];
    else if (end !== Number.MAX_SAFE_INTEGER) from = [reader.firstLedgerAt(end), 0, 0, -1];
  }
  for (const row of reader.trades({pair: [q.base, q.counter]}, from, q.asc)) {
    const t = row.closedAt * 1000;
    if (t < start || t >= end) {
      if (q.asc ? t >= end : t < start) break;
      continue;
    }
    const o = orientTrade(row, q.base);
    if (o.priceD === 0) continue; // a trade whose maker price was not recorded
    const ts = Math.floor((t - q.offset) / q.resolution) * q.resolution + q.offset;
    let b = byTs.get(ts);
    const price = {n: o.priceN, d: o.priceD};
    if (b === undefined) {
      if (buckets.length === q.limit) break;
      b = {timestamp: ts, count: 0, baseVolume: 0n, counterVolume: 0n, high: price, low: price, open: price, close: price};
      byTs.set(ts, b);
      buckets.push(b);
    }
    b.count++;
    b.baseVolume += o.baseAmount;
    b.counterVolume += o.counterAmount;
    if (lessPrice(b.high, price)) b.high = price;
    if (lessPrice(price, b.low)) b.low = price;
    // Trades arrive in history order: ascending, the first is the open; descending, the close.
    if (q.asc) b.close = price;
    else b.open = price;
  }
  return buckets;
}
