/**
 * The kill -9 soak, short: three SIGKILLs under load (some aimed inside a ledger's commit), and
 * after each restart every acknowledged transaction is present, the header chain recomputes and
 * links, and ledgers keep closing. The full run (20 kills) is `node dist/native-bench/soak.js`.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {defaultSoakOptions, runSoak} from "../../native-bench/soak.js";

describe("kill -9 soak (3 kills)", () => {
  it("keeps every acknowledged transaction and a valid header chain across three SIGKILLs", async () => {
    const report = await runSoak({...defaultSoakOptions, kills: 3, senders: 8, minUpMs: 800, maxUpMs: 2_000, commitShare: 2 / 3, seed: 5, minAckPerRound: 11});
    assert.equal(report.rounds.length, 3);
    assert.ok(report.acknowledged > 30, `enough load between kills (${report.acknowledged} acknowledged)`);
    assert.equal(report.refused, 0, report.refusals.join("; "));
    for (const [i, r] of report.rounds.entries()) {
      assert.ok(r.acknowledged > 0, `kill ${i + 1} happened under load`);
      assert.equal(r.missing, 0, `kill ${i + 1}: acknowledged txs missing after restart`);
      assert.equal(r.chainProblem, undefined, `kill ${i + 1}: header chain`);
      assert.ok(r.closedAfterRestart >= 3, `kill ${i + 1}: ledgers kept closing (${r.closedAfterRestart})`);
      assert.ok(r.onDisk >= r.lastReported, `kill ${i + 1}: no reported ledger lost (${r.onDisk} < ${r.lastReported})`);
      assert.ok(r.chainTop >= r.onDisk, `kill ${i + 1}: chain checked through the restart ledger`);
    }
    assert.equal(report.ok, true);
  });
});
