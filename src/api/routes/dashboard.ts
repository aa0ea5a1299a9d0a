/**
 * The two dashboards: their pages and scripts (built into dist/web/dashboard by `npm run build`,
 * uPlot included, so they work with no internet) and the JSON they fetch.
 */
import {fileURLToPath} from "node:url";
import {invalidField, notFound} from "../errors.js";
import {StaticFolder} from "./static-files.js";
import {JSON_CONTENT_TYPE, jsonReply, type GetRoute, type Reply, type RouteContext} from "./context.js";
import type {DashboardSource} from "../interface.js";

/** dist/src/api/routes → dist/web/dashboard */
const ASSET_DIR = fileURLToPath(new URL("../../../web/dashboard/", import.meta.url));

const ASSETS_LIMIT_MAX = 200;

const folder = new StaticFolder(ASSET_DIR, "dashboard");

function file(name: string): Reply {
  return folder.file(name);
}

function source(ctx: RouteContext): DashboardSource {
  const d = ctx.modules.dashboard;
  if (d === undefined) throw notFound();
  return d;
}

export const dashboardRoutes: GetRoute[] = [
  {method: "get", pattern: "/dashboard", cacheable: true, handle: () => file("index.html")},
  {method: "get", pattern: "/dashboard/assets", cacheable: true, handle: () => file("assets.html")},
  {
    method: "get",
    pattern: "/dashboard/static/:file",
    cacheable: true,
    handle: (ctx) => file(ctx.params[0] ?? ""),
  },
  {
    method: "get",
    pattern: "/dashboard/api/network",
    // Samples move every second, not only at a ledger close.
    cacheable: false,
    async handle(ctx) {
      return jsonReply(200, await source(ctx).network(), JSON_CONTENT_TYPE);
    },
  },
  {
    method: "get",
    pattern: "/dashboard/api/assets",
    cacheable: true,
    handle(ctx) {
      const raw = ctx.query.get("limit") ?? "50";
      const limit = Number(raw);
      if (!/^\d+$/.test(raw) || limit < 1 || limit > ASSETS_LIMIT_MAX) throw invalidField("limit", `an integer from 1 to ${ASSETS_LIMIT_MAX}`);
      return jsonReply(200, source(ctx).assets(ctx.query.get("search") ?? "", limit), JSON_CONTENT_TYPE);
    },
  },
  {
    method: "get",
    pattern: "/dashboard/api/assets/:asset",
    // Payment periods are read against the clock as well as the ledger; the board caches per ledger.
    cacheable: false,
    handle(ctx) {
      const m = /^([A-Za-z0-9]{1,12}):(G[A-Z2-7]{55})$/.exec(ctx.params[0] ?? "");
      if (m === null) throw invalidField("asset", "CODE:ISSUER");
      const counter = ctx.query.get("counter") ?? undefined;
      if (counter !== undefined && counter !== "native" && !/^[A-Za-z0-9]{1,12}:G[A-Z2-7]{55}$/.test(counter)) {
        throw invalidField("counter", "native or CODE:ISSUER");
      }
      const page = source(ctx).asset(m[1]!, m[2]!, counter);
      if (page === undefined) throw notFound();
      return jsonReply(200, page, JSON_CONTENT_TYPE);
    },
  },
];
