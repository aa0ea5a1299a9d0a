/**
 * status.json and the like: rewritten without blocking the caller, atomically, and always ending
 * with the newest body however many writes were asked while one was in flight.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {existsSync, mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {AtomicFileWriter} from "../../../src/util/atomic-file.js";

test("a write returns before touching the disk; bursts collapse and the newest body is what the file holds", async () => {
  const dir = mkdtempSync(join(tmpdir(), "diamante-atomic-"));
  try {
    const file = join(dir, "status.json");
    const errors: unknown[] = [];
    const w = new AtomicFileWriter(file, (e) => errors.push(e));
    w.write("1\n");
    assert.equal(existsSync(file), false, "nothing written synchronously");
    for (let i = 2; i <= 50; i++) w.write(`${i}\n`);
    await w.idle();
    assert.equal(readFileSync(file, "utf8"), "50\n");
    assert.equal(existsSync(file + ".tmp"), false, "the temp file was renamed over the file");
    w.write("51\n");
    await w.idle();
    assert.equal(readFileSync(file, "utf8"), "51\n");
    assert.deepEqual(errors, []);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("a failed write is reported and leaves the writer usable", async () => {
  const dir = mkdtempSync(join(tmpdir(), "diamante-atomic-"));
  try {
    const errors: unknown[] = [];
    const bad = new AtomicFileWriter(join(dir, "missing-folder", "status.json"), (e) => errors.push(e));
    bad.write("x");
    await bad.idle();
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as NodeJS.ErrnoException).code, "ENOENT");
    const good = new AtomicFileWriter(join(dir, "status.json"), (e) => errors.push(e));
    good.write("y");
    await good.idle();
    assert.equal(readFileSync(join(dir, "status.json"), "utf8"), "y");
    assert.equal(errors.length, 1);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
