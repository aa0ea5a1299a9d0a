/**
 * The DEX routes over ledgers the node really closes: an anchor issues USD, a maker offers DIAM
 * for USD, a taker crosses with a manage sell offer; the SDK then reads the trade, the order
 * book before and after, the offers, the effects and the asset's statistics.
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {Horizon} from "@stellar/stellar-sdk";
import {ApiServer} from "../../../src/api/server.js";
import {buildTx, Keypair, SdkAsset, SdkOperation, StoreLedger, readOnlyModules} from "./store-ledger.js";

const anchor = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 81));
const maker = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 82));
const taker = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 83));
const USD = new SdkAsset("USD", anchor.publicKey());
const DIAM = SdkAsset.native();

describe("DEX routes over ledgers the node closes", () => {
  // History of 6 ledgers: the trades outlive the setup, then go with their history (last test).
  const ledger = StoreLedger.create(undefined, 6);
  let server: ApiServer;
  let sdk: Horizon.Server;
  let bookBefore: Horizon.ServerApi.OrderbookRecord;

  before(async () => {
    const modules = readOnlyModules(ledger);
    server = new ApiServer({host: "127.0.0.1", port: 0}, modules);
    sdk = new Horizon.Server(`http://127.0.0.1:${await server.start()}`, {allowHttp: true});
    const close = async (...txs: Parameters<typeof ledger.close>[0]) => {
      const r = await ledger.close(txs);
      server.ledgerClosed();
      for (const a of r.applied) assert.equal(a.successful, true, JSON.stringify(a.resultCodes));
      return r;
    };
    await close(
      buildTx(ledger.root, ledger.source(ledger.root), [
        SdkOperation.createAccount({destination: anchor.publicKey(), startingBalance: "1000"}),
        SdkOperation.createAccount({destination: maker.publicKey(), startingBalance: "1000"}),
        SdkOperation.createAccount({destination: taker.publicKey(), startingBalance: "1000"}),
      ]),
    );
    await close(
      buildTx(maker, ledger.source(maker), [SdkOperation.changeTrust({asset: USD})]),
      buildTx(taker, ledger.source(taker), [SdkOperation.changeTrust({asset: USD})]),
    );
    await close(buildTx(anchor, ledger.source(anchor), [SdkOperation.payment({destination: taker.publicKey(), asset: USD, amount: "100"})]));
    // The maker sells 30 DIAM for USD at 1/3 USD per DIAM, then 50 more at 2/5.
    await close(
      buildTx(maker, ledger.source(maker), [
        SdkOperation.manageSellOffer({selling: DIAM, buying: USD, amount: "30", price: {n: 1, d: 3}}),
        SdkOperation.manageSellOffer({selling: DIAM, buying: USD, amount: "50", price: {n: 2, d: 5}}),
      ]),
    );
    bookBefore = await sdk.orderbook(USD, DIAM).call();
    // The taker sells 12 USD for DIAM at no less than 2 DIAM per USD: it takes all of the first
    // offer (30 DIAM for 10 USD) and 5 DIAM of the second (for 2 USD).
    await close(buildTx(taker, ledger.source(taker), [SdkOperation.manageSellOffer({selling: USD, buying: DIAM, amount: "12", price: "2"})]));
  });

  after(async () => {
    await server.stop();
    await ledger.dispose();
  });

  it("the order book before and after the crossing", async () => {
    assert.deepEqual(bookBefore.asks, []);
    assert.deepEqual(bookBefore.bids, [
      {price_r: {n: 3, d: 1}, price: "3.0000000", amount: "30.0000000"},
      {price_r: {n: 5, d: 2}, price: "2.5000000", amount: "50.0000000"},
    ]);
    const after = await sdk.orderbook(USD, DIAM).call();
    assert.deepEqual(after.bids, [{price_r: {n: 5, d: 2}, price: "2.5000000", amount: "45.0000000"}]);
    assert.deepEqual(after.asks, []);
    const offers = await sdk.offers().forAccount(maker.publicKey()).call();
    assert.deepEqual(offers.records.map((o) => [o.amount, o.price]), [["45.0000000", "0.4000000"]]);
  });

  it("/trades shows both fills with the maker prices", async () => {
    const trades = await sdk.trades().forAssetPair(DIAM, USD).call();
    assert.deepEqual(
      trades.records.map((t) => [t.base_account, t.base_amount, t.counter_account, t.counter_amount, t.base_is_seller, t.price]),
      [
        [maker.publicKey(), "30.0000000", taker.publicKey(), "10.0000000", true, {n: "1", d: "3"}],
        [maker.publicKey(), "5.0000000", taker.publicKey(), "2.0000000", true, {n: "2", d: "5"}],
      ],
    );
    assert.equal((await sdk.trades().forAccount(taker.publicKey()).call()).records.length, 2);
  });

  it("the taker's operation has two trade effect pairs; the asset counts its holders", async () => {
    const ops = await sdk.operations().forAccount(taker.publicKey()).order("desc").limit(1).call();
    const effects = await sdk.effects().forOperation(ops.records[0]!.id).call();
    assert.deepEqual(effects.records.map((e) => [e.type, e.account]), [
      ["trade", taker.publicKey()],
      ["trade", maker.publicKey()],
      ["trade", taker.publicKey()],
      ["trade", maker.publicKey()],
    ]);
    const assets = await sdk.assets().forCode("USD").call();
    assert.deepEqual(assets.records[0]!.balances, {authorized: "100.0000000", authorized_to_maintain_liabilities: "0.0000000", unauthorized: "0.0000000"});
    assert.deepEqual(assets.records[0]!.accounts, {authorized: 2, authorized_to_maintain_liabilities: 0, unauthorized: 0});
  });

  it("trades are pruned with the history they came from, index rows included", async () => {
    assert.equal((await sdk.trades().call()).records.length, 2);
    const tradeLedger = ledger.store.latestHeader().seq;
    while (ledger.store.latestHeader().seq < tradeLedger + 5) await ledger.close([]);
    await ledger.store.prunedUpToDate();
    server.ledgerClosed();
    assert.equal((await sdk.trades().call()).records.length, 2, "still within the retention");
    await ledger.close([]);
    await ledger.store.prunedUpToDate();
    server.ledgerClosed();
    assert.deepEqual((await sdk.trades().call()).records, []);
    assert.deepEqual((await sdk.trades().forAccount(taker.publicKey()).call()).records, []);
    assert.deepEqual([...ledger.store.tradesRepo.index.getKeys()], []);
  });
});
