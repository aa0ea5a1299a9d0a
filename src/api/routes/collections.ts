/**
 * Transaction and operation collections, shared by /transactions, /operations, /payments and
 * their per-ledger, per-account and per-transaction variants.
 */
import type {OpFilter, PageQuery, StoredOp, StoredTx, TxFilter} from "../../store/types.js";
import {operationRecord} from "../format/operation.js";
import {pageRecord} from "../format/page.js";
import {transactionRecord, type TransactionRecord} from "../format/transaction.js";
import {jsonReply, type Reply, type RouteContext} from "./context.js";
import {carriedParams, includeFailed, joinTransactions, pageQuery} from "./params.js";

/**
 * Rounds of `limit` records a filtered page may scan. Failed transactions are rare, so one
 * round nearly always fills the page; the cap bounds a request to 10 x 200 reads when a long run
 * of failures is hidden, and the page's `next` link resumes after what was scanned.
 */
const MAX_SCAN_ROUNDS = 10;

export interface FilteredPage<R> {
  records: R[];
  /** Token of the last record read from the store, kept or not. */
  lastScanned?: string;
}

/** A page of records passing `keep`, reading further pages from the store while some are hidden. */
export function filteredPage<R>(
  fetch: (page: PageQuery) => R[],
  page: PageQuery,
  keep: (r: R) => boolean,
  tokenOf: (r: R) => string,
): FilteredPage<R> {
  const records: R[] = [];
  let cursor = page.cursor;
  let lastScanned: string | undefined;
  for (let round = 0; round < MAX_SCAN_ROUNDS; round++) {
    const batch = fetch({...page, cursor});
    for (const r of batch) {
      lastScanned = tokenOf(r);
      if (!keep(r)) continue;
      records.push(r);
      if (records.length === page.limit) return {records, lastScanned};
    }
    if (batch.length < page.limit) break;
    cursor = lastScanned;
  }
  return {records, lastScanned};
}

export function transactionsPage(ctx: RouteContext, filter: TxFilter): Reply {
  const page = pageQuery(ctx);
  const withFailed = includeFailed(ctx);
  const reader = ctx.modules.reader;
  const {records, lastScanned} = filteredPage<StoredTx>(
    (p) => reader.txs(p, filter),
    page,
    (tx) => withFailed || tx.successful,
    (tx) => tx.id,
  );
  const body = pageRecord(
    ctx.base,
    ctx.path,
    page,
    records.map((tx) => transactionRecord(tx, ctx.base)),
    {extra: carriedParams(ctx), nextCursor: lastScanned},
  );
  return jsonReply(200, body);
}

/** Operations of one transaction are all listed, failed or not, as Horizon does for `tx_id`. */
export function operationsPage(ctx: RouteContext, filter: OpFilter): Reply {
  const page = pageQuery(ctx);
  const withFailed = filter.txHash !== undefined || includeFailed(ctx);
  const join = joinTransactions(ctx);
  const reader = ctx.modules.reader;
  const {records, lastScanned} = filteredPage<StoredOp>(
    (p) => reader.ops(p, filter),
    page,
    (op) => withFailed || op.transactionSuccessful,
    (op) => op.id,
  );
  // join=transactions embeds each operation's transaction (the SDK's transaction_attr); one
  // read per distinct transaction of the page.
  const txs = new Map<string, TransactionRecord | undefined>();
  const embedded = (hash: string): TransactionRecord | undefined => {
    if (!txs.has(hash)) {
      const tx = reader.tx(hash);
      txs.set(hash, tx === undefined ? undefined : transactionRecord(tx, ctx.base));
    }
    return txs.get(hash);
  };
  const body = pageRecord(
    ctx.base,
    ctx.path,
    page,
    records.map((op) => {
      const rec = operationRecord(op, ctx.base);
      const tx = join ? embedded(op.txHash) : undefined;
      if (tx !== undefined) rec.transaction = tx;
      return rec;
    }),
    {extra: carriedParams(ctx), nextCursor: lastScanned},
  );
  return jsonReply(200, body);
}
