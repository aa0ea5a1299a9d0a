import {notFound} from "../errors.js";
import {accountRecord} from "../format/account.js";
import {operationsPage, transactionsPage} from "./collections.js";
import {jsonReply, type GetRoute} from "./context.js";
import {accountIdParam} from "./params.js";

export const accountRoutes: GetRoute[] = [
  {
    method: "get",
    pattern: "/accounts/:id",
    cacheable: true,
    handle(ctx) {
      const reader = ctx.modules.reader;
      const entry = reader.account(accountIdParam(ctx.params[0]));
      if (entry === undefined) throw notFound();
      const modifiedAt = reader.header(entry.lastModifiedLedger)?.closeTime ?? null;
      return jsonReply(200, accountRecord(entry, reader.dataEntries(entry.accountId), modifiedAt, ctx.base));
    },
  },
  {
    method: "get",
    pattern: "/accounts/:id/transactions",
    cacheable: true,
    handle: (ctx) => transactionsPage(ctx, {account: accountIdParam(ctx.params[0])}),
  },
  {
    method: "get",
    pattern: "/accounts/:id/operations",
    cacheable: true,
    handle: (ctx) => operationsPage(ctx, {account: accountIdParam(ctx.params[0])}),
  },
  {
    method: "get",
    pattern: "/accounts/:id/payments",
    cacheable: true,
    handle: (ctx) => operationsPage(ctx, {account: accountIdParam(ctx.params[0]), paymentsOnly: true}),
  },
  {
    method: "get",
    pattern: "/accounts/:id/data/:key",
    cacheable: true,
    /** Horizon answers {"value": base64}, or the raw bytes when the client accepts octet-stream. */
    handle(ctx) {
      const id = accountIdParam(ctx.params[0]);
      const name = ctx.params[1];
      const entry = ctx.modules.reader.dataEntries(id).find((d) => d.name === name);
      if (entry === undefined) throw notFound();
      const value = Buffer.from(entry.value);
      if (ctx.accept.includes("application/octet-stream")) {
        return {status: 200, contentType: "application/octet-stream", body: value};
      }
      return jsonReply(200, {value: value.toString("base64")});
    },
  },
];
