import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {StrKey, hash, xdr} from "@stellar/stellar-base";
import {TestNode, signedEnvelope, testKeypair} from "./harness.js";
import {
  ScpError,
  checkReceivedQuorumSet,
  decodeEnvelope,
  encodeEnvelope,
  nominationHash,
  quorumSetHash,
  type Ballot,
  type Envelope,
  type Pledge,
  type QuorumSet,
  type RejectReason,
} from "../../../src/scp/index.js";

const SLOT = 7;
const kps = Array.from({length: 5}, (_, i) => testKeypair(i));
const ids = kps.map((k) => k.publicKey());
const QSET: QuorumSet = {threshold: 4, validators: ids, innerSets: []};
const QH = quorumSetHash(QSET);
const X = Buffer.from("value-x");
const Y = Buffer.from("value-y");
const ballot = (counter: number, value: Buffer = X): Ballot => ({counter, value});

/** Builds a pledge object that the type system would refuse: what a hostile peer can send. */
const raw = (p: Record<string, unknown>): Pledge => p as unknown as Pledge;

function node(): TestNode {
  return new TestNode(kps[0]!, QSET);
}

/**
 * Feeds `env` from peer 1 and asserts it is refused for `reason`, leaves the slot untouched
 * and is counted once.
 */
function assertRejected(n: TestNode, env: Envelope, reason: RejectReason): void {
  const before = n.scp.rejections[reason];
  const heard = n.scp.getLatestMessages(env.statement.slotIndex).length;
  const emitted = n.emitted.length;
  assert.equal(n.scp.receiveEnvelope(env), "invalid");
  assert.equal(n.scp.rejections[reason], before + 1, `counted as ${reason}`);
  assert.equal(n.scp.getLatestMessages(env.statement.slotIndex).length, heard, "nothing recorded");
  assert.equal(n.emitted.length, emitted, "nothing emitted");
}

const prepare = (p: Partial<Record<string, unknown>>): Pledge =>
  raw({type: "prepare", ballot: ballot(1), prepared: null, preparedPrime: null, nC: 0, nH: 0, ...p});
const confirm = (p: Partial<Record<string, unknown>>): Pledge =>
  raw({type: "confirm", ballot: ballot(2), nPrepared: 2, nCommit: 1, nH: 2, ...p});
const externalize = (p: Partial<Record<string, unknown>>): Pledge => raw({type: "externalize", commit: ballot(1), nH: 1, ...p});
const nominate = (p: Partial<Record<string, unknown>>): Pledge => raw({type: "nominate", voted: [X], accepted: [], ...p});

const peer = (pledges: Pledge, slot = SLOT, qh = QH): Envelope => signedEnvelope(kps[1]!, slot, qh, pledges);

describe("SCP envelope validation: field shapes (malformed)", () => {
  it("baseline: well-formed statements of every type are accepted", () => {
    const n = node();
    assert.equal(n.scp.receiveEnvelope(peer(nominate({}))), "valid");
    assert.equal(n.scp.receiveEnvelope(peer(prepare({}))), "valid");
    assert.equal(n.scp.receiveEnvelope(signedEnvelope(kps[2]!, SLOT, QH, confirm({}))), "valid");
    assert.equal(n.scp.receiveEnvelope(signedEnvelope(kps[3]!, SLOT, QH, externalize({}))), "valid");
  });

  it("a PREPARE with ballot null", () => assertRejected(node(), peer(prepare({ballot: null})), "malformed"));
  it("a ballot counter of 1.5", () => assertRejected(node(), peer(prepare({ballot: {counter: 1.5, value: X}})), "malformed"));
  it("a ballot counter above uint32", () => assertRejected(node(), peer(prepare({ballot: {counter: 2 ** 32, value: X}})), "malformed"));
  it("a negative ballot counter", () => assertRejected(node(), peer(prepare({ballot: {counter: -1, value: X}})), "malformed"));
  it("a string nC", () => assertRejected(node(), peer(prepare({nC: "1"})), "malformed"));
  it("a string nH", () => assertRejected(node(), peer(prepare({nH: "0"})), "malformed"));
  it("a prepared that is not a ballot", () => assertRejected(node(), peer(prepare({prepared: {counter: 1}})), "malformed"));
  it("a preparedPrime that is not a ballot", () => assertRejected(node(), peer(prepare({prepared: ballot(1, Y), preparedPrime: 5})), "malformed"));
  it("a ballot value that is a string, not bytes", () => assertRejected(node(), peer(prepare({ballot: {counter: 1, value: "x"}})), "malformed"));
  it("a value longer than maxValueBytes", () =>
    assertRejected(node(), peer(prepare({ballot: {counter: 1, value: Buffer.alloc(4097)}})), "malformed"));
  it("a CONFIRM with a fractional nPrepared", () => assertRejected(node(), peer(confirm({nPrepared: 1.25})), "malformed"));
  it("a CONFIRM with nCommit missing", () => assertRejected(node(), peer(confirm({nCommit: undefined})), "malformed"));
  it("an EXTERNALIZE with commit null", () => assertRejected(node(), peer(externalize({commit: null})), "malformed"));
  it("an EXTERNALIZE with nH a bigint", () => assertRejected(node(), peer(externalize({nH: 1n})), "malformed"));
  it("a NOMINATE whose votes are not a list", () => assertRejected(node(), peer(nominate({voted: X})), "malformed"));
  it("a NOMINATE with a non-bytes value", () => assertRejected(node(), peer(nominate({voted: [X, 3]})), "malformed"));
  it("an unknown statement type", () => assertRejected(node(), peer(raw({type: "commit", ballot: ballot(1)})), "malformed"));
  it("a slot index that is not a uint32", () => {
    assertRejected(node(), peer(prepare({}), 1.5), "malformed");
    assertRejected(node(), peer(prepare({}), -1), "malformed");
  });
  it("a quorum set hash that is not 32 bytes", () => assertRejected(node(), peer(prepare({}), SLOT, Buffer.alloc(31)), "malformed"));
  it("a node id that is not an ed25519 public key (the driver is not even asked to verify)", () => {
    const n = node();
    const env = peer(prepare({}));
    const bad = {statement: {...env.statement, nodeId: "GNOTAKEY"}, signature: env.signature};
    const calls = n.callsDuring(() => assertRejected(n, bad, "malformed"));
    assert.deepEqual(calls, []);
  });
  it("a signature that is not bytes", () => {
    const env = peer(prepare({}));
    assertRejected(node(), {statement: env.statement, signature: "sig" as unknown as Buffer}, "malformed");
  });
});

describe("SCP envelope validation: statement sanity (stellar-core isStatementSane)", () => {
  it("PREPARE: ballot counter 0 from a peer", () => assertRejected(node(), peer(prepare({ballot: ballot(0)})), "insane_statement"));
  it("PREPARE: prepared' without prepared", () => assertRejected(node(), peer(prepare({preparedPrime: ballot(1, Y)})), "insane_statement"));
  it("PREPARE: prepared' not below prepared", () =>
    assertRejected(node(), peer(prepare({ballot: ballot(3), prepared: ballot(2, X), preparedPrime: ballot(2, Y)})), "insane_statement"));
  it("PREPARE: prepared' compatible with prepared", () =>
    assertRejected(node(), peer(prepare({ballot: ballot(3), prepared: ballot(2, X), preparedPrime: ballot(1, X)})), "insane_statement"));
  it("PREPARE: nH above prepared.counter", () =>
    assertRejected(node(), peer(prepare({ballot: ballot(3), prepared: ballot(1), nH: 2})), "insane_statement"));
  it("PREPARE: nH without prepared", () => assertRejected(node(), peer(prepare({ballot: ballot(3), nH: 1})), "insane_statement"));
  it("PREPARE: nC above nH", () =>
    assertRejected(node(), peer(prepare({ballot: ballot(3), prepared: ballot(3), nC: 3, nH: 2})), "insane_statement"));
  it("PREPARE: nC without nH", () => assertRejected(node(), peer(prepare({ballot: ballot(3), prepared: ballot(3), nC: 1})), "insane_statement"));
  it("PREPARE: nH above ballot.counter when nC is set", () =>
    assertRejected(node(), peer(prepare({ballot: ballot(2), prepared: ballot(3), nC: 1, nH: 3})), "insane_statement"));
  it("CONFIRM: ballot counter 0", () => assertRejected(node(), peer(confirm({ballot: ballot(0), nPrepared: 0, nCommit: 0, nH: 0})), "insane_statement"));
  it("CONFIRM: nH above ballot.counter", () => assertRejected(node(), peer(confirm({nH: 3})), "insane_statement"));
  it("CONFIRM: nCommit above nH", () => assertRejected(node(), peer(confirm({nCommit: 2, nH: 1})), "insane_statement"));
  it("EXTERNALIZE: commit counter 0", () => assertRejected(node(), peer(externalize({commit: ballot(0), nH: 0})), "insane_statement"));
  it("EXTERNALIZE: nH below commit counter", () => assertRejected(node(), peer(externalize({commit: ballot(3), nH: 2})), "insane_statement"));
  it("NOMINATE: votes and accepts nothing", () => assertRejected(node(), peer(nominate({voted: []})), "insane_statement"));
  it("NOMINATE: votes not sorted", () => assertRejected(node(), peer(nominate({voted: [Y, X]})), "insane_statement"));
  it("NOMINATE: a duplicate accepted value", () => assertRejected(node(), peer(nominate({voted: [], accepted: [X, Buffer.from(X)]})), "insane_statement"));
  it("NOMINATE: a value both voted and accepted is fine (stellar-core keeps accepted values among the votes)", () => {
    const n = node();
    assert.equal(n.scp.receiveEnvelope(peer(nominate({voted: [X, Y], accepted: [X]}))), "valid");
  });
});

describe("SCP envelope signatures", () => {
  it("a statement of node B signed with node A's key is refused before any other driver call; B's own signature is accepted", () => {
    const n = node();
    const [a, b] = [kps[1]!, kps[2]!];
    const forged = signedEnvelope(b, SLOT, QH, prepare({}), a);
    const calls = n.callsDuring(() => assertRejected(n, forged, "bad_signature"));
    assert.deepEqual(
      calls.map((c) => c.method),
      ["verifyEnvelope"],
      "verify is the only driver call for a badly signed envelope",
    );
    const honest = signedEnvelope(b, SLOT, QH, prepare({}));
    const okCalls = n.callsDuring(() => assert.equal(n.scp.receiveEnvelope(honest), "valid"));
    assert.equal(okCalls[0]?.method, "verifyEnvelope", "verify comes first");
    assert.ok(okCalls.some((c) => c.method === "getQuorumSet"));
    assert.deepEqual(
      n.scp.getLatestMessages(SLOT).map((e) => e.statement.nodeId),
      [b.publicKey()],
    );
  });

  it("a signature over other bytes (tampered counter) is refused", () => {
    const n = node();
    const env = peer(prepare({ballot: ballot(1)}));
    const tampered: Envelope = {statement: {...env.statement, pledges: prepare({ballot: ballot(9)})}, signature: env.signature};
    assertRejected(n, tampered, "bad_signature");
  });

  it("the local node's own statements coming back from a peer are ignored", () => {
    const n = node();
    assertRejected(n, signedEnvelope(kps[0]!, SLOT, QH, prepare({})), "from_self");
  });
});

describe("SCP received quorum sets (stellar-core isQuorumSetSane)", () => {
  const nest = (depth: number): QuorumSet =>
    depth === 0 ? {threshold: 1, validators: [ids[4]!], innerSets: []} : {threshold: 1, validators: [], innerSets: [nest(depth - 1)]};
  const many = (count: number): string[] => Array.from({length: count}, (_, i) => testKeypair(100 + i).publicKey());

  /** Peer 1 announces `q` as its quorum set; the statement is refused when `q` is insane. */
  function withPeerQset(q: QuorumSet): {n: TestNode; env: Envelope} {
    const n = node();
    const h = n.storeQuorumSet(q);
    return {n, env: peer(prepare({}), SLOT, h)};
  }

  it("depth 4 is accepted, depth 5 is refused", () => {
    const ok = withPeerQset(nest(4));
    assert.equal(ok.n.scp.receiveEnvelope(ok.env), "valid");
    const bad = withPeerQset(nest(5));
    assertRejected(bad.n, bad.env, "insane_quorum_set");
  });
  it("threshold 0", () => {
    const {n, env} = withPeerQset({threshold: 0, validators: ids, innerSets: []});
    assertRejected(n, env, "insane_quorum_set");
  });
  it("threshold above the number of entries (inner set)", () => {
    const {n, env} = withPeerQset({threshold: 1, validators: [ids[1]!], innerSets: [{threshold: 3, validators: [ids[2]!, ids[3]!], innerSets: []}]});
    assertRejected(n, env, "insane_quorum_set");
  });
  it("a node listed twice across levels", () => {
    const {n, env} = withPeerQset({threshold: 2, validators: [ids[1]!, ids[2]!], innerSets: [{threshold: 1, validators: [ids[2]!], innerSets: []}]});
    assertRejected(n, env, "insane_quorum_set");
  });
  it("1000 validators are accepted, 1001 refused", () => {
    assert.equal(checkReceivedQuorumSet({threshold: 1, validators: many(1000), innerSets: []}).ok, true);
    const {n, env} = withPeerQset({threshold: 1, validators: many(1001), innerSets: []});
    assertRejected(n, env, "insane_quorum_set");
  });
  it("a fractional threshold or a validator that is not a key", () => {
    assert.equal(checkReceivedQuorumSet({threshold: 1.5, validators: ids, innerSets: []}).ok, false);
    assert.equal(checkReceivedQuorumSet({threshold: 1, validators: ["GABC"], innerSets: []}).ok, false);
    assert.equal(checkReceivedQuorumSet({threshold: 1, validators: ids, innerSets: null} as unknown as QuorumSet).ok, false);
  });
  it("a quorum set hash the driver does not know", () => {
    assertRejected(node(), peer(prepare({}), SLOT, Buffer.alloc(32, 9)), "unknown_quorum_set");
  });
});

describe("SCP codec", () => {
  it("round-trips every statement type", () => {
    for (const p of [nominate({voted: [X, Y], accepted: [X]}), prepare({ballot: ballot(3), prepared: ballot(2, Y), nH: 0}), confirm({}), externalize({})]) {
      const env = peer(p);
      assert.deepEqual(decodeEnvelope(encodeEnvelope(env)), env);
    }
  });
  it("refuses bytes whose fields have the wrong types", () => {
    const bad = [prepare({ballot: null}), prepare({nC: "1"}), prepare({ballot: {counter: 1.5, value: X}}), confirm({nH: -1})];
    for (const p of bad) {
      assert.throws(() => decodeEnvelope(encodeEnvelope(peer(p))), (e: unknown) => e instanceof ScpError && e.code === "scp_malformed_envelope");
    }
  });
});

describe("SCP leader-selection hash", () => {
  it("hashes exactly the XDR of (slot, previous value, kind, round, node) for every value padding", () => {
    for (const len of [0, 1, 2, 3, 4, 5, 33]) {
      for (const [slot, round, kind] of [
        [1, 1, 1],
        [2 ** 40 + 3, 7, 2],
        [4294967295, 123456, 1],
      ] as const) {
        const prev = Buffer.alloc(len, len + 1);
        const node = ids[len % ids.length]!;
        const bytes = Buffer.concat([
          xdr.Uint64.toXDR(xdr.Uint64.fromString(String(slot))),
          new xdr.ScpBallot({counter: 0, value: prev}).toXDR().subarray(4),
          xdr.Uint32.toXDR(kind),
          xdr.Uint32.toXDR(round),
          xdr.PublicKey.publicKeyTypeEd25519(StrKey.decodeEd25519PublicKey(node)).toXDR(),
        ]);
        assert.equal(nominationHash(slot, prev, kind, round, node), hash(bytes).readBigUInt64BE(0));
      }
    }
  });
});
