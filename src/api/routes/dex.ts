/** /offers, /offers/{id}, /accounts/{id}/offers and /order_book. */
import {ApiError, ApiErrorCode, invalidField, notFound} from "../errors.js";
import {assetKey} from "../../ledger/types.js";
import {offerRecord} from "../format/offer.js";
import {pageRecord} from "../format/page.js";
import type {OfferFilter} from "../../store/types.js";
import {jsonReply, type GetRoute, type Reply, type RouteContext} from "./context.js";
import {bookQuery} from "./paths.js";
import {accountIdParam, canonicalAssetParam, carriedParams, offerIdParam, pageQuery, prefixedAssetParam} from "./params.js";

/** Horizon's /order_book limit: price levels per side, 20 unless asked, at most 200. */
const ORDER_BOOK_DEFAULT_LIMIT = 20;
const ORDER_BOOK_MAX_LIMIT = 200;

function offersPage(ctx: RouteContext, seller?: string): Reply {
  const page = pageQuery(ctx);
  if (page.cursor !== undefined && ctx.query.get("cursor") !== "now") offerIdParam(page.cursor, "cursor");
  const filter: OfferFilter = {};
  const sellerParam = ctx.query.get("seller") ?? "";
  if (seller !== undefined) filter.seller = seller;
  else if (sellerParam !== "") filter.seller = accountIdParam(sellerParam, "seller");
  // Each side as Horizon takes it: canonical ("selling=USD:G…") or split into type, code and
  // issuer ("selling_asset_type=…", what the SDK sends).
  for (const side of ["selling", "buying"] as const) {
    const canonical = ctx.query.get(side) ?? "";
    const asset = canonical !== "" ? canonicalAssetParam(canonical, side) : prefixedAssetParam(ctx, side + "_", false);
    if (asset !== undefined) filter[side] = assetKey(asset);
  }
  const sponsor = ctx.query.get("sponsor") ?? "";
  const reader = ctx.modules.reader;
  // Offers here are never sponsored (no sponsorship operations): a sponsor filter matches none.
  const offers = sponsor !== "" && accountIdParam(sponsor, "sponsor") !== "" ? [] : reader.offers(page, filter);
  const records = offers.map((o) => offerRecord(o, reader.header(o.lastModifiedLedger)?.closeTime ?? null, ctx.base));
  return jsonReply(200, pageRecord(ctx.base, ctx.path, page, records, {extra: carriedParams(ctx)}));
}

function orderBookLimit(ctx: RouteContext): number {
  const raw = ctx.query.get("limit") ?? "";
  if (raw === "") return ORDER_BOOK_DEFAULT_LIMIT;
  const n = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= ORDER_BOOK_MAX_LIMIT)) throw invalidOrderBook();
  return n;
}

function invalidOrderBook(): ApiError {
  return new ApiError(
    ApiErrorCode.INVALID_ORDER_BOOK,
    "The parameters that specify what order book to view are invalid: selling_asset_type and buying_asset_type must be native, credit_alphanum4 or credit_alphanum12, with a code and issuer for credit assets, and limit between 1 and 200.",
  );
}

export const dexRoutes: GetRoute[] = [
  {method: "get", pattern: "/offers", cacheable: true, handle: (ctx) => offersPage(ctx)},
  {
    method: "get",
    pattern: "/offers/:id",
    cacheable: true,
    handle(ctx) {
      const reader = ctx.modules.reader;
      const offer = reader.offer(offerIdParam(ctx.params[0]!, "id"));
      if (offer === undefined) throw notFound();
      return jsonReply(200, offerRecord(offer, reader.header(offer.lastModifiedLedger)?.closeTime ?? null, ctx.base));
    },
  },
  {method: "get", pattern: "/accounts/:id/offers", cacheable: true, handle: (ctx) => offersPage(ctx, accountIdParam(ctx.params[0]!))},
  {
    method: "get",
    pattern: "/order_book",
    cacheable: true,
    async handle(ctx) {
      let selling, buying;
      try {
        selling = prefixedAssetParam(ctx, "selling_", true)!;
        buying = prefixedAssetParam(ctx, "buying_", true)!;
      } catch (err) {
        if (err instanceof ApiError) throw invalidOrderBook();
        throw err;
      }
      if (assetKey(selling) === assetKey(buying)) throw invalidField("buying_asset_type", "selling and buying assets must differ");
      const limit = orderBookLimit(ctx);
      return jsonReply(200, await bookQuery(ctx, {kind: "order_book", base: selling, counter: buying, limit}));
    },
  },
];
