/** /assets with asset_code and asset_issuer filters, paged by (code, issuer). */
import {invalidField} from "../errors.js";
import {assetStatRecord} from "../format/asset-stat.js";
import {pageRecord} from "../format/page.js";
import {assetStatsPage, type AssetsQuery} from "../queries/assets.js";
import {jsonReply, type GetRoute, type RouteContext} from "./context.js";
import {accountIdParam, carriedParams, pageQuery} from "./params.js";

const ASSET_CODE = /^[a-zA-Z0-9]{1,12}$/;

function assetsPage(ctx: RouteContext) {
  const query = new URLSearchParams(ctx.query);
  const rawCursor = query.get("cursor") ?? "";
  query.delete("cursor");
  const page = pageQuery({...ctx, query});
  const q: AssetsQuery = {asc: page.order === "asc", limit: page.limit};
  const code = ctx.query.get("asset_code") ?? "";
  const issuer = ctx.query.get("asset_issuer") ?? "";
  if (code !== "") {
    if (!ASSET_CODE.test(code)) throw invalidField("asset_code", `${code} is not a valid asset code`);
    q.code = code;
  }
  if (issuer !== "") q.issuer = accountIdParam(issuer, "asset_issuer");
  if (rawCursor !== "") {
    // Split in three at the first two underscores (the type has one of its own), as Horizon does.
    const first = rawCursor.indexOf("_");
    const second = first < 0 ? -1 : rawCursor.indexOf("_", first + 1);
    const [c, i, type] = second < 0 ? [] : [rawCursor.slice(0, first), rawCursor.slice(first + 1, second), rawCursor.slice(second + 1)];
    if (c === undefined || i === undefined || !ASSET_CODE.test(c!) || (type !== "credit_alphanum4" && type !== "credit_alphanum12")) {
      throw invalidField("cursor", "the cursor is not a valid paging_token");
    }
    q.after = {code: c!, issuer: accountIdParam(i!, "cursor")};
  }
  const records = assetStatsPage(ctx.modules.reader, q).map(assetStatRecord);
  const request = rawCursor === "" ? page : {...page, cursor: rawCursor};
  return jsonReply(200, pageRecord(ctx.base, ctx.path, request, records, {extra: carriedParams(ctx)}));
}

export const assetRoutes: GetRoute[] = [{method: "get", pattern: "/assets", cacheable: true, handle: assetsPage}];
