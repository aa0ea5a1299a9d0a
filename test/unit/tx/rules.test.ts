/** stellar-core transaction rules: sequence numbers, bump_sequence, preconditions. */
import {test} from "node:test";
import assert from "node:assert/strict";
import {Keypair, Operation, TestLedger} from "./harness.js";

test("a sequence number equal to the next ledger's starting sequence (ledgerSeq << 32) is tx_bad_seq at admission and at apply", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  l.fund([a]);
  // The next ledger is the bump's; the one after it is where the tx is checked and applied.
  const target = BigInt(l.header.seq + 2) << 32n;
  const bump = l.build(a, [Operation.bumpSequence({bumpTo: (target - 1n).toString()})]);
  assert.equal(l.close([bump]).applied[0]!.successful, true);
  assert.equal(l.account(a.publicKey())!.seqNum, target - 1n);
  const tx = l.build(a, [Operation.bumpSequence({bumpTo: "0"})]);
  assert.equal(BigInt(tx.sequence), target);
  assert.equal(l.check(tx)!.resultCodes.transaction, "tx_bad_seq");
  const r = l.close([tx]);
  assert.equal(r.applied[0]!.resultCodes.transaction, "tx_bad_seq");
  assert.equal(l.account(a.publicKey())!.seqNum, target - 1n, "the sequence number is not consumed");
});

test("bump_sequence that does not raise the sequence still updates seqLedger and seqTime", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const b = Keypair.random();
  l.fund([a, b]);
  // b's op runs in a's tx: b's sequence number is untouched by the tx itself.
  const before = l.account(b.publicKey())!;
  l.close([]);
  const tx = l.build(a, [Operation.bumpSequence({bumpTo: "1", source: b.publicKey()})], {signers: [a, b]});
  const r = l.close([tx]);
  assert.equal(r.applied[0]!.successful, true);
  const after = l.account(b.publicKey())!;
  assert.equal(after.seqNum, before.seqNum, "a lower target does not change the sequence number");
  assert.equal(after.seqLedger, r.header.seq);
  assert.equal(after.seqTime, BigInt(r.header.closeTime));
  assert.notEqual(after.seqLedger, before.seqLedger);
});
