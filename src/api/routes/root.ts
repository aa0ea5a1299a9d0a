import {rootRecord} from "../format/root.js";
import {jsonReply, type GetRoute} from "./context.js";

export const rootRoutes: GetRoute[] = [
  {
    method: "get",
    pattern: "/",
    cacheable: true,
    handle(ctx) {
      const reader = ctx.modules.reader;
      const latest = reader.latestHeader();
      const elder = reader.headers({limit: 1, order: "asc"})[0]?.seq ?? latest.seq;
      return jsonReply(200, rootRecord(ctx.modules.info, latest, elder, ctx.base, ctx.modules.friendbot !== null));
    },
  },
];
