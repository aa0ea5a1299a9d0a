import {feeStatsRecord} from "../format/fee-stats.js";
import {jsonReply, type GetRoute} from "./context.js";

export const feeStatsRoutes: GetRoute[] = [
  {
    method: "get",
    pattern: "/fee_stats",
    cacheable: true,
    handle(ctx) {
      const latest = ctx.modules.reader.latestHeader();
      const record = feeStatsRecord(latest.seq, latest.baseFee, ctx.modules.feeStats.recentFees());
      return jsonReply(200, record);
    },
  },
];
