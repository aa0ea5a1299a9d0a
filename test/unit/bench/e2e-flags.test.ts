/**
 * The end-to-end bench's warm-up: `--warmup N` payments are sent and committed before the
 * measured ones; a bad count, or a warm-up with the mixed load (whose txs are planned as one
 * market), is refused before any node starts.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {parseE2eFlags, runE2eBench} from "../../../native-bench/e2e.js";
import {defaultE2eOptions} from "../../../native-bench/options.js";

describe("bench: e2e warm-up flag", () => {
  it("reads --warmup as a whole number, absent when not given", () => {
    assert.equal(parseE2eFlags(["--warmup", "500", "--payments", "100"]).warmupPayments, 500);
    assert.equal(parseE2eFlags(["--warmup", "0"]).warmupPayments, 0);
    assert.equal(parseE2eFlags(["--payments", "100"]).warmupPayments, undefined);
    for (const bad of ["-1", "two", "1.5"]) assert.throws(() => parseE2eFlags([`--warmup=${bad}`]), /--warmup must be a whole number ≥ 0/, bad);
  });

  it("refuses a warm-up with the mixed load before starting a node", async () => {
    const started = Date.now();
    await assert.rejects(runE2eBench({...defaultE2eOptions, load: "mixed", warmupPayments: 10, nodeMain: "/nonexistent/main.js"}), /--warmup goes with the payments load only/);
    assert.ok(Date.now() - started < 5_000);
  });
});
