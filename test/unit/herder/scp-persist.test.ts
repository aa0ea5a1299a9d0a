/**
 * A validator's SCP statements survive a restart through LMDB: the herder's consensus persists
 * its latest statements per slot in their own environment (scp-state.mdb, written off the main
 * thread) before sending them, and a consensus built on the reopened store restores them, so
 * what it emits after the restart never contradicts what it emitted before. Also: the timer kind
 * reaches the timeout schedule, and refused envelopes are counted by reason.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {createHash, randomBytes} from "node:crypto";
import {pino} from "pino";
import {LedgerStore} from "../../../src/store/ledger-store.js";
import {ScpStateStore} from "../../../src/store/scp-state-repo.js";
import {Consensus, type SlotStateStore} from "../../../src/herder/consensus.js";
import type {ConsensusHost} from "../../../src/herder/interface.js";
import {encodeScpValue, type TxSet} from "../../../src/herder/tx-set.js";
import {NodeKey} from "../../../src/util/node-key.js";
import {encodeStatement} from "../../../src/scp/codec.js";
import {compareBallots, quorumSetHash} from "../../../src/scp/index.js";
import type {Ballot, BallotPledge, Envelope, Pledge, PreparePledge, QuorumSet, Statement} from "../../../src/scp/types.js";
import {createMetrics} from "../../../src/metrics/metrics.js";
import type {LedgerHeader} from "../../../src/ledger/types.js";

const log = pino({level: "silent"});
const NETWORK_ID = createHash("sha256").update("scp persistence test").digest();
const keys = Array.from({length: 4}, () => new NodeKey(randomBytes(32)));
const QSET: QuorumSet = {threshold: 3, validators: keys.map((k) => k.publicKey), innerSets: []};
const QH = quorumSetHash(QSET);
const SLOT = 11;
const LCL = {seq: 10, hash: "ab".repeat(32), closeTime: 1000} as LedgerHeader;

function txSet(tag: string): TxSet {
  return {hashHex: createHash("sha256").update(tag).digest("hex"), prevHash: LCL.hash, frames: [], ops: 0, baseFeeCharged: 100n};
}
const SET_X = txSet("x");
const SET_Y = txSet("y");
const X = encodeScpValue({txSetHash: Buffer.from(SET_X.hashHex, "hex"), closeTime: 1001});
const Y = encodeScpValue({txSetHash: Buffer.from(SET_Y.hashHex, "hex"), closeTime: 1002});

/** One turn of the event loop: statements emitted in the last one have been written and sent. */
const turn = () => new Promise((r) => setImmediate(r));

const host: ConsensusHost = {
  lastClosed: () => LCL,
  txSet: (h) => [SET_X, SET_Y].find((s) => s.hashHex === h),
  externalized: () => undefined,
};

/** A peer's envelope signed as the herder signs them (network id ‖ ENVELOPE_TYPE_SCP ‖ statement). */
function fromPeer(i: number, pledges: Pledge): Envelope {
  const statement: Statement = {nodeId: keys[i]!.publicKey, slotIndex: SLOT, quorumSetHash: QH, pledges};
  return {statement, signature: keys[i]!.sign(Buffer.concat([NETWORK_ID, Buffer.from([0, 0, 0, 1]), encodeStatement(statement)]))};
}

const prep = (b: Ballot, p: Partial<PreparePledge> = {}): PreparePledge => ({type: "prepare", ballot: b, prepared: null, preparedPrime: null, nC: 0, nH: 0, ...p});

function consensusOn(store: ScpStateStore | null, metrics = createMetrics(), timeouts = {}): {c: Consensus; emitted: Envelope[]} {
  const c = new Consensus({quorumSet: QSET, networkId: NETWORK_ID, timeouts}, {herder: host, nodeKey: keys[0]!, log, metrics, ...(store ? {slotState: store} : {})});
  const emitted: Envelope[] = [];
  c.onEnvelope((e) => emitted.push(e));
  return {c, emitted};
}

/** Statements after a restart that contradict the last ballot statement `old` sent before it. */
function contradictions(old: BallotPledge, emitted: Envelope[]): string[] {
  const out: string[] = [];
  const rank = {prepare: 0, confirm: 1, externalize: 2};
  const ballotOf = (p: BallotPledge) => (p.type === "externalize" ? p.commit : p.ballot);
  const locked = old.type !== "prepare" || old.nC !== 0;
  for (const e of emitted) {
    const p = e.statement.pledges;
    if (p.type === "nominate") continue;
    if (rank[p.type] < rank[old.type] || (p.type === old.type && compareBallots(ballotOf(p), ballotOf(old)) < 0)) out.push(`older ${p.type} <${ballotOf(p).counter}>`);
    if (locked && !ballotOf(p).value.equals(ballotOf(old).value)) out.push("another value after a commit vote");
  }
  return out;
}

test("a validator restarted on the same LMDB folder resumes its slot from its persisted statements and never contradicts them", async () => {
  const dir = mkdtempSync(join(tmpdir(), "diamante-scp-persist-"));
  try {
    let store = new ScpStateStore(dir);
    const before = consensusOn(store);
    before.c.scp.bumpState(SLOT, X);
    for (const i of [1, 2]) before.c.receive(fromPeer(i, prep({counter: 1, value: X}, {prepared: {counter: 1, value: X}})));
    await turn();
    await before.c.settled();
    const last = before.emitted.at(-1)!.statement.pledges;
    assert.ok(last.type === "prepare" && last.nC === 1 && last.nH === 1, "setup: the node voted to commit <1,x>");
    before.c.stop();
    await store.close();

    // The restart: a new process opens the folder again.
    store = new ScpStateStore(dir);
    const after = consensusOn(store);
    assert.equal(after.c.restore(LCL.seq), 1, "the slot's ballot statement (it never nominated)");
    after.c.scp.bumpState(SLOT, Y);
    after.c.receive(fromPeer(3, prep({counter: 3, value: Y})));
    after.c.receive(fromPeer(1, prep({counter: 3, value: Y})));
    after.c.scp.bumpState(SLOT, Y);
    await turn();
    await after.c.settled();
    assert.ok(after.emitted.length > 0, "the restored node keeps going");
    assert.deepEqual(contradictions(last, after.emitted), []);
    after.c.stop();

    // Control: the same inputs to a node that did not restore contradict what it said before.
    const fresh = consensusOn(null);
    fresh.c.scp.bumpState(SLOT, Y);
    fresh.c.receive(fromPeer(3, prep({counter: 3, value: Y})));
    fresh.c.receive(fromPeer(1, prep({counter: 3, value: Y})));
    fresh.c.scp.bumpState(SLOT, Y);
    await turn();
    assert.notDeepEqual(contradictions(last, fresh.emitted), []);
    fresh.c.stop();
    await store.close();
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("the store keeps the latest 16 slots of statements and loads them from a slot on", async () => {
  const dir = mkdtempSync(join(tmpdir(), "diamante-scp-persist-"));
  try {
    const store = new ScpStateStore(dir);
    for (let slot = 1; slot <= 40; slot++) await store.save([{slot, envelopes: [Buffer.from([slot])]}]);
    const kept = store.load(0).map((s) => s.slot);
    assert.equal(kept[0], 40 - 16, "slots more than 16 below the latest are dropped");
    assert.equal(kept.at(-1), 40);
    assert.deepEqual(
      store.load(38).map((s) => s.slot),
      [38, 39, 40],
    );
    await store.close();
    const reopened = new ScpStateStore(dir);
    assert.deepEqual(
      reopened.load(39).map((s) => [s.slot, [...s.envelopes[0]!]]),
      [
        [39, [39]],
        [40, [40]],
      ],
      "what a save resolved is there after reopening",
    );
    await reopened.close();
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("consensus passes the timer kind to the timeout schedule and counts refused envelopes by reason", async () => {
  const metrics = createMetrics();
  const {c} = consensusOn(null, metrics, {nominationTimeoutInitialMs: 500, nominationTimeoutIncrementMs: 250, ballotTimeoutInitialMs: 1000, ballotTimeoutIncrementMs: 1000});
  assert.equal(c.computeTimeoutMs(3, "nomination"), 1000);
  assert.equal(c.computeTimeoutMs(3, "ballot"), 3000);
  const good = fromPeer(1, prep({counter: 1, value: X}));
  const forged = {...good, signature: Buffer.alloc(64)};
  assert.equal(c.receive(forged), "invalid");
  const badCounter = fromPeer(2, prep({counter: 1.5, value: X}));
  assert.equal(c.receive(badCounter), "invalid");
  assert.equal(c.receive(good), "valid");
  const rejected = Object.fromEntries((await metrics.scpRejected.get()).values.map((v) => [v.labels.reason, v.value]));
  assert.deepEqual(rejected, {bad_signature: 1, malformed: 1});
  const received = Object.fromEntries((await metrics.scpEnvelopesReceived.get()).values.map((v) => [v.labels.verdict, v.value]));
  assert.deepEqual(received, {invalid: 2, valid: 1});
  c.stop();
});

test("a peer's envelope is signature-checked once between the network layer and SCP; a tampered copy is still refused", () => {
  const {c} = consensusOn(null);
  let checks = 0;
  const real = keys[0]!.verifyFrom.bind(keys[0]!);
  keys[0]!.verifyFrom = (id, msg, sig) => (checks++, real(id, msg, sig));
  try {
    const env = fromPeer(1, {type: "nominate", voted: [X], accepted: []});
    assert.equal(c.verify(env), true);
    assert.equal(c.receive(env), "valid");
    assert.equal(checks, 1, "verified once");
    // The same statement with another value under the old signature: a new object, checked, refused.
    const forged: Envelope = {statement: {...env.statement, pledges: {type: "nominate", voted: [Y], accepted: []}}, signature: env.signature};
    assert.equal(c.verify(forged), false);
    assert.equal(c.receive(forged), "invalid");
    assert.equal(checks, 3);
  } finally {
    keys[0]!.verifyFrom = real;
  }
});

/**
 * A slot state store that records its commits; each save stays pending until the test settles
 * it (`finish(k)` resolves save k, `fail(k)` rejects it), as the write thread would later.
 */
function recordingStore(): {store: SlotStateStore; commits: number[][]; finish: (k: number) => void; fail: (k: number) => void} {
  const commits: number[][] = [];
  const settle: Array<{resolve: () => void; reject: (e: Error) => void}> = [];
  const store: SlotStateStore = {
    save: (slots) =>
      new Promise<void>((resolve, reject) => {
        commits.push(slots.map((s) => s.slot));
        settle.push({resolve, reject});
      }),
    load: () => [],
  };
  return {store, commits, finish: (k) => settle[k]!.resolve(), fail: (k) => settle[k]!.reject(new Error("disk full"))};
}

/** Lets pending promise callbacks and one event-loop turn run. */
const settleTurn = async () => {
  for (let i = 0; i < 5; i++) await turn();
};

test("statements emitted in one turn of the event loop are written in one commit and sent only once it is durable, in emission order", async () => {
  const {store, commits, finish} = recordingStore();
  const c = new Consensus({quorumSet: QSET, networkId: NETWORK_ID}, {herder: host, nodeKey: keys[0]!, log, slotState: store});
  const sent: Envelope[] = [];
  c.onEnvelope((e) => sent.push(e));
  c.scp.bumpState(SLOT, X);
  for (const i of [1, 2]) c.receive(fromPeer(i, prep({counter: 1, value: X}, {prepared: {counter: 1, value: X}})));
  assert.equal(sent.length, 0, "nothing leaves before the write");
  await settleTurn();
  assert.deepEqual(commits, [[SLOT]], "one commit for the turn's statements");
  assert.equal(sent.length, 0, "nothing leaves while the write is in flight");
  assert.deepEqual(c.localEnvelopes(SLOT), [], "nor is resent to a peer that asks");
  finish(0);
  await c.settled();
  assert.ok(sent.length >= 2, "every statement is sent once the write is done");
  const first = sent[0]!.statement.pledges as PreparePledge;
  const last = sent.at(-1)!.statement.pledges as PreparePledge;
  assert.ok(first.type === "prepare" && first.nH === 0, "the first statement emitted goes first");
  assert.ok(last.nC === 1 && last.nH === 1, "then the vote to commit <1,x>");
  assert.ok(c.localEnvelopes(SLOT).includes(sent.at(-1)!), "a sent statement is what a peer asking again gets");
  c.stop();
});

test("a later turn's statements never leave before an earlier turn's, even if their write finishes first", async () => {
  const {store, commits, finish} = recordingStore();
  const c = new Consensus({quorumSet: QSET, networkId: NETWORK_ID}, {herder: host, nodeKey: keys[0]!, log, slotState: store});
  const sent: Envelope[] = [];
  c.onEnvelope((e) => sent.push(e));
  c.scp.bumpState(SLOT, X);
  await settleTurn();
  for (const i of [1, 2]) c.receive(fromPeer(i, prep({counter: 1, value: X}, {prepared: {counter: 1, value: X}})));
  await settleTurn();
  assert.equal(commits.length, 2, "two turns, two writes");
  finish(1);
  await settleTurn();
  assert.equal(sent.length, 0, "the second turn's statements wait for the first turn's write");
  finish(0);
  await c.settled();
  const types = sent.map((e) => (e.statement.pledges as PreparePledge).nC);
  assert.equal(types[0], 0, "the first turn's statement (no commit vote yet) goes first");
  assert.equal(types.at(-1), 1, "the second turn's vote to commit goes last");
  c.stop();
});

test("statements whose state write failed are never sent; later ones go out once their own write succeeds", async () => {
  const {store, commits, finish, fail} = recordingStore();
  const c = new Consensus({quorumSet: QSET, networkId: NETWORK_ID}, {herder: host, nodeKey: keys[0]!, log, slotState: store});
  const sent: Envelope[] = [];
  c.onEnvelope((e) => sent.push(e));
  c.scp.bumpState(SLOT, X);
  await settleTurn();
  fail(0);
  await c.settled();
  assert.equal(sent.length, 0, "not sent: the write failed");
  assert.deepEqual(c.localEnvelopes(SLOT), []);
  for (const i of [1, 2]) c.receive(fromPeer(i, prep({counter: 1, value: X}, {prepared: {counter: 1, value: X}})));
  await settleTurn();
  assert.deepEqual(commits, [[SLOT], [SLOT]]);
  finish(1);
  await c.settled();
  assert.ok(sent.length >= 1);
  const p = sent.at(-1)!.statement.pledges as PreparePledge;
  assert.ok(p.nC === 1 && p.nH === 1);
  c.stop();
});

test("statements written by a build that kept them in the ledger's environment are restored; a slot of the new file wins", async () => {
  const dir = mkdtempSync(join(tmpdir(), "diamante-scp-persist-"));
  try {
    const ledger = new LedgerStore({dir});
    ledger.scpState.saveSync([
      {slot: 11, envelopes: [Buffer.from([1, 1])]},
      {slot: 12, envelopes: [Buffer.from([1, 2])]},
    ]);
    const store = new ScpStateStore(dir, ledger.scpState);
    assert.deepEqual(
      store.load(11).map((s) => [s.slot, [...s.envelopes[0]!]]),
      [
        [11, [1, 1]],
        [12, [1, 2]],
      ],
      "an upgraded validator resumes from what the old build said",
    );
    await store.save([{slot: 12, envelopes: [Buffer.from([2, 2])]}]);
    assert.deepEqual(
      store.load(11).map((s) => [s.slot, [...s.envelopes[0]!]]),
      [
        [11, [1, 1]],
        [12, [2, 2]],
      ],
    );
    assert.deepEqual(store.load(12).map((s) => s.slot), [12]);
    await store.close();
    await ledger.close();
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test("a NOMINATE statement leaves before its state is durable (nomination never decides safety); the slot's state is written all the same", async () => {
  const {store, commits, finish} = recordingStore();
  const solo: QuorumSet = {threshold: 1, validators: [keys[0]!.publicKey], innerSets: []};
  const c = new Consensus({quorumSet: solo, networkId: NETWORK_ID}, {herder: host, nodeKey: keys[0]!, log, slotState: store});
  const sent: Envelope[] = [];
  c.onEnvelope((e) => sent.push(e));
  c.propose(SLOT, SET_X, 1001);
  const nominations = sent.filter((e) => e.statement.pledges.type === "nominate");
  assert.ok(nominations.length >= 1, "the nomination left before any write finished");
  assert.ok(c.localEnvelopes(SLOT).some((e) => e.statement.pledges.type === "nominate"), "and a peer asking again gets it");
  assert.ok(
    sent.every((e) => e.statement.pledges.type === "nominate"),
    "no ballot statement left before its write",
  );
  await settleTurn();
  assert.ok(commits.length >= 1 && commits[0]!.includes(SLOT), "the slot's state, nomination included, is written");
  for (let k = 0; k < commits.length; k++) finish(k);
  await c.settled();
  c.stop();
});

test("the herder hears of an externalized value only once the slot's statements up to the EXTERNALIZE have been written and sent", async () => {
  const {store, commits, finish} = recordingStore();
  const order: string[] = [];
  const recordingHost: ConsensusHost = {...host, externalized: (slot) => order.push(`externalized ${slot}`)};
  const solo: QuorumSet = {threshold: 1, validators: [keys[0]!.publicKey], innerSets: []};
  const c = new Consensus({quorumSet: solo, networkId: NETWORK_ID}, {herder: recordingHost, nodeKey: keys[0]!, log, slotState: store});
  c.onEnvelope((e) => order.push(e.statement.pledges.type));
  c.propose(SLOT, SET_X, 1001);
  await settleTurn();
  assert.ok(commits.length >= 1, "the slot's state is being written");
  assert.ok(!order.some((o) => o.startsWith("externalized")), `${order.join(",")} ${commits.length}: not applied while the EXTERNALIZE waits for its write`);
  for (let k = 0; k < commits.length; k++) finish(k);
  await c.settled();
  assert.equal(order.at(-1), `externalized ${SLOT}`, "handed to the herder last");
  assert.equal(order.at(-2), "externalize", "right after its EXTERNALIZE statement left");
  c.stop();
});
