/**
 * /claimable_balances (by sponsor, asset, claimant), /claimable_balances/{id}, and the
 * operations and transactions that created, claimed or clawed back a balance.
 */
import {invalidField, notFound} from "../errors.js";
import {assetKey} from "../../ledger/types.js";
import {claimableBalanceRecord} from "../format/claimable-balance.js";
import {pageRecord} from "../format/page.js";
import type {ClaimableBalanceFilter} from "../../store/types.js";
import {jsonReply, type GetRoute, type Reply, type RouteContext} from "./context.js";
import {operationsPage, transactionsPage} from "./collections.js";
import {accountIdParam, balanceIdParam, canonicalAssetParam, carriedParams, pageQuery} from "./params.js";

/** Horizon's cursor "{last modified ledger}-{balance id}": a ledger above 0, then a valid id. */
function balanceCursor(raw: string): {ledger: number; balanceId: string} {
  const m = /^(\d{1,10})-(.+)$/.exec(raw);
  const ledger = m === null ? 0 : Number(m[1]);
  if (m === null || ledger < 1 || ledger > 2 ** 32 - 1) {
    throw invalidField("cursor", "The first part should be a number higher than 0 and the second part should be a valid claimable balance ID");
  }
  try {
    return {ledger, balanceId: balanceIdParam(m[2]!, "cursor")};
  } catch {
    throw invalidField("cursor", "The first part should be a number higher than 0 and the second part should be a valid claimable balance ID");
  }
}

function balancesPage(ctx: RouteContext) {
  const query = new URLSearchParams(ctx.query);
  const rawCursor = query.get("cursor") ?? "";
  query.delete("cursor");
  const page = pageQuery({...ctx, query});
  const cursor = rawCursor === "" ? undefined : balanceCursor(rawCursor);
  const filter: ClaimableBalanceFilter = {};
  const asset = ctx.query.get("asset") ?? "";
  const sponsor = ctx.query.get("sponsor") ?? "";
  const claimant = ctx.query.get("claimant") ?? "";
  if (asset !== "") filter.asset = assetKey(canonicalAssetParam(asset, "asset"));
  if (sponsor !== "") filter.sponsor = accountIdParam(sponsor, "sponsor");
  if (claimant !== "") filter.claimant = accountIdParam(claimant, "claimant");
  const reader = ctx.modules.reader;
  const balances = reader.claimableBalances({limit: page.limit, order: page.order, ...(cursor === undefined ? {} : {cursor})}, filter);
  const records = balances.map((b) => claimableBalanceRecord(b, reader.header(b.lastModifiedLedger)?.closeTime ?? null, ctx.base));
  const request = rawCursor === "" ? page : {...page, cursor: rawCursor};
  return jsonReply(200, pageRecord(ctx.base, ctx.path, request, records, {extra: carriedParams(ctx)}));
}

/**
 * The balance's id as Horizon's history knows it: an id no operation in the history touched is
 * 404, as Horizon answers for an id missing from history_claimable_balances.
 */
function historyOf(ctx: RouteContext, page: (ctx: RouteContext, id: string) => Reply): Reply {
  const id = balanceIdParam(ctx.params[0]!, "claimable_balance_id");
  if (!ctx.modules.reader.claimableBalanceKnown(id)) throw notFound();
  return page(ctx, id);
}

export const claimableBalanceRoutes: GetRoute[] = [
  {method: "get", pattern: "/claimable_balances", cacheable: true, handle: balancesPage},
  {
    method: "get",
    pattern: "/claimable_balances/:id",
    cacheable: true,
    handle(ctx) {
      const reader = ctx.modules.reader;
      const b = reader.claimableBalance(balanceIdParam(ctx.params[0]!));
      if (b === undefined) throw notFound();
      return jsonReply(200, claimableBalanceRecord(b, reader.header(b.lastModifiedLedger)?.closeTime ?? null, ctx.base));
    },
  },
  {
    method: "get",
    pattern: "/claimable_balances/:id/operations",
    cacheable: true,
    handle: (ctx) => historyOf(ctx, (c, id) => operationsPage(c, {claimableBalance: id})),
  },
  {
    method: "get",
    pattern: "/claimable_balances/:id/transactions",
    cacheable: true,
    handle: (ctx) => historyOf(ctx, (c, id) => transactionsPage(c, {claimableBalance: id})),
  },
];
