import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {statSync} from "node:fs";
import {join} from "node:path";
import {VerifyPool} from "../../../src/verify/pool.js";
import {StoreFixture, config} from "./fixtures.js";

describe("read-only readers in worker threads", () => {
  it("an idle verify worker pins no old snapshot: freed pages are reused and the file stops growing", async () => {
    const f = new StoreFixture({accounts: 50, historyRetention: 3});
    const pool = new VerifyPool({networkId: new Uint8Array(config.networkId), dataDir: f.dir}, {threads: 1, maxBatch: 8});
    try {
      const first = f.closeLedger(f.cyclePayments(0, 10));
      await first.committed;
      // The worker opens the file read-only and reads the signers of ledger 2, then sits idle.
      const verdict = await pool.verify(first.frames[0].envelopeXdr);
      assert.ok(verdict.ok && verdict.frame.hashHex === first.frames[0].hashHex);
      const sizes: number[] = [];
      const headerBytes: number[] = [];
      for (let l = 1; l <= 36; l++) {
        await f.closeLedger(f.cyclePayments(l * 100, 100)).committed;
        await f.store.prunedUpToDate();
        if (l % 12 === 0) {
          sizes.push(statSync(join(f.dir, "ledger.mdb")).size);
          headerBytes.push((f.store.stats().tables.find((t) => t.name === "headers") as {bytes: number}).bytes);
        }
      }
      const growth = sizes[2] - sizes[1];
      const headerGrowth = headerBytes[2] - headerBytes[1];
      assert.ok(growth <= headerGrowth + 2 * 4096, `file ${sizes.join(" → ")} bytes, headers ${headerBytes.join(" → ")} bytes`);
    } finally {
      await pool.close();
      await f.dispose();
    }
  });
});
