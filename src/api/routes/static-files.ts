/**
 * Files built by `npm run build` into dist/web (the dashboards, the browser apps), served by the
 * node itself so every page works with no internet. Each folder is read once: its files never
 * change while the node runs.
 */
import {readFileSync, readdirSync} from "node:fs";
import {join} from "node:path";
import {ApiError, ApiErrorCode, notFound} from "../errors.js";
import type {Reply} from "./context.js";

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  json: "application/json; charset=utf-8",
  map: "application/json; charset=utf-8",
};

/** One built folder: `file(name)` answers its file, 404 for an unknown name, 503 when not built. */
export class StaticFolder {
  private files: Map<string, Reply> | null = null;

  constructor(
    private readonly dir: string,
    /** Named in the 503 answer, e.g. "dashboard". */
    private readonly what: string
  ) {}

  file(name: string): Reply {
    const f = this.load().get(name);
    // A copy: the server adds headers to the reply it is given.
    if (f !== undefined) return {...f};
    if (this.load().size === 0) {
      throw new ApiError(ApiErrorCode.SERVICE_UNAVAILABLE, `The ${this.what} files are not built; run \`npm run build\`.`);
    }
    throw notFound();
  }

  private load(): Map<string, Reply> {
    if (this.files !== null) return this.files;
    const out = new Map<string, Reply>();
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      // Not built: every file answers 503.
    }
    for (const name of names) {
      const type = CONTENT_TYPES[name.slice(name.lastIndexOf(".") + 1)];
      if (type === undefined) continue;
      out.set(name, {status: 200, contentType: type, body: readFileSync(join(this.dir, name))});
    }
    this.files = out;
    return out;
  }
}
