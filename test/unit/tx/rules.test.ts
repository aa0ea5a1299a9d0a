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

import {Account, StrKey, TransactionBuilder, xdr as baseXdr, type Transaction} from "@stellar/stellar-base";

/** A tx of `kp` with v2 preconditions, signed by `signers` (default: kp). */
function v2Tx(
  l: TestLedger,
  kp: Keypair,
  pre: {ledgerbounds?: {minLedger: number; maxLedger: number}; minAccountSequence?: string; minAccountSequenceAge?: bigint; minAccountSequenceLedgerGap?: number; extraSigners?: string[]},
  opts: {seq?: bigint; signers?: Keypair[]} = {},
): Transaction {
  const acc = opts.seq !== undefined ? new Account(kp.publicKey(), (opts.seq - 1n).toString()) : l.source(kp);
  const b = new TransactionBuilder(acc, {
    fee: "100",
    networkPassphrase: l.config.passphrase,
    ...pre,
  } as ConstructorParameters<typeof TransactionBuilder>[1]);
  const tx = b.addOperation(Operation.bumpSequence({bumpTo: "0"})).setTimeout(0).build();
  for (const s of opts.signers ?? [kp]) tx.sign(s);
  return tx;
}

/** The P… key of `kp` over `payload`. */
function signedPayloadKey(kp: Keypair, payload: Buffer): string {
  const p = new baseXdr.SignerKeyEd25519SignedPayload({ed25519: kp.rawPublicKey(), payload});
  return StrKey.encodeSignedPayload(p.toXDR());
}

test("ledger bounds: too early below minLedger, too late from maxLedger (exclusive), at admission and apply", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  l.fund([a]);
  const next = l.header.seq + 1;
  assert.equal(l.check(v2Tx(l, a, {ledgerbounds: {minLedger: next + 1, maxLedger: 0}}))!.resultCodes.transaction, "tx_too_early");
  assert.equal(l.check(v2Tx(l, a, {ledgerbounds: {minLedger: 0, maxLedger: next}}))!.resultCodes.transaction, "tx_too_late");
  const late = v2Tx(l, a, {ledgerbounds: {minLedger: 0, maxLedger: next}});
  assert.equal(l.close([late]).applied[0]!.resultCodes.transaction, "tx_too_late");
  const ok = v2Tx(l, a, {ledgerbounds: {minLedger: l.header.seq + 1, maxLedger: l.header.seq + 2}});
  assert.equal(l.check(ok), null);
  assert.equal(l.close([ok]).applied[0]!.successful, true);
});

test("min_seq_num lets a tx follow any sequence number from minSeqNum up to its own", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  l.fund([a]);
  const seq = l.account(a.publicKey())!.seqNum;
  const jump = v2Tx(l, a, {minAccountSequence: seq.toString()}, {seq: seq + 5n});
  assert.equal(l.check(jump), null);
  assert.equal(l.close([jump]).applied[0]!.successful, true);
  assert.equal(l.account(a.publicKey())!.seqNum, seq + 5n);
  const plain = v2Tx(l, a, {}, {seq: seq + 10n});
  assert.equal(l.check(plain)!.resultCodes.transaction, "tx_bad_seq");
  const above = v2Tx(l, a, {minAccountSequence: (seq + 6n).toString()}, {seq: seq + 10n});
  assert.equal(l.check(above)!.resultCodes.transaction, "tx_bad_seq");
});

test("min_seq_age and min_seq_ledger_gap: tx_bad_min_seq_age_or_gap until enough time and ledgers passed", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  l.fund([a]);
  // A new account's sequence never changed (seqLedger/seqTime 0): consume one to start the clock.
  assert.equal(l.check(v2Tx(l, a, {minAccountSequenceLedgerGap: 3, minAccountSequenceAge: 60n})), null);
  assert.equal(l.close([l.build(a, [Operation.bumpSequence({bumpTo: "0"})])]).applied[0]!.successful, true);
  assert.equal(l.check(v2Tx(l, a, {minAccountSequenceLedgerGap: 3}))!.resultCodes.transaction, "tx_bad_min_seq_age_or_gap");
  assert.equal(l.check(v2Tx(l, a, {minAccountSequenceAge: 60n}))!.resultCodes.transaction, "tx_bad_min_seq_age_or_gap");
  const gap = v2Tx(l, a, {minAccountSequenceLedgerGap: 3});
  assert.equal(l.close([gap]).applied[0]!.resultCodes.transaction, "tx_bad_min_seq_age_or_gap");
  for (let i = 0; i < 3; i++) l.close([]);
  assert.equal(l.check(v2Tx(l, a, {minAccountSequenceLedgerGap: 3})), null);
  const aged = v2Tx(l, a, {minAccountSequenceAge: 15n, minAccountSequenceLedgerGap: 3});
  assert.equal(l.close([aged]).applied[0]!.successful, true);
});

test("min_seq_age at admission is judged at the last closed ledger's close time, at apply at the ledger's own", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  l.fund([a]);
  assert.equal(l.close([l.build(a, [Operation.bumpSequence({bumpTo: "0"})])]).applied[0]!.successful, true);
  const changedAt = l.account(a.publicKey())!.seqTime;
  assert.equal(changedAt, BigInt(l.header.closeTime));
  // The next ledger closes 5 s later: old enough then, but not at the last close (stellar-core's queue refuses it).
  const tx = v2Tx(l, a, {minAccountSequenceAge: 5n});
  assert.equal(l.check(tx)!.resultCodes.transaction, "tx_bad_min_seq_age_or_gap");
  const applied = l.close([tx]).applied[0]!;
  assert.equal(BigInt(l.header.closeTime) - changedAt, 5n);
  assert.equal(applied.successful, true, "applied at the ledger's close time");
  // Once the last closed ledger is old enough, admission takes it.
  l.close([]);
  assert.equal(l.check(v2Tx(l, a, {minAccountSequenceAge: 5n})), null);
});

test("extra signers must each have signed (tx_bad_auth otherwise), ed25519 and signed-payload alike", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const b = Keypair.random();
  const c = Keypair.random();
  l.fund([a]);
  assert.equal(l.check(v2Tx(l, a, {extraSigners: [b.publicKey()]}))!.resultCodes.transaction, "tx_bad_auth");
  assert.equal(l.check(v2Tx(l, a, {extraSigners: [b.publicKey()]}, {signers: [a, b]})), null);

  const payload = Buffer.from("pay me back on friday, 32 bytes.");
  const pKey = signedPayloadKey(c, payload);
  const unsigned = v2Tx(l, a, {extraSigners: [pKey]});
  assert.equal(l.check(unsigned)!.resultCodes.transaction, "tx_bad_auth");
  const signed = v2Tx(l, a, {extraSigners: [pKey]});
  signed.addDecoratedSignature(c.signPayloadDecorated(payload));
  assert.equal(l.check(signed), null);
  assert.equal(l.close([signed]).applied[0]!.successful, true);
});

test("a signed-payload signer of the account counts with a signature over its payload", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const s = Keypair.random();
  l.fund([a]);
  const payload = Buffer.from("abc");
  const pKey = signedPayloadKey(s, payload);
  const setup = l.build(a, [
    Operation.setOptions({signer: {ed25519SignedPayload: pKey, weight: 1}}),
    Operation.setOptions({masterWeight: 0}),
  ]);
  assert.equal(l.close([setup]).applied[0]!.successful, true);
  const tx = l.build(a, [Operation.bumpSequence({bumpTo: "0"})], {signers: []});
  tx.addDecoratedSignature(s.signPayloadDecorated(payload));
  assert.equal(l.check(tx), null);
  const r = l.close([tx]);
  assert.equal(r.applied[0]!.successful, true);
  // A signature over another payload does not count.
  const bad = l.build(a, [Operation.bumpSequence({bumpTo: "0"})], {signers: []});
  bad.addDecoratedSignature(s.signPayloadDecorated(Buffer.from("abd")));
  assert.equal(l.check(bad)!.resultCodes.transaction, "tx_bad_auth");
});
