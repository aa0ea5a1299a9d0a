/**
 * The streams bench's confidence interval for the median ratio over its pairs: the sign test's
 * k-th smallest to k-th largest value, k the largest whose coverage 1 − 2·P(Bin(n, ½) ≤ k − 1)
 * is at least the confidence asked. Checked against the binomial counted exactly with BigInt.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {medianInterval} from "../../../native-bench/measure.js";
import {medianIntervalText} from "../../../native-bench/streams.js";

/** 1 − 2·P(Bin(n, ½) ≤ k − 1), exactly (as a number once the counts are summed). */
function exactCoverage(n: number, k: number): number {
  let choose = 1n;
  let below = 0n;
  for (let i = 0; i < k; i++) {
    below += choose;
    choose = (choose * BigInt(n - i)) / BigInt(i + 1);
  }
  const total = 1n << BigInt(n);
  return Number(total - 2n * below) / Number(total);
}

describe("bench: interval of the median over pairs", () => {
  it("picks the order statistics whose coverage is the smallest at or above the confidence", () => {
    for (const n of [6, 7, 8, 9, 12, 19, 32, 51, 100]) {
      // Values given out of order, so the function must sort them.
      const values = Array.from({length: n}, (_, i) => ((i * 37) % n) / 100);
      const got = medianInterval(values, 0.95);
      assert.ok(got !== undefined, `n = ${n}`);
      const k = Math.round(got.low * 100) + 1;
      assert.equal(got.high, (n - k) / 100, `n = ${n}: the k-th largest with the k-th smallest`);
      assert.ok(Math.abs(got.coverage - exactCoverage(n, k)) < 1e-12, `n = ${n}: coverage of k = ${k}`);
      assert.ok(got.coverage >= 0.95, `n = ${n}: k = ${k} covers ${got.coverage}`);
      if (2 * (k + 1) <= n) assert.ok(exactCoverage(n, k + 1) < 0.95, `n = ${n}: k = ${k + 1} would still cover 95%`);
    }
  });

  it("gives the known cases: 8 values take the whole range, 9 the second from each end", () => {
    const eight = medianInterval([0.9, 0.85, 0.83, 0.81, 0.9, 0.94, 0.96, 0.88]);
    assert.deepEqual(eight, {low: 0.81, high: 0.96, coverage: 1 - 2 / 256});
    const nine = medianInterval([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(nine, {low: 2, high: 8, coverage: 1 - (2 * 10) / 512});
  });

  it("gives no interval when even the whole range covers too little, and says so in the summary", () => {
    assert.equal(medianInterval([1, 2, 3, 4, 5]), undefined, "5 values: the range covers 93.75%");
    assert.equal(medianInterval([]), undefined);
    assert.equal(medianInterval([1, 2, 3], 1), undefined, "a confidence of 1 is never reached");
    assert.equal(medianIntervalText([0.9, 0.91, 0.92]), "needs 6 pairs or more");
    assert.equal(medianIntervalText([0.8, 0.85, 0.9, 0.95, 1, 1.05]), "0.80x to 1.05x (covers 96.9%)");
  });
});
