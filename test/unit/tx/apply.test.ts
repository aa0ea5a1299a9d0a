import {test} from "node:test";
import assert from "node:assert/strict";
import {xdr as sdkXdr} from "@stellar/stellar-sdk";
import {Asset, Keypair, Operation, TestLedger, TransactionBuilder, xdr} from "./harness.js";
import {dataKey} from "../../../src/ledger/types.js";

const D = 10_000_000n; // stroops per DIAM

test("payment moves the amount to the stroop and charges the base fee", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const b = Keypair.random();
  l.fund([a, b], "100");
  const tx = l.build(a, [Operation.payment({destination: b.publicKey(), asset: Asset.native(), amount: "12.3456789"})], {fee: 500});
  assert.equal(l.check(tx), null);
  const r = l.close([tx]);
  assert.equal(r.applied[0]!.successful, true);
  assert.deepEqual(r.applied[0]!.resultCodes, {transaction: "tx_success", operations: ["op_success"]});
  assert.equal(r.applied[0]!.feeCharged, 100n);
  assert.equal(l.account(a.publicKey())!.balance, 100n * D - 123_456_789n - 100n);
  assert.equal(l.account(b.publicKey())!.balance, 100n * D + 123_456_789n);
  assert.equal(r.header.feePool, 300n); // 200 for the 2-op funding tx + 100
});

test("stale sequence number is tx_bad_seq at admission and at apply", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  l.fund([a]);
  const t1 = l.build(a, [Operation.bumpSequence({bumpTo: "0"})]);
  l.close([t1]);
  const stale = l.build(a, [Operation.bumpSequence({bumpTo: "0"})], {ahead: -1});
  assert.equal(l.check(stale)!.resultCodes.transaction, "tx_bad_seq");
  const r = l.close([stale]);
  assert.equal(r.applied[0]!.resultCodes.transaction, "tx_bad_seq");
  // queuedAhead shifts the expected sequence
  const next2 = l.build(a, [Operation.bumpSequence({bumpTo: "0"})], {ahead: 1});
  assert.equal(l.check(next2, 1), null);
  assert.equal(l.check(next2, 0)!.resultCodes.transaction, "tx_bad_seq");
});

test("overdraft fails with op_underfunded, fee still charged and seq consumed", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const b = Keypair.random();
  l.fund([a, b], "10");
  const before = l.account(a.publicKey())!;
  // 10 DIAM balance, 1 DIAM reserve: 9.5 is more than available after the fee
  const tx = l.build(a, [Operation.payment({destination: b.publicKey(), asset: Asset.native(), amount: "9.5"})]);
  const r = l.close([tx]);
  assert.deepEqual(r.applied[0]!.resultCodes, {transaction: "tx_failed", operations: ["op_underfunded"]});
  const after = l.account(a.publicKey())!;
  assert.equal(after.balance, before.balance - 100n);
  assert.equal(after.seqNum, before.seqNum + 1n);
  assert.equal(l.account(b.publicKey())!.balance, 10n * D);
  const res = xdr.TransactionResult.fromXDR(r.applied[0]!.resultXdr);
  assert.equal(res.result().switch().name, "txFailed");
  assert.equal(res.feeCharged().toString(), "100");
  assert.equal(res.result().results()[0]!.tr().paymentResult().switch().name, "paymentUnderfunded");
});

test("a tx signed for another network is tx_bad_auth", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  l.fund([a]);
  const tx = l.build(a, [Operation.bumpSequence({bumpTo: "0"})], {passphrase: "Some Other Network"});
  assert.equal(l.check(tx)!.resultCodes.transaction, "tx_bad_auth");
  const r = l.close([tx]);
  assert.equal(r.applied[0]!.resultCodes.transaction, "tx_bad_auth");
  // bad auth happens after the seq check: the seqNum is consumed
  assert.equal(l.account(a.publicKey())!.seqNum % (1n << 32n), 1n);
});

test("multisig: 2 of 3 signers reach a medium threshold of 2, 1 does not; an extra signature is tx_bad_auth_extra", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const s = [Keypair.random(), Keypair.random(), Keypair.random()];
  const b = Keypair.random();
  l.fund([a, b], "100");
  const setup = l.build(a, [
    ...s.map((k) => Operation.setOptions({signer: {ed25519PublicKey: k.publicKey(), weight: 1}})),
    Operation.setOptions({masterWeight: 0, lowThreshold: 2, medThreshold: 2, highThreshold: 3}),
  ]);
  const r0 = l.close([setup]);
  assert.equal(r0.applied[0]!.successful, true, JSON.stringify(r0.applied[0]!.resultCodes));
  const acc = l.account(a.publicKey())!;
  assert.equal(acc.signers.length, 3);
  assert.equal(acc.numSubEntries, 3);
  const pay = (signers: Keypair[], ahead = 0) =>
    l.build(a, [Operation.payment({destination: b.publicKey(), asset: Asset.native(), amount: "1"})], {signers, ahead});
  assert.equal(l.check(pay([s[0]!, s[1]!])), null);
  assert.equal(l.check(pay([s[2]!]))!.resultCodes.transaction, "tx_bad_auth");
  assert.equal(l.check(pay([s[0]!, s[1]!, Keypair.random()]))!.resultCodes.transaction, "tx_bad_auth_extra");
  assert.equal(l.check(pay([a]))!.resultCodes.transaction, "tx_bad_auth"); // master weight 0
  const r = l.close([pay([s[0]!, s[2]!])]);
  assert.equal(r.applied[0]!.successful, true);
  assert.equal(l.account(b.publicKey())!.balance, 101n * D);
  const r2 = l.close([pay([s[1]!])]);
  assert.equal(r2.applied[0]!.resultCodes.transaction, "tx_bad_auth");
});

test("high threshold op with medium weight fails op_bad_auth", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const s1 = Keypair.random();
  l.fund([a], "100");
  l.close([l.build(a, [Operation.setOptions({signer: {ed25519PublicKey: s1.publicKey(), weight: 1}}), Operation.setOptions({highThreshold: 2})])]);
  const tx = l.build(a, [Operation.setOptions({homeDomain: "ok.example"}), Operation.setOptions({lowThreshold: 1})], {signers: [s1]});
  const f = l.check(tx)!;
  assert.deepEqual(f.resultCodes, {transaction: "tx_failed", operations: ["op_success", "op_bad_auth"]});
});

test("merge with a data entry is op_has_sub_entries; without, the balance moves and the account is gone", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const b = Keypair.random();
  l.fund([a, b], "50");
  l.close([l.build(a, [Operation.manageData({name: "k", value: "v"})])]);
  assert.equal(l.account(a.publicKey())!.numSubEntries, 1);
  const r = l.close([l.build(a, [Operation.accountMerge({destination: b.publicKey()})])]);
  assert.deepEqual(r.applied[0]!.resultCodes.operations, ["op_has_sub_entries"]);
  l.close([l.build(a, [Operation.manageData({name: "k", value: null})])]);
  const balA = l.account(a.publicKey())!.balance;
  const balB = l.account(b.publicKey())!.balance;
  // created this ledger range: seqNum < ledgerSeq << 32 holds, merge allowed
  const r2 = l.close([l.build(a, [Operation.accountMerge({destination: b.publicKey()})])]);
  assert.equal(r2.applied[0]!.successful, true, JSON.stringify(r2.applied[0]!.resultCodes));
  assert.equal(l.account(a.publicKey()), undefined);
  assert.equal(l.account(b.publicKey())!.balance, balB + balA - 100n);
  const res = xdr.TransactionResult.fromXDR(r2.applied[0]!.resultXdr);
  assert.equal(res.result().results()[0]!.tr().accountMergeResult().sourceAccountBalance().toString(), String(balA - 100n));
  // self-merge is malformed
  const c = Keypair.random();
  l.fund([c]);
  assert.deepEqual(l.check(l.build(c, [Operation.accountMerge({destination: c.publicKey()})]))!.resultCodes.operations, ["op_malformed"]);
});

test("create_account: below 2 reserves is op_low_reserve; existing is op_already_exists; starting seq is ledger << 32", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const n = Keypair.random();
  l.fund([a], "100");
  const r = l.close([l.build(a, [Operation.createAccount({destination: n.publicKey(), startingBalance: "0.9999999"})])]);
  assert.deepEqual(r.applied[0]!.resultCodes.operations, ["op_low_reserve"]);
  const r2 = l.close([l.build(a, [Operation.createAccount({destination: n.publicKey(), startingBalance: "1"})])]);
  assert.equal(r2.applied[0]!.successful, true);
  assert.equal(l.account(n.publicKey())!.seqNum, BigInt(r2.header.seq) << 32n);
  const r3 = l.close([l.build(a, [Operation.createAccount({destination: n.publicKey(), startingBalance: "1"})])]);
  assert.deepEqual(r3.applied[0]!.resultCodes.operations, ["op_already_exists"]);
  const r4 = l.close([l.build(a, [Operation.createAccount({destination: Keypair.random().publicKey(), startingBalance: "99"})])]);
  assert.deepEqual(r4.applied[0]!.resultCodes.operations, ["op_underfunded"]);
});

test("manage_data adds, replaces and removes an entry with its reserve; removing a missing name fails", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  l.fund([a], "10");
  l.close([l.build(a, [Operation.manageData({name: "config.memo_required", value: "1"})])]);
  const e = l.getEntry(dataKey(a.publicKey(), "config.memo_required"));
  assert.ok(e && e.type === "data");
  assert.equal(Buffer.from(e.value).toString(), "1");
  assert.equal(l.account(a.publicKey())!.numSubEntries, 1);
  l.close([l.build(a, [Operation.manageData({name: "config.memo_required", value: "22"})])]);
  const e2 = l.getEntry(dataKey(a.publicKey(), "config.memo_required"));
  assert.ok(e2 && e2.type === "data");
  assert.equal(Buffer.from(e2.value).toString(), "22");
  assert.equal(l.account(a.publicKey())!.numSubEntries, 1);
  l.close([l.build(a, [Operation.manageData({name: "config.memo_required", value: null})])]);
  assert.equal(l.getEntry(dataKey(a.publicKey(), "config.memo_required")), undefined);
  assert.equal(l.account(a.publicKey())!.numSubEntries, 0);
  const r = l.close([l.build(a, [Operation.manageData({name: "nope", value: null})])]);
  assert.deepEqual(r.applied[0]!.resultCodes.operations, ["op_data_name_not_found"]);
});

test("bump_sequence raises the seqNum, a lower target is a no-op", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  l.fund([a]);
  const seq0 = l.account(a.publicKey())!.seqNum;
  const target = seq0 + 1000n;
  const r = l.close([l.build(a, [Operation.bumpSequence({bumpTo: target.toString()})])]);
  assert.equal(r.applied[0]!.successful, true);
  assert.equal(l.account(a.publicKey())!.seqNum, target);
  assert.equal(l.account(a.publicKey())!.seqLedger, r.header.seq);
  l.close([l.build(a, [Operation.bumpSequence({bumpTo: "5"})])]);
  assert.equal(l.account(a.publicKey())!.seqNum, target + 1n);
});

test("fee-bump: fee source pays ops+1 base fees; result is txFeeBumpInnerSuccess and decodes with the sdk", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const payer = Keypair.random();
  const b = Keypair.random();
  l.fund([a, payer, b], "100");
  const inner = l.build(a, [Operation.payment({destination: b.publicKey(), asset: Asset.native(), amount: "5"})], {fee: 100});
  const fb = TransactionBuilder.buildFeeBumpTransaction(payer, "1000", inner, l.config.passphrase);
  fb.sign(payer);
  const f = l.frame(fb);
  assert.equal(f.isFeeBump, true);
  assert.equal(f.hashHex, fb.hash().toString("hex"));
  assert.equal(f.innerHash.toString("hex"), inner.hash().toString("hex"));
  assert.equal(l.check(fb), null);
  const aBefore = l.account(a.publicKey())!.balance;
  const pBefore = l.account(payer.publicKey())!.balance;
  const r = l.close([fb]);
  assert.equal(r.applied[0]!.successful, true);
  assert.equal(r.applied[0]!.feeCharged, 200n);
  assert.equal(l.account(payer.publicKey())!.balance, pBefore - 200n);
  assert.equal(l.account(a.publicKey())!.balance, aBefore - 5n * D);
  const res = sdkXdr.TransactionResult.fromXDR(r.applied[0]!.resultXdr);
  assert.equal(res.result().switch().name, "txFeeBumpInnerSuccess");
  assert.equal(res.result().innerResultPair().transactionHash().toString("hex"), inner.hash().toString("hex"));
  assert.equal(res.result().innerResultPair().result().result().switch().name, "txSuccess");
  assert.equal(res.feeCharged().toString(), "200");
  // buildFeeBumpTransaction takes a per-op base fee: 100 → 200 total, exactly the minimum
  const inner2 = l.build(a, [Operation.bumpSequence({bumpTo: "0"})]);
  const fb2 = TransactionBuilder.buildFeeBumpTransaction(payer, "100", inner2, l.config.passphrase);
  fb2.sign(payer);
  assert.equal(l.check(fb2), null);
  // signed by the wrong key: the outer check fails before the inner one
  const fb3 = TransactionBuilder.buildFeeBumpTransaction(payer, "100", inner2, l.config.passphrase);
  fb3.sign(b);
  assert.equal(l.check(fb3)!.resultCodes.transaction, "tx_bad_auth");
  // a regular tx bidding under base fee × ops is refused
  const cheap = l.build(a, [Operation.bumpSequence({bumpTo: "0"}), Operation.bumpSequence({bumpTo: "0"})], {fee: 99});
  assert.equal(l.check(cheap)!.resultCodes.transaction, "tx_insufficient_fee");
});

test("result XDR round-trips through xdr.TransactionResult", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  l.fund([a]);
  const tx = l.build(a, [Operation.payment({destination: Keypair.random().publicKey(), asset: Asset.native(), amount: "1"}), Operation.bumpSequence({bumpTo: "0"})]);
  const r = l.close([tx]);
  const bytes = r.applied[0]!.resultXdr;
  const back = xdr.TransactionResult.fromXDR(bytes);
  assert.deepEqual(back.toXDR(), bytes);
  assert.deepEqual(r.applied[0]!.resultCodes, {transaction: "tx_failed", operations: ["op_no_destination", "op_success"]});
});

test("credit payments without trustlines answer as Stellar: op_no_trust, op_src_no_trust; issuer to itself succeeds", () => {
  const l = new TestLedger();
  const issuer = Keypair.random();
  const a = Keypair.random();
  l.fund([issuer, a]);
  const usd = new Asset("USD", issuer.publicKey());
  const r = l.close([
    l.build(issuer, [Operation.payment({destination: a.publicKey(), asset: usd, amount: "1"})]),
    l.build(a, [Operation.payment({destination: issuer.publicKey(), asset: usd, amount: "1"})]),
  ]);
  const codes = new Map(r.applied.map((x, i) => [r.frames[i]!.sourceAccount, x.resultCodes.operations]));
  assert.deepEqual(codes.get(issuer.publicKey()), ["op_no_trust"]);
  assert.deepEqual(codes.get(a.publicKey()), ["op_src_no_trust"]);
  const r2 = l.close([l.build(a, [Operation.payment({destination: Keypair.random().publicKey(), asset: usd, amount: "1"})])]);
  assert.deepEqual(r2.applied[0]!.resultCodes.operations, ["op_no_destination"]);
});

test("time bounds: too early and too late", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  l.fund([a]);
  const early = l.build(a, [Operation.bumpSequence({bumpTo: "0"})], {timebounds: {minTime: l.closeTime + 10_000, maxTime: 0}});
  assert.equal(l.check(early)!.resultCodes.transaction, "tx_too_early");
  const late = l.build(a, [Operation.bumpSequence({bumpTo: "0"})], {timebounds: {minTime: 0, maxTime: l.closeTime - 1}});
  assert.equal(l.check(late)!.resultCodes.transaction, "tx_too_late");
  const r = l.close([late]);
  assert.equal(r.applied[0]!.resultCodes.transaction, "tx_too_late");
  assert.equal(r.applied[0]!.feeCharged, 100n);
});

test("pre-auth signer authorizes its tx without a signature and is removed once used", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  l.fund([a], "100");
  const future = l.build(a, [Operation.bumpSequence({bumpTo: "0"})], {ahead: 1, signers: []});
  l.close([l.build(a, [Operation.setOptions({signer: {preAuthTx: future.hash(), weight: 1}})])]);
  assert.equal(l.account(a.publicKey())!.numSubEntries, 1);
  assert.equal(l.check(future), null);
  const r = l.close([future]);
  assert.equal(r.applied[0]!.successful, true, JSON.stringify(r.applied[0]!.resultCodes));
  assert.equal(l.account(a.publicKey())!.signers.length, 0);
  assert.equal(l.account(a.publicKey())!.numSubEntries, 0);
});
