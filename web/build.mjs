/**
 * The browser side of `npm run build`:
 * - the dashboards: copies the pages and scripts of web/dashboard and the charting library (uPlot,
 *   from node_modules) into dist/web/dashboard. Plain ES modules, so no bundler: the browser loads
 *   uPlot.esm.js itself.
 * - the apps (web/apps/<app>, one folder per app; web/apps/shared holds code they share): each
 *   app's main.ts is bundled with its imports (the stellar-sdk browser build, libsodium's wasm
 *   build, the wallet's keystore format from src/wallet) into dist/web/apps/<app>/main.js, and its
 *   pages and styles are copied beside it. Everything is local: the apps work with no internet.
 *   esbuild does not check types: `tsc -p web/apps` (DOM types, no emit) runs first and fails the build.
 */
import {copyFileSync, existsSync, mkdirSync, readdirSync, statSync} from "node:fs";
import {createRequire} from "node:module";
import {dirname, join} from "node:path";
import {fileURLToPath} from "node:url";
import {execFileSync} from "node:child_process";
import {build} from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "..", "dist", "web");

const out = join(dist, "dashboard");
mkdirSync(out, {recursive: true});
for (const name of readdirSync(join(here, "dashboard"))) copyFileSync(join(here, "dashboard", name), join(out, name));
const uplotDir = dirname(createRequire(import.meta.url).resolve("uplot/package.json"));
copyFileSync(join(uplotDir, "dist", "uPlot.esm.js"), join(out, "uPlot.esm.js"));
copyFileSync(join(uplotDir, "dist", "uPlot.min.css"), join(out, "uPlot.min.css"));

const appsDir = join(here, "apps");
const apps = existsSync(appsDir)
  ? readdirSync(appsDir).filter((d) => d !== "shared" && statSync(join(appsDir, d)).isDirectory())
  : [];
if (apps.length > 0) {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", join(appsDir, "tsconfig.json")], {stdio: "inherit"});
}
for (const app of apps) {
  const src = join(appsDir, app);
  const dest = join(dist, "apps", app);
  mkdirSync(dest, {recursive: true});
  for (const name of readdirSync(src)) {
    if (/\.(html|css|svg|png)$/.test(name)) copyFileSync(join(src, name), join(dest, name));
  }
  if (!existsSync(join(src, "main.ts"))) continue;
  await build({
    entryPoints: [join(src, "main.ts")],
    outfile: join(dest, "main.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: "linked",
    logLevel: "warning",
    legalComments: "eof",
  });
}
