/**
 * The asset dashboard's data: the searchable asset list and one asset's page (issuer, supply,
 * holders, payments and trades per period, price candles, order-book depth, top holders).
 * Nothing is computed at ledger close: each answer is built on the first request after a close
 * and kept until the next one, so the cost is at most one computation per ledger per asset shown.
 */
import type {Asset, AssetKey, CreditAsset, TrustLineEntry} from "../ledger/types.js";
import {assetKey} from "../ledger/types.js";
import type {LedgerReader, StoredOp} from "../store/types.js";
import {assetStatsPage} from "../api/queries/assets.js";
import {orderBookSummary, type OrderBookRecord} from "../api/queries/order-book.js";
import {tradeAggregations, tradesPage} from "../api/queries/trades.js";
import {formatAmount} from "../api/format/amount.js";
import {priceString} from "../api/format/asset.js";
import {defaultDashboardOptions, type DashboardOptions} from "./options.js";

const HOUR_S = 3600;
/** Candles are one minute wide: on a node closing a ledger a second, a minute is ~60 ledgers. */
const CANDLE_MS = 60_000;
const TOP_HOLDERS = 10;
const BOOK_LEVELS = 20;
/** Looking for an asset's most recent counter asset reads at most this many trades. */
const COUNTER_SCAN = 10_000;
/** Operations read per LMDB page while catching up with payments. */
const OPS_PAGE = 200;

export interface AssetListItem {
  asset: AssetKey;
  code: string;
  issuer: string;
  holders: number;
  supply: string;
}

export interface PeriodTotals {
  count: number;
  volume: string;
}

export interface AssetPage {
  ledger: number;
  asset: AssetKey;
  code: string;
  issuer: string;
  issuerExists: boolean;
  homeDomain: string;
  issuerFlags: number;
  /** Every trustline balance plus claimable balances, in units (7 decimals). */
  supply: string;
  authorizedSupply: string;
  claimableBalances: number;
  holders: number;
  /** Trustlines with a positive balance. */
  fundedHolders: number;
  topHolders: {account: string; balance: string}[];
  payments: {lastHour: PeriodTotals; lastDay: PeriodTotals; hourly: {t: number; count: number; volume: string}[]};
  counter: AssetKey;
  trades: {lastHour: PeriodTotals & {counterVolume: string}; lastDay: PeriodTotals & {counterVolume: string}};
  /** Per minute over the last day, oldest first: unix s, open/high/low/close (counter per base), base volume. */
  candles: {t: number; open: number; high: number; low: number; close: number; volume: string; count: number}[];
  recentTrades: {ledger: number; closedAt: number; baseAmount: string; counterAmount: string; price: string}[];
  book: OrderBookRecord;
}

/** "native" or "CODE:ISSUER" into an asset; undefined when it names none. */
export function assetOfKey(key: string): Asset | undefined {
  if (key === "native") return {type: "native"};
  const m = /^([A-Za-z0-9]{1,12}):(G[A-Z2-7]{55})$/.exec(key);
  if (m === null) return undefined;
  const code = m[1]!;
  return {type: code.length <= 4 ? "credit_alphanum4" : "credit_alphanum12", code, issuer: m[2]!};
}

interface Bucket {
  count: number;
  volume: bigint;
}

/** The asset and amount a payment-type operation moved; undefined for the others. */
export function paymentAmount(op: StoredOp["op"]): {asset: Asset; amount: bigint} | undefined {
  switch (op.type) {
    case "payment":
      return {asset: op.asset, amount: op.amount};
    case "create_account":
      return {asset: {type: "native"}, amount: op.startingBalance};
    // The exact side of a path payment: what arrives for strict receive, what leaves for strict send.
    case "path_payment_strict_receive":
      return {asset: op.destAsset, amount: op.destAmount};
    case "path_payment_strict_send":
      return {asset: op.sendAsset, amount: op.sendAmount};
    default:
      return undefined;
  }
}

/** Hourly payment counts and volumes per asset, caught up from the history on demand. */
export class PaymentActivity {
  private readonly hours = new Map<AssetKey, Map<number, Bucket>>();
  /** Paging token of the last operation counted; null before the first catch-up. */
  private cursor: string | null = null;

  constructor(
    private readonly reader: LedgerReader,
    private readonly opts: DashboardOptions,
  ) {}

  /** Reads the payments closed since the last call (the last day's on the first call). */
  catchUp(nowS: number): void {
    const since = nowS - this.opts.activityHours * HOUR_S;
    if (this.cursor === null) {
      // Newest first until past the period or the cap; then forward from the newest.
      let cursor: string | undefined;
      let read = 0;
      let newest: string | undefined;
      for (;;) {
        const page = this.reader.ops({cursor, limit: OPS_PAGE, order: "desc"}, {paymentsOnly: true});
        if (page.length === 0) break;
        newest ??= page[0]!.id;
        let done = false;
        for (const op of page) {
          if (op.closedAt < since || read >= this.opts.activityBackfillOps) {
            done = true;
            break;
          }
          read++;
          this.count(op);
        }
        if (done || page.length < OPS_PAGE) break;
        cursor = page[page.length - 1]!.id;
      }
      // With no payment at all, start after the latest ledger's last possible operation.
      this.cursor = newest ?? ((BigInt(this.reader.latestHeader().seq) << 32n) | 0xffffffffn).toString();
    } else {
      for (;;) {
        const page = this.reader.ops({cursor: this.cursor, limit: OPS_PAGE, order: "asc"}, {paymentsOnly: true});
        for (const op of page) this.count(op);
        if (page.length > 0) this.cursor = page[page.length - 1]!.id;
        if (page.length < OPS_PAGE) break;
      }
    }
    this.prune(since);
  }

  totals(asset: AssetKey, nowS: number): AssetPage["payments"] {
    const byHour = this.hours.get(asset) ?? new Map<number, Bucket>();
    const firstHour = Math.floor(nowS / HOUR_S) * HOUR_S - (this.opts.activityHours - 1) * HOUR_S;
    const hourly: AssetPage["payments"]["hourly"] = [];
    let day: Bucket = {count: 0, volume: 0n};
    for (let h = firstHour; h <= nowS; h += HOUR_S) {
      const b = byHour.get(h) ?? {count: 0, volume: 0n};
      hourly.push({t: h, count: b.count, volume: formatAmount(b.volume)});
      day = {count: day.count + b.count, volume: day.volume + b.volume};
    }
    // "Last hour" is the current clock hour and the one before it, the finest the buckets allow.
    const cur = Math.floor(nowS / HOUR_S) * HOUR_S;
    const a = byHour.get(cur) ?? {count: 0, volume: 0n};
    const b = byHour.get(cur - HOUR_S) ?? {count: 0, volume: 0n};
    return {
      lastHour: {count: a.count + b.count, volume: formatAmount(a.volume + b.volume)},
      lastDay: {count: day.count, volume: formatAmount(day.volume)},
      hourly,
    };
  }

  private count(op: StoredOp): void {
    if (!op.transactionSuccessful) return;
    const p = paymentAmount(op.op);
    if (p === undefined) return;
    const key = assetKey(p.asset);
    let byHour = this.hours.get(key);
    if (byHour === undefined) {
      byHour = new Map();
      this.hours.set(key, byHour);
    }
    const h = Math.floor(op.closedAt / HOUR_S) * HOUR_S;
    const b = byHour.get(h) ?? {count: 0, volume: 0n};
    b.count++;
    b.volume += p.amount;
    byHour.set(h, b);
  }

  private prune(sinceS: number): void {
    const keepFrom = Math.floor(sinceS / HOUR_S) * HOUR_S;
    for (const byHour of this.hours.values()) for (const h of byHour.keys()) if (h < keepFrom) byHour.delete(h);
  }
}

function credit(a: Asset): CreditAsset | undefined {
  return a.type === "native" ? undefined : a;
}

export class AssetBoard {
  private readonly opts: DashboardOptions;
  private readonly activity: PaymentActivity;
  private cachedLedger = -1;
  private list: AssetListItem[] | null = null;
  private readonly pages = new Map<string, AssetPage | null>();

  constructor(
    private readonly reader: LedgerReader,
    opts: Partial<DashboardOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = {...defaultDashboardOptions, ...opts};
    this.activity = new PaymentActivity(reader, this.opts);
  }

  /** Assets whose code or issuer contains `search` (case-insensitive), most holders first. */
  assets(search: string, limit: number): {ledger: number; assets: AssetListItem[]} {
    const ledger = this.fresh();
    this.list ??= assetStatsPage(this.reader, {asc: true, limit: Number.MAX_SAFE_INTEGER})
      .map((s) => {
        const supply = s.balances.authorized + s.balances.maintain + s.balances.unauthorized + s.claimableBalancesAmount;
        return {
          asset: assetKey(s.asset),
          code: s.asset.code,
          issuer: s.asset.issuer,
          holders: s.accounts.authorized + s.accounts.maintain + s.accounts.unauthorized,
          supply: formatAmount(supply),
        };
      })
      .sort((a, b) => b.holders - a.holders || (a.asset < b.asset ? -1 : 1));
    const q = search.trim().toLowerCase();
    const hits = q === "" ? this.list : this.list.filter((a) => a.code.toLowerCase().includes(q) || a.issuer.toLowerCase().includes(q));
    return {ledger, assets: hits.slice(0, limit)};
  }

  /** One asset's page against `counter` (default: the counter of its latest trade, else native). */
  asset(code: string, issuer: string, counterKey: string | undefined): AssetPage | undefined {
    const ledger = this.fresh();
    const key = `${code}:${issuer}|${counterKey ?? ""}`;
    if (this.pages.has(key)) return this.pages.get(key) ?? undefined;
    const page = this.build(code, issuer, counterKey, ledger);
    this.pages.set(key, page ?? null);
    return page;
  }

  /** Drops cached answers when a ledger closed since they were built; returns the ledger. */
  private fresh(): number {
    const seq = this.reader.latestHeader().seq;
    if (seq !== this.cachedLedger) {
      this.cachedLedger = seq;
      this.list = null;
      this.pages.clear();
    }
    return seq;
  }

  private build(code: string, issuer: string, counterKey: string | undefined, ledger: number): AssetPage | undefined {
    const base = credit(assetOfKey(`${code}:${issuer}`) ?? {type: "native"});
    if (base === undefined) return undefined;
    const baseKey = assetKey(base);
    const counter = counterKey !== undefined ? assetOfKey(counterKey) : this.latestCounter(baseKey);
    if (counter === undefined) return undefined;
    const [stats] = assetStatsPage(this.reader, {code: base.code, issuer: base.issuer, asc: true, limit: 1});
    const issuerEntry = this.reader.account(base.issuer);
    const nowMs = this.now();
    const nowS = Math.floor(nowMs / 1000);
    const top = this.topHolders(baseKey);
    this.activity.catchUp(nowS);
    const payments = this.activity.totals(baseKey, nowS);
    if (stats === undefined && payments.lastDay.count === 0) return undefined;

    const buckets = tradeAggregations(this.reader, {
      base: baseKey,
      counter: assetKey(counter),
      startTime: nowMs - this.opts.activityHours * HOUR_S * 1000,
      endTime: 0,
      resolution: CANDLE_MS,
      offset: 0,
      asc: true,
      limit: this.opts.activityHours * 60 + 1,
    });
    const period = (fromMs: number): PeriodTotals & {counterVolume: string} => {
      let count = 0;
      let volume = 0n;
      let counterVolume = 0n;
      for (const b of buckets) {
        if (b.timestamp < fromMs) continue;
        count += b.count;
        volume += b.baseVolume;
        counterVolume += b.counterVolume;
      }
      return {count, volume: formatAmount(volume), counterVolume: formatAmount(counterVolume)};
    };
    const price = (p: {n: number; d: number}): number => p.n / p.d;
    const recent = tradesPage(this.reader, {filter: {pair: [baseKey, assetKey(counter)]}, base: baseKey, asc: false, limit: 10});

    const balances = stats?.balances ?? {authorized: 0n, maintain: 0n, unauthorized: 0n};
    const accounts = stats?.accounts ?? {authorized: 0, maintain: 0, unauthorized: 0};
    return {
      ledger,
      asset: baseKey,
      code: base.code,
      issuer: base.issuer,
      issuerExists: issuerEntry !== undefined,
      homeDomain: issuerEntry?.homeDomain ?? "",
      issuerFlags: issuerEntry?.flags ?? 0,
      supply: formatAmount(balances.authorized + balances.maintain + balances.unauthorized + (stats?.claimableBalancesAmount ?? 0n)),
      authorizedSupply: formatAmount(balances.authorized),
      claimableBalances: stats?.claimableBalances ?? 0,
      holders: accounts.authorized + accounts.maintain + accounts.unauthorized,
      fundedHolders: top.funded,
      topHolders: top.top.map((t) => ({account: t.accountId, balance: formatAmount(t.balance)})),
      payments,
      counter: assetKey(counter),
      trades: {lastHour: period(nowMs - HOUR_S * 1000), lastDay: period(0)},
      candles: buckets.map((b) => ({
        t: Math.floor(b.timestamp / 1000),
        open: price(b.open),
        high: price(b.high),
        low: price(b.low),
        close: price(b.close),
        volume: formatAmount(b.baseVolume),
        count: b.count,
      })),
      recentTrades: recent.map((t) => ({
        ledger: t.row.ledger,
        closedAt: t.row.closedAt,
        baseAmount: formatAmount(t.baseAmount),
        counterAmount: formatAmount(t.counterAmount),
        price: priceString({n: t.priceN, d: t.priceD}),
      })),
      book: orderBookSummary(this.reader, base, counter, BOOK_LEVELS),
    };
  }

  private latestCounter(baseKey: AssetKey): Asset | undefined {
    let read = 0;
    for (const row of this.reader.trades({}, undefined, false)) {
      if (row.sold === baseKey) return assetOfKey(row.bought);
      if (row.bought === baseKey) return assetOfKey(row.sold);
      if (++read >= COUNTER_SCAN) break;
    }
    return {type: "native"};
  }

  private topHolders(baseKey: AssetKey): {top: TrustLineEntry[]; funded: number} {
    const top: TrustLineEntry[] = [];
    let funded = 0;
    for (const t of this.reader.allTrustLines()) {
      if (assetKey(t.asset) !== baseKey) continue;
      if (t.balance > 0n) funded++;
      if (top.length < TOP_HOLDERS || t.balance > top[top.length - 1]!.balance) {
        top.push(t);
        top.sort((a, b) => (a.balance === b.balance ? 0 : a.balance > b.balance ? -1 : 1));
        if (top.length > TOP_HOLDERS) top.pop();
      }
    }
    return {top, funded};
  }
}
