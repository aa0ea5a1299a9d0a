/** /trades, /accounts/{id}/trades, /offers/{id}/trades and /trade_aggregations. */
import {invalidField} from "../errors.js";
import {assetKey} from "../../ledger/types.js";
import {pageRecord} from "../format/page.js";
import {tradeAggregationRecord, tradeRecord} from "../format/trade.js";
import {link} from "../format/links.js";
import {RESOLUTIONS, bucketRange, type Bucket, type TradesQuery} from "../queries/trades.js";
import type {TradeFilter, TradeKey} from "../../store/trades-repo.js";
import {parseToid} from "../../store/toid.js";
import {jsonReply, type GetRoute, type Reply, type RouteContext} from "./context.js";
import {bookQuery} from "./paths.js";
import {accountIdParam, carriedParams, offerIdParam, pageQuery, prefixedAssetParam} from "./params.js";

/** A trade cursor: "opid-order" (Horizon's token) or an operation id alone (before its first trade). */
function tradeCursor(raw: string): TradeKey {
  const m = /^(\d{1,19})(?:-(\d{1,10}))?$/.exec(raw);
  const t = m === null ? undefined : parseToid(m[1]!);
  if (m === null || t === undefined) throw invalidField("cursor", "cursor must be a trade paging token (operation id-order)");
  return [t.ledger, t.txIndex, t.opIndex, m[2] === undefined ? -1 : Number(m[2])];
}

function withoutCursor(ctx: RouteContext): RouteContext {
  const query = new URLSearchParams(ctx.query);
  query.delete("cursor");
  return {...ctx, query};
}

async function tradesReply(ctx: RouteContext, fixed: TradeFilter): Promise<Reply> {
  const page = pageQuery(withoutCursor(ctx));
  const rawCursor = ctx.query.get("cursor") ?? "";
  let cursor: TradeKey | undefined;
  if (rawCursor === "now") cursor = [ctx.modules.reader.latestHeader().seq + 1, 0, 0, -1];
  else if (rawCursor !== "") cursor = tradeCursor(rawCursor);
  const base = prefixedAssetParam(ctx, "base_", false);
  const counter = prefixedAssetParam(ctx, "counter_", false);
  if ((base === undefined) !== (counter === undefined)) {
    throw invalidField("base_asset_type,counter_asset_type", "this endpoint supports asset pairs but only one asset supplied");
  }
  const filter: TradeFilter = {...fixed};
  const offerRaw = ctx.query.get("offer_id") ?? "";
  if (offerRaw !== "" && offerRaw !== "0") {
    if (filter.account !== undefined) throw invalidField("account_id,liquidity_pool_id,offer_id", "Use a single filter for trades, you can only use one of account_id, liquidity_pool_id, offer_id");
    filter.offerId = offerIdParam(offerRaw);
  }
  if ((ctx.query.get("liquidity_pool_id") ?? "") !== "") {
    throw invalidField("liquidity_pool_id", "this network has no liquidity pools");
  }
  const tradeType = ctx.query.get("trade_type") ?? "";
  if (tradeType !== "" && tradeType !== "all" && tradeType !== "orderbook" && tradeType !== "liquidity_pools") {
    throw invalidField("trade_type", "trade_type must be all, orderbook or liquidity_pools");
  }
  if (filter.offerId !== undefined && tradeType === "liquidity_pools") {
    throw invalidField("trade_type", "trade_type liquidity_pools cannot be used with the offer_id filter");
  }
  let baseKey: string | undefined;
  if (base !== undefined && counter !== undefined) {
    if (filter.offerId !== undefined) {
      throw invalidField("base_asset_type,counter_asset_type,offer_id", "this endpoint does not support filtering by both asset pair and offer id ");
    }
    baseKey = assetKey(base);
    if (filter.account === undefined) filter.pair = [baseKey, assetKey(counter)];
  }
  const query: TradesQuery = {filter, asc: page.order === "asc", limit: page.limit};
  if (baseKey !== undefined) query.base = baseKey;
  if (cursor !== undefined) query.cursor = cursor;
  if (filter.account !== undefined && base !== undefined && counter !== undefined) query.pairOfAccount = [assetKey(base), assetKey(counter)];
  // No liquidity pools exist here, so their trades are always none.
  const rows = tradeType === "liquidity_pools" ? [] : await bookQuery(ctx, {kind: "trades", query});
  const records = rows.map((t) => tradeRecord(t, ctx.base));
  const request = rawCursor === "" ? page : {...page, cursor: rawCursor};
  return jsonReply(200, pageRecord(ctx.base, ctx.path, request, records, {extra: carriedParams(ctx)}));
}

/** Horizon's time parameters: milliseconds since the epoch, non-negative integers. */
function millisParam(ctx: RouteContext, name: string): number {
  const raw = ctx.query.get(name) ?? "";
  if (raw === "") return 0;
  if (!/^\d{1,15}$/.test(raw)) throw invalidField(name, "unparseable value: milliseconds since the epoch expected");
  return Number(raw);
}

async function aggregationsReply(ctx: RouteContext): Promise<Reply> {
  const base = prefixedAssetParam(ctx, "base_", false);
  if (base === undefined) throw invalidField("base_asset_type", "Missing required field");
  const counter = prefixedAssetParam(ctx, "counter_", false);
  if (counter === undefined) throw invalidField("counter_asset_type", "Missing required field");
  const resolution = millisParam(ctx, "resolution");
  if (!RESOLUTIONS.has(resolution)) {
    throw invalidField(
      "resolution",
      "illegal or missing resolution. allowed resolutions are: 1 minute (60000), 5 minutes (300000), 15 minutes (900000), 1 hour (3600000), 1 day (86400000) and 1 week (604800000)",
    );
  }
  const offset = millisParam(ctx, "offset");
  if (offset % 3_600_000 !== 0 || offset >= 86_400_000 || offset > resolution) {
    throw invalidField("offset", "illegal or missing offset. offset must be a multiple of an hour, less than or equal to the resolution, and less than 24 hours");
  }
  const startTime = millisParam(ctx, "start_time");
  const endTime = millisParam(ctx, "end_time");
  const range = bucketRange({startTime, endTime, resolution, offset});
  // Horizon's WithEndTime: the end may not fall before the offset, nor (rounded down) before the
  // rounded-up start (0 when no start_time was given).
  if (endTime !== 0 && (endTime < offset || range.end < (startTime === 0 ? 0 : range.start))) {
    throw invalidField("end_time", "illegal end time. adjusted end time must be greater than the offset and greater than the provided start time");
  }
  const page = pageQuery(withoutCursor(ctx));
  const query = {base: assetKey(base), counter: assetKey(counter), startTime, endTime, resolution, offset, asc: page.order === "asc", limit: page.limit};
  const buckets = await bookQuery(ctx, {kind: "trade_aggregations", query});
  const records = buckets.map(tradeAggregationRecord);
  const self = `${ctx.path}?${ctx.query.toString()}`;
  return jsonReply(200, {
    _links: {self: link(ctx.base, self), next: link(ctx.base, nextAggregationsPath(ctx, buckets, {startTime, endTime, resolution, asc: page.order === "asc"}) ?? self), prev: {href: ""}},
    _embedded: {records},
  });
}

/**
 * Horizon's next link (actions/trade.go at 096f654e): none of its own when the page is empty
 * (self again); ascending, start_time moves past the last bucket, but never past the end_time
 * given, which counts as 0 when absent (so Horizon's next page of an open-ended ascending query
 * starts over at 0); descending, end_time moves to the last bucket, never before the start_time
 * given. The query string is re-encoded as Go's url.Values.Encode does: keys sorted.
 */
function nextAggregationsPath(ctx: RouteContext, buckets: Bucket[], q: {startTime: number; endTime: number; resolution: number; asc: boolean}): string | undefined {
  const last = buckets[buckets.length - 1];
  if (last === undefined) return undefined;
  const params = new URLSearchParams(ctx.query);
  if (q.asc) {
    const next = last.timestamp + q.resolution;
    params.set("start_time", String(next >= q.endTime ? q.endTime : next));
  } else {
    params.set("end_time", String(last.timestamp <= q.startTime ? q.startTime : last.timestamp));
  }
  return `${ctx.path}?${goQueryEncode(params)}`;
}

/** Go's url.QueryEscape: only A-Z a-z 0-9 - _ . ~ stay as they are; a space is "+". */
function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, "+");
}

/** Go's url.Values.Encode: keys sorted (byte order), each key's values in their order. */
function goQueryEncode(params: URLSearchParams): string {
  const keys = [...new Set(params.keys())].sort((x, y) => (Buffer.from(x) < Buffer.from(y) ? -1 : x === y ? 0 : 1));
  const parts: string[] = [];
  for (const k of keys) for (const v of params.getAll(k)) parts.push(`${goQueryEscape(k)}=${goQueryEscape(v)}`);
  return parts.join("&");
}

export const tradeRoutes: GetRoute[] = [
  {method: "get", pattern: "/trades", cacheable: true, handle: (ctx) => tradesReply(ctx, {})},
  {method: "get", pattern: "/accounts/:id/trades", cacheable: true, handle: (ctx) => tradesReply(ctx, {account: accountIdParam(ctx.params[0]!)})},
  {method: "get", pattern: "/offers/:id/trades", cacheable: true, handle: (ctx) => tradesReply(ctx, {offerId: offerIdParam(ctx.params[0]!, "offer_id")})},
  {method: "get", pattern: "/trade_aggregations", cacheable: true, handle: aggregationsReply},
];
