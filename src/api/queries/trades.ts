/**
 * Trades and trade aggregations (Horizon's /trades and /trade_aggregations) as plain functions
 * over a store reader, so the worker pool can run them against its own read snapshot.
 */
import type {AssetKey} from "../../ledger/types.js";
import {assetOrder, type TradeFilter, type TradeKey, type TradeRow} from "../../store/trades-repo.js";
import {canonicalPair, priceLess, type MinuteBucket, type Price} from "../../store/trade-buckets.js";

export interface TradesReader {
  trades(filter: TradeFilter, cursor: TradeKey | undefined, asc: boolean): Iterable<TradeRow>;
  /** The pair's minute buckets (a before b in `assetOrder`) whose minute is in [fromMs, toMs), in time order or reversed, lazily. */
  tradeBuckets(a: AssetKey, b: AssetKey, fromMs: number, toMs: number, asc: boolean): Iterable<MinuteBucket>;
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
  high: Price;
  low: Price;
  open: Price;
  close: Price;
}

/** Start rounded up and end rounded down to bucket boundaries (Horizon's WithStartTime / WithEndTime). */
export function bucketRange(q: {startTime: number; endTime: number; resolution: number; offset: number}): {start: number; end: number} {
  const start = q.startTime < q.offset ? q.offset : Math.ceil((q.startTime - q.offset) / q.resolution) * q.resolution + q.offset;
  const end = q.endTime === 0 ? Number.MAX_SAFE_INTEGER : q.endTime < q.offset ? q.offset : Math.floor((q.endTime - q.offset) / q.resolution) * q.resolution + q.offset;
  return {start, end};
}

function inverse(p: Price): Price {
  return {n: p.d, d: p.n};
}

/** A minute bucket seen with `base` as base: stored with the pair's first asset as base, else inverted. */
function oriented(m: MinuteBucket, flip: boolean): Bucket {
  if (!flip) return {timestamp: m.minute, count: m.count, baseVolume: m.baseVolume, counterVolume: m.counterVolume, high: m.high, low: m.low, open: m.open, close: m.close};
  return {
    timestamp: m.minute,
    count: m.count,
    baseVolume: m.counterVolume,
    counterVolume: m.baseVolume,
    high: inverse(m.low),
    low: inverse(m.high),
    open: inverse(m.open),
    close: inverse(m.close),
  };
}

/**
 * Buckets of `resolution` ms (shifted by `offset`) over [start, end), in the asked order, up
 * to `limit`; each sums the base and counter volumes and keeps the high, low, first and last
 * trade price (counter per base). Merged from the pair's per-minute buckets (store/trade-buckets.ts,
 * Horizon's history_trades_60000), read from the range's edge in the asked order, so a page
 * costs the minutes of its own buckets whatever the number of trades in them.
 */
export function tradeAggregations(reader: TradesReader, q: AggregationQuery): Bucket[] {
  const {start, end} = bucketRange(q);
  const out: Bucket[] = [];
  if (start >= end || q.base === q.counter) return out;
  const [a, b] = canonicalPair(q.base, q.counter);
  const flip = a !== q.base;
  let cur: Bucket | undefined;
  for (const minute of reader.tradeBuckets(a, b, start, end, q.asc)) {
    const m = oriented(minute, flip);
    const ts = Math.floor((m.timestamp - q.offset) / q.resolution) * q.resolution + q.offset;
    if (cur === undefined || cur.timestamp !== ts) {
      if (out.length === q.limit) break;
      cur = {...m, timestamp: ts};
      out.push(cur);
      continue;
    }
    cur.count += m.count;
    cur.baseVolume += m.baseVolume;
    cur.counterVolume += m.counterVolume;
    if (priceLess(cur.high, m.high)) cur.high = m.high;
    if (priceLess(m.low, cur.low)) cur.low = m.low;
    // Minutes arrive in time order: ascending, the latest minute closes the bucket; descending, the earliest opens it.
    if (q.asc) cur.close = m.close;
    else cur.open = m.open;
  }
  return out;
}
