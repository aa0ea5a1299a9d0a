/**
 * Parsing and validation of path and query parameters. Every rejection is a 400 naming the
 * field, so a client can tell which input to fix; nothing invalid reaches the store.
 */
import {StrKey} from "@stellar/stellar-base";
import {invalidField} from "../errors.js";
import {parseToid, toid} from "../format/toid.js";
import type {PageQuery} from "../../store/types.js";
import type {RouteContext} from "./context.js";

/** Largest ledger sequence a TOID can carry (the sign bit of the int64 stays clear). */
const MAX_LEDGER_SEQ = 2 ** 31 - 1;

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
      // "now": the position just past the latest ledger, so asc pages start with what comes next.
      page.cursor = toid(Math.min(ctx.modules.reader.latestHeader().seq + 1, MAX_LEDGER_SEQ), 0, 0);
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
  if (v === null || v === "" || v === "false") return false;
  if (v === "true") return true;
  throw invalidField("include_failed", "include_failed must be true or false");
}

export function accountIdParam(raw: string, field = "account_id"): string {
  if (!StrKey.isValidEd25519PublicKey(raw)) throw invalidField(field, "invalid address");
  return raw;
}

export function txHashParam(raw: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(raw)) throw invalidField("tx_id", "hash must be 64 hexadecimal characters");
  return raw.toLowerCase();
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
