/**
 * /effects and its per-account, ledger, transaction and operation variants. Effects are derived
 * on read (format/effect.ts) from the operations the store pages, so their paging token is the
 * operation's TOID plus the effect's order within it ("opid-n"), as Horizon's.
 */
import {invalidField, notFound} from "../errors.js";
import {effectRecord, operationEffects, txOutcomeXdr, type EffectRecord, type TxOutcomeXdr} from "../format/effect.js";
import {pageRecord} from "../format/page.js";
import {parseToid, toid} from "../format/toid.js";
import type {OpFilter, PageQuery, StoredOp} from "../../store/types.js";
import {jsonReply, type GetRoute, type Reply, type RouteContext} from "./context.js";
import {accountIdParam, carriedParams, ledgerSeqParam, operationIdParam, pageQuery, txHashParam} from "./params.js";

/** Rounds of operation pages one effects page may read (a page of ops nearly always fills it). */
const MAX_SCAN_ROUNDS = 10;
const MAX_TOID_TX = 0xfffff;
const MAX_TOID_OP = 0xfff;

interface EffectCursor {
  op: bigint;
  /** Order within the operation; the cursor is after (asc) or before (desc) it. */
  order: number;
}

function effectCursor(ctx: RouteContext): EffectCursor | undefined {
  const raw = ctx.query.get("cursor");
  if (raw === null || raw === "") return undefined;
  if (raw === "now") return {op: BigInt(toid(ctx.modules.reader.latestHeader().seq, MAX_TOID_TX, MAX_TOID_OP)), order: Number.MAX_SAFE_INTEGER};
  const m = /^(\d{1,19})(?:-(\d{1,10}))?$/.exec(raw);
  if (m === null || parseToid(m[1]!) === undefined) throw invalidField("cursor", "cursor must be an effect paging token (operation id-order)");
  return {op: BigInt(m[1]!), order: m[2] === undefined ? 0 : Number(m[2])};
}

function effectsPage(ctx: RouteContext, filter: OpFilter, account?: string, onlyOp?: string): Reply {
  // The paging parameters other than the cursor, which effects parse themselves.
  const page = pageQuery(withoutCursor(ctx));
  const cursor = effectCursor(ctx);
  const asc = page.order === "asc";
  const reader = ctx.modules.reader;
  const outcomes = new Map<string, TxOutcomeXdr | null>();
  const outcomeOf = (op: StoredOp): TxOutcomeXdr | null => {
    if (!outcomes.has(op.txHash)) {
      const tx = reader.tx(op.txHash);
      outcomes.set(op.txHash, tx === undefined ? null : txOutcomeXdr(tx));
    }
    return outcomes.get(op.txHash)!;
  };
  // Start at the cursor's own operation: some of its effects may still be ahead of the cursor.
  let opCursor: string | undefined;
  if (cursor !== undefined) {
    const c = asc ? cursor.op - 1n : cursor.op + 1n;
    opCursor = c < 0n ? undefined : c.toString();
  }
  const records: EffectRecord[] = [];
  for (let round = 0; round < MAX_SCAN_ROUNDS && records.length < page.limit; round++) {
    const query: PageQuery = {limit: page.limit, order: page.order};
    if (opCursor !== undefined) query.cursor = opCursor;
    const ops = reader.ops(query, filter);
    for (const op of ops) {
      opCursor = op.id;
      if (!op.transactionSuccessful || (onlyOp !== undefined && op.id !== onlyOp)) continue;
      const outcome = outcomeOf(op);
      if (outcome === null) continue;
      let effects = operationEffects(op, outcome);
      if (!asc) effects = effects.reverse();
      for (const e of effects) {
        if (account !== undefined && e.account !== account) continue;
        if (cursor !== undefined && BigInt(op.id) === cursor.op && (asc ? e.order <= cursor.order : e.order >= cursor.order)) continue;
        records.push(effectRecord(op, e, ctx.base));
        if (records.length === page.limit) break;
      }
      if (records.length === page.limit) break;
    }
    if (ops.length < page.limit) break;
  }
  const request = {...page, cursor: ctx.query.get("cursor") ?? undefined};
  if (request.cursor === undefined || request.cursor === "") delete request.cursor;
  return jsonReply(200, pageRecord(ctx.base, ctx.path, request, records, {extra: carriedParams(ctx)}));
}

function withoutCursor(ctx: RouteContext): RouteContext {
  const query = new URLSearchParams(ctx.query);
  query.delete("cursor");
  return {...ctx, query};
}

export const effectRoutes: GetRoute[] = [
  {method: "get", pattern: "/effects", cacheable: true, handle: (ctx) => effectsPage(ctx, {})},
  {
    method: "get",
    pattern: "/accounts/:id/effects",
    cacheable: true,
    handle(ctx) {
      const id = accountIdParam(ctx.params[0]);
      return effectsPage(ctx, {account: id}, id);
    },
  },
  {method: "get", pattern: "/ledgers/:seq/effects", cacheable: true, handle: (ctx) => effectsPage(ctx, {ledger: ledgerSeqParam(ctx.params[0])})},
  {method: "get", pattern: "/transactions/:hash/effects", cacheable: true, handle: (ctx) => effectsPage(ctx, {txHash: txHashParam(ctx.params[0])})},
  {
    method: "get",
    pattern: "/operations/:id/effects",
    cacheable: true,
    handle(ctx) {
      const id = operationIdParam(ctx.params[0]);
      const op = ctx.modules.reader.op(id);
      if (op === undefined) throw notFound();
      return effectsPage(ctx, {txHash: op.txHash}, undefined, id);
    },
  },
];
