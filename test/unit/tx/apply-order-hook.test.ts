/**
 * The close tells `onApplyOrder` its tx set in apply order before applying it: the very array the
 * result's frames are (the stream feed's record thread is sent it, and its records are used only
 * for a ledger published with that same array), with the ledger's number.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation} from "@stellar/stellar-base";
import {closeLedger} from "../../../src/ledger/close.js";
import type {TxFrame} from "../../../src/tx/interface.js";
import {TestLedger} from "./harness.js";

describe("close: onApplyOrder", () => {
  it("is called once with the set in apply order and the result's own array", () => {
    const l = new TestLedger();
    const kps = Array.from({length: 6}, () => Keypair.random());
    l.fund(kps);
    const frames = kps.map((k, i) => l.frame(l.build(k, [Operation.payment({destination: kps[(i + 1) % kps.length]!.publicKey(), asset: Asset.native(), amount: "1"})])));
    const calls: {seq: number; ordered: readonly TxFrame[]}[] = [];
    const r = closeLedger(l, l.header, frames, {
      closeTime: l.closeTime + 5,
      config: l.config,
      onApplyOrder: (seq, ordered) => calls.push({seq, ordered}),
    });
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.seq, l.header.seq + 1);
    assert.equal(calls[0]!.seq, r.header.seq);
    assert.equal(calls[0]!.ordered, r.frames, "the same array");
    assert.deepEqual(
      r.applied.map((a) => a.index),
      r.frames.map((_, i) => i + 1),
    );
    assert.deepEqual(new Set(r.frames), new Set(frames), "the submitted set");
  });
});
