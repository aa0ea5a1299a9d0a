/** Command-line amounts, assets and slippage: exact int64 stroops, never a JS number. */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {formatAmount, minimumReceive, parseAmount, parseAsset, parseSlippagePpm, amountToStroops} from "../../../src/wallet/amount.js";
import {WalletError} from "../../../src/wallet/errors.js";

const usage = (fn: () => unknown) =>
  assert.throws(fn, (e: unknown) => e instanceof WalletError && e.code === "usage");

describe("wallet amounts", () => {
  it("parses 7-decimal amounts exactly up to int64", () => {
    assert.equal(parseAmount("1", "amount"), 10_000_000n);
    assert.equal(parseAmount("0.0000001", "amount"), 1n);
    assert.equal(parseAmount("922337203685.4775807", "amount"), (1n << 63n) - 1n);
    assert.equal(formatAmount((1n << 63n) - 1n), "922337203685.4775807");
    assert.equal(formatAmount(parseAmount("12.5", "amount")), "12.5000000");
    assert.equal(amountToStroops("-3.25"), -32_500_000n);
  });

  it("refuses zero, too many decimals, int64 overflow and other text", () => {
    for (const t of ["0", "0.0000000", "1.00000001", "922337203685.4775808", "-1", "1e3", " 1", "1.", ".5", "0x10", ""]) usage(() => parseAmount(t, "amount"));
  });

  it("parses assets and checks issuer checksums", () => {
    const g = "GDRXE2BQUC3AZNPVFSCEZ76NJ3WWL25FYFK6RGZGIEKWE4SOOHSUJUJ6";
    assert.deepEqual(parseAsset("native", "asset"), {type: "native"});
    assert.deepEqual(parseAsset(`USD:${g}`, "asset"), {type: "credit", code: "USD", issuer: g});
    assert.deepEqual(parseAsset(`LONGCODE1234:${g}`, "asset"), {type: "credit", code: "LONGCODE1234", issuer: g});
    for (const t of ["USD", `USD:${g.slice(0, 55)}7`, `TOOLONGCODE12:${g}`, `US$:${g}`, `:${g}`, "DIAM"]) usage(() => parseAsset(t, "asset"));
  });

  it("takes quote × (1 − slippage) rounded down to a stroop", () => {
    assert.equal(parseSlippagePpm("1"), 10_000n);
    assert.equal(parseSlippagePpm("0.5"), 5_000n);
    assert.equal(parseSlippagePpm("99.9999"), 999_999n);
    for (const t of ["100", "-1", "1.00001", "abc"]) usage(() => parseSlippagePpm(t));
    assert.equal(minimumReceive(400_000_000n, 20_000n), 392_000_000n);
    assert.equal(minimumReceive(3n, 500_000n), 1n);
    assert.equal(minimumReceive(1n, 10_000n), 0n);
    assert.equal(minimumReceive((1n << 63n) - 1n, 0n), (1n << 63n) - 1n);
  });
});
