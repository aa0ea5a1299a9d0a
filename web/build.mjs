/**
 * The dashboards' build step (part of `npm run build`): copies the pages and scripts of
 * web/dashboard and the charting library (uPlot, from node_modules) into dist/web/dashboard,
 * which the node serves. Plain ES modules, so no bundler: the browser loads uPlot.esm.js itself.
 */
import {copyFileSync, mkdirSync, readdirSync} from "node:fs";
import {createRequire} from "node:module";
import {dirname, join} from "node:path";
import {fileURLToPath} from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "dist", "web", "dashboard");
mkdirSync(out, {recursive: true});
for (const name of readdirSync(join(here, "dashboard"))) copyFileSync(join(here, "dashboard", name), join(out, name));
const uplotDir = dirname(createRequire(import.meta.url).resolve("uplot/package.json"));
copyFileSync(join(uplotDir, "dist", "uPlot.esm.js"), join(out, "uPlot.esm.js"));
copyFileSync(join(uplotDir, "dist", "uPlot.min.css"), join(out, "uPlot.min.css"));
