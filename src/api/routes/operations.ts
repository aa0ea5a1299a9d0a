import {notFound} from "../errors.js";
import {operationRecord} from "../format/operation.js";
import {operationsPage} from "./collections.js";
import {jsonReply, type GetRoute} from "./context.js";
import {joinTransactions, operationIdParam} from "./params.js";
import {transactionRecord} from "../format/transaction.js";

export const operationRoutes: GetRoute[] = [
  {
    method: "get",
    pattern: "/operations",
    cacheable: true,
    handle: (ctx) => operationsPage(ctx, {}),
  },
  {
    method: "get",
    pattern: "/operations/:id",
    cacheable: true,
    handle(ctx) {
      const join = joinTransactions(ctx);
      const op = ctx.modules.reader.op(operationIdParam(ctx.params[0]));
      if (op === undefined) throw notFound();
      const rec = operationRecord(op, ctx.base);
      const tx = join ? ctx.modules.reader.tx(op.txHash) : undefined;
      if (tx !== undefined) rec.transaction = transactionRecord(tx, ctx.base);
      return jsonReply(200, rec);
    },
  },
  {
    method: "get",
    pattern: "/payments",
    cacheable: true,
    handle: (ctx) => operationsPage(ctx, {paymentsOnly: true}),
  },
];
