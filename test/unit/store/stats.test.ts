import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdtempSync, rmSync, statSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {dbStats} from "../../../src/store/stats.js";
import {StoreError, StoreErrorCode} from "../../../src/store/errors.js";
import {StoreFixture} from "./fixtures.js";

const CLI = fileURLToPath(new URL("../../../src/cli/main.js", import.meta.url));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {encoding: "utf8", timeout: 20_000});
  return {code: r.status, out: r.stdout, err: r.stderr};
}

describe("db stats", () => {
  it("reports file size, live and free pages and bytes per record of each table of a stopped node's folder", async () => {
    const f = new StoreFixture({accounts: 8});
    try {
      for (let l = 0; l < 3; l++) await f.closeLedger(f.cyclePayments(l * 10, 10)).committed;
      await f.store.close();
      const s = await dbStats(f.dir);
      assert.equal(s.fileBytes, statSync(join(f.dir, "ledger.mdb")).size);
      assert.equal(s.pageSize, 4096);
      assert.ok(s.livePages > 0 && s.livePages <= s.totalPages);
      assert.equal(s.freePages, s.totalPages - s.livePages);
      const byName = new Map(s.tables.map((t) => [t.name, t]));
      assert.equal(byName.get("txs")?.entries, 30);
      assert.equal(byName.get("hashes")?.entries, 30);
      assert.equal(byName.get("accountOps")?.entries, 60);
      assert.equal(byName.get("headers")?.entries, 4);
      assert.equal(byName.get("entries")?.entries, 9, "root and 8 accounts");
      const txs = byName.get("txs");
      assert.ok(txs);
      assert.equal(txs.bytesPerRecord, (txs.pages * 4096) / 30);

      const r = cli("db", "stats", "--data", f.dir);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /free pages\s+\d+/);
      assert.match(r.out, /^txs\s+30\s+\d+/m);
    } finally {
      rmSync(f.dir, {recursive: true, force: true});
    }
  });

  it("gives a clear error on a folder that is not a node's, and the CLI exits 1 with it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "diamante-stats-bad-"));
    try {
      await assert.rejects(dbStats(join(dir, "missing")), (e: unknown) => e instanceof StoreError && e.code === StoreErrorCode.NO_DATA);
      await assert.rejects(dbStats(dir), (e: unknown) => e instanceof StoreError && /no ledger\.mdb/.test(e.message));
      writeFileSync(join(dir, "ledger.mdb"), "not an lmdb file");
      await assert.rejects(dbStats(dir), (e: unknown) => e instanceof StoreError && e.code === StoreErrorCode.NO_DATA);
      const r = cli("db", "stats", "--data", join(dir, "missing"));
      assert.equal(r.code, 1);
      assert.match(r.err, /^diamante: no data folder at .*missing \(store_no_data\)\n$/);
      const u = cli("db", "nonsense", "--data", dir);
      assert.equal(u.code, 2);
      assert.match(u.err, /unknown db command/);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it("start rejects a bad --history-retention without writing anything", () => {
    const dir = mkdtempSync(join(tmpdir(), "diamante-retention-bad-"));
    try {
      for (const bad of ["-1", "abc", "1.5"]) {
        const r = cli("start", "--data", join(dir, "never"), "--history-retention", bad);
        assert.equal(r.code, 2, `${bad}: ${r.err}`);
        assert.match(r.err, /history-retention/);
      }
      assert.equal(spawnSync("ls", [join(dir, "never")]).status !== 0, true);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
