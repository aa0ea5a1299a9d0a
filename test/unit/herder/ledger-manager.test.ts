/**
 * The herder's seams: externalized values are applied by the ledger manager on a later turn of
 * the event loop (never inside SCP's call stack), a value waits for its tx set, each closed
 * ledger's tx set is readable back by sequence and replays to the same header on another node,
 * and herder and consensus do not import each other.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {readFileSync, rmSync} from "node:fs";
import {fileURLToPath} from "node:url";
import {Account, Operation, TransactionBuilder} from "@stellar/stellar-base";
import {startNode, tempDir, type RunningNode} from "../../helpers/node.js";
import {makeTxSet} from "../../../src/herder/tx-set.js";
import {rootKeypair} from "../../../src/ledger/genesis.js";
import type {ClosedLedger} from "../../../src/herder/interface.js";
import {HerderError} from "../../../src/herder/errors.js";

/** A node whose ledger timer never fires during the test: ledgers close only when told. */
function idleNode(): Promise<RunningNode> {
  return startNode({closeIntervalMs: 3_600_000, verifyThreads: 0, pathThreads: 0});
}

function nextClosed(n: RunningNode): Promise<ClosedLedger> {
  return new Promise((resolve) => n.node.herder.onLedgerClosed(resolve));
}

test("an externalized value is queued and applied on a later turn of the event loop, not in the caller's stack", async () => {
  const n = await idleNode();
  try {
    const h = n.node.herder;
    const lcl = h.lastClosed();
    const set = makeTxSet(lcl.hash, [], 0, 100n);
    assert.equal(h.addTxSet(set), "held");
    const closed = nextClosed(n);
    h.externalized(lcl.seq + 1, set.hashHex, lcl.closeTime + 1);
    // Neither applied nor started within the call, nor after the microtasks it could have queued.
    assert.equal(h.ledgers.closing, false);
    assert.equal(h.lastClosed().seq, lcl.seq);
    await new Promise<void>((r) => queueMicrotask(r));
    await Promise.resolve();
    assert.equal(h.ledgers.closing, false);
    assert.equal(h.lastClosed().seq, lcl.seq);
    const c = await closed;
    assert.equal(c.header.seq, lcl.seq + 1);
    assert.equal(c.header.closeTime, lcl.closeTime + 1);
    assert.equal(h.lastClosed().hash, c.header.hash);
  } finally {
    await n.stop();
  }
});

test("a value whose tx set is unknown waits for it (the missing set is reported), then applies; a later slot reports the node lagging", async () => {
  const n = await idleNode();
  try {
    const h = n.node.herder;
    const lcl = h.lastClosed();
    const set = makeTxSet(lcl.hash, [], 0, 100n);
    const missing: Array<[number, string]> = [];
    const ahead: number[] = [];
    h.ledgers.onMissingTxSet((slot, hash) => missing.push([slot, hash]));
    h.ledgers.onAhead((slot) => ahead.push(slot));
    h.externalized(lcl.seq + 1, set.hashHex, lcl.closeTime + 1);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(missing, [[lcl.seq + 1, set.hashHex]]);
    assert.equal(h.lastClosed().seq, lcl.seq);
    assert.deepEqual(h.ledgers.waitingSlots(), [lcl.seq + 1]);
    const closed = nextClosed(n);
    h.addTxSet(set);
    assert.equal((await closed).header.seq, lcl.seq + 1);
    assert.deepEqual(h.ledgers.waitingSlots(), []);
    // Slot lcl+3 externalized while lcl+2 is not known here: this node is behind.
    h.externalized(lcl.seq + 3, set.hashHex, lcl.closeTime + 3);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(ahead, [lcl.seq + 3]);
    assert.equal(h.lastClosed().seq, lcl.seq + 1);
  } finally {
    await n.stop();
  }
});

test("a closed ledger's tx set is stored by sequence and replays on a fresh node to the same header; a wrong expected hash applies nothing", async () => {
  const a = await idleNode();
  const b = await idleNode();
  try {
    const ha = a.node.herder;
    const root = rootKeypair(a.node.config.passphrase);
    const tx = new TransactionBuilder(new Account(root.publicKey(), "0"), {fee: "100", networkPassphrase: a.node.config.passphrase})
      .addOperation(Operation.createAccount({destination: rootKeypair("another").publicKey(), startingBalance: "25"}))
      .setTimeout(0)
      .build();
    tx.sign(root);
    const adm = await ha.admit(tx.toEnvelope().toXDR(), {wait: true});
    assert.equal(adm.outcome.status, "PENDING");
    const lcl = ha.lastClosed();
    const frames = ha.queue.select(100, 100).txs.map((q) => q.frame);
    const set = makeTxSet(lcl.hash, frames, 1, 100n);
    ha.addTxSet(set);
    ha.externalized(lcl.seq + 1, set.hashHex, lcl.closeTime + 1);
    const outcome = await adm.included!;
    assert.equal(outcome.status, "SUCCESS");
    const header = ha.lastClosed();
    assert.equal(header.seq, lcl.seq + 1);

    const stored = a.node.store.txSetAt(header.seq);
    assert.ok(stored);
    assert.equal(stored.closeTime, header.closeTime);
    assert.equal(stored.baseFeeCharged, 100n);
    assert.deepEqual(stored.envelopes.map((e) => e.toString("base64")), [tx.toEnvelope().toXDR("base64")]);
    assert.equal(a.node.store.txSetAt(1), undefined);

    const hb = b.node.herder;
    assert.equal(hb.lastClosed().hash, lcl.hash, "both nodes start from the same genesis");
    const replay = {seq: header.seq, txs: {envelopes: stored.envelopes}, closeTime: stored.closeTime, baseFeeCharged: stored.baseFeeCharged};
    await assert.rejects(hb.ledgers.applyLedger({...replay, expectedHash: "00".repeat(32)}), (e: unknown) => e instanceof HerderError && e.code === "herder_ledger_hash_mismatch");
    assert.equal(hb.lastClosed().seq, lcl.seq, "a mismatched replay changes nothing");
    await assert.rejects(hb.ledgers.applyLedger({...replay, seq: header.seq + 1}), (e: unknown) => e instanceof HerderError && e.code === "herder_ledger_out_of_order");
    const c = await hb.ledgers.applyLedger({...replay, expectedHash: header.hash});
    assert.equal(c.header.hash, header.hash);
    assert.equal(b.node.store.account(rootKeypair("another").publicKey())?.balance, 250_000_000n);
    assert.deepEqual(b.node.store.txSetAt(header.seq)?.envelopes, stored.envelopes);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("a ledger listener that throws does not keep the others from running", async () => {
  const n = await idleNode();
  try {
    const h = n.node.herder;
    h.onLedgerClosed(() => {
      throw new Error("listener failure");
    });
    const closed = nextClosed(n);
    const lcl = h.lastClosed();
    const set = makeTxSet(lcl.hash, [], 0, 100n);
    h.addTxSet(set);
    h.externalized(lcl.seq + 1, set.hashHex, lcl.closeTime + 1);
    assert.equal((await closed).header.seq, lcl.seq + 1);
  } finally {
    await n.stop();
  }
});

test("herder and consensus do not import each other", () => {
  const read = (f: string) => readFileSync(fileURLToPath(new URL(`../../../src/herder/${f}`, import.meta.url)), "utf8");
  const imports = (src: string) => [...src.matchAll(/from "(\.[^"]+)"/g)].map((m) => m[1]);
  assert.ok(!imports(read("consensus.js")).some((p) => /herder\.js$|admission\.js$|ledger-manager\.js$/.test(p!)));
  assert.ok(!imports(read("herder.js")).some((p) => /consensus\.js$/.test(p!)));
});

test("stopping the node while a ledger's commit is in flight waits for it: no fatal commit failure, the ledger is on disk, and nothing applies after", async () => {
  const dataDir = tempDir();
  try {
    const n = await startNode({dataDir, closeIntervalMs: 3_600_000, verifyThreads: 0, pathThreads: 0});
    const h = n.node.herder;
    const lcl = h.lastClosed();
    const fatal: Error[] = [];
    h.onFatal((err) => fatal.push(err));
    const set = makeTxSet(lcl.hash, [], 0, 100n);
    h.addTxSet(set);
    h.externalized(lcl.seq + 1, set.hashHex, lcl.closeTime + 1);
    // The value applies on a later turn; stop as soon as its commit is in flight.
    for (let i = 0; i < 10_000 && !h.ledgers.closing; i++) await new Promise<void>((r) => setImmediate(r));
    assert.equal(h.ledgers.closing, true, "the commit was caught in flight");
    await n.stop();
    assert.deepEqual(fatal, []);
    assert.equal(h.failed, null);
    await assert.rejects(
      h.ledgers.applyLedger({seq: lcl.seq + 2, txs: {envelopes: []}, closeTime: lcl.closeTime + 2, baseFeeCharged: 100n}),
      (err: unknown) => err instanceof HerderError && err.code === "herder_stopped",
    );
    const again = await startNode({dataDir, closeIntervalMs: 3_600_000, verifyThreads: 0, pathThreads: 0});
    try {
      assert.equal(again.node.herder.lastClosed().seq, lcl.seq + 1);
    } finally {
      await again.stop();
    }
  } finally {
    rmSync(dataDir, {recursive: true, force: true});
  }
});
