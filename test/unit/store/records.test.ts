import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder, xdr} from "@stellar/stellar-base";
import {ledgerCommit, plainSuccessResult, prepareMetaBytes, storedTxsOfClose} from "../../../src/store/records.js";
import {encodeMetaBytes} from "../../../src/store/meta-codec.js";
import {tradesOfTx} from "../../../src/store/trades-repo.js";
import {credit, DexLedger, D} from "../dex/fixture.js";
import {decodeTxFrame} from "../../../src/tx/frame.js";
import {TestLedger} from "../tx/harness.js";
import {StoreFixture} from "./fixtures.js";

describe("tx records", () => {
  it("rebuilds a plain success result byte for byte as stellar-core writes it", () => {
    const l = new TestLedger();
    const [a, b] = [Keypair.random(), Keypair.random()];
    l.fund([a]);
    const tx = l.build(a, [
      Operation.createAccount({destination: b.publicKey(), startingBalance: "5"}),
      Operation.payment({destination: b.publicKey(), asset: Asset.native(), amount: "1"}),
      Operation.setOptions({homeDomain: "x.org"}),
      Operation.manageData({name: "k", value: "v"}),
      Operation.bumpSequence({bumpTo: "0"}),
    ]);
    const r = l.close([tx]);
    assert.equal(r.applied[0]!.successful, true);
    const rebuilt = plainSuccessResult(r.applied[0]!.feeCharged, r.frames[0]!);
    assert.ok(rebuilt);
    assert.ok(rebuilt.equals(r.applied[0]!.resultXdr), "the same bytes apply produced");
    const back = xdr.TransactionResult.fromXDR(rebuilt);
    assert.equal(back.feeCharged().toString(), "500");
    assert.deepEqual(back.result().results().map((o) => o.tr().switch().name), ["createAccount", "payment", "setOptions", "manageData", "bumpSequence"]);
  });

  it("encodes each meta once: the bytes made ahead of the commit are the history's and the feed's", () => {
    const l = new TestLedger();
    const [a, b, c] = [Keypair.random(), Keypair.random(), Keypair.random()];
    l.fund([a, b, c]);
    const r = l.close([
      l.build(a, [Operation.payment({destination: b.publicKey(), asset: Asset.native(), amount: "1"})]),
      l.build(b, [Operation.manageData({name: "k", value: "v"})]),
      l.build(c, [Operation.payment({destination: a.publicKey(), asset: Asset.native(), amount: "2"})]),
    ]);
    // The close prepares some metas in its slices; the commit makes the rest.
    const early = [prepareMetaBytes(r, 0), undefined, prepareMetaBytes(r, 2)];
    assert.strictEqual(prepareMetaBytes(r, 0), early[0], "a second call gives the bytes already made");
    const commit = ledgerCommit(r);
    const feed = storedTxsOfClose(r);
    for (let i = 0; i < r.applied.length; i++) {
      const bytes = commit.txs[i]!.metaBytes;
      assert.ok(bytes, `tx ${i} has its meta bytes`);
      if (early[i] !== undefined) assert.strictEqual(bytes, early[i], `tx ${i}: the bytes prepared ahead, not a second encoding`);
      const stored = feed[i]!.meta;
      assert.ok(stored !== undefined && "encoded" in stored);
      assert.strictEqual(stored.encoded, bytes, `tx ${i}: the feed's record carries the history's bytes`);
      assert.ok(bytes.equals(encodeMetaBytes(r.applied[i]!.meta!)), `tx ${i}: the stored form of its meta`);
    }
  });

  it("implies no result for an operation whose success carries a body, nor for a fee-bump", () => {
    const l = new TestLedger();
    const a = Keypair.random();
    l.fund([a]);
    const offer = l.build(a, [Operation.manageSellOffer({selling: Asset.native(), buying: new Asset("USD", a.publicKey()), amount: "1", price: "1"})]);
    assert.equal(plainSuccessResult(100n, l.frame(offer)), null);
    const pay = l.build(a, [Operation.payment({destination: a.publicKey(), asset: Asset.native(), amount: "1"})]);
    const bump = TransactionBuilder.buildFeeBumpTransaction(a, "400", pay, l.config.passphrase);
    bump.sign(a);
    assert.equal(plainSuccessResult(400n, decodeTxFrame(bump.toEnvelope().toXDR(), l.config.networkId)), null);
  });

  it("marks the results the close wrote as plain successes, and the commit implies exactly those", () => {
    const l = new TestLedger();
    const [a, b] = [Keypair.random(), Keypair.random()];
    l.fund([a, b]);
    const pay = l.build(a, [Operation.payment({destination: b.publicKey(), asset: Asset.native(), amount: "1"})]);
    const offer = l.build(b, [Operation.manageSellOffer({selling: Asset.native(), buying: new Asset("USD", a.publicKey()), amount: "1", price: "1"})]);
    const r = l.close([pay, offer]);
    const byHash = (hex: string) => r.applied.find((x) => x.hashHex === hex)!;
    const payApplied = byHash(l.frame(pay).hashHex);
    const offerApplied = byHash(l.frame(offer).hashHex);
    assert.equal(payApplied.plainResult, true, "a payment's success is written as the plain bytes");
    assert.notEqual(offerApplied.plainResult, true, "an offer's result carries a body (or failed): never marked");
    const commit = ledgerCommit(r);
    const implied = (hex: string) => commit.txs.find((t) => t.hash.toString("hex") === hex)!.resultImplied === true;
    assert.equal(implied(payApplied.hashHex), true);
    assert.equal(implied(offerApplied.hashHex), false);
    // A mark is trusted as is: the commit does not rebuild the bytes to compare them.
    const marked = {...r, applied: r.applied.map((x) => (x.hashHex === offerApplied.hashHex ? {...x, successful: true, plainResult: true} : x))};
    assert.equal(ledgerCommit(marked).txs.find((t) => t.hash.toString("hex") === offerApplied.hashHex)!.resultImplied, true);
  });

  it("stores no result for a plain success and serves the same result_xdr", async () => {
    const f = new StoreFixture({accounts: 3});
    try {
      const {committed, frames, header, applied} = f.closeLedger([{from: 0, to: 1}, {from: 1, to: 2, failed: true}]);
      await committed;
      const ok = f.store.history.txs.get([header.seq, 1]) as unknown[];
      const failed = f.store.history.txs.get([header.seq, 2]) as unknown[];
      assert.equal(ok[6], null, "success result not stored");
      assert.ok(Buffer.isBuffer(failed[6]), "failed result stored");
      assert.equal(f.store.tx(frames[0]!.hashHex)?.resultXdr, applied[0]!.resultXdr.toString("base64"));
      assert.equal(f.store.tx(frames[1]!.hashHex)?.resultXdr, applied[1]!.resultXdr.toString("base64"));
    } finally {
      await f.dispose();
    }
  });
  it("hands the trades apply's own operation results and sources, which give the rows the stored result XDR gives", () => {
    const l = new DexLedger();
    const [issuer, maker, taker, payee] = [Keypair.random(), Keypair.random(), Keypair.random(), Keypair.random()];
    l.fund([issuer, maker, taker, payee]);
    const usd = credit("USD", issuer);
    l.trust(maker, usd.asset, 1000n * D);
    l.trust(taker, usd.asset, 0n);
    l.trust(payee, usd.asset, 0n);
    l.close([l.build(maker, [Operation.manageSellOffer({selling: usd.sdk, buying: Asset.native(), amount: "100", price: "2"})])]);
    const r = l.close([
      l.build(taker, [Operation.manageBuyOffer({selling: Asset.native(), buying: usd.sdk, buyAmount: "3", price: "2"})]),
      l.build(payee, [
        Operation.payment({destination: payee.publicKey(), asset: Asset.native(), amount: "1"}),
        Operation.pathPaymentStrictSend({sendAsset: Asset.native(), sendAmount: "4", destination: payee.publicKey(), destAsset: usd.sdk, destMin: "1", path: [], source: taker.publicKey()}),
      ], {signers: [payee, taker]}),
    ]);
    assert.ok(r.applied.every((a) => a.successful), JSON.stringify(r.applied.map((a) => a.resultCodes)));
    const commit = ledgerCommit(r);
    let trades = 0;
    for (const t of commit.txs) {
      assert.ok(t.opResults, "a tx whose result has operation bodies carries them");
      assert.ok(t.opSources);
      const fromApply = tradesOfTx(t);
      const fromXdr = tradesOfTx({...t, opResults: undefined, opSources: undefined});
      assert.deepEqual(fromApply, fromXdr);
      trades += fromApply.length;
    }
    assert.equal(trades, 2, "the buy offer and the path payment each took the maker's offer");
    const pathTrade = commit.txs.flatMap((t) => tradesOfTx(t)).find((row) => row.opIndex === 2);
    assert.equal(pathTrade?.taker, taker.publicKey(), "the path payment's own source is the taker");
  });
});
