import {invalidField, notFound} from "../errors.js";
import {pageRecord} from "../format/page.js";
import {accountRecord} from "../format/account.js";
import {operationsPage, transactionsPage} from "./collections.js";
import {jsonReply, type GetRoute} from "./context.js";
import {accountIdParam, carriedParams, pageQuery} from "./params.js";
import type {RouteContext} from "./context.js";
import type {AccountEntry} from "../../ledger/types.js";
import type {PageQuery} from "../../store/types.js";

/** Horizon's filters of /accounts, of which exactly one must be given. */
const ACCOUNT_FILTERS = ["signer", "asset", "sponsor", "liquidity_pool"] as const;

/** CODE:ISSUER with a 1-12 character alphanumeric code, as Horizon parses `asset`. */
function creditAssetParam(raw: string): {code: string; issuer: string} {
  const [code, issuer, rest] = raw.split(":");
  if (rest !== undefined || code === undefined || issuer === undefined || !/^[a-zA-Z0-9]{1,12}$/.test(code)) {
    throw invalidField("asset", "asset must be CODE:ISSUER");
  }
  return {code, issuer: accountIdParam(issuer, "asset")};
}

/** Holders of a trustline in `asset`, by account id after the cursor (store/state-indexes.ts). */
function accountsWithTrustLine(reader: RouteContext["modules"]["reader"], asset: {code: string; issuer: string}, page: PageQuery): AccountEntry[] {
  const out: AccountEntry[] = [];
  for (const id of reader.trustLineHolders(asset.code + ":" + asset.issuer, page)) {
    const a = reader.account(id);
    if (a !== undefined) out.push(a);
  }
  return out;
}

/**
 * GET /accounts?signer= | asset= | sponsor= | liquidity_pool= (the SDK's forSigner, forAsset,
 * sponsor, forLiquidityPool). This node has no sponsored accounts or pools, so `sponsor` and
 * `liquidity_pool` are validated and answer an empty page.
 */
function accountsPage(ctx: RouteContext) {
  const given = ACCOUNT_FILTERS.filter((f) => (ctx.query.get(f) ?? "") !== "");
  if (given.length !== 1) throw invalidField(given[0] ?? "signer", "Exactly one filter is required: signer, asset, sponsor or liquidity_pool");
  const cursor = ctx.query.get("cursor") ?? "";
  const query = new URLSearchParams(ctx.query);
  query.delete("cursor");
  const page = pageQuery({...ctx, query});
  if (cursor !== "") page.cursor = accountIdParam(cursor, "cursor");
  const filter = given[0]!;
  const value = ctx.query.get(filter)!;
  const reader = ctx.modules.reader;
  let accounts: ReturnType<typeof reader.accountsWithSigner> = [];
  if (filter === "signer") accounts = reader.accountsWithSigner(accountIdParam(value, "signer"), page);
  else if (filter === "asset") accounts = accountsWithTrustLine(reader, creditAssetParam(value), page);
  else if (filter === "sponsor") accountIdParam(value, "sponsor");
  else if (!/^[0-9a-f]{64}$/.test(value)) throw invalidField("liquidity_pool", "liquidity pool id must be 64 lowercase hex characters");
  const records = accounts.map((a) =>
    accountRecord(a, reader.dataEntries(a.accountId), reader.header(a.lastModifiedLedger)?.closeTime ?? null, ctx.base, reader.trustLines(a.accountId)),
  );
  return jsonReply(200, pageRecord(ctx.base, ctx.path, page, records, {extra: carriedParams(ctx)}));
}

export const accountRoutes: GetRoute[] = [
  {method: "get", pattern: "/accounts", cacheable: true, handle: accountsPage},
  {
    method: "get",
    pattern: "/accounts/:id",
    cacheable: true,
    handle(ctx) {
      const reader = ctx.modules.reader;
      const entry = reader.account(accountIdParam(ctx.params[0]));
      if (entry === undefined) throw notFound();
      const modifiedAt = reader.header(entry.lastModifiedLedger)?.closeTime ?? null;
      return jsonReply(200, accountRecord(entry, reader.dataEntries(entry.accountId), modifiedAt, ctx.base, reader.trustLines(entry.accountId)));
    },
  },
  {
    method: "get",
    pattern: "/accounts/:id/transactions",
    cacheable: true,
    handle: (ctx) => transactionsPage(ctx, {account: accountIdParam(ctx.params[0])}),
  },
  {
    method: "get",
    pattern: "/accounts/:id/operations",
    cacheable: true,
    handle: (ctx) => operationsPage(ctx, {account: accountIdParam(ctx.params[0])}),
  },
  {
    method: "get",
    pattern: "/accounts/:id/payments",
    cacheable: true,
    handle: (ctx) => operationsPage(ctx, {account: accountIdParam(ctx.params[0]), paymentsOnly: true}),
  },
  {
    method: "get",
    pattern: "/accounts/:id/data/:key",
    cacheable: true,
    /** Horizon answers {"value": base64}, or the raw bytes when the client accepts octet-stream. */
    handle(ctx) {
      const id = accountIdParam(ctx.params[0]);
      const name = ctx.params[1];
      const entry = ctx.modules.reader.dataEntries(id).find((d) => d.name === name);
      if (entry === undefined) throw notFound();
      const value = Buffer.from(entry.value);
      if (ctx.accept.includes("application/octet-stream")) {
        return {status: 200, contentType: "application/octet-stream", body: value};
      }
      return jsonReply(200, {value: value.toString("base64")});
    },
  },
];
