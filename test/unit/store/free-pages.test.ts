/**
 * The store opens LMDB with small in-memory free-list bounds (options.ts FREE_PAGES_TO_LOAD,
 * FREE_PAGES_TO_RETAIN) so that every commit stops paying for a long free list. What such bounds
 * could cost is reuse: a free list longer than the bounds must still be used up by later writes
 * before the file grows. Checked on an environment opened with the same bounds.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, rmSync, statSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {open} from "lmdb";
import {FREE_PAGES_TO_LOAD, FREE_PAGES_TO_RETAIN} from "../../../src/store/options.js";

describe("free pages beyond the in-memory bounds", () => {
  it("are reused by later write transactions before the file grows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "diamante-free-pages-"));
    const file = join(dir, "ledger.mdb");
    const root = open({path: file, mapSize: 1024 ** 3, ...{maxFreeSpaceToLoad: FREE_PAGES_TO_LOAD, maxFreeSpaceToRetain: FREE_PAGES_TO_RETAIN}});
    try {
      const db = root.openDB<Buffer, number>({name: "t", encoding: "binary"});
      // Rows of ~1,000 bytes at scattered keys: four to a page, so 48,000 rows fill ~12,000 pages,
      // three times the retained bound.
      const value = Buffer.alloc(1000, 7);
      const key = (i: number): number => (i * 2654435761) % 4294967291;
      const rows = 48_000;
      await root.transaction(() => {
        for (let i = 0; i < rows; i++) void db.put(key(i), value);
      });
      await root.transaction(() => {
        for (let i = 0; i < rows; i++) void db.remove(key(i));
      });
      await root.flushed;
      const freed = statSync(file).size;
      // The same rows again, in 24 write transactions, as ledgers would write them.
      for (let part = 0; part < 24; part++) {
        await root.transaction(() => {
          for (let i = part * 2000; i < (part + 1) * 2000; i++) void db.put(key(i), value);
        });
      }
      await root.flushed;
      assert.equal(db.getCount(), rows);
      const grown = statSync(file).size - freed;
      // Every page came from the free list but for B-tree and free-list bookkeeping.
      assert.ok(grown <= freed * 0.05, `file grew by ${grown} bytes over ${freed}`);
    } finally {
      await root.close();
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
