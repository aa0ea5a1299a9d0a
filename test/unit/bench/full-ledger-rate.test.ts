/**
 * The e2e bench's committed TPS over full ledgers: the ledgers the load filled from close to
 * close, the partial first and last left out, over the time between their closes.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {fullLedgerRate} from "../../../native-bench/e2e.js";

describe("bench: committed TPS over full ledgers", () => {
  // Ledgers close once a second; the load ran from inside ledger 6 to inside ledger 12.
  const closes = new Map([5, 6, 7, 8, 9, 10, 11, 12].map((seq) => [seq, (seq - 5) * 1000 + (seq === 9 ? 40 : 0)]));
  const seenAt = (seq: number): number | undefined => closes.get(seq);

  it("leaves out the partial first and last ledgers and divides by the closes between", () => {
    const perLedger = [
      {seq: 6, count: 800},
      {seq: 7, count: 6000},
      {seq: 8, count: 6200},
      {seq: 9, count: 6100},
      {seq: 10, count: 5900},
      {seq: 11, count: 6300},
      {seq: 12, count: 2700},
    ];
    const r = fullLedgerRate(perLedger, seenAt);
    assert.equal(r.txs, 30500);
    assert.equal(r.ledgers, 5);
    // From the close of 6 (1,000 ms) to the close of 11 (6,000 ms).
    assert.equal(r.seconds, 5);
    assert.equal(r.tps, 6100);
  });

  it("counts a ledger between without bench txs as an empty full ledger", () => {
    const r = fullLedgerRate(
      [
        {seq: 6, count: 10},
        {seq: 7, count: 900},
        {seq: 9, count: 600},
        {seq: 10, count: 5},
      ],
      seenAt,
    );
    assert.equal(r.txs, 1500);
    assert.equal(r.ledgers, 3);
    // From the close of 6 (1,000 ms) to the close of 9 (4,040 ms).
    assert.equal(r.seconds, 3.04);
    assert.equal(r.tps, 1500 / 3.04);
  });

  it("has no rate with fewer than three ledgers or a close it cannot place", () => {
    for (const perLedger of [[], [{seq: 6, count: 5}], [{seq: 6, count: 5}, {seq: 7, count: 5}]]) {
      const r = fullLedgerRate(perLedger, seenAt);
      assert.ok(Number.isNaN(r.tps));
      assert.equal(r.ledgers, 0);
    }
    assert.ok(Number.isNaN(fullLedgerRate([{seq: 20, count: 1}, {seq: 21, count: 1}, {seq: 22, count: 1}], seenAt).tps));
  });
});
