import {notFound} from "../errors.js";
import {transactionRecord} from "../format/transaction.js";
import {operationsPage, transactionsPage} from "./collections.js";
import {jsonReply, type GetRoute} from "./context.js";
import {txHashParam} from "./params.js";

export const transactionRoutes: GetRoute[] = [
  {
    method: "get",
    pattern: "/transactions",
    cacheable: true,
    handle: (ctx) => transactionsPage(ctx, {}),
  },
  {
    method: "get",
    pattern: "/transactions/:hash",
    cacheable: true,
    handle(ctx) {
      const tx = ctx.modules.reader.tx(txHashParam(ctx.params[0]));
      if (tx === undefined) throw notFound();
      return jsonReply(200, transactionRecord(tx, ctx.base));
    },
  },
  {
    method: "get",
    pattern: "/transactions/:hash/operations",
    cacheable: true,
    handle: (ctx) => operationsPage(ctx, {txHash: txHashParam(ctx.params[0])}),
  },
  {
    method: "get",
    pattern: "/transactions/:hash/payments",
    cacheable: true,
    handle: (ctx) => operationsPage(ctx, {txHash: txHashParam(ctx.params[0]), paymentsOnly: true}),
  },
];
