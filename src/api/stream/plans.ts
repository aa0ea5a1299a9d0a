/**
 * Which routes stream, and what each stream takes from a ledger's topics: the routes Horizon
 * streams (its router's streamable page and object handlers), each with the same filters its
 * GET applies, so a live record is one the route's next page would have listed.
 */
import {assetKey, type AccountId, type AssetKey} from "../../ledger/types.js";
import {invalidField} from "../errors.js";
import type {RouteContext} from "../routes/context.js";
import {
  accountIdParam,
  balanceIdParam,
  canonicalAssetParam,
  includeFailed,
  joinTransactions,
  ledgerSeqParam,
  offerIdParam,
  operationIdParam,
  prefixedAssetParam,
  txHashParam,
} from "../routes/params.js";
import {pairKey} from "./feed.js";
import type {ChangedState, LedgerTopics, OfferFeedRecord, OperationFeedRecord, TradeFeedRecord, TransactionFeedRecord} from "./interface.js";

/** One event to send: the paging token (the SSE id), the record's JSON and its SSE event bytes (made once per record). */
export interface StreamItem {
  token: string;
  json: string;
  frame(): Buffer;
}

/** A collection stream: records after a paging token, first from the route's pages, then from each ledger. */
export interface PageStreamPlan {
  kind: "page";
  /**
   * The ledger's records this stream lists, in paging order. When the stream keeps every record
   * of a topic list (or of a per-account list), the answer is that list itself, so streams
   * selecting the same records share what is built from it (their encoded bytes).
   */
  select(topics: LedgerTopics): readonly StreamItem[];
}

/**
 * /accounts/{id}/offers: Horizon streams it as a page of offers by id, re-read each ledger, so
 * offers created after the cursor arrive. `select` gets the ids after which to send (the last
 * sent, or none for `cursor=now`, which sends only offers created from then on).
 */
export interface OfferStreamPlan {
  kind: "offers";
  select(topics: LedgerTopics, after: bigint | undefined): StreamItem[];
}

/** An object stream: the GET answer again whenever the ledger changed what it shows. */
export interface ObjectStreamPlan {
  kind: "object";
  touched(changed: ChangedState): boolean;
}

export type StreamPlan = PageStreamPlan | OfferStreamPlan | ObjectStreamPlan;

type PlanOf = (ctx: RouteContext) => StreamPlan;

/**
 * Selections already made from a list (a ledger's topic list or per-account list), by the
 * filter's key: the answer depends only on the list and the filter, so every stream with the
 * same filter shares one, made once per list. A stream following every payment with `limit=200`
 * reconnects ~37 times per ledger of 7,500 payments, and each reconnection filtered the whole
 * topic again (a test per record: ~2.8M per ledger for 10 such streams). Kept as long as the list
 * (the feed's kept ledgers).
 */
const selections = new WeakMap<readonly object[], Map<string, readonly StreamItem[]>>();

/** `make()`'s selection from `list` for the filter `key`, made on the first call with this list and key. */
export function memoSelection(list: readonly object[], key: string, make: () => readonly StreamItem[]): readonly StreamItem[] {
  // An empty list selects nothing; it is often a fresh one (an account with no records).
  if (list.length === 0) return list as readonly StreamItem[];
  let byKey = selections.get(list);
  if (byKey === undefined) selections.set(list, (byKey = new Map()));
  let hit = byKey.get(key);
  if (hit === undefined) byKey.set(key, (hit = make()));
  return hit;
}

/** `records` itself when every one passes `pass`, else a new list of those that do. */
function kept<R extends StreamItem>(records: readonly R[], pass: (r: R) => boolean): readonly R[] {
  let i = 0;
  while (i < records.length && pass(records[i]!)) i++;
  if (i === records.length) return records;
  const out = records.slice(0, i);
  for (i++; i < records.length; i++) if (pass(records[i]!)) out.push(records[i]!);
  return out;
}

function txItems(records: readonly TransactionFeedRecord[], withFailed: boolean, keep: (r: TransactionFeedRecord) => boolean = () => true): readonly StreamItem[] {
  return kept(records, (r) => (withFailed || r.successful) && keep(r));
}

function opItems(records: readonly OperationFeedRecord[], withFailed: boolean, join: boolean, keep: (r: OperationFeedRecord) => boolean = () => true): readonly StreamItem[] {
  if (!join) return kept(records, (r) => (withFailed || r.transactionSuccessful) && keep(r));
  const out: StreamItem[] = [];
  for (const r of records) {
    if ((withFailed || r.transactionSuccessful) && keep(r)) out.push(join ? {token: r.token, json: r.joinedJson(), frame: () => r.joinedFrame()} : r);
  }
  return out;
}

function transactionsPlan(scope: (ctx: RouteContext) => {account?: AccountId; ledger?: number}): PlanOf {
  return (ctx) => {
    const {account, ledger} = scope(ctx);
    const withFailed = includeFailed(ctx);
    const key = `tx ${withFailed} ${ledger ?? ""}`;
    return {
      kind: "page",
      select(t) {
        if (account !== undefined) {
          const list = t.forAccount("transactions", account);
          return memoSelection(list, key, () => txItems(list, withFailed));
        }
        if (ledger !== undefined) return memoSelection(t.transactions, key, () => txItems(t.transactions, withFailed, (r) => r.ledger === ledger));
        return memoSelection(t.transactions, key, () => txItems(t.transactions, withFailed));
      },
    };
  };
}

function operationsPlan(topic: "operations" | "payments", scope: (ctx: RouteContext) => {account?: AccountId; ledger?: number; txHash?: string}): PlanOf {
  return (ctx) => {
    const {account, ledger, txHash} = scope(ctx);
    // A transaction's operations are all listed, failed or not (as the GET does).
    const withFailed = txHash !== undefined || includeFailed(ctx);
    const join = joinTransactions(ctx);
    const key = `op ${withFailed} ${join} ${ledger ?? ""} ${txHash ?? ""}`;
    return {
      kind: "page",
      select(t) {
        const list = account !== undefined ? t.forAccount(topic, account) : t[topic];
        return memoSelection(list, key, () => {
          if (account !== undefined) return opItems(list, withFailed, join);
          if (ledger !== undefined) return opItems(list, withFailed, join, (r) => r.ledger === ledger);
          if (txHash !== undefined) return opItems(list, withFailed, join, (r) => r.txHash === txHash);
          return opItems(list, withFailed, join);
        });
      },
    };
  };
}

function effectsPlan(scope: (ctx: RouteContext) => {account?: AccountId; ledger?: number; txHash?: string; opId?: string}): PlanOf {
  return (ctx) => {
    const {account, ledger, txHash, opId} = scope(ctx);
    const key = `ef ${ledger ?? ""} ${txHash ?? ""} ${opId ?? ""}`;
    return {
      kind: "page",
      select(t) {
        const list = account !== undefined ? t.forAccount("effects", account) : t.effects;
        return memoSelection(list, key, () =>
          kept(list, (r) => (ledger === undefined || r.ledger === ledger) && (txHash === undefined || r.txHash === txHash) && (opId === undefined || r.opId === opId)),
        );
      },
    };
  };
}

/** The trades route's filters (see routes/trades.ts), applied to a ledger's trades. */
function tradesPlan(scope: (ctx: RouteContext) => {account?: AccountId; offerId?: bigint}): PlanOf {
  return (ctx) => {
    const fixed = scope(ctx);
    let offerId = fixed.offerId;
    const offerRaw = ctx.query.get("offer_id") ?? "";
    if (offerRaw !== "" && offerRaw !== "0") offerId = offerIdParam(offerRaw);
    const base = prefixedAssetParam(ctx, "base_", false);
    const counter = prefixedAssetParam(ctx, "counter_", false);
    const baseKey: AssetKey | undefined = base === undefined ? undefined : assetKey(base);
    const pair = base !== undefined && counter !== undefined ? pairKey(assetKey(base), assetKey(counter)) : undefined;
    const none = (ctx.query.get("trade_type") ?? "") === "liquidity_pools";
    const offer = offerId?.toString();
    const key = `tr ${offer ?? ""} ${pair ?? ""} ${baseKey ?? ""}`;
    return {
      kind: "page",
      select(t) {
        if (none) return [];
        const list = fixed.account !== undefined ? t.forAccount("trades", fixed.account) : t.trades;
        return memoSelection(list, key, () => tradeItems(list, offer, pair, baseKey));
      },
    };
  };
}

/** A ledger's trades a trades stream lists: by offer, by pair, oriented to the pair's base. */
function tradeItems(list: readonly TradeFeedRecord[], offer: string | undefined, pair: string | undefined, baseKey: AssetKey | undefined): StreamItem[] {
  const out: StreamItem[] = [];
  for (const r of list) {
    if (offer !== undefined && !r.offerIds.has(offer)) continue;
    if (pair !== undefined && r.pairKey !== pair) continue;
    if (baseKey === undefined) out.push(r);
    else {
      const o = r.oriented(baseKey);
      out.push({token: r.token, json: o.json, frame: o.frame});
    }
  }
  return out;
}

/** The offers route's filters (see routes/dex.ts) on the ledger's created and changed offers. */
function accountOffersPlan(ctx: RouteContext): OfferStreamPlan {
  const seller = accountIdParam(ctx.params[0]!);
  const side = (name: "selling" | "buying"): AssetKey | undefined => {
    const canonical = ctx.query.get(name) ?? "";
    const asset = canonical !== "" ? canonicalAssetParam(canonical, name) : prefixedAssetParam(ctx, name + "_", false);
    return asset === undefined ? undefined : assetKey(asset);
  };
  const selling = side("selling");
  const buying = side("buying");
  // Offers here are never sponsored: a sponsor filter matches none.
  const none = (ctx.query.get("sponsor") ?? "") !== "";
  const keep = (o: OfferFeedRecord): boolean =>
    o.seller === seller && (selling === undefined || o.selling === selling) && (buying === undefined || o.buying === buying);
  return {
    kind: "offers",
    select(t, after) {
      if (none) return [];
      const out: StreamItem[] = [];
      for (const o of t.offers) {
        if (!keep(o)) continue;
        if (after !== undefined ? o.offerId <= after : !o.created) continue;
        out.push(o);
      }
      return out;
    },
  };
}

function orderBookPlan(ctx: RouteContext): ObjectStreamPlan {
  const selling = prefixedAssetParam(ctx, "selling_", true)!;
  const buying = prefixedAssetParam(ctx, "buying_", true)!;
  const key = pairKey(assetKey(selling), assetKey(buying));
  return {kind: "object", touched: (c) => c.books.has(key)};
}

function accountObjectPlan(ctx: RouteContext): ObjectStreamPlan {
  const id = accountIdParam(ctx.params[0]!);
  return {kind: "object", touched: (c) => c.accounts.has(id)};
}

/** A balance's operations as its history page lists them: every one succeeded (a failed one changed nothing). */
function claimableBalanceOperationsPlan(ctx: RouteContext): PageStreamPlan {
  const id = balanceIdParam(ctx.params[0]!, "claimable_balance_id");
  const join = joinTransactions(ctx);
  const key = `cb-op ${join}`;
  return {
    kind: "page",
    select: (t) => {
      const list = t.forClaimableBalance("operations", id);
      return memoSelection(list, key, () => opItems(list, true, join));
    },
  };
}

function claimableBalanceTransactionsPlan(ctx: RouteContext): PageStreamPlan {
  const id = balanceIdParam(ctx.params[0]!, "claimable_balance_id");
  return {kind: "page", select: (t) => txItems(t.forClaimableBalance("transactions", id), true)};
}

const account = (ctx: RouteContext) => ({account: accountIdParam(ctx.params[0]!)});
const ledger = (ctx: RouteContext) => ({ledger: ledgerSeqParam(ctx.params[0]!)});
const tx = (ctx: RouteContext) => ({txHash: txHashParam(ctx.params[0]!)});
const all = () => ({});

/** Route pattern → its stream; a route not named here answers a stream request with 406, as Horizon's. */
const PLANS: ReadonlyMap<string, PlanOf> = new Map<string, PlanOf>([
  ["/ledgers", () => ({kind: "page", select: (t) => t.ledgers})],
  ["/transactions", transactionsPlan(all)],
  ["/accounts/:id/transactions", transactionsPlan(account)],
  ["/ledgers/:seq/transactions", transactionsPlan(ledger)],
  ["/operations", operationsPlan("operations", all)],
  ["/accounts/:id/operations", operationsPlan("operations", account)],
  ["/ledgers/:seq/operations", operationsPlan("operations", ledger)],
  ["/transactions/:hash/operations", operationsPlan("operations", tx)],
  ["/payments", operationsPlan("payments", all)],
  ["/accounts/:id/payments", operationsPlan("payments", account)],
  ["/ledgers/:seq/payments", operationsPlan("payments", ledger)],
  ["/transactions/:hash/payments", operationsPlan("payments", tx)],
  ["/effects", effectsPlan(all)],
  ["/accounts/:id/effects", effectsPlan(account)],
  ["/ledgers/:seq/effects", effectsPlan(ledger)],
  ["/transactions/:hash/effects", effectsPlan(tx)],
  ["/operations/:id/effects", effectsPlan((ctx) => ({opId: operationIdParam(ctx.params[0]!)}))],
  ["/trades", tradesPlan(all)],
  ["/accounts/:id/trades", tradesPlan(account)],
  ["/offers/:id/trades", tradesPlan((ctx) => ({offerId: offerIdParam(ctx.params[0]!, "offer_id")}))],
  ["/accounts/:id/offers", accountOffersPlan],
  ["/claimable_balances/:id/operations", claimableBalanceOperationsPlan],
  ["/claimable_balances/:id/transactions", claimableBalanceTransactionsPlan],
  ["/accounts/:id", accountObjectPlan],
  ["/accounts/:id/data/:key", accountObjectPlan],
  ["/order_book", orderBookPlan],
]);

export function isStreamable(pattern: string): boolean {
  return PLANS.has(pattern);
}

/** The stream of `pattern` for this request; throws the route's own 400 for a bad parameter. */
export function streamPlan(pattern: string, ctx: RouteContext): StreamPlan | undefined {
  const of = PLANS.get(pattern);
  if (of === undefined) return undefined;
  if ((ctx.query.get("order") ?? "asc") === "desc") throw invalidField("order", "streams are in ascending order: order=desc cannot be streamed");
  return of(ctx);
}

export const STREAMABLE_PATTERNS: readonly string[] = [...PLANS.keys()];
