/**
 * Path finding over offers placed with @stellar/stellar-sdk: two anchors issue USD and AED, a
 * market maker offers USD for DIAM and DIAM for AED (no USD/AED book), and the SDK's
 * strictReceivePaths / strictSendPaths find the path via DIAM with exact amounts, answered by the
 * node's path worker pool. Updating and deleting the maker's offer shows in the next answer.
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder, type xdr} from "@stellar/stellar-sdk";
import {startNode, type RunningNode} from "../helpers/node.js";

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

function amountString(stroops: bigint): string {
  return `${stroops / 10_000_000n}.${(stroops % 10_000_000n).toString().padStart(7, "0")}`;
}

describe("path finding over offers placed through the SDK", () => {
  let n: RunningNode;
  let passphrase: string;
  const usdAnchor = Keypair.random();
  const aedAnchor = Keypair.random();
  const maker = Keypair.random();
  const payer = Keypair.random();
  const usd = new Asset("USD", usdAnchor.publicKey());
  const aed = new Asset("AED", aedAnchor.publicKey());

  async function submit(kp: Keypair, ops: xdr.Operation[]): Promise<void> {
    const src = await n.server.loadAccount(kp.publicKey());
    const b = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase});
    for (const op of ops) b.addOperation(op);
    const tx = b.setTimeout(60).build();
    tx.sign(kp);
    const res = await n.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
    assert.equal(res.successful, true);
  }

  function usdOfferId(): string {
    const o = [...n.node.store.accountOffers(maker.publicKey())].find((x) => x.selling.type !== "native");
    assert.ok(o, "the maker's USD offer is in the book");
    return o.offerId.toString();
  }

  before(async () => {
    n = await startNode({pathThreads: 1});
    passphrase = ((await (await fetch(n.url + "/")).json()) as {network_passphrase: string}).network_passphrase;
    for (const k of [usdAnchor, aedAnchor, maker, payer]) await n.server.friendbot(k.publicKey()).call();
    await submit(maker, [Operation.changeTrust({asset: usd}), Operation.changeTrust({asset: aed})]);
    await submit(payer, [Operation.changeTrust({asset: aed})]);
    await submit(usdAnchor, [Operation.payment({destination: maker.publicKey(), asset: usd, amount: "1000"})]);
    await submit(aedAnchor, [Operation.payment({destination: payer.publicKey(), asset: aed, amount: "1000"})]);
    // 1 USD for 10 DIAM; 1 DIAM for 3/7 AED.
    await submit(maker, [
      Operation.manageSellOffer({selling: usd, buying: Asset.native(), amount: "500", price: {n: 10, d: 1}}),
      Operation.manageSellOffer({selling: Asset.native(), buying: aed, amount: "5000", price: {n: 3, d: 7}}),
    ]);
  });

  after(async () => {
    await n?.stop();
  });

  it("strictReceivePaths from the payer's holdings finds AED → DIAM → USD with the exact AED amount", async () => {
    const page = await n.server.strictReceivePaths(payer.publicKey(), usd, "100").call();
    // 100 USD at 10 DIAM cost 1000 DIAM; 1000 DIAM at 3/7 cost ceil(1000e7·3/7) AED stroops.
    const viaDiam = page.records.find((r) => r.source_asset_type !== "native");
    assert.ok(viaDiam, JSON.stringify(page.records));
    assert.equal(viaDiam.source_asset_code, "AED");
    assert.equal(viaDiam.source_amount, amountString(ceilDiv(1000n * 10_000_000n * 3n, 7n)));
    assert.equal(viaDiam.destination_amount, "100.0000000");
    assert.deepEqual(viaDiam.path, [{asset_type: "native"}]);
    // The payer's DIAM pays directly: 1000 DIAM, no intermediate asset.
    const direct = page.records.find((r) => r.source_asset_type === "native");
    assert.equal(direct?.source_amount, "1000.0000000");
    assert.deepEqual(direct?.path, []);
  });

  it("strictSendPaths delivers 100 USD for that AED amount", async () => {
    const page = await n.server.strictSendPaths(aed, "428.5714286", [usd]).call();
    assert.equal(page.records.length, 1);
    assert.equal(page.records[0]?.destination_amount, "100.0000000");
  });

  function balance(holder: Keypair, a: Asset): bigint {
    if (a.isNative()) return n.node.store.account(holder.publicKey())?.balance ?? 0n;
    const line = n.node.store.trustLines(holder.publicKey()).find((t) => t.asset.code === a.getCode() && t.asset.issuer === a.getIssuer());
    return line?.balance ?? 0n;
  }

  it("path payments built from the found paths settle with exactly the quoted amounts", async () => {
    const receiver = Keypair.random();
    await n.server.friendbot(receiver.publicKey()).call();
    await submit(receiver, [Operation.changeTrust({asset: usd})]);

    // Strict receive: the quote's source amount as send max; the payer is charged exactly that.
    const quote = (await n.server.strictReceivePaths([aed], usd, "30").call()).records[0];
    assert.ok(quote);
    const aedBefore = balance(payer, aed);
    await submit(payer, [
      Operation.pathPaymentStrictReceive({sendAsset: aed, sendMax: quote.source_amount, destination: receiver.publicKey(), destAsset: usd, destAmount: "30", path: [Asset.native()]}),
    ]);
    assert.equal(amountString(aedBefore - balance(payer, aed)), quote.source_amount);
    assert.equal(balance(receiver, usd), 30n * 10_000_000n);

    // Strict send: the quote's destination amount as dest min; the receiver gets exactly that.
    const sendQuote = (await n.server.strictSendPaths(aed, "12.3456789", [usd]).call()).records[0];
    assert.ok(sendQuote);
    const usdBefore = balance(receiver, usd);
    await submit(payer, [
      Operation.pathPaymentStrictSend({sendAsset: aed, sendAmount: "12.3456789", destination: receiver.publicKey(), destAsset: usd, destMin: sendQuote.destination_amount, path: [Asset.native()]}),
    ]);
    assert.equal(amountString(balance(receiver, usd) - usdBefore), sendQuote.destination_amount);
  });

  it("an updated and then deleted offer shows in the next answer", async () => {
    await submit(maker, [Operation.manageSellOffer({selling: usd, buying: Asset.native(), amount: "500", price: {n: 8, d: 1}, offerId: usdOfferId()})]);
    const cheaper = await n.server.strictReceivePaths([aed], usd, "100").call();
    assert.equal(cheaper.records[0]?.source_amount, amountString(ceilDiv(800n * 10_000_000n * 3n, 7n)));
    await submit(maker, [Operation.manageSellOffer({selling: usd, buying: Asset.native(), amount: "0", price: {n: 8, d: 1}, offerId: usdOfferId()})]);
    const none = await n.server.strictReceivePaths([aed], usd, "100").call();
    assert.deepEqual(none.records, []);
  });
});
