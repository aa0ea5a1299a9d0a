import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {createHash} from "node:crypto";
import {TxQueue} from "../../../src/herder/tx-queue.js";
import type {TxFrame} from "../../../src/tx/interface.js";
import type {Operation} from "../../../src/tx/types.js";

let counter = 0;
/** A frame with just what the queue reads: hash, source, seq, fee and op count. */
function frame(source: string, seq: bigint, maxFee: bigint, ops = 1): TxFrame {
  const hash = createHash("sha256").update(`${source}:${seq}:${counter++}`).digest();
  const op: Operation = {source: null, type: "bump_sequence", bumpTo: 0n};
  return {
    envelopeXdr: Buffer.alloc(0),
    hash,
    hashHex: hash.toString("hex"),
    isFeeBump: false,
    feeSource: source,
    sourceAccount: source,
    seqNum: seq,
    maxFee,
    operations: Array.from({length: ops}, () => op),
    memo: {type: "none"},
    timeBounds: null,
    signatures: [],
    feeBumpSignatures: [],
    innerHash: hash,
    verified: [],
    verifiedFeeBump: [],
  };
}

describe("TxQueue", () => {
  it("takes everything, at the base fee, when the ledger has room", () => {
    const q = new TxQueue(1000, 10);
    q.add(frame("A", 1n, 100n), 0);
    q.add(frame("A", 2n, 500n), 0);
    q.add(frame("B", 1n, 300n, 3), 0);
    const sel = q.select(10, 100);
    assert.equal(sel.txs.length, 3);
    assert.equal(sel.ops, 5);
    assert.equal(sel.baseFeeCharged, 100n);
  });

  it("under contention picks the highest fee per op, keeps each account in order, charges the lowest included rate", () => {
    const q = new TxQueue(1000, 10);
    const a1 = frame("A", 1n, 100n);
    const a2 = frame("A", 2n, 1000n);
    const b1 = frame("B", 1n, 400n, 2); // 200 per op
    const c1 = frame("C", 1n, 300n);
    for (const f of [a1, a2, b1, c1]) q.add(f, 0);
    const sel = q.select(3, 100);
    const picked = sel.txs.map((t) => t.frame.hashHex);
    // C (300/op) then B (200/op) fill 3 ops; A's head (100/op) would not fit, so A2 cannot go either.
    assert.deepEqual(picked, [c1.hashHex, b1.hashHex]);
    assert.equal(sel.ops, 3);
    assert.equal(sel.baseFeeCharged, 200n);
  });

  it("an account's later tx never goes without its predecessor", () => {
    const q = new TxQueue(1000, 10);
    const a1 = frame("A", 1n, 100n);
    const a2 = frame("A", 2n, 10_000n);
    const b1 = frame("B", 1n, 150n);
    for (const f of [a1, a2, b1]) q.add(f, 0);
    const sel = q.select(2, 100);
    assert.deepEqual(new Set(sel.txs.map((t) => t.frame.hashHex)), new Set([b1.hashHex, a1.hashHex]));
  });

  it("deduplicates by hash and bounds the queue and each account", () => {
    const q = new TxQueue(3, 2);
    const f = frame("A", 1n, 100n);
    assert.equal(q.add(f, 0), "added");
    assert.equal(q.add(f, 0), "duplicate");
    assert.equal(q.add(frame("A", 2n, 100n), 0), "added");
    assert.equal(q.add(frame("A", 3n, 100n), 0), "account_full");
    assert.equal(q.add(frame("B", 1n, 100n), 0), "added");
    assert.equal(q.add(frame("C", 1n, 100n), 0), "queue_full");
    assert.equal(q.size, 3);
    assert.equal(q.queuedFees("A"), 200n);
  });

  it("removes txs and finds the stale ones after a ledger", () => {
    const q = new TxQueue(100, 10);
    const a1 = frame("A", 5n, 100n);
    const a2 = frame("A", 6n, 100n);
    const b1 = frame("B", 9n, 100n);
    for (const f of [a1, a2, b1]) q.add(f, 0);
    q.remove(a1.hashHex);
    assert.equal(q.pendingFor("A"), 1);
    assert.equal(q.queuedFees("A"), 100n);
    const stale = q.stale((acct) => (acct === "A" ? 6n : 3n));
    assert.deepEqual(stale.map((s) => s.frame.hashHex), [a2.hashHex]);
    assert.equal(q.ops, 2);
  });
});

describe("TxQueue.queuedAhead", () => {
  it("counts from the last queued sequence number, whatever state the reader sees", () => {
    const q = new TxQueue(100, 10);
    for (const s of [11n, 12n, 13n]) q.add(frame("A", s, 100n), 0);
    // Before the ledger holding 11 and 12 is visible the account is at 10; after, at 12.
    assert.equal(q.queuedAhead("A", 10n), 3);
    assert.equal(q.queuedAhead("A", 12n), 1);
    assert.equal(q.queuedAhead("A", 13n), 0);
    assert.equal(q.queuedAhead("B", 5n), 0);
    assert.equal(q.lastSeq("A"), 13n);
  });
});
