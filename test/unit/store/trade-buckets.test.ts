/**
 * /trade_aggregations from per-minute buckets (store/trade-buckets.ts) against brute force over
 * the trades themselves, on a seeded random history of three pairs over several weeks (amounts
 * past 2^53, int32 prices, trades without a recorded price, ledgers sharing a minute): every
 * Horizon resolution and offset, random start/end times, both orders, both orientations of a
 * pair, random limits, and walking pages with Horizon's next-link rule gives the whole answer.
 * A page reads only the minute buckets of its own buckets (plus one past the last) and no trade.
 * Then: trades stored before buckets existed (no marker) are built into buckets when a writer
 * opens the store, an interrupted build resumes from its marker, and pruning recomputes the
 * minutes it cuts through.
 */
import {describe, it, after} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {open, type RootDatabase} from "lmdb";
import {prng} from "../../helpers/prng.js";
import {StoreFixture} from "./fixtures.js";
import {LedgerStore} from "../../../src/store/ledger-store.js";
import {MAX_TABLES} from "../../../src/store/options.js";
import {TradesRepo, type TradeRow} from "../../../src/store/trades-repo.js";
import {TradeBuckets} from "../../../src/store/trade-buckets.js";
import {RESOLUTIONS, tradeAggregations, type AggregationQuery, type Bucket, type TradesReader} from "../../../src/api/queries/trades.js";

const SEED = 0x7b0c4e7;
const ISSUER = "GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const USD = `USD:${ISSUER}`;
const EUR = `EUR:${ISSUER}`;
const ASSETS = ["native", USD, EUR];
const T0 = 1_700_000_000;
const HOUR = 3_600_000;

interface History {
  rows: TradeRow[];
  /** Rows by ledger, in trade order. */
  ledgers: TradeRow[][];
}

/** Ledgers 2.. with 0-4 trades each; close times step 0-300 s, now and then a day or three. */
function randomHistory(seed: number, ledgers: number): History {
  const rand = prng(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const big = (): bigint => (rand() < 0.1 ? (BigInt(int(2 ** 30)) << 32n) + BigInt(int(2 ** 32)) : BigInt(1 + int(1e9)));
  let closedAt = T0;
  const out: History = {rows: [], ledgers: []};
  for (let l = 2; l < ledgers + 2; l++) {
    closedAt += rand() < 0.03 ? int(3 * 86_400) : rand() < 0.3 ? 0 : int(300);
    const rows: TradeRow[] = [];
    const n = rand() < 0.3 ? 0 : 1 + int(4);
    for (let k = 0; k < n; k++) {
      const s = int(3);
      const b = (s + 1 + int(2)) % 3;
      const unknownPrice = rand() < 0.02;
      rows.push({
        ledger: l,
        txIndex: 1 + int(2) + k * 2,
        opIndex: 1,
        order: k,
        closedAt,
        maker: "GMAKER",
        makerOfferId: BigInt(l * 10 + k),
        sold: ASSETS[s]!,
        amountSold: big(),
        bought: ASSETS[b]!,
        amountBought: big(),
        taker: "GTAKER",
        takerOfferId: 1n << 62n,
        priceN: unknownPrice ? 0 : rand() < 0.5 ? 1 + int(20) : 1 + int(2 ** 31 - 1),
        priceD: unknownPrice ? 0 : rand() < 0.5 ? 1 + int(20) : 1 + int(2 ** 31 - 1),
      });
    }
    rows.sort((x, y) => x.txIndex - y.txIndex || x.order - y.order);
    out.ledgers.push(rows);
    out.rows.push(...rows);
  }
  return out;
}

function cmp(a: {n: number; d: number}, b: {n: number; d: number}): number {
  const l = BigInt(a.n) * BigInt(b.d);
  const r = BigInt(b.n) * BigInt(a.d);
  return l < r ? -1 : l > r ? 1 : 0;
}

interface Expected extends Bucket {
  minutes: Set<number>;
}

/** Horizon's answer computed from the trades: rounding, [start, end), trade order for open/close. */
function bruteForce(rows: TradeRow[], q: AggregationQuery): Expected[] {
  const start = q.startTime === 0 ? 0 : q.startTime < q.offset ? q.offset : Math.ceil((q.startTime - q.offset) / q.resolution) * q.resolution + q.offset;
  const end = q.endTime === 0 ? Infinity : Math.floor((q.endTime - q.offset) / q.resolution) * q.resolution + q.offset;
  const groups = new Map<number, Expected>();
  for (const r of rows) {
    const ofPair = (r.sold === q.base && r.bought === q.counter) || (r.sold === q.counter && r.bought === q.base);
    if (!ofPair || r.priceD === 0) continue;
    const t = r.closedAt * 1000;
    if (t < start || t >= end) continue;
    const baseSold = r.sold === q.base;
    const price = baseSold ? {n: r.priceN, d: r.priceD} : {n: r.priceD, d: r.priceN};
    const baseAmount = baseSold ? r.amountSold : r.amountBought;
    const counterAmount = baseSold ? r.amountBought : r.amountSold;
    const ts = Math.floor((t - q.offset) / q.resolution) * q.resolution + q.offset;
    const g = groups.get(ts);
    if (g === undefined) {
      groups.set(ts, {timestamp: ts, count: 1, baseVolume: baseAmount, counterVolume: counterAmount, high: price, low: price, open: price, close: price, minutes: new Set([Math.floor(t / 60_000)])});
      continue;
    }
    g.count++;
    g.baseVolume += baseAmount;
    g.counterVolume += counterAmount;
    if (cmp(price, g.high) > 0) g.high = price;
    if (cmp(price, g.low) < 0) g.low = price;
    g.close = price;
    g.minutes.add(Math.floor(t / 60_000));
  }
  const all = [...groups.values()].sort((a, b) => a.timestamp - b.timestamp);
  if (!q.asc) all.reverse();
  return all.slice(0, q.limit);
}

function strip(e: Expected[]): Bucket[] {
  return e.map(({minutes: _m, ...b}) => b);
}

function countingReader(source: Pick<TradesReader, "tradeBuckets">, reads: {minutes: number}): TradesReader {
  return {
    trades() {
      throw new Error("an aggregation must not read trades");
    },
    *tradeBuckets(a, b, from, to, asc) {
      for (const m of source.tradeBuckets(a, b, from, to, asc)) {
        reads.minutes++;
        yield m;
      }
    },
  };
}

function randomQuery(rand: () => number, rows: TradeRow[]): AggregationQuery {
  const first = rows[0]!.closedAt * 1000;
  const span = rows[rows.length - 1]!.closedAt * 1000 - first;
  const resolutions = [...RESOLUTIONS];
  const resolution = resolutions[Math.floor(rand() * resolutions.length)]!;
  const offsets = [0];
  for (let h = 1; h < 24 && h * HOUR <= resolution; h++) offsets.push(h * HOUR);
  const offset = rand() < 0.5 ? 0 : offsets[Math.floor(rand() * offsets.length)]!;
  const startTime = rand() < 0.2 ? 0 : first - 3 * HOUR + Math.floor(rand() * span);
  let endTime = rand() < 0.3 ? 0 : startTime + Math.floor(rand() * span);
  // Horizon refuses an end before the offset or (rounded) before the start: the route answers 400.
  if (endTime !== 0 && (endTime < offset || Math.floor((endTime - offset) / resolution) * resolution + offset < (startTime === 0 ? 0 : Math.ceil((startTime - offset) / resolution) * resolution + offset))) endTime = 0;
  const pair = [...ASSETS].sort(() => rand() - 0.5);
  return {base: pair[0]!, counter: pair[1]!, startTime, endTime, resolution, offset, asc: rand() < 0.5, limit: 1 + Math.floor(rand() * (rand() < 0.5 ? 10 : 200))};
}

function checkQueries(history: History, source: Pick<TradesReader, "tradeBuckets">, seed: number, n: number): void {
  const rand = prng(seed);
  for (let i = 0; i < n; i++) {
    const q = randomQuery(rand, history.rows);
    const expected = bruteForce(history.rows, q);
    const reads = {minutes: 0};
    const got = tradeAggregations(countingReader(source, reads), q);
    assert.deepEqual(got, strip(expected), `seed ${seed} query ${i}: ${JSON.stringify(q)}`);
    const minutes = expected.reduce((s, e) => s + e.minutes.size, 0);
    assert.ok(reads.minutes <= minutes + 1, `query ${i} read ${reads.minutes} minute buckets for a page of ${minutes}`);
  }
}

/** Every page of a query, following Horizon's next link (which needs an end_time ascending), concatenated. */
function walkPages(source: Pick<TradesReader, "tradeBuckets">, q: AggregationQuery): Bucket[] {
  const out: Bucket[] = [];
  let page = {...q};
  for (let pages = 0; pages < 100_000; pages++) {
    const got = tradeAggregations(countingReader(source, {minutes: 0}), page);
    if (got.length === 0) return out;
    out.push(...got);
    const last = got[got.length - 1]!.timestamp;
    if (q.asc) page = {...page, startTime: Math.min(last + q.resolution, q.endTime)};
    else page = {...page, endTime: Math.max(last, q.startTime)};
  }
  throw new Error("paging did not end");
}

function tempRoot(): {root: RootDatabase; dir: string} {
  const dir = mkdtempSync(join(tmpdir(), "diamante-buckets-test-"));
  return {root: open({path: join(dir, "ledger.mdb"), maxDbs: MAX_TABLES, noSync: true}), dir};
}

function bucketsOf(buckets: TradeBuckets): Pick<TradesReader, "tradeBuckets"> {
  return {tradeBuckets: (a, b, from, to, asc) => buckets.range(a, b, from, to, asc)};
}

describe("trade aggregations from minute buckets", () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, {recursive: true, force: true});
  });

  it("equal brute force over the trades for every resolution, offset, order and limit, reading only the page's minutes", async () => {
    const history = randomHistory(SEED, 1_500);
    const {root, dir} = tempRoot();
    dirs.push(dir);
    const repo = new TradesRepo(root);
    const buckets = new TradeBuckets(root);
    // As the ledger commit writes them: one batch per ledger, reads inside seeing the ledger before.
    for (const rows of history.ledgers) {
      await root.batch(() => {
        for (const r of rows) repo.putRow(r);
        buckets.add(rows);
      });
    }
    checkQueries(history, bucketsOf(buckets), SEED + 1, 1_500);
    await root.close();
  });

  it("page by page with Horizon's next links gives the whole answer, in both orders", async () => {
    const history = randomHistory(SEED + 2, 800);
    const {root, dir} = tempRoot();
    dirs.push(dir);
    const repo = new TradesRepo(root);
    const buckets = new TradeBuckets(root);
    for (const rows of history.ledgers) {
      await root.batch(() => {
        for (const r of rows) repo.putRow(r);
        buckets.add(rows);
      });
    }
    const rand = prng(SEED + 3);
    let walked = 0;
    for (let i = 0; i < 200; i++) {
      const q = randomQuery(rand, history.rows);
      const first = history.rows[0]!.closedAt * 1000;
      // Ascending pages need an end_time (Horizon's next link caps start_time at it).
      const query = {...q, startTime: q.startTime || first - 2 * q.resolution, endTime: q.endTime || history.rows[history.rows.length - 1]!.closedAt * 1000 + q.resolution, limit: 1 + Math.floor(rand() * 5)};
      const all = strip(bruteForce(history.rows, {...query, limit: Infinity}));
      const pages = walkPages(bucketsOf(buckets), query);
      assert.deepEqual(pages, all, JSON.stringify(query));
      walked += pages.length;
    }
    assert.ok(walked > 1_000, `paging covered ${walked} buckets`);
    await root.close();
  });

  it("are built when a writer opens a store whose trades predate them, and an interrupted build resumes", async () => {
    const history = randomHistory(SEED + 4, 600);
    const fx = new StoreFixture({accounts: 1});
    dirs.push(fx.dir);
    await fx.store.close();
    // Trades as a build without buckets stored them: the trades table only, no marker.
    const file = join(fx.dir, "ledger.mdb");
    let raw = open({path: file, maxDbs: MAX_TABLES});
    let repo = new TradesRepo(raw);
    const half = Math.floor(history.ledgers.length / 2);
    raw.transactionSync(() => {
      for (const rows of history.ledgers.slice(0, half)) for (const r of rows) repo.putRow(r);
    });
    assert.equal(new TradeBuckets(raw).through(), undefined);
    await raw.close();

    let store = new LedgerStore({dir: fx.dir});
    const firstHalf: History = {rows: history.ledgers.slice(0, half).flat(), ledgers: history.ledgers.slice(0, half)};
    checkQueries(firstHalf, store, SEED + 5, 300);
    await store.close();

    // The rest: some ledgers committed by a build without buckets (marker left behind), and an
    // interrupted build (marker inside a ledger's trades) over the remaining ones.
    raw = open({path: file, maxDbs: MAX_TABLES});
    repo = new TradesRepo(raw);
    const rest = history.ledgers.slice(half).flat();
    const cut = Math.floor(rest.length / 2);
    const buckets = new TradeBuckets(raw);
    raw.transactionSync(() => {
      for (const r of rest) repo.putRow(r);
      buckets.add(rest.slice(0, cut));
    });
    assert.deepEqual(buckets.through(), [rest[cut - 1]!.ledger, rest[cut - 1]!.txIndex, rest[cut - 1]!.opIndex, rest[cut - 1]!.order]);
    await raw.close();
    store = new LedgerStore({dir: fx.dir});
    checkQueries(history, store, SEED + 6, 300);
    await store.close();
  });

  it("follow pruning: minutes it cuts through are recomputed from the trades that remain", async () => {
    const history = randomHistory(SEED + 7, 600);
    const {root, dir} = tempRoot();
    dirs.push(dir);
    const repo = new TradesRepo(root);
    const buckets = new TradeBuckets(root);
    await root.batch(() => {
      for (const r of history.rows) repo.putRow(r);
    });
    root.transactionSync(() => buckets.add(history.rows));
    const reader = bucketsOf(buckets);
    const rand = prng(SEED + 8);
    let keepFrom = 2;
    while (keepFrom < 500) {
      keepFrom += 1 + Math.floor(rand() * 40);
      // Chunks of a few trades, so a chunk ends inside a minute (and inside a ledger).
      for (;;) {
        const removed: TradeRow[] = [];
        let n = 0;
        await root.batch(() => {
          n = repo.prune(keepFrom, 1 + Math.floor(rand() * 7), removed);
          buckets.afterPrune(removed, repo);
        });
        if (n === 0) break;
        const remaining = history.rows.filter((r) => r.ledger > removed[removed.length - 1]!.ledger || (r.ledger === removed[removed.length - 1]!.ledger && (r.txIndex > removed[removed.length - 1]!.txIndex || (r.txIndex === removed[removed.length - 1]!.txIndex && r.order > removed[removed.length - 1]!.order))));
        if (rand() < 0.2) checkQueries({rows: remaining, ledgers: []}, reader, keepFrom, 20);
      }
    }
    checkQueries({rows: history.rows.filter((r) => r.ledger >= keepFrom), ledgers: []}, reader, SEED + 9, 300);
    // A minute bound (the last closed ledger's minute, which a queued commit may still add to) stops the prune before it.
    const left = history.rows.filter((r) => r.ledger >= keepFrom);
    const bound = Math.floor((left[Math.floor(left.length / 2)]!.closedAt * 1000) / 60_000) * 60_000;
    const removed: TradeRow[] = [];
    await root.batch(() => {
      repo.prune(Infinity, 1_000_000, removed, bound);
      buckets.afterPrune(removed, repo);
    });
    assert.deepEqual(removed, left.filter((r) => r.closedAt * 1000 < bound));
    checkQueries({rows: left.filter((r) => r.closedAt * 1000 >= bound), ledgers: []}, reader, SEED + 10, 100);
    await root.close();
  });
});
