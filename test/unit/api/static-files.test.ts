import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {mkdirSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {ApiError, ApiErrorCode} from "../../../src/api/errors.js";
import {StaticFolder} from "../../../src/api/routes/static-files.js";
import {tempDir} from "../../helpers/node.js";

function code(fn: () => unknown): ApiErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  return undefined;
}

describe("static folders of built pages", () => {
  it("serves each built file with its content type, a copy per request", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "index.html"), "<!doctype html>");
    writeFileSync(join(dir, "main.js"), "export {}");
    writeFileSync(join(dir, "notes.txt"), "not served");
    const folder = new StaticFolder(dir, "paycircle");
    const page = folder.file("index.html");
    assert.equal(page.status, 200);
    assert.equal(page.contentType, "text/html; charset=utf-8");
    assert.equal(String(page.body), "<!doctype html>");
    assert.equal(folder.file("main.js").contentType, "text/javascript; charset=utf-8");
    assert.notEqual(folder.file("main.js"), folder.file("main.js"));
    assert.equal(code(() => folder.file("notes.txt")), ApiErrorCode.NOT_FOUND);
    assert.equal(code(() => folder.file("../index.html")), ApiErrorCode.NOT_FOUND);
  });

  it("answers 503 naming the build step when nothing is built, and 404 for an unknown file once built", () => {
    const missing = new StaticFolder(join(tempDir(), "absent"), "creditcircle");
    assert.equal(code(() => missing.file("index.html")), ApiErrorCode.SERVICE_UNAVAILABLE);
    assert.throws(() => missing.file("index.html"), /creditcircle files are not built; run `npm run build`/);
    const dir = join(tempDir(), "built");
    mkdirSync(dir);
    writeFileSync(join(dir, "index.html"), "x");
    assert.equal(code(() => new StaticFolder(dir, "x").file("other.html")), ApiErrorCode.NOT_FOUND);
  });
});
