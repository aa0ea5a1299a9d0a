import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {TestNode, signedEnvelope, testKeypair} from "./harness.js";
import {defaultScpOptions, defaultTimeoutMs, quorumSetHash, type Ballot, type PreparePledge, type QuorumSet} from "../../../src/scp/index.js";

const SLOT = 3;
const kps = Array.from({length: 5}, (_, i) => testKeypair(i));
const QSET: QuorumSet = {threshold: 4, validators: kps.map((k) => k.publicKey()), innerSets: []};
const QH = quorumSetHash(QSET);
const X = Buffer.from("x");

const prep = (b: Ballot): PreparePledge => ({type: "prepare", ballot: b, prepared: null, preparedPrime: null, nC: 0, nH: 0});

describe("SCP timeouts", () => {
  it("schedule: initial + (n - 1) x increment, capped at 30 min (stellar-core computeTimeout)", () => {
    assert.deepEqual([1, 2, 3, 10].map((n) => defaultTimeoutMs(n, "ballot")), [1000, 2000, 3000, 10_000]);
    assert.deepEqual([1, 2, 3].map((n) => defaultTimeoutMs(n, "nomination")), [1000, 2000, 3000]);
    assert.equal(defaultTimeoutMs(1800), 1_800_000);
    assert.equal(defaultTimeoutMs(1801), 1_800_000);
    assert.equal(defaultTimeoutMs(2 ** 32 - 1), 1_800_000);
    const opts = {...defaultScpOptions, nominationTimeoutInitialMs: 750, nominationTimeoutIncrementMs: 250};
    assert.equal(defaultTimeoutMs(3, "nomination", opts), 1250, "nomination has its own schedule");
    assert.equal(defaultTimeoutMs(3, "ballot", opts), 3000);
  });

  it("the ballot timer is armed for timeout(counter) once a quorum is at the counter, and grows with it", () => {
    const n = new TestNode(kps[0]!, QSET);
    n.scp.bumpState(SLOT, X);
    assert.equal(n.timers.has("ballot"), false, "no timer before a quorum is at the counter");
    const quorumAt = (counter: number): void => {
      for (const k of kps.slice(1, 4)) n.scp.receiveEnvelope(signedEnvelope(k, SLOT, QH, prep({counter, value: X})));
    };
    quorumAt(1);
    assert.equal(n.timers.get("ballot")?.delay, 1000);
    assert.ok(n.fireTimer("ballot"));
    assert.equal(n.scp.getSlotInfo(SLOT)?.ballotCounter, 2, "timeout moves to the next counter");
    quorumAt(2);
    assert.equal(n.timers.get("ballot")?.delay, 2000);
    assert.ok(n.fireTimer("ballot"));
    // A v-blocking set far ahead pulls the node to counter 7; the quorum there arms 7 s.
    quorumAt(7);
    assert.equal(n.scp.getSlotInfo(SLOT)?.ballotCounter, 7);
    assert.equal(n.timers.get("ballot")?.delay, 7000);
    assert.deepEqual(
      n.timerDelays.filter((t) => t.kind === "ballot").map((t) => t.delay),
      [1000, 2000, 7000],
    );
  });

  it("each nomination round waits longer than the previous one", () => {
    const n = new TestNode(kps[0]!, QSET);
    n.scp.nominate(SLOT, X, Buffer.from("prev"));
    for (let i = 0; i < 3; i++) assert.ok(n.fireTimer("nomination"));
    assert.deepEqual(
      n.timerDelays.filter((t) => t.kind === "nomination").map((t) => t.delay),
      [1000, 2000, 3000, 4000],
    );
    assert.equal(n.scp.getSlotInfo(SLOT)?.nominationRound, 4);
  });
});
