/**
 * `mayHoldMuxed` decides whether formatting a record decodes its envelope: it may answer false
 * only when no muxed account is where the formatters read one, and must answer true whenever
 * one is (or when it cannot tell). Plain one-operation envelopes, which the former tag search
 * sent to the decoder every time, now answer false.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Account, Asset, Keypair, Memo, MuxedAccount, Operation, TransactionBuilder, type Transaction} from "@stellar/stellar-base";
import {mayHoldMuxed} from "../../../src/api/format/muxed-scan.js";
import {MUXED_TAG} from "../../../src/api/format/transaction.js";

const PASS = "Test SDF Network ; September 2015";
const kp = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 1));
const other = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 2));
const issuer = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 3));
const usd = new Asset("USD", issuer.publicKey());
const eur12 = new Asset("EUROSTOCK12", issuer.publicKey());
const muxedOther = new MuxedAccount(new Account(other.publicKey(), "0"), "9").accountId();
const muxedMe = new MuxedAccount(new Account(kp.publicKey(), "0"), "42").accountId();

type Op = ReturnType<typeof Operation.payment>;

function envelope(ops: Op[], opts: {source?: string; memo?: Memo; timebounds?: boolean; seq?: string} = {}): Buffer {
  const src = opts.source === "muxed" ? new MuxedAccount(new Account(kp.publicKey(), opts.seq ?? "4294967296"), "7") : new Account(kp.publicKey(), opts.seq ?? "4294967296");
  const b = new TransactionBuilder(src, {fee: "100", networkPassphrase: PASS, ...(opts.memo !== undefined ? {memo: opts.memo} : {})});
  if (opts.timebounds === true) b.setTimebounds(1, 2_000_000_000);
  else b.setTimeout(0);
  for (const op of ops) b.addOperation(op);
  const tx = b.build();
  tx.sign(kp);
  return tx.toEnvelope().toXDR();
}

function feeBump(inner: Buffer, feeSource: string): Buffer {
  const tx = TransactionBuilder.fromXDR(inner.toString("base64"), PASS) as Transaction;
  const bump = TransactionBuilder.buildFeeBumpTransaction(feeSource, "400", tx, PASS);
  return bump.toEnvelope().toXDR();
}

describe("mayHoldMuxed", () => {
  const plainPayment = Operation.payment({destination: other.publicKey(), asset: Asset.native(), amount: "1"});

  it("a plain one-payment envelope: false, where the tag search matched", () => {
    const raw = envelope([plainPayment]);
    assert.ok(raw.includes(MUXED_TAG), "the former check would have decoded it");
    assert.equal(mayHoldMuxed(raw), false);
  });

  it("plain envelopes of every kind walked: false", () => {
    const plain: Buffer[] = [
      envelope([Operation.createAccount({destination: other.publicKey(), startingBalance: "10"})]),
      envelope([Operation.payment({destination: other.publicKey(), asset: usd, amount: "2"}), Operation.payment({destination: other.publicKey(), asset: eur12, amount: "3", source: issuer.publicKey()})], {memo: Memo.text("café ☕")}),
      envelope([Operation.pathPaymentStrictReceive({sendAsset: usd, sendMax: "5", destination: other.publicKey(), destAsset: eur12, destAmount: "1", path: [Asset.native(), usd]})], {memo: Memo.id("18446744073709551615"), timebounds: true}),
      envelope([Operation.pathPaymentStrictSend({sendAsset: Asset.native(), sendAmount: "5", destination: other.publicKey(), destAsset: usd, destMin: "1", path: []})], {memo: Memo.hash(Buffer.alloc(32, 7).toString("hex"))}),
      envelope([Operation.accountMerge({destination: other.publicKey()})], {memo: Memo.return(Buffer.alloc(32, 9).toString("hex"))}),
      envelope([Operation.clawback({asset: usd, from: other.publicKey(), amount: "1"})]),
    ];
    plain.push(feeBump(plain[0]!, other.publicKey()));
    for (const [i, raw] of plain.entries()) assert.equal(mayHoldMuxed(raw), false, `envelope ${i}`);
  });

  it("a muxed account in any place the formatters read: true", () => {
    const muxed: Buffer[] = [
      envelope([plainPayment], {source: "muxed"}),
      envelope([Operation.payment({destination: other.publicKey(), asset: Asset.native(), amount: "1", source: muxedMe})]),
      envelope([plainPayment, Operation.payment({destination: muxedOther, asset: usd, amount: "1"})]),
      envelope([Operation.pathPaymentStrictReceive({sendAsset: usd, sendMax: "5", destination: muxedOther, destAsset: eur12, destAmount: "1", path: [usd]})]),
      envelope([Operation.pathPaymentStrictSend({sendAsset: usd, sendAmount: "5", destination: muxedOther, destAsset: Asset.native(), destMin: "1", path: []})]),
      envelope([Operation.accountMerge({destination: muxedOther})]),
      envelope([Operation.clawback({asset: usd, from: muxedOther, amount: "1"})]),
      feeBump(envelope([plainPayment]), muxedOther),
      feeBump(envelope([Operation.accountMerge({destination: muxedOther})]), other.publicKey()),
    ];
    for (const [i, raw] of muxed.entries()) assert.equal(mayHoldMuxed(raw), true, `envelope ${i}`);
  });

  it("what it cannot step over: true (the caller decodes)", () => {
    const raw = envelope([Operation.manageData({name: "k", value: "v"}), Operation.payment({destination: muxedOther, asset: usd, amount: "1"})]);
    assert.equal(mayHoldMuxed(raw), true);
    assert.equal(mayHoldMuxed(envelope([plainPayment]).subarray(0, 60)), true, "a cut envelope");
    assert.equal(mayHoldMuxed(Buffer.alloc(0)), true);
  });
});
