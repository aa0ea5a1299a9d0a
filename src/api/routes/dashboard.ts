/**
 * The two dashboards: their pages and scripts (built into dist/web/dashboard by `npm run build`,
 * uPlot included, so they work with no internet) and the JSON they fetch.
 */
import {readFileSync, readdirSync} from "node:fs";
import {fileURLToPath} from "node:url";
import {join} from "node:path";
import {ApiError, ApiErrorCode, invalidField, notFound} from "../errors.js";
import {JSON_CONTENT_TYPE, jsonReply, type GetRoute, type Reply, type RouteContext} from "./context.js";
import type {DashboardSource} from "../interface.js";

/** dist/src/api/routes → dist/web/dashboard */
const ASSET_DIR = fileURLToPath(new URL("../../../web/dashboard/", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

const ASSETS_LIMIT_MAX = 200;

let files: Map<string, Reply> | null = null;

/** The built files, read once: a few tens of KB that never change while the node runs. */
function builtFiles(): Map<string, Reply> {
  if (files !== null) return files;
  const out = new Map<string, Reply>();
  let names: string[] = [];
  try {
    names = readdirSync(ASSET_DIR);
  } catch {
    // Not built: every page answers 503 below.
  }
  for (const name of names) {
    const type = CONTENT_TYPES[name.slice(name.lastIndexOf(".") + 1)];
    if (type === undefined) continue;
    out.set(name, {status: 200, contentType: type, body: readFileSync(join(ASSET_DIR, name))});
  }
  files = out;
  return out;
}

function file(name: string): Reply {
  const f = builtFiles().get(name);
  // A copy: the server adds headers to the reply it is given.
  if (f !== undefined) return {...f};
  if (builtFiles().size === 0) {
    throw new ApiError(ApiErrorCode.SERVICE_UNAVAILABLE, "The dashboard files are not built; run `npm run build`.");
  }
  throw notFound();
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
