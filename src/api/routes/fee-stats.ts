import {feeStatsRecord} from "../format/fee-stats.js";
import {JSON_CONTENT_TYPE, jsonReply, type GetRoute} from "./context.js";

export const feeStatsRoutes: GetRoute[] = [
  {
    method: "get",
    pattern: "/fee_stats",
    cacheable: true,
    handle(ctx) {
      const latest = ctx.modules.reader.latestHeader();
      const record = feeStatsRecord(latest.seq, latest.baseFee, ctx.modules.feeStats.recentFees());
      return jsonReply(200, record, JSON_CONTENT_TYPE);
    },
  },
];
