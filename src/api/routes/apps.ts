/**
 * The browser apps (PayCircle, CreditCircle): static pages and bundles built into dist/web/apps by
 * `npm run build`. They talk to this node's Horizon API like any wallet; keys stay in the browser.
 */
import {fileURLToPath} from "node:url";
import {notFound} from "../errors.js";
import type {GetRoute, Reply} from "./context.js";
import {StaticFolder} from "./static-files.js";

export const APPS = ["paycircle", "creditcircle"] as const;

/** dist/src/api/routes → dist/web/apps/<app> */
const folders = new Map<string, StaticFolder>(
  APPS.map((app) => [app, new StaticFolder(fileURLToPath(new URL(`../../../web/apps/${app}/`, import.meta.url)), app)])
);

function appFile(app: string | undefined, name: string): Reply {
  const folder = folders.get(app ?? "");
  if (folder === undefined) throw notFound();
  return folder.file(name);
}

export const appRoutes: GetRoute[] = [
  {method: "get", pattern: "/apps/:app", cacheable: true, handle: (ctx) => appFile(ctx.params[0], "index.html")},
  {method: "get", pattern: "/apps/:app/static/:file", cacheable: true, handle: (ctx) => appFile(ctx.params[0], ctx.params[1] ?? "")},
];
