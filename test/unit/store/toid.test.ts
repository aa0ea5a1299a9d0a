import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {parseToid, toidString} from "../../../src/store/toid.js";

/** The TOID as the bit layout defines it, in BigInt arithmetic throughout. */
function reference(ledger: number, txIndex: number, opIndex: number): string {
  return ((BigInt(ledger) << 32n) | (BigInt(txIndex) << 12n) | BigInt(opIndex)).toString();
}

describe("toidString", () => {
  it("equals the bit layout (ledger << 32 | tx << 12 | op) and parses back, up to the fields' largest values", () => {
    const ledgers = [0, 1, 2, 1000, 2 ** 21 - 2, 2 ** 21 - 1, 2 ** 21, 2 ** 21 + 1, 2 ** 31 - 1];
    const txs = [0, 1, 4095, 4096, 1048575];
    const ops = [0, 1, 100, 4095];
    for (const l of ledgers) {
      for (const t of txs) {
        for (const o of ops) {
          const s = toidString(l, t, o);
          assert.equal(s, reference(l, t, o), `ledger ${l} tx ${t} op ${o}`);
          assert.deepEqual(parseToid(s), {ledger: l, txIndex: t, opIndex: o});
        }
      }
    }
  });
});
