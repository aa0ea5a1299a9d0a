/**
 * GET /paths/strict-receive (and its older name /paths) and GET /paths/strict-send: Horizon's
 * path finding endpoints (stellar/go actions/path.go), answered by the node's path finder in the
 * worker pool. Parameters are validated here as Horizon does, so nothing malformed reaches a worker.
 */
import {StrKey} from "@stellar/stellar-base";
import {ApiError, ApiErrorCode, invalidField} from "../errors.js";
import {formatAmount, INT64_MAX} from "../format/amount.js";
import type {AssetKey} from "../../ledger/types.js";
import type {PaymentPath} from "../../dex/paths.js";
import type {PathRequest} from "../../dex/paths-finder.js";
import {PathErrorCode} from "../../dex/paths-errors.js";
import {DiamanteError} from "../../util/errors.js";
import {answerBookQuery, type BookAnswers, type BookQuery} from "../queries/book-queries.js";
import {jsonReply, type GetRoute, type Reply, type RouteContext} from "./context.js";

/** Most assets a query may list: Horizon's default max-assets-per-path-request. */
const MAX_ASSETS_PARAM = 15;

/** Seconds a client should wait after the path workers were full: a query takes a few ms. */
const RETRY_AFTER_SECONDS = "1";

/** What parsing a path query reads of a request: its query string (the dedicated path listener has no more). */
export type QueryContext = Pick<RouteContext, "query">;

function param(ctx: QueryContext, name: string): string {
  return ctx.query.get(name) ?? "";
}

/** A positive amount with at most 7 decimals that fits int64 stroops, as Horizon's `amount` validator. */
export function amountParam(raw: string, field: string): bigint {
  const m = /^(\d{1,12})(?:\.(\d{1,7}))?$/.exec(raw);
  if (m === null) throw invalidField(field, "must be a positive amount with at most 7 decimal places");
  const stroops = BigInt(m[1] as string) * 10_000_000n + BigInt((m[2] ?? "").padEnd(7, "0"));
  if (stroops <= 0n) throw invalidField(field, "must be greater than zero");
  if (stroops > INT64_MAX) throw invalidField(field, "is too large");
  return stroops;
}

function checkCode(code: string, type: string, field: string): void {
  const ok = type === "credit_alphanum4" ? /^[a-zA-Z0-9]{1,4}$/.test(code) : /^[a-zA-Z0-9]{5,12}$/.test(code);
  if (!ok) throw invalidField(field, type === "credit_alphanum4" ? "Asset code must be 1-4 alphanumeric characters" : "Asset code must be 5-12 alphanumeric characters");
}

/** One asset given as {prefix}asset_type, _code and _issuer (Horizon's validateAssetParams), as an asset key. */
export function assetParams(ctx: QueryContext, prefix: string): AssetKey {
  const type = param(ctx, prefix + "asset_type");
  const code = param(ctx, prefix + "asset_code");
  const issuer = param(ctx, prefix + "asset_issuer");
  if (type === "") throw invalidField(prefix + "asset_type", "Missing parameter");
  if (type === "native") {
    if (code !== "") throw invalidField(prefix + "asset_code", "native asset does not have a code");
    if (issuer !== "") throw invalidField(prefix + "asset_issuer", "native asset does not have an issuer");
    return "native";
  }
  if (type !== "credit_alphanum4" && type !== "credit_alphanum12") throw invalidField(prefix + "asset_type", "invalid asset type");
  checkCode(code, type, prefix + "asset_code");
  if (issuer === "") throw invalidField(prefix + "asset_issuer", "Missing parameter");
  if (!StrKey.isValidEd25519PublicKey(issuer)) throw invalidField(prefix + "asset_issuer", "invalid address");
  return code + ":" + issuer;
}

/** A comma-separated list of "native" and "CODE:ISSUER" (Horizon's xdr.BuildAssets), at most 15. */
export function assetListParam(raw: string, field: string): AssetKey[] {
  const out: AssetKey[] = [];
  for (const item of raw.split(",")) {
    if (item.toLowerCase() === "native") {
      out.push("native");
      continue;
    }
    const parts = item.split(":");
    const [code, issuer] = parts;
    if (parts.length !== 2 || code === undefined || issuer === undefined) throw invalidField(field, `${item} is not a valid asset`);
    if (!/^[a-zA-Z0-9]{1,12}$/.test(code)) throw invalidField(field, `${item} is not a valid asset, it contains an invalid asset code`);
    if (!StrKey.isValidEd25519PublicKey(issuer)) throw invalidField(field, `${item} is not a valid asset, it contains an invalid issuer`);
    out.push(code + ":" + issuer);
  }
  if (out.length > MAX_ASSETS_PARAM) throw invalidField(field, `list of assets exceeds maximum length of ${MAX_ASSETS_PARAM}`);
  return out;
}

function accountParam(raw: string, field: string): string {
  if (!StrKey.isValidEd25519PublicKey(raw)) throw invalidField(field, "invalid address");
  return raw;
}

function eitherOr(ctx: QueryContext, listField: string, accountField: string, what: string): void {
  if ((param(ctx, listField) !== "") === (param(ctx, accountField) !== "")) {
    throw new ApiError(
      ApiErrorCode.BAD_REQUEST,
      `The request requires either a list of ${what} assets or a ${what} account. Both fields cannot be present.`,
    );
  }
}

export function strictReceiveRequest(ctx: QueryContext): PathRequest {
  eitherOr(ctx, "source_assets", "source_account", "source");
  const destinationAsset = assetParams(ctx, "destination_");
  const destinationAmount = amountParam(param(ctx, "destination_amount"), "destination_amount");
  const account = param(ctx, "source_account");
  if (account !== "") return {kind: "strict_receive", destinationAsset, destinationAmount, sourceAccount: accountParam(account, "source_account")};
  return {kind: "strict_receive", destinationAsset, destinationAmount, sourceAssets: assetListParam(param(ctx, "source_assets"), "source_assets")};
}

export function strictSendRequest(ctx: QueryContext): PathRequest {
  eitherOr(ctx, "destination_assets", "destination_account", "destination");
  const sourceAsset = assetParams(ctx, "source_");
  const sourceAmount = amountParam(param(ctx, "source_amount"), "source_amount");
  const account = param(ctx, "destination_account");
  if (account !== "") return {kind: "strict_send", sourceAsset, sourceAmount, destinationAccount: accountParam(account, "destination_account")};
  return {kind: "strict_send", sourceAsset, sourceAmount, destinationAssets: assetListParam(param(ctx, "destination_assets"), "destination_assets")};
}

type AssetFields = {asset_type: string; asset_code?: string; asset_issuer?: string};

function assetFieldsOf(key: AssetKey): AssetFields {
  if (key === "native") return {asset_type: "native"};
  const i = key.indexOf(":");
  const code = key.slice(0, i);
  return {asset_type: code.length <= 4 ? "credit_alphanum4" : "credit_alphanum12", asset_code: code, asset_issuer: key.slice(i + 1)};
}

/** protocols/horizon Path: the asset fields flattened with a prefix, amounts as 7-decimal strings. */
export function pathRecord(p: PaymentPath): Record<string, unknown> {
  const src = assetFieldsOf(p.sourceAsset);
  const dst = assetFieldsOf(p.destinationAsset);
  const out: Record<string, unknown> = {source_asset_type: src.asset_type};
  if (src.asset_code !== undefined) out.source_asset_code = src.asset_code;
  if (src.asset_issuer !== undefined) out.source_asset_issuer = src.asset_issuer;
  out.source_amount = formatAmount(p.sourceAmount);
  out.destination_asset_type = dst.asset_type;
  if (dst.asset_code !== undefined) out.destination_asset_code = dst.asset_code;
  if (dst.asset_issuer !== undefined) out.destination_asset_issuer = dst.asset_issuer;
  out.destination_amount = formatAmount(p.destinationAmount);
  out.path = p.path.map(assetFieldsOf);
  return out;
}

/** Path finder failures as Horizon problems: too much work is the query's fault (400), a full pool is 503. */
export function pathProblem(err: unknown): unknown {
  if (!(err instanceof DiamanteError) || err instanceof ApiError) return err;
  switch (err.code) {
    case PathErrorCode.TooExpensive:
      return new ApiError(ApiErrorCode.BAD_REQUEST, err.message, {extras: {reason: err.code, ...err.meta}});
    case PathErrorCode.BadQuery:
      return new ApiError(ApiErrorCode.BAD_REQUEST, err.message, {extras: {reason: err.code}});
    case PathErrorCode.Overloaded:
    case PathErrorCode.Closed:
      return new ApiError(ApiErrorCode.SERVICE_UNAVAILABLE, err.message, {headers: [["Retry-After", RETRY_AFTER_SECONDS]]});
    default:
      return err;
  }
}

/**
 * Runs an order-book or trade read in the path workers (against their snapshot of the last closed
 * ledger), or on this thread over the node's reader where the node runs without a pool.
 */
export async function bookQuery<Q extends BookQuery>(ctx: RouteContext, q: Q): Promise<BookAnswers[Q["kind"]]> {
  const runner = ctx.modules.paths;
  if (runner === undefined) return answerBookQuery(ctx.modules.reader, q);
  try {
    return await runner.bookQuery(q);
  } catch (err) {
    throw pathProblem(err);
  }
}

/** The 200 answer to a path query, on the API and on the dedicated path listener alike. */
export function pathsPage(paths: readonly PaymentPath[]): Reply {
  return jsonReply(200, {_embedded: {records: paths.map(pathRecord)}});
}

async function pathsReply(ctx: RouteContext, request: PathRequest): Promise<Reply> {
  const finder = ctx.modules.paths;
  if (finder === undefined) throw new ApiError(ApiErrorCode.SERVICE_UNAVAILABLE, "path finding is not enabled on this node");
  try {
    const answer = await finder.find(request);
    return pathsPage(answer.paths);
  } catch (err) {
    throw pathProblem(err);
  }
}

export const pathRoutes: GetRoute[] = [
  {method: "get", pattern: "/paths/strict-receive", cacheable: true, handle: (ctx) => pathsReply(ctx, strictReceiveRequest(ctx))},
  {method: "get", pattern: "/paths", cacheable: true, handle: (ctx) => pathsReply(ctx, strictReceiveRequest(ctx))},
  {method: "get", pattern: "/paths/strict-send", cacheable: true, handle: (ctx) => pathsReply(ctx, strictSendRequest(ctx))},
];
