import type {GetRoute} from "./context.js";

/** Prometheus text exposition format, version 0.0.4. */
const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export const metricsRoutes: GetRoute[] = [
  {
    method: "get",
    pattern: "/metrics",
    // Counters move with every request, not only at ledger close.
    cacheable: false,
    async handle(ctx) {
      return {status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: await ctx.modules.metricsText()};
    },
  },
];
