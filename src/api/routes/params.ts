/**
 * Parsing and validation of path and query parameters. Every rejection is a 400 naming the
 * field, so a client can tell which input to fix; nothing invalid reaches the store.
 */
import {StrKey} from "@stellar/stellar-base";
import {invalidField} from "../errors.js";
import {parseToid, toid} from "../format/toid.js";
import type {PageQuery} from "../../store/types.js";
import type {Asset} from "../../ledger/types.js";
import type {RouteContext} from "./context.js";

/** Largest ledger sequence a TOID can carry (the sign bit of the int64 stays clear). */
const MAX_LEDGER_SEQ = 2 ** 31 - 1;
/** Largest transaction and operation parts of a TOID (20 and 12 bits). */
const MAX_TOID_TX = 0xfffff;
const MAX_TOID_OP = 0xfff;
/** Spellings Go's strconv.ParseBool accepts, which is how Horizon reads boolean parameters. */
const TRUE_WORDS: ReadonlySet<string> = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE_WORDS: ReadonlySet<string> = new Set(["0", "f", "F", "FALSE", "false", "False"]);

export function pageQuery(ctx: RouteContext): PageQuery {
  const q = ctx.query;
  const page: PageQuery = {limit: ctx.opts.defaultPageLimit, order: "asc"};

  const order = q.get("order");
  if (order !== null && order !== "") {
    if (order !== "asc" && order !== "desc") throw invalidField("order", "order must be asc or desc");
    page.order = order;
  }

  const limit = q.get("limit");
  if (limit !== null && limit !== "") {
    if (!/^\d{1,9}$/.test(limit)) throw invalidField("limit", "unparseable value");
    const n = Number(limit);
    if (n < 1 || n > ctx.opts.maxPageLimit) {
      throw invalidField("limit", `limit must be between 1 and ${ctx.opts.maxPageLimit}`);
    }
    page.limit = n;
  }

  const cursor = q.get("cursor");
  if (cursor !== null && cursor !== "") {
    if (cursor === "now") {
      // "now": after everything in the latest ledger, as Horizon's toid(latest, 0xFFFFF, 0xFFF);
      // the first ledger after it, whose own token is toid(latest + 1, 0, 0), is not skipped.
      page.cursor = toid(ctx.modules.reader.latestHeader().seq, MAX_TOID_TX, MAX_TOID_OP);
    } else {
      if (parseToid(cursor) === undefined) throw invalidField("cursor", "cursor must be a paging token");
      page.cursor = cursor;
    }
  }
  return page;
}

/** Horizon's `include_failed`: failed transactions and their operations are hidden unless asked for. */
export function includeFailed(ctx: RouteContext): boolean {
  const v = ctx.query.get("include_failed");
  if (v === null || v === "" || FALSE_WORDS.has(v)) return false;
  if (TRUE_WORDS.has(v)) return true;
  throw invalidField("include_failed", "include_failed must be true or false");
}

/** Horizon's `join` on operations and payments: only `transactions` exists. */
export function joinTransactions(ctx: RouteContext): boolean {
  const v = ctx.query.get("join");
  if (v === null || v === "") return false;
  if (v === "transactions") return true;
  throw invalidField("join", "Accepted values: transactions");
}

export function accountIdParam(raw: string, field = "account_id"): string {
  if (!StrKey.isValidEd25519PublicKey(raw)) throw invalidField(field, "invalid address");
  return raw;
}

export function txHashParam(raw: string): string {
  // As Horizon: hashes are lowercase hex; an uppercase one names no transaction.
  if (!/^[0-9a-f]{64}$/.test(raw)) throw invalidField("tx_id", "Transaction hash must be a hex-encoded, lowercase SHA-256 hash");
  return raw;
}

export function ledgerSeqParam(raw: string): number {
  if (!/^\d{1,10}$/.test(raw)) throw invalidField("ledger_id", "ledger sequence must be a positive integer");
  const n = Number(raw);
  if (n < 1 || n > MAX_LEDGER_SEQ) throw invalidField("ledger_id", "ledger sequence out of range");
  return n;
}

export function operationIdParam(raw: string): string {
  if (parseToid(raw) === undefined) throw invalidField("id", "operation id must be a decimal id");
  return raw;
}

/** The paging parameters, which page links set themselves; every other parameter is carried over. */
const PAGING_PARAMS: ReadonlySet<string> = new Set(["cursor", "limit", "order"]);

/**
 * The request's other query parameters, decoded, for page links to encode again: a filter or
 * join the client gave applies to the next and previous pages too.
 */
export function carriedParams(ctx: RouteContext): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of ctx.query) if (!PAGING_PARAMS.has(k)) out.push([k, v]);
  return out;
}

/** An asset code of its type's length: 1-4 alphanumerics for alphanum4, 5-12 for alphanum12 (stellar-core's rule). */
function assetOf(type: string, code: string, issuer: string, field: string): Asset {
  if (!/^[a-zA-Z0-9]+$/.test(code)) throw invalidField(field, "asset code must be alphanumeric");
  if (type === "credit_alphanum4" && code.length > 4) throw invalidField(field, "code too long");
  if (type === "credit_alphanum12" && (code.length < 5 || code.length > 12)) throw invalidField(field, "credit_alphanum12 codes have 5 to 12 characters");
  return {type: type as "credit_alphanum4" | "credit_alphanum12", code, issuer};
}

/**
 * An asset given as `<prefix>asset_type`, `<prefix>asset_code`, `<prefix>asset_issuer` (the
 * order book's and trades' form). `required`: absent is an error, else undefined.
 */
export function prefixedAssetParam(ctx: RouteContext, prefix: string, required: boolean): Asset | undefined {
  const type = ctx.query.get(prefix + "asset_type") ?? "";
  const code = ctx.query.get(prefix + "asset_code") ?? "";
  const issuer = ctx.query.get(prefix + "asset_issuer") ?? "";
  if (type === "") {
    if (required) throw invalidField(prefix + "asset_type", "missing asset type");
    if (code !== "" || issuer !== "") throw invalidField(prefix + "asset_type", "missing asset type");
    return undefined;
  }
  if (type === "native") {
    if (code !== "" || issuer !== "") throw invalidField(prefix + "asset_type", "native asset has no code or issuer");
    return {type: "native"};
  }
  if (type !== "credit_alphanum4" && type !== "credit_alphanum12") {
    throw invalidField(prefix + "asset_type", "asset type must be native, credit_alphanum4 or credit_alphanum12");
  }
  if (code === "") throw invalidField(prefix + "asset_code", "missing asset code");
  return assetOf(type, code, accountIdParam(issuer, prefix + "asset_issuer"), prefix + "asset_code");
}

/** An asset in Horizon's canonical form: "native" or "CODE:ISSUER". */
export function canonicalAssetParam(raw: string, field: string): Asset {
  if (raw === "native") return {type: "native"};
  const parts = raw.split(":");
  if (parts.length !== 2) throw invalidField(field, "asset must be native or CODE:ISSUER");
  const [code, issuer] = parts as [string, string];
  return assetOf(code.length <= 4 ? "credit_alphanum4" : "credit_alphanum12", code, accountIdParam(issuer, field), field);
}

/**
 * A claimable balance id: Horizon's hex of the XDR ClaimableBalanceID ("00000000" + 64 hex) or
 * its StrKey ("B…"). Returns the hex of the 32-byte hash, lowercase.
 */
export function balanceIdParam(raw: string, field = "id"): string {
  if (/^00000000[0-9a-fA-F]{64}$/.test(raw)) return raw.slice(8).toLowerCase();
  if (raw.startsWith("B") && StrKey.isValidClaimableBalance(raw)) {
    const bytes = StrKey.decodeClaimableBalance(raw);
    // One type byte (v0 = 0) then the hash.
    if (bytes.length === 33 && bytes[0] === 0) return bytes.subarray(1).toString("hex");
  }
  throw invalidField(field, "claimable balance id must be 00000000 followed by 64 hex characters");
}

/** An offer id: a positive int64 in decimal. */
export function offerIdParam(raw: string, field = "offer_id"): bigint {
  if (!/^\d{1,19}$/.test(raw)) throw invalidField(field, "offer id must be a positive integer");
  const id = BigInt(raw);
  if (id < 1n || id >= 1n << 63n) throw invalidField(field, "offer id out of range");
  return id;
}
