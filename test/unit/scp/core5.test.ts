import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {hash, type Keypair} from "@stellar/stellar-base";
import {TestNode, signedEnvelope, testKeypair} from "./harness.js";
import {runSections, type Section} from "./sections.js";
import {COUNTER_INFINITY, quorumSetHash, type Ballot, type Envelope, type Pledge, type QuorumSet} from "../../../src/scp/index.js";

/**
 * stellar-core's "ballot protocol core5" (src/scp/test/SCPTests.cpp) on this implementation:
 * node v0 with the quorum set {4: v0..v4} (v-blocking sets have 2 nodes, a quorum is v0 and 3
 * others), driven by `bumpState` and by hand-made peer envelopes; every section asserts the
 * exact envelopes v0 emits and the state of its ballot timer. Sections keep their names;
 * numbers in comments are the protocol rules as numbered in the stellar-core tests.
 */

const SLOT = 0;
const kps = Array.from({length: 5}, (_, i) => testKeypair(i));
const [v0, v1, v2, v3, v4] = kps as [Keypair, Keypair, Keypair, Keypair, Keypair];
const QSET: QuorumSet = {threshold: 4, validators: kps.map((k) => k.publicKey()), innerSets: []};
const qSetHash = quorumSetHash(QSET);
const qSetHash0 = qSetHash;

// x < y < z < zz
const sortedValues = [0, 1, 2, 3].map((i) => hash(Buffer.from(`core5-value/${i}`))).sort(Buffer.compare);
const [xValue, yValue, zValue, zzValue] = sortedValues as [Buffer, Buffer, Buffer, Buffer];

const B = (counter: number, value: Buffer): Ballot => ({counter, value});
const AInfOf = (v: Buffer): Ballot => B(COUNTER_INFINITY, v);

type Gen = (kp: Keypair) => Envelope;

function makePrepare(kp: Keypair, qh: Buffer, slot: number, ballot: Ballot, prepared?: Ballot | null, nC = 0, nH = 0, preparedPrime?: Ballot | null): Envelope {
  return signedEnvelope(kp, slot, qh, {type: "prepare", ballot, prepared: prepared ?? null, preparedPrime: preparedPrime ?? null, nC, nH});
}
function makeConfirm(kp: Keypair, qh: Buffer, slot: number, nPrepared: number, ballot: Ballot, nCommit: number, nH: number): Envelope {
  return signedEnvelope(kp, slot, qh, {type: "confirm", ballot, nPrepared, nCommit, nH});
}
function makeExternalize(kp: Keypair, qh: Buffer, slot: number, commit: Ballot, nH: number): Envelope {
  return signedEnvelope(kp, slot, qh, {type: "externalize", commit, nH});
}
const makePrepareGen =
  (qh: Buffer, ballot: Ballot, prepared?: Ballot | null, nC = 0, nH = 0, preparedPrime?: Ballot | null): Gen =>
  (kp) =>
    makePrepare(kp, qh, SLOT, ballot, prepared, nC, nH, preparedPrime);
const makeConfirmGen =
  (qh: Buffer, nPrepared: number, ballot: Ballot, nCommit: number, nH: number): Gen =>
  (kp) =>
    makeConfirm(kp, qh, SLOT, nPrepared, ballot, nCommit, nH);
const makeExternalizeGen =
  (qh: Buffer, commit: Ballot, nH: number): Gen =>
  (kp) =>
    makeExternalize(kp, qh, SLOT, commit, nH);

function verifyStatement(actual: Envelope | undefined, kp: Keypair, qh: Buffer, slot: number, pledges: Pledge): void {
  assert.ok(actual, "an envelope was emitted");
  assert.deepEqual(actual.statement, {nodeId: kp.publicKey(), slotIndex: slot, quorumSetHash: qh, pledges});
}
function verifyPrepare(actual: Envelope | undefined, kp: Keypair, qh: Buffer, slot: number, ballot: Ballot, prepared?: Ballot | null, nC = 0, nH = 0, preparedPrime?: Ballot | null): void {
  verifyStatement(actual, kp, qh, slot, {type: "prepare", ballot, prepared: prepared ?? null, preparedPrime: preparedPrime ?? null, nC, nH});
}
function verifyConfirm(actual: Envelope | undefined, kp: Keypair, qh: Buffer, slot: number, nPrepared: number, ballot: Ballot, nCommit: number, nH: number): void {
  verifyStatement(actual, kp, qh, slot, {type: "confirm", ballot, nPrepared, nCommit, nH});
}
function verifyExternalize(actual: Envelope | undefined, kp: Keypair, qh: Buffer, slot: number, commit: Ballot, nH: number): void {
  verifyStatement(actual, kp, qh, slot, {type: "externalize", commit, nH});
}

/**
 * v0 under test plus stellar-core's timer bookkeeping: `bumpTimerOffset` moves time past any
 * timeout, so a ballot timer is "upcoming" only when armed since the last bump.
 */
class Core5 {
  readonly node = new TestNode(v0, QSET);
  private timersBeforeBump = 0;

  get mEnvs(): Envelope[] {
    return this.node.emitted;
  }
  get externalized(): Map<number, Buffer> {
    return this.node.externalized;
  }
  bumpState(slot: number, v: Buffer): boolean {
    return this.node.scp.bumpState(slot, v);
  }
  receiveEnvelope(env: Envelope): "valid" | "invalid" {
    return this.node.scp.receiveEnvelope(env);
  }
  bumpTimerOffset(): void {
    this.timersBeforeBump = this.node.timerSeq;
  }
  hasBallotTimer(): boolean {
    return this.node.timers.has("ballot");
  }
  hasBallotTimerUpcoming(): boolean {
    assert.ok(this.hasBallotTimer(), "a ballot timer exists");
    return this.node.timers.get("ballot")!.seq > this.timersBeforeBump;
  }
  fireBallotTimer(): void {
    assert.ok(this.node.fireTimer("ballot"));
  }

  recvVBlockingChecks(gen: Gen, withChecks: boolean): void {
    const e1 = gen(v1);
    const e2 = gen(v2);
    this.bumpTimerOffset();
    // nothing should happen with first message
    let i = this.mEnvs.length;
    this.receiveEnvelope(e1);
    if (withChecks) assert.equal(this.mEnvs.length, i, "nothing after the first v-blocking message");
    i++;
    this.receiveEnvelope(e2);
    if (withChecks) assert.equal(this.mEnvs.length, i, "one envelope once v-blocking");
  }
  recvVBlocking(gen: Gen): void {
    this.recvVBlockingChecks(gen, true);
  }
  recvQuorumChecksEx(gen: Gen, withChecks: boolean, delayedQuorum: boolean, checkUpcoming: boolean): void {
    const [e1, e2, e3, e4] = [gen(v1), gen(v2), gen(v3), gen(v4)];
    this.bumpTimerOffset();
    this.receiveEnvelope(e1);
    this.receiveEnvelope(e2);
    const i = this.mEnvs.length + 1;
    this.receiveEnvelope(e3);
    if (withChecks && !delayedQuorum) assert.equal(this.mEnvs.length, i, "one envelope once a quorum");
    if (checkUpcoming && !delayedQuorum) assert.ok(this.hasBallotTimerUpcoming(), "ballot timer upcoming");
    // nothing happens with an extra vote (unless we're in delayedQuorum)
    this.receiveEnvelope(e4);
    if (withChecks && delayedQuorum) assert.equal(this.mEnvs.length, i, "one envelope once the delayed quorum");
    if (checkUpcoming && delayedQuorum) assert.ok(this.hasBallotTimerUpcoming(), "ballot timer upcoming");
  }
  recvQuorumChecks(gen: Gen, withChecks: boolean, delayedQuorum: boolean): void {
    this.recvQuorumChecksEx(gen, withChecks, delayedQuorum, false);
  }
  recvQuorumEx(gen: Gen, checkUpcoming: boolean): void {
    this.recvQuorumChecksEx(gen, true, false, checkUpcoming);
  }
  recvQuorum(gen: Gen): void {
    this.recvQuorumEx(gen, false);
  }

  nodesAllPledgeToCommit(): void {
    const b = B(1, xValue);
    const [prepare1, prepare2, prepare3, prepare4] = [v1, v2, v3, v4].map((k) => makePrepare(k, qSetHash, SLOT, b));
    assert.ok(this.bumpState(SLOT, xValue));
    assert.equal(this.mEnvs.length, 1);
    verifyPrepare(this.mEnvs[0], v0, qSetHash0, SLOT, b);
    this.receiveEnvelope(prepare1!);
    assert.equal(this.mEnvs.length, 1);
    this.receiveEnvelope(prepare2!);
    assert.equal(this.mEnvs.length, 1);
    this.receiveEnvelope(prepare3!);
    assert.equal(this.mEnvs.length, 2);
    // We have a quorum including us
    verifyPrepare(this.mEnvs[1], v0, qSetHash0, SLOT, b, b);
    this.receiveEnvelope(prepare4!);
    assert.equal(this.mEnvs.length, 2);

    const [prepared1, prepared2, prepared3, prepared4] = [v1, v2, v3, v4].map((k) => makePrepare(k, qSetHash, SLOT, b, b));
    this.receiveEnvelope(prepared4!);
    this.receiveEnvelope(prepared3!);
    assert.equal(this.mEnvs.length, 2);
    this.receiveEnvelope(prepared2!);
    assert.equal(this.mEnvs.length, 3);
    // confirms prepared
    verifyPrepare(this.mEnvs[2], v0, qSetHash0, SLOT, b, b, b.counter, b.counter);
    // extra statement doesn't do anything
    this.receiveEnvelope(prepared1!);
    assert.equal(this.mEnvs.length, 3);
  }
}

/** Sections "start <1,x>" and (with `z`) "start <1,z>": v0 starts with bumpState(a). */
function startSuite(SECTION: Section, scp: Core5, z: boolean): void {
  // no timer is set
  assert.ok(!scp.hasBallotTimer());
  // "start <1,z>" is the same suite with a > b: transitions towards the lower value b
  // are impossible there, so those sections check that nothing happens instead.
  const aValue = z ? zValue : xValue;
  const bValue = z ? xValue : zValue;
  const [A1, A2, A3, A4, A5] = [1, 2, 3, 4, 5].map((n) => B(n, aValue)) as [Ballot, Ballot, Ballot, Ballot, Ballot];
  const [B1, B2, B3, B4] = [1, 2, 3, 4].map((n) => B(n, bValue)) as [Ballot, Ballot, Ballot, Ballot];
  const Mid2 = B(2, yValue);
  const Big2 = B(2, zzValue);
  const AInf = AInfOf(aValue);
  const BInf = AInfOf(bValue);

  assert.ok(scp.bumpState(SLOT, aValue));
  assert.equal(scp.mEnvs.length, 1);
  assert.ok(!scp.hasBallotTimer());

  SECTION("prepared A1", () => {
    scp.recvQuorumEx(makePrepareGen(qSetHash, A1), true);
    assert.equal(scp.mEnvs.length, 2);
    verifyPrepare(scp.mEnvs[1], v0, qSetHash0, SLOT, A1, A1);

    SECTION("bump prepared A2", () => {
      // bump to (2,a)
      scp.bumpTimerOffset();
      assert.ok(scp.bumpState(SLOT, aValue));
      assert.equal(scp.mEnvs.length, 3);
      verifyPrepare(scp.mEnvs[2], v0, qSetHash0, SLOT, A2, A1);
      assert.ok(!scp.hasBallotTimer());

      scp.recvQuorumEx(makePrepareGen(qSetHash, A2), true);
      assert.equal(scp.mEnvs.length, 4);
      verifyPrepare(scp.mEnvs[3], v0, qSetHash0, SLOT, A2, A2);

      SECTION("Confirm prepared A2", () => {
        scp.recvQuorum(makePrepareGen(qSetHash, A2, A2));
        assert.equal(scp.mEnvs.length, 5);
        verifyPrepare(scp.mEnvs[4], v0, qSetHash0, SLOT, A2, A2, 2, 2);
        assert.ok(!scp.hasBallotTimerUpcoming());

        SECTION("Accept commit", () => {
          SECTION("Quorum A2", () => {
            scp.recvQuorum(makePrepareGen(qSetHash, A2, A2, 2, 2));
            assert.equal(scp.mEnvs.length, 6);
            verifyConfirm(scp.mEnvs[5], v0, qSetHash0, SLOT, 2, A2, 2, 2);
            assert.ok(!scp.hasBallotTimerUpcoming());

            SECTION("Quorum prepared A3", () => {
              scp.recvVBlocking(makePrepareGen(qSetHash, A3, A2, 2, 2));
              assert.equal(scp.mEnvs.length, 7);
              verifyConfirm(scp.mEnvs[6], v0, qSetHash0, SLOT, 2, A3, 2, 2);
              assert.ok(!scp.hasBallotTimer());

              scp.recvQuorumEx(makePrepareGen(qSetHash, A3, A2, 2, 2), true);
              assert.equal(scp.mEnvs.length, 8);
              verifyConfirm(scp.mEnvs[7], v0, qSetHash0, SLOT, 3, A3, 2, 2);

              SECTION("Accept more commit A3", () => {
                scp.recvQuorum(makePrepareGen(qSetHash, A3, A3, 2, 3));
                assert.equal(scp.mEnvs.length, 9);
                verifyConfirm(scp.mEnvs[8], v0, qSetHash0, SLOT, 3, A3, 2, 3);
                assert.ok(!scp.hasBallotTimerUpcoming());
                assert.equal(scp.externalized.size, 0);

                SECTION("Quorum externalize A3", () => {
                  scp.recvQuorum(makeConfirmGen(qSetHash, 3, A3, 2, 3));
                  assert.equal(scp.mEnvs.length, 10);
                  verifyExternalize(scp.mEnvs[9], v0, qSetHash0, SLOT, A2, 3);
                  assert.ok(!scp.hasBallotTimer());
                  assert.equal(scp.externalized.size, 1);
                  assert.deepEqual(scp.externalized.get(SLOT), aValue);
                });
              });
              SECTION("v-blocking accept more A3", () => {
                SECTION("Confirm A3", () => {
                  scp.recvVBlocking(makeConfirmGen(qSetHash, 3, A3, 2, 3));
                  assert.equal(scp.mEnvs.length, 9);
                  verifyConfirm(scp.mEnvs[8], v0, qSetHash0, SLOT, 3, A3, 2, 3);
                  assert.ok(!scp.hasBallotTimerUpcoming());
                });
                SECTION("Externalize A3", () => {
                  scp.recvVBlocking(makeExternalizeGen(qSetHash, A2, 3));
                  assert.equal(scp.mEnvs.length, 9);
                  verifyConfirm(scp.mEnvs[8], v0, qSetHash0, SLOT, COUNTER_INFINITY, AInf, 2, COUNTER_INFINITY);
                  assert.ok(!scp.hasBallotTimer());
                });
                SECTION("other nodes moved to c=A4 h=A5", () => {
                  SECTION("Confirm A4..5", () => {
                    scp.recvVBlocking(makeConfirmGen(qSetHash, 3, A5, 4, 5));
                    assert.equal(scp.mEnvs.length, 9);
                    verifyConfirm(scp.mEnvs[8], v0, qSetHash0, SLOT, 3, A5, 4, 5);
                    assert.ok(!scp.hasBallotTimer());
                  });
                  SECTION("Externalize A4..5", () => {
                    scp.recvVBlocking(makeExternalizeGen(qSetHash, A4, 5));
                    assert.equal(scp.mEnvs.length, 9);
                    verifyConfirm(scp.mEnvs[8], v0, qSetHash0, SLOT, COUNTER_INFINITY, AInf, 4, COUNTER_INFINITY);
                    assert.ok(!scp.hasBallotTimer());
                  });
                });
              });
            });
            SECTION("v-blocking prepared A3", () => {
              scp.recvVBlocking(makePrepareGen(qSetHash, A3, A3, 2, 2));
              assert.equal(scp.mEnvs.length, 7);
              verifyConfirm(scp.mEnvs[6], v0, qSetHash0, SLOT, 3, A3, 2, 2);
              assert.ok(!scp.hasBallotTimer());
            });
            SECTION("v-blocking prepared A3+B3", () => {
              if (z) scp.recvVBlocking(makePrepareGen(qSetHash, A3, A3, 2, 2, B3));
              else scp.recvVBlocking(makePrepareGen(qSetHash, A3, B3, 2, 2, A3));
              assert.equal(scp.mEnvs.length, 7);
              verifyConfirm(scp.mEnvs[6], v0, qSetHash0, SLOT, 3, A3, 2, 2);
              assert.ok(!scp.hasBallotTimer());
            });
            SECTION("v-blocking confirm A3", () => {
              scp.recvVBlocking(makeConfirmGen(qSetHash, 3, A3, 2, 2));
              assert.equal(scp.mEnvs.length, 7);
              verifyConfirm(scp.mEnvs[6], v0, qSetHash0, SLOT, 3, A3, 2, 2);
              assert.ok(!scp.hasBallotTimer());
            });
            SECTION("Hang - does not switch to B in CONFIRM", () => {
              SECTION("Network EXTERNALIZE", () => {
                // externalize messages have a counter at infinite
                scp.recvVBlocking(makeExternalizeGen(qSetHash, B2, 3));
                assert.equal(scp.mEnvs.length, 7);
                verifyConfirm(scp.mEnvs[6], v0, qSetHash0, SLOT, 2, AInf, 2, 2);
                assert.ok(!scp.hasBallotTimer());
                // stuck
                scp.recvQuorumChecks(makeExternalizeGen(qSetHash, B2, 3), false, false);
                assert.equal(scp.mEnvs.length, 7);
                assert.equal(scp.externalized.size, 0);
                // timer scheduled as there is a quorum with (2, *)
                assert.ok(scp.hasBallotTimerUpcoming());
              });
              SECTION("Network CONFIRMS other ballot", () => {
                SECTION("at same counter", () => {
                  // nothing should happen here, in particular, node should not attempt to switch 'p'
                  scp.recvQuorumChecks(makeConfirmGen(qSetHash, 3, B2, 2, 3), false, false);
                  assert.equal(scp.mEnvs.length, 6);
                  assert.equal(scp.externalized.size, 0);
                  assert.ok(!scp.hasBallotTimerUpcoming());
                });
                SECTION("at a different counter", () => {
                  scp.recvVBlocking(makeConfirmGen(qSetHash, 3, B3, 3, 3));
                  assert.equal(scp.mEnvs.length, 7);
                  verifyConfirm(scp.mEnvs[6], v0, qSetHash0, SLOT, 2, A3, 2, 2);
                  assert.ok(!scp.hasBallotTimer());
                  scp.recvQuorumChecks(makeConfirmGen(qSetHash, 3, B3, 3, 3), false, false);
                  assert.equal(scp.mEnvs.length, 7);
                  assert.equal(scp.externalized.size, 0);
                  // timer scheduled as there is a quorum with (3, *)
                  assert.ok(scp.hasBallotTimerUpcoming());
                });
              });
            });
          });
          SECTION("v-blocking", () => {
            SECTION("CONFIRM", () => {
              SECTION("CONFIRM A2", () => {
                scp.recvVBlocking(makeConfirmGen(qSetHash, 2, A2, 2, 2));
                assert.equal(scp.mEnvs.length, 6);
                verifyConfirm(scp.mEnvs[5], v0, qSetHash0, SLOT, 2, A2, 2, 2);
                assert.ok(!scp.hasBallotTimerUpcoming());
              });
              SECTION("CONFIRM A3..4", () => {
                scp.recvVBlocking(makeConfirmGen(qSetHash, 4, A4, 3, 4));
                assert.equal(scp.mEnvs.length, 6);
                verifyConfirm(scp.mEnvs[5], v0, qSetHash0, SLOT, 4, A4, 3, 4);
                assert.ok(!scp.hasBallotTimer());
              });
              SECTION("CONFIRM B2", () => {
                scp.recvVBlocking(makeConfirmGen(qSetHash, 2, B2, 2, 2));
                assert.equal(scp.mEnvs.length, 6);
                verifyConfirm(scp.mEnvs[5], v0, qSetHash0, SLOT, 2, B2, 2, 2);
                assert.ok(!scp.hasBallotTimerUpcoming());
              });
            });
            SECTION("EXTERNALIZE", () => {
              SECTION("EXTERNALIZE A2", () => {
                scp.recvVBlocking(makeExternalizeGen(qSetHash, A2, 2));
                assert.equal(scp.mEnvs.length, 6);
                verifyConfirm(scp.mEnvs[5], v0, qSetHash0, SLOT, COUNTER_INFINITY, AInf, 2, COUNTER_INFINITY);
                assert.ok(!scp.hasBallotTimer());
              });
              SECTION("EXTERNALIZE B2", () => {
                scp.recvVBlocking(makeExternalizeGen(qSetHash, B2, 2));
                assert.equal(scp.mEnvs.length, 6);
                verifyConfirm(scp.mEnvs[5], v0, qSetHash0, SLOT, COUNTER_INFINITY, BInf, 2, COUNTER_INFINITY);
                assert.ok(!scp.hasBallotTimer());
              });
            });
          });
        });
        SECTION("get conflicting prepared B", () => {
          SECTION("same counter", () => {
            if (z) {
              // messages are ignored as B2 < A2
              scp.recvQuorumChecks(makePrepareGen(qSetHash, B2, B2), false, false);
              assert.equal(scp.mEnvs.length, 5);
              assert.ok(!scp.hasBallotTimerUpcoming());
              return;
            }
            scp.recvVBlocking(makePrepareGen(qSetHash, B2, B2));
            assert.equal(scp.mEnvs.length, 6);
            verifyPrepare(scp.mEnvs[5], v0, qSetHash0, SLOT, A2, B2, 0, 2, A2);
            assert.ok(!scp.hasBallotTimerUpcoming());

            scp.recvQuorum(makePrepareGen(qSetHash, B2, B2, 2, 2));
            assert.equal(scp.mEnvs.length, 7);
            verifyConfirm(scp.mEnvs[6], v0, qSetHash0, SLOT, 2, B2, 2, 2);
            assert.ok(!scp.hasBallotTimerUpcoming());
          });
          SECTION("higher counter", () => {
            scp.recvVBlocking(makePrepareGen(qSetHash, B3, B2, 2, 2));
            assert.equal(scp.mEnvs.length, 6);
            // z: A2 > B2 -> p = A2, p' = B2
            if (z) verifyPrepare(scp.mEnvs[5], v0, qSetHash0, SLOT, A3, A2, 2, 2, B2);
            else verifyPrepare(scp.mEnvs[5], v0, qSetHash0, SLOT, A3, B2, 0, 2, A2);
            assert.ok(!scp.hasBallotTimer());

            scp.recvQuorumChecksEx(makePrepareGen(qSetHash, B3, B2, 2, 2), true, true, true);
            assert.equal(scp.mEnvs.length, 7);
            verifyConfirm(scp.mEnvs[6], v0, qSetHash0, SLOT, 3, B3, 2, 2);
          });
          SECTION("higher counter mixed", () => {
            scp.recvVBlocking(makePrepareGen(qSetHash, A3, B3, 0, 2, A2));
            assert.equal(scp.mEnvs.length, 6);
            // h still A2; v-blocking prepared B3 -> p = B3, p'=A2 (1); counter 3, b = A3 (9); c = 0 (1)
            verifyPrepare(scp.mEnvs[5], v0, qSetHash0, SLOT, A3, B3, 0, 2, A2);
            scp.recvQuorumEx(makePrepareGen(qSetHash, A3, B3, 0, 2, A2), true);
            assert.equal(scp.mEnvs.length, 7);
            if (!z) {
              // p=B3, p'=A3 (1); computed_h = B3; b = h = c = B3 (8)(2)(3)
              verifyPrepare(scp.mEnvs[6], v0, qSetHash0, SLOT, B3, B3, 3, 3, A3);
              return;
            }
            // p=A3, p'=B3 (1); computed_h = B3 (2), z = B - cannot update b
            verifyPrepare(scp.mEnvs[6], v0, qSetHash0, SLOT, A3, A3, 0, 2, B3);
            // timeout, bump to B4: computed_h = B3, h = B3 (2), c = 0
            assert.ok(scp.hasBallotTimerUpcoming());
            scp.fireBallotTimer();
            assert.equal(scp.mEnvs.length, 8);
            verifyPrepare(scp.mEnvs[7], v0, qSetHash0, SLOT, B4, A3, 0, 3, B3);
          });
        });
      });
      SECTION("Confirm prepared mixed", () => {
        // a few nodes prepared B2
        if (z) {
          scp.recvVBlocking(makePrepareGen(qSetHash, A2, A2, 0, 0, B2));
          assert.equal(scp.mEnvs.length, 5);
          verifyPrepare(scp.mEnvs[4], v0, qSetHash0, SLOT, A2, A2, 0, 0, B2);
        } else {
          scp.recvVBlocking(makePrepareGen(qSetHash, B2, B2, 0, 0, A2));
          assert.equal(scp.mEnvs.length, 5);
          verifyPrepare(scp.mEnvs[4], v0, qSetHash0, SLOT, A2, B2, 0, 0, A2);
        }
        assert.ok(!scp.hasBallotTimerUpcoming());

        SECTION("mixed A2", () => {
          // x: causes h=A2 but c = 0, as p >!~ h; z: causes h=A2, c=A2
          scp.bumpTimerOffset();
          scp.receiveEnvelope(makePrepare(v3, qSetHash, SLOT, A2, A2));
          assert.equal(scp.mEnvs.length, 6);
          if (z) verifyPrepare(scp.mEnvs[5], v0, qSetHash0, SLOT, A2, A2, 2, 2, B2);
          else verifyPrepare(scp.mEnvs[5], v0, qSetHash0, SLOT, A2, B2, 0, 2, A2);
          assert.ok(!scp.hasBallotTimerUpcoming());

          scp.bumpTimerOffset();
          scp.receiveEnvelope(makePrepare(v4, qSetHash, SLOT, A2, A2));
          assert.equal(scp.mEnvs.length, 6);
          assert.ok(!scp.hasBallotTimerUpcoming());
        });
        SECTION("mixed B2", () => {
          if (z) {
            // causes computed_h=B2 ~ not set as h ~!= b -> noop
            scp.bumpTimerOffset();
            scp.receiveEnvelope(makePrepare(v3, qSetHash, SLOT, A2, B2));
            assert.equal(scp.mEnvs.length, 5);
            assert.ok(!scp.hasBallotTimerUpcoming());
            scp.bumpTimerOffset();
            scp.receiveEnvelope(makePrepare(v4, qSetHash, SLOT, B2, B2));
            assert.equal(scp.mEnvs.length, 5);
            assert.ok(!scp.hasBallotTimerUpcoming());
            return;
          }
          // causes h=B2, c=B2
          scp.bumpTimerOffset();
          scp.receiveEnvelope(makePrepare(v3, qSetHash, SLOT, B2, B2));
          assert.equal(scp.mEnvs.length, 6);
          verifyPrepare(scp.mEnvs[5], v0, qSetHash0, SLOT, B2, B2, 2, 2, A2);
          assert.ok(!scp.hasBallotTimerUpcoming());

          scp.bumpTimerOffset();
          scp.receiveEnvelope(makePrepare(v4, qSetHash, SLOT, B2, B2));
          assert.equal(scp.mEnvs.length, 6);
          assert.ok(!scp.hasBallotTimerUpcoming());
        });
      });
    });
    SECTION("switch prepared B1 from A1", () => {
      if (z) {
        // can't switch to B1
        scp.recvQuorumChecks(makePrepareGen(qSetHash, B1, B1), false, false);
        assert.equal(scp.mEnvs.length, 2);
        assert.ok(!scp.hasBallotTimerUpcoming());
        return;
      }
      // (p,p') = (B1, A1) [ from (A1, null) ]
      scp.recvVBlocking(makePrepareGen(qSetHash, B1, B1));
      assert.equal(scp.mEnvs.length, 3);
      verifyPrepare(scp.mEnvs[2], v0, qSetHash0, SLOT, A1, B1, 0, 0, A1);
      assert.ok(!scp.hasBallotTimerUpcoming());

      // v-blocking with n=2 -> bump n
      scp.recvVBlocking(makePrepareGen(qSetHash, B2));
      assert.equal(scp.mEnvs.length, 4);
      verifyPrepare(scp.mEnvs[3], v0, qSetHash0, SLOT, A2, B1, 0, 0, A1);

      // move to (p,p') = (B2, A1) [update p from B1 -> B2]
      scp.recvVBlocking(makePrepareGen(qSetHash, B2, B2));
      assert.equal(scp.mEnvs.length, 5);
      verifyPrepare(scp.mEnvs[4], v0, qSetHash0, SLOT, A2, B2, 0, 0, A1);
      assert.ok(!scp.hasBallotTimer()); // no quorum (other nodes on (A,1))

      SECTION("v-blocking switches to previous value of p", () => {
        // v-blocking with n=3 -> bump n
        scp.recvVBlocking(makePrepareGen(qSetHash, B3));
        assert.equal(scp.mEnvs.length, 6);
        verifyPrepare(scp.mEnvs[5], v0, qSetHash0, SLOT, A3, B2, 0, 0, A1);
        assert.ok(!scp.hasBallotTimer()); // no quorum (other nodes on (A,1))

        // vBlocking set says "B1" is prepared - but we already have p=B2
        scp.recvVBlockingChecks(makePrepareGen(qSetHash, B3, B1), false);
        assert.equal(scp.mEnvs.length, 6);
        assert.ok(!scp.hasBallotTimer());
      });
      SECTION("switch p' to Mid2", () => {
        // (p,p') = (B2, Mid2)
        scp.recvVBlocking(makePrepareGen(qSetHash, B2, B2, 0, 0, Mid2));
        assert.equal(scp.mEnvs.length, 6);
        verifyPrepare(scp.mEnvs[5], v0, qSetHash0, SLOT, A2, B2, 0, 0, Mid2);
        assert.ok(!scp.hasBallotTimer());
      });
      SECTION("switch again Big2", () => {
        // both p and p' get updated: (p,p') = (Big2, B2)
        scp.recvVBlocking(makePrepareGen(qSetHash, B2, Big2, 0, 0, B2));
        assert.equal(scp.mEnvs.length, 6);
        verifyPrepare(scp.mEnvs[5], v0, qSetHash0, SLOT, A2, Big2, 0, 0, B2);
        assert.ok(!scp.hasBallotTimer());
      });
    });
    SECTION("switch prepare B1", () => {
      if (z) {
        // doesn't switch as B1 < A1
        scp.recvQuorumChecks(makePrepareGen(qSetHash, B1), false, false);
        assert.equal(scp.mEnvs.length, 2);
        assert.ok(!scp.hasBallotTimerUpcoming());
        return;
      }
      scp.recvQuorumChecks(makePrepareGen(qSetHash, B1), true, true);
      assert.equal(scp.mEnvs.length, 3);
      verifyPrepare(scp.mEnvs[2], v0, qSetHash0, SLOT, A1, B1, 0, 0, A1);
      assert.ok(!scp.hasBallotTimerUpcoming());
    });
    SECTION("prepare higher counter (v-blocking)", () => {
      scp.recvVBlocking(makePrepareGen(qSetHash, B2));
      assert.equal(scp.mEnvs.length, 3);
      verifyPrepare(scp.mEnvs[2], v0, qSetHash0, SLOT, A2, A1);
      assert.ok(!scp.hasBallotTimer());

      // more timeout from vBlocking set
      scp.recvVBlocking(makePrepareGen(qSetHash, B3));
      assert.equal(scp.mEnvs.length, 4);
      verifyPrepare(scp.mEnvs[3], v0, qSetHash0, SLOT, A3, A1);
      assert.ok(!scp.hasBallotTimer());
    });
  });
  SECTION("prepared B (v-blocking)", () => {
    scp.recvVBlocking(makePrepareGen(qSetHash, B1, B1));
    assert.equal(scp.mEnvs.length, 2);
    verifyPrepare(scp.mEnvs[1], v0, qSetHash0, SLOT, A1, B1);
    assert.ok(!scp.hasBallotTimer());
  });
  SECTION("prepare B (quorum)", () => {
    scp.recvQuorumChecksEx(makePrepareGen(qSetHash, B1), true, true, true);
    assert.equal(scp.mEnvs.length, 2);
    verifyPrepare(scp.mEnvs[1], v0, qSetHash0, SLOT, A1, B1);
  });
  SECTION("confirm (v-blocking)", () => {
    SECTION("via CONFIRM", () => {
      scp.bumpTimerOffset();
      scp.receiveEnvelope(makeConfirm(v1, qSetHash, SLOT, 3, A3, 3, 3));
      scp.receiveEnvelope(makeConfirm(v2, qSetHash, SLOT, 4, A4, 2, 4));
      assert.equal(scp.mEnvs.length, 2);
      verifyConfirm(scp.mEnvs[1], v0, qSetHash0, SLOT, 3, A3, 3, 3);
      assert.ok(!scp.hasBallotTimer());
    });
    SECTION("via EXTERNALIZE", () => {
      scp.receiveEnvelope(makeExternalize(v1, qSetHash, SLOT, A2, 4));
      scp.receiveEnvelope(makeExternalize(v2, qSetHash, SLOT, A3, 5));
      assert.equal(scp.mEnvs.length, 2);
      verifyConfirm(scp.mEnvs[1], v0, qSetHash0, SLOT, COUNTER_INFINITY, AInf, 3, COUNTER_INFINITY);
      assert.ok(!scp.hasBallotTimer());
    });
  });
}

/** Runs every leaf section of `body` as its own subtest named by its section path. */
function describeSections(title: string, body: (section: Section) => void): void {
  describe(title, () => {
    const runs = runSections(body);
    for (const run of runs) {
      it(run.path.join(" / ") || "(top level)", () => {
        if (run.error !== undefined) throw run.error;
      });
    }
  });
}

describeSections("ballot protocol core5", (SECTION) => {
  const scp = new Core5();

  SECTION("bumpState x", () => {
    assert.ok(scp.bumpState(SLOT, xValue));
    assert.equal(scp.mEnvs.length, 1);
    verifyPrepare(scp.mEnvs[0], v0, qSetHash0, SLOT, B(1, xValue));
  });

  SECTION("start <1,x>", () => startSuite(SECTION, scp, false));
  SECTION("start <1,z>", () => startSuite(SECTION, scp, true));

  SECTION("start from pristine", () => {
    // the transitions of "start <1,x>" that are observable when v0 has no ballot of its own
    const aValue = xValue;
    const bValue = zValue;
    const [A1, A2, A3, A4] = [1, 2, 3, 4].map((n) => B(n, aValue)) as [Ballot, Ballot, Ballot, Ballot];
    const [B1, B2] = [1, 2].map((n) => B(n, bValue)) as [Ballot, Ballot];
    const AInf = AInfOf(aValue);
    const BInf = AInfOf(bValue);
    assert.equal(scp.mEnvs.length, 0);

    SECTION("prepared A1", () => {
      scp.recvQuorumChecks(makePrepareGen(qSetHash, A1), false, false);
      assert.equal(scp.mEnvs.length, 0);

      SECTION("bump prepared A2", () => {
        SECTION("Confirm prepared A2", () => {
          scp.recvVBlockingChecks(makePrepareGen(qSetHash, A2, A2), false);
          assert.equal(scp.mEnvs.length, 0);

          SECTION("Quorum A2", () => {
            scp.recvVBlockingChecks(makePrepareGen(qSetHash, A2, A2), false);
            assert.equal(scp.mEnvs.length, 0);
            scp.recvQuorum(makePrepareGen(qSetHash, A2, A2));
            assert.equal(scp.mEnvs.length, 1);
            verifyPrepare(scp.mEnvs[0], v0, qSetHash0, SLOT, A2, A2, 1, 2);
          });
          SECTION("Quorum B2", () => {
            scp.recvVBlockingChecks(makePrepareGen(qSetHash, B2, B2), false);
            assert.equal(scp.mEnvs.length, 0);
            scp.recvQuorum(makePrepareGen(qSetHash, B2, B2));
            assert.equal(scp.mEnvs.length, 1);
            verifyPrepare(scp.mEnvs[0], v0, qSetHash0, SLOT, B2, B2, 2, 2, A2);
          });
          SECTION("Accept commit", () => {
            SECTION("Quorum A2", () => {
              scp.recvQuorum(makePrepareGen(qSetHash, A2, A2, 2, 2));
              assert.equal(scp.mEnvs.length, 1);
              verifyConfirm(scp.mEnvs[0], v0, qSetHash0, SLOT, 2, A2, 2, 2);
            });
            SECTION("Quorum B2", () => {
              scp.recvQuorum(makePrepareGen(qSetHash, B2, B2, 2, 2));
              assert.equal(scp.mEnvs.length, 1);
              verifyConfirm(scp.mEnvs[0], v0, qSetHash0, SLOT, 2, B2, 2, 2);
            });
            SECTION("v-blocking", () => {
              SECTION("CONFIRM", () => {
                SECTION("CONFIRM A2", () => {
                  scp.recvVBlocking(makeConfirmGen(qSetHash, 2, A2, 2, 2));
                  assert.equal(scp.mEnvs.length, 1);
                  verifyConfirm(scp.mEnvs[0], v0, qSetHash0, SLOT, 2, A2, 2, 2);
                });
                SECTION("CONFIRM A3..4", () => {
                  scp.recvVBlocking(makeConfirmGen(qSetHash, 4, A4, 3, 4));
                  assert.equal(scp.mEnvs.length, 1);
                  verifyConfirm(scp.mEnvs[0], v0, qSetHash0, SLOT, 4, A4, 3, 4);
                });
                SECTION("CONFIRM B2", () => {
                  scp.recvVBlocking(makeConfirmGen(qSetHash, 2, B2, 2, 2));
                  assert.equal(scp.mEnvs.length, 1);
                  verifyConfirm(scp.mEnvs[0], v0, qSetHash0, SLOT, 2, B2, 2, 2);
                });
              });
              SECTION("EXTERNALIZE", () => {
                SECTION("EXTERNALIZE A2", () => {
                  scp.recvVBlocking(makeExternalizeGen(qSetHash, A2, 2));
                  assert.equal(scp.mEnvs.length, 1);
                  verifyConfirm(scp.mEnvs[0], v0, qSetHash0, SLOT, COUNTER_INFINITY, AInf, 2, COUNTER_INFINITY);
                });
                SECTION("EXTERNALIZE B2", () => {
                  scp.recvVBlocking(makeExternalizeGen(qSetHash, B2, 2));
                  assert.equal(scp.mEnvs.length, 1);
                  verifyConfirm(scp.mEnvs[0], v0, qSetHash0, SLOT, COUNTER_INFINITY, BInf, 2, COUNTER_INFINITY);
                });
              });
            });
          });
        });
        SECTION("Confirm prepared mixed", () => {
          // a few nodes prepared A2: causes p=A2
          scp.recvVBlockingChecks(makePrepareGen(qSetHash, A2, A2), false);
          assert.equal(scp.mEnvs.length, 0);
          // a few nodes prepared B2: causes p=B2, p'=A2
          scp.recvVBlockingChecks(makePrepareGen(qSetHash, A2, B2, 0, 0, A2), false);
          assert.equal(scp.mEnvs.length, 0);
          SECTION("mixed A2", () => {
            // causes h=A2 but c = 0, as p >!~ h
            scp.receiveEnvelope(makePrepare(v3, qSetHash, SLOT, A2, A2));
            assert.equal(scp.mEnvs.length, 1);
            verifyPrepare(scp.mEnvs[0], v0, qSetHash0, SLOT, A2, B2, 0, 2, A2);
            scp.receiveEnvelope(makePrepare(v4, qSetHash, SLOT, A2, A2));
            assert.equal(scp.mEnvs.length, 1);
          });
          SECTION("mixed B2", () => {
            // causes h=B2, c=B2
            scp.receiveEnvelope(makePrepare(v3, qSetHash, SLOT, B2, B2));
            assert.equal(scp.mEnvs.length, 1);
            verifyPrepare(scp.mEnvs[0], v0, qSetHash0, SLOT, B2, B2, 2, 2, A2);
            scp.receiveEnvelope(makePrepare(v4, qSetHash, SLOT, B2, B2));
            assert.equal(scp.mEnvs.length, 1);
          });
        });
      });
      SECTION("switch prepared B1", () => {
        scp.recvVBlockingChecks(makePrepareGen(qSetHash, B1, B1), false);
        assert.equal(scp.mEnvs.length, 0);
      });
    });
    SECTION("prepared B (v-blocking)", () => {
      scp.recvVBlockingChecks(makePrepareGen(qSetHash, B1, B1), false);
      assert.equal(scp.mEnvs.length, 0);
    });
    SECTION("confirm (v-blocking)", () => {
      SECTION("via CONFIRM", () => {
        scp.receiveEnvelope(makeConfirm(v1, qSetHash, SLOT, 3, A3, 3, 3));
        scp.receiveEnvelope(makeConfirm(v2, qSetHash, SLOT, 4, A4, 2, 4));
        assert.equal(scp.mEnvs.length, 1);
        verifyConfirm(scp.mEnvs[0], v0, qSetHash0, SLOT, 3, A3, 3, 3);
      });
      SECTION("via EXTERNALIZE", () => {
        scp.receiveEnvelope(makeExternalize(v1, qSetHash, SLOT, A2, 4));
        scp.receiveEnvelope(makeExternalize(v2, qSetHash, SLOT, A3, 5));
        assert.equal(scp.mEnvs.length, 1);
        verifyConfirm(scp.mEnvs[0], v0, qSetHash0, SLOT, COUNTER_INFINITY, AInf, 3, COUNTER_INFINITY);
      });
    });
  });

  SECTION("normal round (1,x)", () => {
    scp.nodesAllPledgeToCommit();
    assert.equal(scp.mEnvs.length, 3);
    const b = B(1, xValue);
    // bunch of prepare messages with "commit b"
    const preparedC = [v1, v2, v3, v4].map((k) => makePrepare(k, qSetHash, SLOT, b, b, b.counter, b.counter));
    // those should not trigger anything just yet
    scp.receiveEnvelope(preparedC[0]!);
    scp.receiveEnvelope(preparedC[1]!);
    assert.equal(scp.mEnvs.length, 3);
    // this should cause the node to accept 'commit b' (quorum) and therefore send a "CONFIRM" message
    scp.receiveEnvelope(preparedC[2]!);
    assert.equal(scp.mEnvs.length, 4);
    verifyConfirm(scp.mEnvs[3], v0, qSetHash0, SLOT, 1, b, b.counter, b.counter);

    // bunch of confirm messages
    const confirm = [v1, v2, v3, v4].map((k) => makeConfirm(k, qSetHash, SLOT, b.counter, b, b.counter, b.counter));
    // those should not trigger anything just yet
    scp.receiveEnvelope(confirm[0]!);
    scp.receiveEnvelope(confirm[1]!);
    assert.equal(scp.mEnvs.length, 4);
    scp.receiveEnvelope(confirm[2]!);
    // this causes our node to externalize (confirm commit c)
    assert.equal(scp.mEnvs.length, 5);
    assert.equal(scp.externalized.size, 1);
    assert.deepEqual(scp.externalized.get(SLOT), xValue);
    verifyExternalize(scp.mEnvs[4], v0, qSetHash0, SLOT, b, b.counter);
    // extra vote should not do anything
    scp.receiveEnvelope(confirm[3]!);
    assert.equal(scp.mEnvs.length, 5);
    assert.equal(scp.externalized.size, 1);
    // duplicate should just no-op
    scp.receiveEnvelope(confirm[1]!);
    assert.equal(scp.mEnvs.length, 5);
    assert.equal(scp.externalized.size, 1);

    SECTION("bumpToBallot prevented once committed", () => {
      let b2: Ballot = b;
      SECTION("bumpToBallot prevented once committed (by value)", () => {
        b2 = B(1, zValue);
      });
      SECTION("bumpToBallot prevented once committed (by counter)", () => {
        b2 = B(2, xValue);
      });
      SECTION("bumpToBallot prevented once committed (by value and counter)", () => {
        b2 = B(2, zValue);
      });
      for (const k of [v1, v2, v3, v4]) scp.receiveEnvelope(makeConfirm(k, qSetHash, SLOT, b2.counter, b2, b2.counter, b2.counter));
      assert.equal(scp.mEnvs.length, 5);
      assert.equal(scp.externalized.size, 1);
    });
  });

  SECTION("range check", () => {
    scp.nodesAllPledgeToCommit();
    assert.equal(scp.mEnvs.length, 3);
    const b = B(1, xValue);
    const preparedC = [v1, v2, v3, v4].map((k) => makePrepare(k, qSetHash, SLOT, b, b, b.counter, b.counter));
    scp.receiveEnvelope(preparedC[0]!);
    scp.receiveEnvelope(preparedC[1]!);
    assert.equal(scp.mEnvs.length, 3);
    scp.receiveEnvelope(preparedC[2]!);
    assert.equal(scp.mEnvs.length, 4);
    verifyConfirm(scp.mEnvs[3], v0, qSetHash0, SLOT, 1, b, b.counter, b.counter);

    // bunch of confirm messages with different ranges
    const confirm1 = makeConfirm(v1, qSetHash, SLOT, 4, B(4, xValue), 2, 4);
    const confirm2 = makeConfirm(v2, qSetHash, SLOT, 6, B(6, xValue), 2, 6);
    const confirm4 = makeConfirm(v4, qSetHash, SLOT, 6, B(6, xValue), 3, 6);
    // this should not trigger anything just yet
    scp.receiveEnvelope(confirm1);
    // v-blocking: b gets bumped to (4,x), p gets bumped to (4,x), (c,h) gets bumped to (2,4)
    scp.receiveEnvelope(confirm2);
    assert.equal(scp.mEnvs.length, 5);
    verifyConfirm(scp.mEnvs[4], v0, qSetHash0, SLOT, 4, B(4, xValue), 2, 4);
    // this causes to externalize; range is [3,4]
    scp.receiveEnvelope(confirm4);
    assert.equal(scp.mEnvs.length, 6);
    assert.equal(scp.externalized.size, 1);
    assert.deepEqual(scp.externalized.get(SLOT), xValue);
    verifyExternalize(scp.mEnvs[5], v0, qSetHash0, SLOT, B(3, xValue), 4);
  });

  SECTION("timeout when h is set -> stay locked on h", () => {
    const bx = B(1, xValue);
    assert.ok(scp.bumpState(SLOT, xValue));
    assert.equal(scp.mEnvs.length, 1);
    // v-blocking -> prepared; quorum -> confirm prepared
    scp.recvQuorum(makePrepareGen(qSetHash, bx, bx));
    assert.equal(scp.mEnvs.length, 3);
    verifyPrepare(scp.mEnvs[2], v0, qSetHash0, SLOT, bx, bx, bx.counter, bx.counter);
    // now, see if we can timeout and move to a different value
    assert.ok(scp.bumpState(SLOT, yValue));
    assert.equal(scp.mEnvs.length, 4);
    verifyPrepare(scp.mEnvs[3], v0, qSetHash0, SLOT, B(2, xValue), bx, bx.counter, bx.counter);
  });

  SECTION("timeout when h exists but can't be set -> vote for h", () => {
    // start with (1,y)
    const by = B(1, yValue);
    assert.ok(scp.bumpState(SLOT, yValue));
    assert.equal(scp.mEnvs.length, 1);
    const bx = B(1, xValue);
    // but quorum goes with (1,x); v-blocking -> prepared
    scp.recvVBlocking(makePrepareGen(qSetHash, bx, bx));
    assert.equal(scp.mEnvs.length, 2);
    verifyPrepare(scp.mEnvs[1], v0, qSetHash0, SLOT, by, bx);
    // quorum -> confirm prepared (no-op as b > h)
    scp.recvQuorumChecks(makePrepareGen(qSetHash, bx, bx), false, false);
    assert.equal(scp.mEnvs.length, 2);
    assert.ok(scp.bumpState(SLOT, yValue));
    assert.equal(scp.mEnvs.length, 3);
    // on timeout: we should move to the quorum's h value; c can't be set yet as b > h
    verifyPrepare(scp.mEnvs[2], v0, qSetHash0, SLOT, B(2, xValue), bx, 0, bx.counter);
  });

  SECTION("timeout from multiple nodes", () => {
    assert.ok(scp.bumpState(SLOT, xValue));
    const x1 = B(1, xValue);
    assert.equal(scp.mEnvs.length, 1);
    verifyPrepare(scp.mEnvs[0], v0, qSetHash0, SLOT, x1);
    scp.recvQuorum(makePrepareGen(qSetHash, x1));
    // quorum -> prepared (1,x)
    assert.equal(scp.mEnvs.length, 2);
    verifyPrepare(scp.mEnvs[1], v0, qSetHash0, SLOT, x1, x1);
    const x2 = B(2, xValue);
    // timeout from local node
    assert.ok(scp.bumpState(SLOT, xValue));
    // prepares (2,x)
    assert.equal(scp.mEnvs.length, 3);
    verifyPrepare(scp.mEnvs[2], v0, qSetHash0, SLOT, x2, x1);
    scp.recvQuorum(makePrepareGen(qSetHash, x1, x1));
    // quorum -> set nH=1
    assert.equal(scp.mEnvs.length, 4);
    verifyPrepare(scp.mEnvs[3], v0, qSetHash0, SLOT, x2, x1, 0, 1);
    assert.equal(scp.mEnvs.length, 4);
    scp.recvVBlocking(makePrepareGen(qSetHash, x2, x2, 1, 1));
    // v-blocking prepared (2,x) -> prepared (2,x)
    assert.equal(scp.mEnvs.length, 5);
    verifyPrepare(scp.mEnvs[4], v0, qSetHash0, SLOT, x2, x2, 0, 1);
    scp.recvQuorum(makePrepareGen(qSetHash, x2, x2, 1, 1));
    // quorum (including us) confirms (2,x) prepared -> set h=c=x2; we also get extra message: a
    // quorum not including us confirms (1,x) prepared -> we confirm c=h=x1
    assert.equal(scp.mEnvs.length, 7);
    verifyPrepare(scp.mEnvs[5], v0, qSetHash0, SLOT, x2, x2, 2, 2);
    verifyConfirm(scp.mEnvs[6], v0, qSetHash0, SLOT, 2, x2, 1, 1);
  });

  SECTION("timeout after prepare, receive old messages to prepare", () => {
    assert.ok(scp.bumpState(SLOT, xValue));
    const x1 = B(1, xValue);
    assert.equal(scp.mEnvs.length, 1);
    verifyPrepare(scp.mEnvs[0], v0, qSetHash0, SLOT, x1);
    scp.receiveEnvelope(makePrepare(v1, qSetHash, SLOT, x1));
    scp.receiveEnvelope(makePrepare(v2, qSetHash, SLOT, x1));
    scp.receiveEnvelope(makePrepare(v3, qSetHash, SLOT, x1));
    // quorum -> prepared (1,x)
    assert.equal(scp.mEnvs.length, 2);
    verifyPrepare(scp.mEnvs[1], v0, qSetHash0, SLOT, x1, x1);
    const x2 = B(2, xValue);
    // timeout from local node
    assert.ok(scp.bumpState(SLOT, xValue));
    assert.equal(scp.mEnvs.length, 3);
    verifyPrepare(scp.mEnvs[2], v0, qSetHash0, SLOT, x2, x1);
    const x3 = B(3, xValue);
    // timeout again
    assert.ok(scp.bumpState(SLOT, xValue));
    assert.equal(scp.mEnvs.length, 4);
    verifyPrepare(scp.mEnvs[3], v0, qSetHash0, SLOT, x3, x1);
    // other nodes moved on with x2
    scp.receiveEnvelope(makePrepare(v1, qSetHash, SLOT, x2, x2, 1, 2));
    scp.receiveEnvelope(makePrepare(v2, qSetHash, SLOT, x2, x2, 1, 2));
    // v-blocking -> prepared x2
    assert.equal(scp.mEnvs.length, 5);
    verifyPrepare(scp.mEnvs[4], v0, qSetHash0, SLOT, x3, x2);
    scp.receiveEnvelope(makePrepare(v3, qSetHash, SLOT, x2, x2, 1, 2));
    // quorum -> set nH=2
    assert.equal(scp.mEnvs.length, 6);
    verifyPrepare(scp.mEnvs[5], v0, qSetHash0, SLOT, x3, x2, 0, 2);
  });

  SECTION("restore ballot protocol", () => {
    const scp2 = new TestNode(v0, QSET);
    const b = B(2, xValue);
    SECTION("prepare", () => {
      scp2.scp.restoreState([makePrepare(v0, qSetHash0, SLOT, b)]);
      assert.equal(scp2.scp.getSlotInfo(SLOT)?.ballotCounter, 2);
    });
    SECTION("confirm", () => {
      scp2.scp.restoreState([makeConfirm(v0, qSetHash0, SLOT, 2, b, 1, 2)]);
      assert.equal(scp2.scp.getSlotInfo(SLOT)?.phase, "confirm");
    });
    SECTION("externalize", () => {
      scp2.scp.restoreState([makeExternalize(v0, qSetHash0, SLOT, b, 2)]);
      assert.deepEqual(scp2.scp.getExternalizedValue(SLOT), xValue);
    });
  });
});
