/**
 * The streams bench with subscribers on and off in one run: its flags, and how its windows make
 * cycles (a window with subscribers against the mean of the windows without either side).
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {alternateCycles, defaultAlternateArgs, parseAlternateArgs, type AlternateWindow} from "../../../native-bench/streams-alternate.js";

/** A window of `txs` payments over `seconds`, with `cpuUs` node and `verifyUs` verify CPU per payment. */
function win(subscribed: boolean, from: number, txs: number, seconds: number, cpuUs = 500, verifyUs = 150): AlternateWindow {
  return {subscribed, from, to: from + 6, txs, seconds, nodeCpu: (txs * cpuUs) / 1e6, verifyCpu: (txs * verifyUs) / 1e6, rssBytes: 0, rssAnonBytes: 0, idleShare: 0, stealShare: 0};
}

describe("streams bench, subscribers on and off", () => {
  it("defaults to 8 cycles of 6-ledger windows and leaves the other flags", () => {
    const {alt, rest} = parseAlternateArgs(["--ws", "20", "--payments", "9000"]);
    assert.deepEqual(alt, defaultAlternateArgs);
    assert.deepEqual(alt, {cycles: 8, windowLedgers: 6});
    assert.deepEqual(rest, ["--ws", "20", "--payments", "9000"]);
  });

  it("reads --cycles and --window-ledgers wherever they stand", () => {
    const {alt, rest} = parseAlternateArgs(["--window-ledgers", "4", "--sse", "3", "--cycles", "12"]);
    assert.deepEqual(alt, {cycles: 12, windowLedgers: 4});
    assert.deepEqual(rest, ["--sse", "3"]);
  });

  for (const [flag, bad] of [
    ["--cycles", "0"],
    ["--cycles", "101"],
    ["--cycles", "2.5"],
    ["--window-ledgers", "1"],
    ["--window-ledgers", "x"],
    ["--window-ledgers", undefined],
  ] as const) {
    it(`rejects ${flag} ${bad ?? "(no value)"} naming the flag and its range`, () => {
      const argv = bad === undefined ? [flag] : [flag, bad];
      assert.throws(() => parseAlternateArgs(argv), (err: unknown) => err instanceof Error && err.message.startsWith(`${flag} takes a whole number`) && err.message.includes(`"${bad ?? ""}"`));
    });
  }

  it("reads each window with subscribers against the mean TPS of its two neighbours", () => {
    // 3,000 TPS before, 2,700 with, 3,200 after: 2,700 / 3,100.
    const cycles = alternateCycles([win(false, 10, 18_000, 6), win(true, 20, 16_200, 6), win(false, 30, 19_200, 6)]);
    assert.equal(cycles.length, 1);
    assert.ok(Math.abs(cycles[0]!.ratio - 2_700 / 3_100) < 1e-12);
    assert.equal(cycles[0]!.before.from, 10);
    assert.equal(cycles[0]!.after.from, 30);
  });

  it("cancels a steady drift of the host's speed", () => {
    // The load falls by 100 TPS a window and the subscribers cost nothing: every ratio is 1.
    const ws = Array.from({length: 7}, (_, i) => win(i % 2 === 1, i * 10, (3_000 - 100 * i) * 6, 6));
    const cycles = alternateCycles(ws);
    assert.equal(cycles.length, 3);
    for (const c of cycles) assert.ok(Math.abs(c.ratio - 1) < 1e-12, String(c.ratio));
  });

  it("gives the CPU per payment ratio and the verify workers' speed control", () => {
    const cycles = alternateCycles([win(false, 0, 6_000, 2, 400, 150), win(true, 10, 6_000, 2, 480, 165), win(false, 20, 6_000, 2, 400, 150)]);
    assert.ok(Math.abs(cycles[0]!.cpuRatio - 1.2) < 1e-12);
    assert.ok(Math.abs(cycles[0]!.control - 1.1) < 1e-12);
  });

  it("takes no cycle from a window with subscribers that lacks a window without after it", () => {
    assert.deepEqual(alternateCycles([win(false, 0, 6_000, 2), win(true, 10, 6_000, 2)]), []);
    assert.deepEqual(alternateCycles([win(true, 0, 6_000, 2), win(false, 10, 6_000, 2)]), []);
    assert.equal(alternateCycles([win(false, 0, 6_000, 2), win(true, 10, 5_000, 2), win(false, 20, 6_000, 2), win(true, 30, 5_000, 2)]).length, 1);
  });
});
