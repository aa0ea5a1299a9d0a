/** Minimum fees and the fee an admission error reports, as stellar-core. */
import {test} from "node:test";
import assert from "node:assert/strict";
import {Keypair, Operation, TestLedger, xdr} from "./harness.js";
import {FeeBumpTransaction, Transaction} from "@stellar/stellar-base";

/** A fee-bump with any outer fee (the SDK's builder refuses bids below its own minimum). */
function feeBump(payer: Keypair, fee: bigint, inner: Transaction, passphrase: string): FeeBumpTransaction {
  const tx = new xdr.FeeBumpTransaction({
    feeSource: xdr.MuxedAccount.keyTypeEd25519(payer.rawPublicKey()),
    fee: xdr.Int64.fromString(fee.toString()),
    innerTx: xdr.FeeBumpTransactionInnerTx.envelopeTypeTx(inner.toEnvelope().v1()),
    ext: new xdr.FeeBumpTransactionExt(0 as never),
  });
  const fb = new FeeBumpTransaction(xdr.TransactionEnvelope.envelopeTypeTxFeeBump(new xdr.FeeBumpTransactionEnvelope({tx, signatures: []})), passphrase);
  fb.sign(payer);
  return fb;
}

test("the minimum outer fee of a fee-bump whose inner tx has no operation is the base fee x 1", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const payer = Keypair.random();
  l.fund([a, payer]);
  const built = l.build(a, [Operation.bumpSequence({bumpTo: "0"})]);
  const env = built.toEnvelope();
  env.v1().tx().operations([]);
  env.v1().signatures([]);
  const inner = new Transaction(env, l.config.passphrase);
  inner.sign(a);
  // fee "100" for 0 ops + 1: an outer bid of 100.
  const fb = feeBump(payer, 100n, inner, l.config.passphrase);
  const f = l.check(fb)!;
  assert.notEqual(f.resultCodes.transaction, "tx_insufficient_fee");
  assert.equal(f.resultCodes.innerTransaction?.transaction, "tx_missing_operation");
});

test("an admission error reports the required fee as feeCharged", () => {
  const l = new TestLedger();
  const a = Keypair.random();
  const payer = Keypair.random();
  l.fund([a, payer]);
  const cheap = l.build(a, [Operation.bumpSequence({bumpTo: "0"}), Operation.bumpSequence({bumpTo: "0"})], {fee: 70});
  const f = l.check(cheap)!;
  assert.equal(f.resultCodes.transaction, "tx_insufficient_fee");
  assert.equal(xdr.TransactionResult.fromXDR(f.resultXdr).feeCharged().toString(), "200");

  // A fee-bump below its inner tx's rate: inner 1000 for 1 op; outer 300 for 2 ops needs 2000.
  const inner = l.build(a, [Operation.bumpSequence({bumpTo: "0"})], {fee: 1000});
  const fb = feeBump(payer, 300n, inner, l.config.passphrase);
  const g = l.check(fb)!;
  assert.equal(g.resultCodes.transaction, "tx_insufficient_fee");
  assert.equal(xdr.TransactionResult.fromXDR(g.resultXdr).feeCharged().toString(), "2000");
});
