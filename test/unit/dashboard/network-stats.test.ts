import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {failureCode, minBlockingFailures, quorumHealth} from "../../../src/dashboard/network-stats.js";
import {LatencyWindow} from "../../../src/metrics/latency.js";
import {createMetrics} from "../../../src/metrics/metrics.js";

describe("quorum health", () => {
  it("a node alone is one failure from halting", () => {
    assert.deepEqual(quorumHealth({threshold: 1, validators: ["A"], innerSets: []}), {validators: 1, threshold: 1, down: 0, failuresToHalt: 1, toleratedFailures: 0, oneFailureFromHalt: true});
  });
  it("3 of 4 tolerates one failure, 3 of 3 none", () => {
    assert.equal(quorumHealth({threshold: 3, validators: ["A", "B", "C", "D"], innerSets: []}).toleratedFailures, 1);
    assert.equal(quorumHealth({threshold: 3, validators: ["A", "B", "C", "D"], innerSets: []}).oneFailureFromHalt, false);
    assert.equal(quorumHealth({threshold: 3, validators: ["A", "B", "C"], innerSets: []}).oneFailureFromHalt, true);
  });
  it("inner sets cost their own blocking size", () => {
    // 2 of {A, {2 of B,C,D}, {1 of E,F}}: blocking needs 2 entries failed; cheapest are A (1) and the inner 2-of-3 (2).
    const q = {threshold: 2, validators: ["A"], innerSets: [{threshold: 2, validators: ["B", "C", "D"], innerSets: []}, {threshold: 1, validators: ["E", "F"], innerSets: []}]};
    assert.equal(minBlockingFailures(q), 3);
    assert.deepEqual(quorumHealth(q), {validators: 6, threshold: 2, down: 0, failuresToHalt: 3, toleratedFailures: 2, oneFailureFromHalt: false});
  });
  it("validators already down count: 3 of 4 with one down is one failure from halting, with two down halted", () => {
    const q = {threshold: 3, validators: ["A", "B", "C", "D"], innerSets: []};
    assert.deepEqual(quorumHealth(q, new Set(["D"])), {validators: 4, threshold: 3, down: 1, failuresToHalt: 1, toleratedFailures: 0, oneFailureFromHalt: true});
    assert.equal(quorumHealth(q, new Set(["C", "D"])).failuresToHalt, 0);
    // A down member of a nested set lowers that set's cost only.
    const nested = {threshold: 2, validators: ["A"], innerSets: [{threshold: 2, validators: ["B", "C", "D"], innerSets: []}, {threshold: 1, validators: ["E", "F"], innerSets: []}]};
    assert.equal(minBlockingFailures(nested, new Set(["B"])), 2);
    assert.equal(minBlockingFailures(nested, new Set(["E"])), 2);
  });
});

describe("failure codes", () => {
  it("names the failing operation of a tx_failed, else the tx code, the inner tx's for fee-bumps", () => {
    assert.equal(failureCode({transaction: "tx_failed", operations: ["op_success", "op_underfunded"]}), "op_underfunded");
    assert.equal(failureCode({transaction: "tx_bad_seq"}), "tx_bad_seq");
    assert.equal(failureCode({transaction: "tx_fee_bump_inner_failed", innerTransaction: {transaction: "tx_failed", operations: ["op_no_trust"]}}), "op_no_trust");
  });
});

describe("LatencyWindow", () => {
  it("gives HDR percentiles overall and over the recent windows only", () => {
    let now = 0;
    const w = new LatencyWindow(30_000, () => now);
    for (let i = 1; i <= 100; i++) w.record(i / 1000);
    const all = w.recent();
    assert.equal(all.count, 100);
    assert.ok(Math.abs(all.p50 - 0.05) < 0.0001, String(all.p50));
    assert.ok(Math.abs(all.p99 - 0.099) < 0.0001, String(all.p99));
    assert.ok(Math.abs(all.max - 0.1) < 0.0001);
    now = 31_000;
    w.record(2);
    assert.equal(w.recent().count, 101, "the previous window still counts");
    now = 62_000;
    w.record(3);
    assert.equal(w.recent().count, 2, "two windows later the first 100 are gone");
    now = 200_000;
    assert.equal(w.recent().count, 0);
    assert.equal(w.overall().count, 102);
    w.record(-1);
    w.record(Number.NaN);
    assert.equal(w.overall().count, 102, "nonsense is not recorded");
  });

  it("the herder's submit→confirm histogram feeds both prom-client and the window", async () => {
    const m = createMetrics();
    m.submitToConfirmSeconds.observe(0.25);
    m.submitToConfirmSeconds.observe(0.5);
    assert.equal(m.submitToConfirmSeconds.latency.overall().count, 2);
    const v = (await m.submitToConfirmSeconds.get()).values.find((x) => x.metricName === "diamante_herder_submit_to_confirm_seconds_count");
    assert.equal(v?.value, 2);
  });
});
