/**
 * Issue 6's marketplace driven end to end by the public @stellar/stellar-sdk: two anchors issue
 * USD and AED, a market maker quotes USD/DIAM and DIAM/AED (no USD/AED book), and a payment leaves
 * the sender in AED and reaches the receiver in USD through DIAM. Amounts are chosen so every
 * figure is exact: 1 USD = 2 DIAM, 1 DIAM = 0.25 AED.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder, Horizon, NotFoundError} from "@stellar/stellar-sdk";
import {startNode, type RunningNode} from "../helpers/node.js";

const STROOP = 10_000_000n;

function stroops(s: string): bigint {
  const [i, f = ""] = s.split(".");
  return BigInt(i!) * STROOP + BigInt((f + "0000000").slice(0, 7));
}

describe("anchors, the DEX and path payments through @stellar/stellar-sdk", () => {
  let n: RunningNode;
  let passphrase: string;
  const usdIssuer = Keypair.random();
  const aedIssuer = Keypair.random();
  const mm = Keypair.random();
  const alice = Keypair.random();
  const bob = Keypair.random();
  const carol = Keypair.random();
  const USD = new Asset("USD", usdIssuer.publicKey());
  const AED = new Asset("AED", aedIssuer.publicKey());
  const DIAM = Asset.native();
  let usdOfferId = "";

  async function submit(signer: Keypair, ...ops: ReturnType<typeof Operation.payment>[]): Promise<Horizon.HorizonApi.SubmitTransactionResponse> {
    const src = await n.server.loadAccount(signer.publicKey());
    const b = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase});
    for (const op of ops) b.addOperation(op);
    const tx = b.setTimeout(60).build();
    tx.sign(signer);
    return n.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
  }

  async function balance(who: Keypair, asset: Asset): Promise<bigint> {
    const acc = await n.server.loadAccount(who.publicKey());
    const b = acc.balances.find((x) =>
      asset.isNative() ? x.asset_type === "native" : "asset_code" in x && x.asset_code === asset.getCode() && x.asset_issuer === asset.getIssuer(),
    );
    assert.ok(b, `${who.publicKey()} holds ${asset.toString()}`);
    return stroops(b.balance);
  }

  before(async () => {
    n = await startNode();
    passphrase = ((await (await fetch(n.url + "/")).json()) as {network_passphrase: string}).network_passphrase;
    for (const k of [usdIssuer, aedIssuer, mm, alice, bob, carol]) await n.server.friendbot(k.publicKey()).call();
    await submit(mm, Operation.changeTrust({asset: USD}), Operation.changeTrust({asset: AED}));
    await submit(alice, Operation.changeTrust({asset: AED}));
    await submit(bob, Operation.changeTrust({asset: USD}));
    await submit(carol, Operation.changeTrust({asset: USD}));
    await submit(usdIssuer, Operation.payment({destination: mm.publicKey(), asset: USD, amount: "1000"}));
    await submit(aedIssuer, Operation.payment({destination: alice.publicKey(), asset: AED, amount: "100"}));
  });
  after(async () => {
    await n.stop();
  });

  it("the market maker's offers make the books", async () => {
    await submit(
      mm,
      Operation.manageSellOffer({selling: USD, buying: DIAM, amount: "100", price: "2"}),
      Operation.manageSellOffer({selling: DIAM, buying: AED, amount: "1000", price: "0.25"}),
    );
    const offers = await n.server.offers().forAccount(mm.publicKey()).call();
    assert.equal(offers.records.length, 2);
    const usdOffer = offers.records.find((o) => o.selling.asset_code === "USD");
    assert.ok(usdOffer);
    usdOfferId = String(usdOffer.id);
    assert.equal(usdOffer.amount, "100.0000000");
    assert.equal(usdOffer.price, "2.0000000");
    assert.deepEqual(usdOffer.price_r, {n: 2, d: 1});

    const book = await n.server.orderbook(USD, DIAM).call();
    assert.deepEqual(book.asks.map((a) => [a.price, a.amount]), [["2.0000000", "100.0000000"]]);
    assert.equal(book.bids.length, 0);
    // The market maker's USD and DIAM are promised to its offers.
    const acc = await n.server.loadAccount(mm.publicKey());
    const usd = acc.balances.find((b) => "asset_code" in b && b.asset_code === "USD") as Horizon.HorizonApi.BalanceLineAsset;
    assert.equal(usd.selling_liabilities, "100.0000000");
    assert.equal(acc.subentry_count, 4, "two trustlines and two offers");
  });

  it("finds the path through DIAM with exact amounts, both ways", async () => {
    const recv = await n.server.strictReceivePaths(alice.publicKey(), USD, "10").call();
    const viaDiam = recv.records.find((p) => p.source_asset_code === "AED");
    assert.ok(viaDiam, "a path from alice's AED");
    assert.equal(viaDiam.source_amount, "5.0000000");
    assert.equal(viaDiam.destination_amount, "10.0000000");
    assert.deepEqual(viaDiam.path.map((a) => a.asset_type), ["native"]);

    const send = await n.server.strictSendPaths(AED, "2", [USD]).call();
    assert.equal(send.records.length, 1);
    assert.equal(send.records[0]!.destination_amount, "4.0000000");
    assert.equal(send.records[0]!.source_amount, "2.0000000");
  });

  it("settles a strict-receive and a strict-send path payment with exact balances on every account", async () => {
    const mmDiam0 = await balance(mm, DIAM);
    await submit(alice, Operation.pathPaymentStrictReceive({sendAsset: AED, sendMax: "5", destination: bob.publicKey(), destAsset: USD, destAmount: "10", path: [DIAM]}));
    await submit(alice, Operation.pathPaymentStrictSend({sendAsset: AED, sendAmount: "2", destination: bob.publicKey(), destAsset: USD, destMin: "4", path: [DIAM]}));
    assert.equal(await balance(alice, AED), 93n * STROOP);
    assert.equal(await balance(bob, USD), 14n * STROOP);
    assert.equal(await balance(mm, USD), 986n * STROOP);
    assert.equal(await balance(mm, AED), 7n * STROOP);
    assert.equal(await balance(mm, DIAM), mmDiam0, "28 DIAM in, 28 DIAM out");

    const fills = await n.server.trades().forOffer(usdOfferId).call();
    assert.equal(fills.records.length, 2);
    const amounts = fills.records.map((t) => (t.base_asset_code === "USD" ? t.base_amount : t.counter_amount)).sort();
    assert.deepEqual(amounts, ["10.0000000", "4.0000000"]);
  });

  it("withdraws: paying USD back to its anchor burns it", async () => {
    const before = await n.server.assets().forCode("USD").forIssuer(usdIssuer.publicKey()).call();
    assert.equal(before.records[0]!.balances.authorized, "1000.0000000");
    await submit(bob, Operation.payment({destination: usdIssuer.publicKey(), asset: USD, amount: "14"}));
    assert.equal(await balance(bob, USD), 0n);
    const after = await n.server.assets().forCode("USD").forIssuer(usdIssuer.publicKey()).call();
    assert.equal(after.records[0]!.balances.authorized, "986.0000000");
  });

  it("a direct trade partially fills the book's offer", async () => {
    // carol sells 20 DIAM at 0.5 USD each: takes 10 USD of the market maker's 86.
    const res = await submit(carol, Operation.manageSellOffer({selling: DIAM, buying: USD, amount: "20", price: "0.5"}));
    assert.equal(res.successful, true);
    assert.equal(await balance(carol, USD), 10n * STROOP);
    const offer = await n.server.offers().offer(usdOfferId).call();
    assert.equal(offer.amount, "76.0000000");
    const carolOffers = await n.server.offers().forAccount(carol.publicKey()).call();
    assert.equal(carolOffers.records.length, 0, "fully taken: nothing left in the book");
  });

  it("updates and deletes an offer", async () => {
    await submit(mm, Operation.manageSellOffer({selling: USD, buying: DIAM, amount: "50", price: "2.5", offerId: usdOfferId}));
    let book = await n.server.orderbook(USD, DIAM).call();
    assert.deepEqual(book.asks.map((a) => [a.price, a.amount]), [["2.5000000", "50.0000000"]]);
    await submit(mm, Operation.manageSellOffer({selling: USD, buying: DIAM, amount: "0", price: "2.5", offerId: usdOfferId}));
    book = await n.server.orderbook(USD, DIAM).call();
    assert.equal(book.asks.length, 0);
    await assert.rejects(n.server.offers().offer(usdOfferId).call(), NotFoundError);
  });

  it("a buy offer rests as a bid; a passive offer at the same price does not take it", async () => {
    await submit(carol, Operation.manageBuyOffer({selling: DIAM, buying: USD, buyAmount: "5", price: "2"}));
    const mine = await n.server.offers().forAccount(carol.publicKey()).call();
    assert.equal(mine.records.length, 1);
    assert.equal(mine.records[0]!.amount, "10.0000000", "stored as selling 10 DIAM");
    assert.equal(mine.records[0]!.price, "0.5000000");
    await submit(mm, Operation.createPassiveSellOffer({selling: USD, buying: DIAM, amount: "5", price: "2"}));
    const book = await n.server.orderbook(USD, DIAM).call();
    assert.deepEqual(book.asks.map((a) => [a.price, a.amount]), [["2.0000000", "5.0000000"]]);
    assert.deepEqual(book.bids.map((b) => b.price), ["2.0000000"]);
    assert.equal(await balance(carol, USD), 10n * STROOP, "nothing traded");
  });
});
