/** Queued txs are checked again when a tx set is built (stellar-core's trimInvalid). */
import {test} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TestLedger, TransactionBuilder} from "../tx/harness.js";
import {trimInvalid} from "../../../src/herder/tx-set.js";
import type {QueuedTx} from "../../../src/herder/tx-queue.js";
import {availableBalance} from "../../../src/tx/ops/context.js";

function queued(l: TestLedger, txs: Parameters<TestLedger["frame"]>[0][]): QueuedTx[] {
  return txs.map((t) => {
    const frame = l.frame(t);
    return {frame, ops: frame.operations.length, admittedAt: 0};
  });
}

/** Leaves `a` with exactly `spare` stroops above its reserve. */
function spendDownTo(l: TestLedger, a: Keypair, sink: Keypair, spare: bigint): void {
  const avail = availableBalance(l.account(a.publicKey())!, BigInt(l.config.baseReserve));
  const amount = avail - 100n - spare;
  const tx = l.build(a, [Operation.payment({destination: sink.publicKey(), asset: Asset.native(), amount: (Number(amount) / 1e7).toFixed(7)})]);
  assert.equal(l.close([tx]).applied[0]!.successful, true);
  assert.equal(availableBalance(l.account(a.publicKey())!, BigInt(l.config.baseReserve)), spare);
}

test("a tx whose fee the account can no longer pay after its earlier txs in the set is left out, with the later ones", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const b = Keypair.random();
  l.fund([a, b], "10");
  spendDownTo(l, a, b, 250n);
  const bump = (ahead: number) => l.build(a, [Operation.bumpSequence({bumpTo: "0"})], {ahead});
  const list = queued(l, [bump(0), bump(1), bump(2)]);
  const trimmed = trimInvalid([list], l, {header: l.header, config: l.config, closeTime: l.closeTime + 5});
  assert.deepEqual(
    trimmed.map((t) => [list.indexOf(t.q), t.failure.resultCodes.transaction]),
    [
      [2, "tx_insufficient_balance"],
    ],
  );
  // Two fit in 250 spare stroops; the third would dip into the reserve.
});

test("a tx whose maxTime passed at the proposed close time is left out as tx_too_late; its account's later txs follow it", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  l.fund([a]);
  const late = l.build(a, [Operation.bumpSequence({bumpTo: "0"})], {timebounds: {minTime: 0, maxTime: l.closeTime + 3}});
  const next = l.build(a, [Operation.bumpSequence({bumpTo: "0"})], {ahead: 1});
  const list = queued(l, [late, next]);
  assert.deepEqual(trimInvalid([list], l, {header: l.header, config: l.config, closeTime: l.closeTime + 3}), []);
  const trimmed = trimInvalid([list], l, {header: l.header, config: l.config, closeTime: l.closeTime + 4});
  assert.deepEqual(
    trimmed.map((t) => t.failure.resultCodes.transaction),
    ["tx_too_late", "tx_bad_seq"],
  );
});

test("fees of one fee source add up across accounts", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const b = Keypair.random();
  const sink = Keypair.random();
  l.fund([a, b, sink], "10");
  spendDownTo(l, a, sink, 250n);
  const inner = l.build(b, [Operation.bumpSequence({bumpTo: "0"})]);
  const fb1 = TransactionBuilder.buildFeeBumpTransaction(a, "100", inner, l.config.passphrase);
  fb1.sign(a);
  const own = l.build(a, [Operation.bumpSequence({bumpTo: "0"})]);
  const trimmed = trimInvalid([queued(l, [own]), queued(l, [fb1])], l, {header: l.header, config: l.config, closeTime: l.closeTime + 5});
  assert.equal(trimmed.length, 1);
  assert.equal(trimmed[0]!.q.frame.isFeeBump, true);
  assert.equal(trimmed[0]!.failure.resultCodes.transaction, "tx_insufficient_balance");
});

test("apply: a tx whose source is left below its reserve by the set's fees is tx_insufficient_balance and changes nothing", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const b = Keypair.random();
  l.fund([a, b], "10");
  spendDownTo(l, a, b, 150n);
  const t1 = l.build(a, [Operation.bumpSequence({bumpTo: "0"})]);
  const t2 = l.build(a, [Operation.bumpSequence({bumpTo: "0"})], {ahead: 1});
  const seq = l.account(a.publicKey())!.seqNum;
  const r = l.close([t1, t2]);
  assert.deepEqual(
    r.applied.map((x) => x.resultCodes.transaction),
    ["tx_insufficient_balance", "tx_insufficient_balance"],
  );
  assert.deepEqual(r.applied.map((x) => x.feeCharged), [100n, 100n]);
  assert.equal(l.account(a.publicKey())!.seqNum, seq + 2n, "sequence numbers are consumed (InvalidPostAuth)");
});
