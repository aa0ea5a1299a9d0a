import {notFound} from "../errors.js";
import {operationRecord} from "../format/operation.js";
import {operationsPage} from "./collections.js";
import {jsonReply, type GetRoute} from "./context.js";
import {operationIdParam} from "./params.js";

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
      const op = ctx.modules.reader.op(operationIdParam(ctx.params[0]));
      if (op === undefined) throw notFound();
      return jsonReply(200, operationRecord(op, ctx.base));
    },
  },
  {
    method: "get",
    pattern: "/payments",
    cacheable: true,
    handle: (ctx) => operationsPage(ctx, {paymentsOnly: true}),
  },
];
