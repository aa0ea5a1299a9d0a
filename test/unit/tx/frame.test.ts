import {test} from "node:test";
import assert from "node:assert/strict";
import {Account, Asset, Keypair, MuxedAccount, Operation, TransactionBuilder, xdr} from "@stellar/stellar-base";
import {decodeTxFrame} from "../../../src/tx/frame.js";
import {verifyEd25519, verifyFrameSignatures} from "../../../src/tx/verify.js";
import {networkIdOf} from "../../../src/ledger/options.js";
import {DiamanteError} from "../../../src/util/errors.js";

const PASS = "Frame Test Network";
const NID = networkIdOf(PASS);

function payment(kp: Keypair) {
  const b = new TransactionBuilder(new Account(kp.publicKey(), "41"), {fee: "250", networkPassphrase: PASS})
    .addOperation(Operation.payment({destination: Keypair.random().publicKey(), asset: Asset.native(), amount: "3"}))
    .addOperation(Operation.manageData({name: "n", value: "v"}))
    .addOperation(Operation.changeTrust({asset: new Asset("ABC", kp.publicKey())}))
    .setTimebounds(10, 20);
  const tx = b.build();
  tx.sign(kp);
  return tx;
}

test("v1 envelope: hash equals stellar-base's, fields decode into the plain form", () => {
  const kp = Keypair.random();
  const tx = payment(kp);
  const f = decodeTxFrame(tx.toEnvelope().toXDR(), NID);
  assert.equal(f.hashHex, tx.hash().toString("hex"));
  assert.equal(f.sourceAccount, kp.publicKey());
  assert.equal(f.seqNum, 42n);
  assert.equal(f.maxFee, 750n);
  assert.deepEqual(f.timeBounds, {minTime: 10n, maxTime: 20n});
  assert.equal(f.operations.length, 3);
  assert.equal(f.operations[0]!.type, "payment");
  assert.equal(f.operations[0]!.type === "payment" && f.operations[0]!.amount, 30_000_000n);
  const line = f.operations[2]!;
  assert.equal(line.type, "change_trust");
  assert.equal(line.type === "change_trust" && line.line.type === "credit_alphanum4" && line.line.code, "ABC");
  assert.equal(line.type === "change_trust" && line.limit, 9_223_372_036_854_775_807n, "the default limit is int64 max");
  assert.equal(f.isFeeBump, false);
  verifyFrameSignatures(f, {getEntry: () => undefined});
  assert.deepEqual(f.verified, [{index: 0, key: kp.publicKey()}]);
});

test("v0 envelope hashes as its v1 form", () => {
  const kp = Keypair.random();
  const tx = payment(kp);
  const v1 = tx.toEnvelope().v1();
  const t = v1.tx();
  const v0 = new xdr.TransactionV0({
    sourceAccountEd25519: kp.rawPublicKey(),
    fee: t.fee(),
    seqNum: t.seqNum(),
    timeBounds: t.cond().timeBounds(),
    memo: t.memo(),
    operations: t.operations(),
    ext: new xdr.TransactionV0Ext(0),
  });
  const env = xdr.TransactionEnvelope.envelopeTypeTxV0(new xdr.TransactionV0Envelope({tx: v0, signatures: v1.signatures()}));
  const f = decodeTxFrame(env.toXDR(), NID);
  assert.equal(f.hashHex, tx.hash().toString("hex"));
  assert.equal(f.sourceAccount, kp.publicKey());
});

test("muxed source and destination resolve to their G… account", () => {
  const kp = Keypair.random();
  const dest = Keypair.random();
  const src = new MuxedAccount(new Account(kp.publicKey(), "1"), "7");
  const mdest = new MuxedAccount(new Account(dest.publicKey(), "0"), "9");
  const tx = new TransactionBuilder(src, {fee: "100", networkPassphrase: PASS})
    .addOperation(Operation.payment({destination: mdest.accountId(), asset: Asset.native(), amount: "1"}))
    .setTimeout(0)
    .build();
  const f = decodeTxFrame(tx.toEnvelope().toXDR(), NID);
  assert.equal(f.sourceAccount, kp.publicKey());
  assert.equal(f.operations[0]!.type === "payment" && f.operations[0]!.destination, dest.publicKey());
  assert.equal(f.hashHex, tx.hash().toString("hex"));
});

test("garbage and truncated envelopes throw tx_malformed", () => {
  const tx = payment(Keypair.random());
  const bytes = tx.toEnvelope().toXDR();
  for (const bad of [Buffer.from("not xdr"), bytes.subarray(0, bytes.length - 3), Buffer.concat([bytes, Buffer.alloc(4)])]) {
    assert.throws(() => decodeTxFrame(bad, NID), (e: unknown) => e instanceof DiamanteError && e.code === "tx_malformed");
  }
});

test("verifyEd25519 accepts a real signature and rejects a tampered one", () => {
  const kp = Keypair.random();
  const msg = Buffer.from("diamante");
  const sig = kp.sign(msg);
  assert.equal(verifyEd25519(kp.rawPublicKey(), msg, sig), true);
  const bad = Buffer.from(sig);
  bad[0] = bad[0]! ^ 1;
  assert.equal(verifyEd25519(kp.rawPublicKey(), msg, bad), false);
  assert.equal(verifyEd25519(kp.rawPublicKey(), msg, sig.subarray(0, 10)), false);
});
