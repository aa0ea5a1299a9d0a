import {notFound} from "../errors.js";
import {ledgerRecord} from "../format/ledger.js";
import {pageRecord} from "../format/page.js";
import {operationsPage, transactionsPage} from "./collections.js";
import {jsonReply, type GetRoute} from "./context.js";
import {carriedParams, ledgerSeqParam, pageQuery} from "./params.js";

export const ledgerRoutes: GetRoute[] = [
  {
    method: "get",
    pattern: "/ledgers",
    cacheable: true,
    handle(ctx) {
      const page = pageQuery(ctx);
      const records = ctx.modules.reader.headers(page).map((h) => ledgerRecord(h, ctx.base));
      return jsonReply(200, pageRecord(ctx.base, ctx.path, page, records, {extra: carriedParams(ctx)}));
    },
  },
  {
    method: "get",
    pattern: "/ledgers/:seq",
    cacheable: true,
    handle(ctx) {
      const header = ctx.modules.reader.header(ledgerSeqParam(ctx.params[0]));
      if (header === undefined) throw notFound();
      return jsonReply(200, ledgerRecord(header, ctx.base));
    },
  },
  {
    method: "get",
    pattern: "/ledgers/:seq/transactions",
    cacheable: true,
    handle: (ctx) => transactionsPage(ctx, {ledger: ledgerSeqParam(ctx.params[0])}),
  },
  {
    method: "get",
    pattern: "/ledgers/:seq/operations",
    cacheable: true,
    handle: (ctx) => operationsPage(ctx, {ledger: ledgerSeqParam(ctx.params[0])}),
  },
  {
    method: "get",
    pattern: "/ledgers/:seq/payments",
    cacheable: true,
    handle: (ctx) => operationsPage(ctx, {ledger: ledgerSeqParam(ctx.params[0]), paymentsOnly: true}),
  },
];
