import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {TestNode, signedEnvelope, testKeypair} from "./harness.js";
import {
  ScpError,
  compareBallots,
  quorumSetHash,
  type Ballot,
  type BallotPledge,
  type Envelope,
  type NominatePledge,
  type PreparePledge,
  type QuorumSet,
} from "../../../src/scp/index.js";

const SLOT = 11;
const kps = Array.from({length: 5}, (_, i) => testKeypair(i));
const QSET: QuorumSet = {threshold: 4, validators: kps.map((k) => k.publicKey()), innerSets: []};
const QH = quorumSetHash(QSET);
const X = Buffer.from("value-x");
const Y = Buffer.from("value-y");
const Z = Buffer.from("value-z");

const prep = (b: Ballot, p: Partial<PreparePledge> = {}): PreparePledge => ({type: "prepare", ballot: b, prepared: null, preparedPrime: null, nC: 0, nH: 0, ...p});
const fromPeers = (n: TestNode, pledge: BallotPledge | NominatePledge, peers = [1, 2, 3]): void => {
  for (const i of peers) n.scp.receiveEnvelope(signedEnvelope(kps[i]!, SLOT, QH, pledge));
};

/** Brings a node to PREPARE <1,x> with p = <1,x>, c = h = <1,x>: it has voted to commit x. */
function nodeVotingCommit(): TestNode {
  const n = new TestNode(kps[0]!, QSET, {persist: true});
  n.scp.bumpState(SLOT, X);
  fromPeers(n, prep({counter: 1, value: X}, {prepared: {counter: 1, value: X}}));
  const last = n.emitted.at(-1)!.statement.pledges;
  assert.ok(last.type === "prepare" && last.nC === 1 && last.nH === 1, "setup: the node votes to commit <1,x>");
  return n;
}

const ballotOf = (envs: Envelope[]): Envelope<BallotPledge> => envs.find((e) => e.statement.pledges.type !== "nominate") as Envelope<BallotPledge>;

/**
 * What a restarted node must never do relative to its persisted ballot statement `old`: send an
 * older statement, or, having voted to commit a value, work on another value.
 */
function contradictions(old: BallotPledge, emitted: Envelope[]): string[] {
  const out: string[] = [];
  const oldValue = old.type === "externalize" ? old.commit.value : old.ballot.value;
  const locked = old.type !== "prepare" || old.nC !== 0;
  let prev = old;
  for (const e of emitted) {
    const p = e.statement.pledges;
    if (p.type === "nominate") continue;
    const rank = {prepare: 0, confirm: 1, externalize: 2};
    const b = p.type === "externalize" ? p.commit : p.ballot;
    const pb = prev.type === "externalize" ? prev.commit : prev.ballot;
    if (rank[p.type] < rank[prev.type] || (p.type === prev.type && compareBallots(b, pb) < 0)) out.push(`older statement ${p.type} <${b.counter}>`);
    if (locked && !b.value.equals(oldValue)) out.push(`value changed after a commit vote: ${b.value.toString()}`);
    prev = p;
  }
  return out;
}

describe("SCP persisted state", () => {
  it("the driver persists the node's latest NOMINATE and ballot statement before each emit", () => {
    const n = new TestNode(kps[0]!, QSET, {persist: true});
    n.scp.nominate(SLOT, X, Buffer.from("prev"));
    n.scp.bumpState(SLOT, X);
    fromPeers(n, prep({counter: 1, value: X}, {prepared: {counter: 1, value: X}}));
    const emits = n.calls.filter((c) => c.method === "emitEnvelope");
    assert.ok(emits.length >= 2);
    for (let i = 0; i < n.calls.length; i++) {
      if (n.calls[i]!.method !== "emitEnvelope") continue;
      const before = n.calls[i - 1]!;
      assert.equal(before.method, "persistSlotState", "persist right before the emit");
      assert.ok((before.args[1] as Envelope[]).includes(n.calls[i]!.args[0] as Envelope), "the emitted envelope is among those persisted");
    }
    const stored = n.persisted.get(SLOT)!;
    assert.deepEqual(stored.map((e) => e.statement.pledges.type).sort(), ["nominate", "prepare"]);
  });

  it("a node restored after voting to commit x keeps x and only sends newer statements (a fresh one would not)", () => {
    const before = nodeVotingCommit();
    const persisted = before.persisted.get(SLOT)!;
    const old = ballotOf(persisted).statement.pledges;

    const run = (n: TestNode): Envelope[] => {
      // After the restart the herder proposes another value, the node times out, and two
      // peers (a blocking set) are at a higher counter on yet another value.
      n.scp.bumpState(SLOT, Y);
      fromPeers(n, prep({counter: 3, value: Z}), [1, 2]);
      n.scp.bumpState(SLOT, Y);
      return n.emitted;
    };

    const restored = new TestNode(kps[0]!, QSET, {persist: true});
    restored.scp.restoreState(persisted);
    const info = restored.scp.getSlotInfo(SLOT)!;
    assert.equal(info.ballotCounter, 1);
    const out = run(restored);
    assert.ok(out.length > 0, "the restored node keeps going");
    assert.deepEqual(contradictions(old, out), []);
    // The restored node still pledges its commit vote for x.
    const last = ballotOf([...out].reverse()).statement.pledges;
    assert.ok(last.type === "prepare" && last.ballot.value.equals(X) && last.nC === 1);

    // Control: the same inputs without the restore contradict the earlier statement.
    const fresh = new TestNode(kps[0]!, QSET, {persist: true});
    assert.notDeepEqual(contradictions(old, run(fresh)), []);
  });

  it("restores CONFIRM and EXTERNALIZE: the externalized value stays, nothing older is sent", () => {
    const n = nodeVotingCommit();
    fromPeers(n, prep({counter: 1, value: X}, {prepared: {counter: 1, value: X}, nC: 1, nH: 1}));
    const confirmState = n.persisted.get(SLOT)!;
    assert.equal(ballotOf(confirmState).statement.pledges.type, "confirm");
    fromPeers(n, {type: "confirm", ballot: {counter: 1, value: X}, nPrepared: 1, nCommit: 1, nH: 1});
    const extState = n.persisted.get(SLOT)!;
    assert.equal(ballotOf(extState).statement.pledges.type, "externalize");
    assert.deepEqual(n.externalized.get(SLOT), X);

    const c = new TestNode(kps[0]!, QSET);
    c.scp.restoreState(confirmState);
    assert.equal(c.scp.getSlotInfo(SLOT)!.phase, "confirm");
    c.scp.bumpState(SLOT, Y);
    fromPeers(c, {type: "confirm", ballot: {counter: 1, value: X}, nPrepared: 1, nCommit: 1, nH: 1});
    assert.deepEqual(contradictions(ballotOf(confirmState).statement.pledges, c.emitted), []);
    assert.deepEqual(c.externalized.get(SLOT), X, "finishes on x");

    const e = new TestNode(kps[0]!, QSET);
    e.scp.restoreState(extState);
    assert.deepEqual(e.scp.getExternalizedValue(SLOT), X);
    assert.equal(e.scp.bumpState(SLOT, Y), false);
    fromPeers(e, prep({counter: 5, value: Y}));
    assert.deepEqual(e.emitted, [], "an externalized node says nothing new");
    assert.deepEqual(e.scp.getLatestMessages(SLOT).filter((m) => m.statement.nodeId === e.id), extState.filter((m) => m.statement.pledges.type !== "nominate"));
  });

  it("a restored NOMINATE only grows", () => {
    const n = new TestNode(kps[0]!, QSET, {persist: true});
    n.scp.nominate(SLOT, X, Buffer.from("prev"));
    const stored = n.persisted.get(SLOT);
    if (!stored) return assert.fail("the node is not a round-1 leader: pick another key");
    const restored = new TestNode(kps[0]!, QSET);
    restored.scp.restoreState(stored);
    restored.scp.nominate(SLOT, Y, Buffer.from("prev"));
    const old = stored[0]!.statement.pledges as NominatePledge;
    assert.ok(restored.emitted.length > 0, "the restored node votes again");
    for (const env of restored.emitted) {
      const p = env.statement.pledges as NominatePledge;
      for (const v of old.voted) assert.ok(p.voted.some((w) => w.equals(v)), "earlier votes kept");
    }
  });

  it("refuses envelopes of another node, insane ones, and restoring into a started slot", () => {
    const n = nodeVotingCommit();
    const stored = n.persisted.get(SLOT)!;
    const other = new TestNode(kps[1]!, QSET);
    assert.throws(() => other.scp.restoreState(stored), ScpError);
    assert.equal(other.scp.getSlotInfo(SLOT), undefined, "nothing restored");
    const insane = signedEnvelope(kps[0]!, SLOT, QH, prep({counter: 0, value: X}));
    assert.throws(() => new TestNode(kps[0]!, QSET).scp.restoreState([insane]), ScpError);
    const started = new TestNode(kps[0]!, QSET);
    started.scp.bumpState(SLOT, X);
    assert.throws(() => started.scp.restoreState(stored), ScpError);
  });
});
