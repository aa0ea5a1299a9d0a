/**
 * The herder keeps applied and outdated tx sets to answer peers still fetching them: at most
 * 16 sets, and at most 20,000 operations once more than the newest 4 are kept, so sets of large
 * transactions (bulk account creation) do not hold tens of MB of decoded frames.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {RecentTxSets, defaultRecentTxSetsLimits} from "../../../src/herder/recent-tx-sets.js";
import type {TxSet} from "../../../src/herder/tx-set.js";

function set(n: number, ops: number): TxSet {
  return {hashHex: n.toString(16).padStart(64, "0"), prevHash: "00".repeat(32), frames: [], ops, baseFeeCharged: 100n};
}

function kept(r: RecentTxSets, from: number, to: number): number[] {
  const out: number[] = [];
  for (let n = from; n <= to; n++) if (r.get(set(n, 0).hashHex) !== undefined) out.push(n);
  return out;
}

describe("recent tx sets", () => {
  it("keeps the newest 16 sets of small sets, as before", () => {
    assert.deepEqual(defaultRecentTxSetsLimits, {maxSets: 16, maxOps: 20_000, minSets: 4});
    const r = new RecentTxSets();
    for (let n = 1; n <= 20; n++) r.add(set(n, 1_000));
    assert.equal(r.size, 16);
    assert.deepEqual(kept(r, 1, 20), [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    assert.equal(r.operations, 16_000);
  });

  it("drops the oldest sets while over maxOps, down to the newest minSets", () => {
    const r = new RecentTxSets();
    for (let n = 1; n <= 10; n++) r.add(set(n, 10_000));
    assert.deepEqual(kept(r, 1, 10), [7, 8, 9, 10], "40,000 operations, but the newest 4 stay");
    assert.equal(r.operations, 40_000);
    for (let n = 11; n <= 14; n++) r.add(set(n, 100));
    assert.deepEqual(kept(r, 1, 14), [10, 11, 12, 13, 14], "with set 9, 20,300 operations: over 20,000 and more than 4 sets");
    assert.equal(r.operations, 10_400);
  });

  it("counts a set added twice once", () => {
    const r = new RecentTxSets({maxSets: 3, maxOps: 1_000, minSets: 1});
    r.add(set(1, 400));
    r.add(set(1, 400));
    r.add(set(2, 400));
    assert.equal(r.operations, 800);
    assert.deepEqual(kept(r, 1, 2), [1, 2]);
  });

  it("refuses bad limits", () => {
    assert.throws(() => new RecentTxSets({maxOps: -1}), RangeError);
    assert.throws(() => new RecentTxSets({maxSets: 1.5}), RangeError);
    assert.throws(() => new RecentTxSets({maxSets: 2, minSets: 3}), RangeError);
  });
});
