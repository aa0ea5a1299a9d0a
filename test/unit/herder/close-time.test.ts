/** Close times strictly increase, whatever the close interval (stellar-core's rule). */
import {test} from "node:test";
import assert from "node:assert/strict";
import {setTimeout as sleep} from "node:timers/promises";
import {startNode} from "../../helpers/node.js";
import {encodeScpValue} from "../../../src/herder/tx-set.js";

test("ledgers closing several times a second still get strictly increasing close times", async () => {
  const n = await startNode({closeIntervalMs: 20});
  try {
    const first = n.node.herder.lastClosed().seq;
    while (n.node.herder.lastClosed().seq < first + 12) await sleep(20);
    const last = n.node.herder.lastClosed().seq;
    for (let seq = 2; seq <= last; seq++) {
      const prev = n.node.store.header(seq - 1)!;
      const cur = n.node.store.header(seq)!;
      assert.ok(cur.closeTime > prev.closeTime, `ledger ${seq} closes after ledger ${seq - 1} (${cur.closeTime} vs ${prev.closeTime})`);
    }
    const lcl = n.node.herder.lastClosed();
    assert.ok(n.node.herder.nextCloseTime() > lcl.closeTime);
  } finally {
    await n.stop();
  }
});

test("a consensus value whose close time is not after the last closed ledger's is invalid", async () => {
  const n = await startNode({closeIntervalMs: 60_000});
  try {
    const lcl = n.node.herder.lastClosed();
    const value = (closeTime: number) => encodeScpValue({txSetHash: Buffer.alloc(32, 7), closeTime});
    assert.equal(n.node.consensus.validateValue(lcl.seq + 1, value(lcl.closeTime), true), "invalid");
    // An unknown tx set with a later close time is not refused for its close time.
    assert.equal(n.node.consensus.validateValue(lcl.seq + 1, value(lcl.closeTime + 1), true), "maybe_valid");
  } finally {
    await n.stop();
  }
});
