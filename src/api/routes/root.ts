import {rootRecord} from "../format/root.js";
import {JSON_CONTENT_TYPE, jsonReply, type GetRoute} from "./context.js";

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

/** Horizon's /health: 200 when the database answers and the node is up and synced, else 503. */
export const healthRoutes: GetRoute[] = [
  {
    method: "get",
    pattern: "/health",
    cacheable: false,
    handle(ctx) {
      let database = true;
      try {
        ctx.modules.reader.latestHeader();
      } catch {
        database = false;
      }
      const up = ctx.modules.health?.coreUp() ?? true;
      const synced = up && (ctx.modules.health?.coreSynced() ?? true);
      const body = {database_connected: database, core_up: up, core_synced: synced};
      return jsonReply(database && up && synced ? 200 : 503, body, JSON_CONTENT_TYPE);
    },
  },
];
