/**
 * Per-minute trade buckets of each asset pair (Horizon's history_trades_60000), so
 * /trade_aggregations merges a page's buckets instead of reading every trade inside it:
 *
 *   tradeBuckets  [A, B, minute ms] → [1, count, base volume, counter volume,
 *                                       high n, high d, low n, low d, open n, open d, close n, close d,
 *                                       first trade key (4 numbers), last trade key (4 numbers)]
 *                 [""]               → [1, trade key (4 numbers)]   every trade up to this one is in its bucket
 *
 * A is the pair's first asset in `assetOrder` and is the bucket's base: prices are B per A, as
 * exact int32 fractions (the maker offers' prices, never divided out), volumes exact integers.
 * Open and close are the prices of the minute's first and last trade in trade order (ledger, tx,
 * operation, atom), whose keys the row keeps. Buckets are written in the ledger's commit batch
 * from the trades written in it; a trade whose maker price was not recorded (0/0) is in no bucket,
 * as it is in no aggregation. "" is never an asset key, so the marker row is in no pair's range.
 *
 * A store written by a build without buckets has no marker (every bucket is built from the trades
 * table when a writer opens it) or one behind its trades (a build without buckets committed after
 * this one: the later trades are folded in on open). Pruning trades recomputes the buckets of the
 * minutes they leave, from the trades that remain, so buckets always equal the stored trades.
 */
import type {Database, RootDatabase, Transaction} from "lmdb";
import type {AssetKey} from "../ledger/types.js";
import {fieldsOf} from "./codec.js";
import {assetOrder, type TradeKey, type TradeRow} from "./trades-repo.js";

const VERSIONS = [1] as const;
const MARKER_KEY = [""];
const MINUTE_MS = 60_000;
/** Trades folded per write transaction when buckets are built on open: ~100k puts stay a few hundred ms. */
const BUILD_CHUNK_TRADES = 100_000;

export interface Price {
  n: number;
  d: number;
}

/** One minute of one pair's trades, with the pair's first asset (`assetOrder`) as base. */
export interface MinuteBucket {
  /** Start of the minute, ms since the epoch. */
  minute: number;
  count: number;
  baseVolume: bigint;
  counterVolume: bigint;
  /** Counter per base. */
  high: Price;
  low: Price;
  open: Price;
  close: Price;
  first: TradeKey;
  last: TradeKey;
}

type BucketKey = [AssetKey, AssetKey, number];

/** The pair of a trade with its first asset first. */
export function canonicalPair(x: AssetKey, y: AssetKey): [AssetKey, AssetKey] {
  return assetOrder(x, y) < 0 ? [x, y] : [y, x];
}

/** a < b, compared exactly. */
export function priceLess(a: Price, b: Price): boolean {
  return BigInt(a.n) * BigInt(b.d) < BigInt(b.n) * BigInt(a.d);
}

function tradeKeyOf(row: TradeRow): TradeKey {
  return [row.ledger, row.txIndex, row.opIndex, row.order];
}

/** The trade's amounts and price with the pair's first asset as base; null when its price is unknown. */
function canonicalTrade(row: TradeRow): {baseAmount: bigint; counterAmount: bigint; price: Price} | null {
  if (row.priceD === 0) return null;
  // The maker's price is bought per sold: counter per base when the maker sold the base.
  if (assetOrder(row.sold, row.bought) < 0) return {baseAmount: row.amountSold, counterAmount: row.amountBought, price: {n: row.priceN, d: row.priceD}};
  return {baseAmount: row.amountBought, counterAmount: row.amountSold, price: {n: row.priceD, d: row.priceN}};
}

/** Adds a trade that comes after every trade already in `b` (trade order). */
function foldTrade(b: MinuteBucket | undefined, row: TradeRow, minute: number): MinuteBucket | undefined {
  const t = canonicalTrade(row);
  if (t === null) return b;
  const key = tradeKeyOf(row);
  if (b === undefined) {
    return {minute, count: 1, baseVolume: t.baseAmount, counterVolume: t.counterAmount, high: t.price, low: t.price, open: t.price, close: t.price, first: key, last: key};
  }
  b.count++;
  b.baseVolume += t.baseAmount;
  b.counterVolume += t.counterAmount;
  if (priceLess(b.high, t.price)) b.high = t.price;
  if (priceLess(t.price, b.low)) b.low = t.price;
  b.close = t.price;
  b.last = key;
  return b;
}

export function minuteOf(row: TradeRow): number {
  return Math.floor((row.closedAt * 1000) / MINUTE_MS) * MINUTE_MS;
}

function encode(b: MinuteBucket): unknown[] {
  return [1, b.count, b.baseVolume, b.counterVolume, b.high.n, b.high.d, b.low.n, b.low.d, b.open.n, b.open.d, b.close.n, b.close.d, ...b.first, ...b.last];
}

function decode(minute: number, raw: unknown): MinuteBucket {
  const f = fieldsOf("tradeBuckets", raw, VERSIONS).fields as Array<number | bigint>;
  const n = (i: number): number => f[i] as number;
  return {
    minute,
    count: n(0),
    baseVolume: f[1] as bigint,
    counterVolume: f[2] as bigint,
    high: {n: n(3), d: n(4)},
    low: {n: n(5), d: n(6)},
    open: {n: n(7), d: n(8)},
    close: {n: n(9), d: n(10)},
    first: [n(11), n(12), n(13), n(14)],
    last: [n(15), n(16), n(17), n(18)],
  };
}

/** The trades a bucket rebuild reads: a pair's trades after a key, in trade order. */
export interface PairTrades {
  scan(filter: {pair: [AssetKey, AssetKey]}, cursor: TradeKey | undefined, asc: boolean, txn?: Transaction): Iterable<TradeRow>;
}

export class TradeBuckets {
  readonly db: Database<unknown, (string | number)[]>;

  constructor(root: RootDatabase) {
    this.db = root.openDB({name: "tradeBuckets"});
  }

  /** The last trade folded into a bucket (every trade up to it is in one); undefined when none ever was. */
  through(txn?: Transaction): TradeKey | undefined {
    const raw = this.db.get(MARKER_KEY, txn ? {transaction: txn} : undefined);
    return raw === undefined ? undefined : (fieldsOf("tradeBuckets", raw, VERSIONS).fields as TradeKey);
  }

  /**
   * Inside a write (batch or synchronous): folds trades, in trade order and after every trade
   * already in their buckets, into their minute buckets, and moves the marker to the last one.
   * Each bucket is read once (reads in a batch see the state before it) and written once.
   */
  add(rows: readonly TradeRow[]): void {
    const last = rows[rows.length - 1];
    if (last === undefined) return;
    const touched = new Map<string, {key: BucketKey; bucket: MinuteBucket | undefined}>();
    for (const row of rows) {
      const [a, b] = canonicalPair(row.sold, row.bought);
      const minute = minuteOf(row);
      const id = `${a}\n${b}\n${minute}`;
      let slot = touched.get(id);
      if (slot === undefined) {
        const key: BucketKey = [a, b, minute];
        const raw = this.db.get(key);
        slot = {key, bucket: raw === undefined ? undefined : decode(minute, raw)};
        touched.set(id, slot);
      }
      slot.bucket = foldTrade(slot.bucket, row, minute);
    }
    for (const {key, bucket} of touched.values()) if (bucket !== undefined) void this.db.put(key, encode(bucket));
    void this.db.put(MARKER_KEY, [1, ...tradeKeyOf(last)]);
  }

  /**
   * Inside the prune batch, after `removed` (a prefix of the trades table in trade order, so a
   * prefix of each pair's trades) were deleted: each minute they came from is rebuilt from the
   * pair's trades after the last one removed, or deleted when none of it remains.
   */
  afterPrune(removed: TradeRow[], trades: PairTrades): void {
    const lastRemoved = new Map<string, {pair: [AssetKey, AssetKey]; key: TradeKey; minutes: Set<number>}>();
    for (const row of removed) {
      const pair = canonicalPair(row.sold, row.bought);
      const id = `${pair[0]}\n${pair[1]}`;
      const seen = lastRemoved.get(id) ?? {pair, key: tradeKeyOf(row), minutes: new Set<number>()};
      seen.key = tradeKeyOf(row);
      seen.minutes.add(minuteOf(row));
      lastRemoved.set(id, seen);
    }
    for (const {pair, key, minutes} of lastRemoved.values()) {
      const rebuilt = new Map<number, MinuteBucket | undefined>();
      for (const row of trades.scan({pair}, key, true)) {
        const minute = minuteOf(row);
        if (!minutes.has(minute)) break;
        rebuilt.set(minute, foldTrade(rebuilt.get(minute), row, minute));
      }
      for (const minute of minutes) {
        const b = rebuilt.get(minute);
        if (b === undefined) void this.db.remove([pair[0], pair[1], minute]);
        else void this.db.put([pair[0], pair[1], minute], encode(b));
      }
    }
  }

  /**
   * For a writer opening the store: folds in the trades after the marker (every trade when
   * buckets were never built), in chunks of their own write transactions, each moving the marker
   * with it, so an interrupted build resumes where it stopped. Returns how many were folded.
   */
  catchUp(trades: {scanAll(after: TradeKey | undefined): Iterable<TradeRow>}, root: RootDatabase): number {
    let after = this.through();
    let total = 0;
    for (;;) {
      const chunk: TradeRow[] = [];
      for (const row of trades.scanAll(after)) {
        chunk.push(row);
        if (chunk.length === BUILD_CHUNK_TRADES) break;
      }
      if (chunk.length > 0) root.transactionSync(() => this.add(chunk));
      total += chunk.length;
      if (chunk.length < BUILD_CHUNK_TRADES) return total;
      after = tradeKeyOf(chunk[chunk.length - 1] as TradeRow);
    }
  }

  /**
   * The pair's minute buckets (A before B in `assetOrder`) whose minute is in [from, to), in
   * time order or reversed, lazily.
   */
  *range(a: AssetKey, b: AssetKey, from: number, to: number, asc: boolean, txn?: Transaction): Generator<MinuteBucket> {
    // Ranges include `start` and exclude `end`; descending, start is the high bound: one below
    // `from` keeps the bucket at `from`, and the bucket at `to` itself is skipped.
    const opts = asc ? {start: [a, b, from], end: [a, b, to], transaction: txn} : {start: [a, b, to], end: [a, b, from - 1], reverse: true, transaction: txn};
    for (const {key, value} of this.db.getRange(opts)) {
      const minute = key[2] as number;
      if (minute >= to || minute < from) continue;
      yield decode(minute, value);
    }
  }
}
