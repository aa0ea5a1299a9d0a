/**
 * The apps' amounts (web/apps/shared/amount.ts): typed text to int64 stroops and back without a
 * JS number on the way, and the slippage bounds a path payment is sent with.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {AmountError, formatAmount, lessSlippage, parseAmount, parsePercentBps, plusSlippage, rate, toAmountString} from "../../../web/apps/shared/amount.js";

describe("apps: amounts", () => {
  it("parses up to 7 decimals into stroops, up to int64", () => {
    assert.equal(parseAmount("12.5"), 125_000_000n);
    assert.equal(parseAmount("0.0000001"), 1n);
    assert.equal(parseAmount(" 1,000 "), 10_000_000_000n);
    assert.equal(parseAmount("922337203685.4775807"), 2n ** 63n - 1n);
    assert.equal(parseAmount("0", true), 0n);
    for (const [text, why] of [
      ["922337203685.4775808", /larger than the ledger/],
      ["1.00000001", /more than 7 decimals/],
      ["0", /more than zero/],
      ["-1", /not an amount/],
      ["1e3", /not an amount/],
      ["", /not an amount/],
      ["1.", /not an amount/],
    ] as const) {
      assert.throws(() => parseAmount(text), (e: unknown) => e instanceof AmountError && why.test(e.message), text);
    }
  });

  it("formats Horizon's strings and stroops for people and for operations", () => {
    assert.equal(toAmountString(1n), "0.0000001");
    assert.equal(toAmountString(2n ** 63n - 1n), "922337203685.4775807");
    assert.equal(formatAmount("1234.5000000"), "1,234.50");
    assert.equal(formatAmount("9999.9999800"), "9,999.99998");
    assert.equal(formatAmount(0n), "0.00");
    assert.equal(formatAmount("922337203685.4775807"), "922,337,203,685.4775807");
  });

  it("bounds path payments by the slippage, rounding against the sender", () => {
    assert.equal(parsePercentBps("1"), 100);
    assert.equal(parsePercentBps("0.5"), 50);
    assert.throws(() => parsePercentBps("51"), /above 50%/);
    assert.throws(() => parsePercentBps("1.234"), /not a percentage/);
    // 36.3636363 AED quoted, 1% slippage: at least 35.9999999 (35.99999993…, rounded down).
    assert.equal(lessSlippage(363_636_363n, 100), 359_999_999n);
    assert.equal(lessSlippage(100n, 0), 100n);
    // The most a strict-receive may spend rounds up.
    assert.equal(plusSlippage(1_000n, 100), 1_010n);
    assert.equal(plusSlippage(999n, 100), 1_009n);
    // Near int64 max nothing overflows into a number.
    assert.equal(lessSlippage(2n ** 63n - 1n, 100), ((2n ** 63n - 1n) * 9_900n) / 10_000n);
    assert.equal(rate(363_636_363n, 100_000_000n), "3.6363636");
  });
});
