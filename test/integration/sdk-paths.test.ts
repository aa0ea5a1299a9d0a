/**
 * /paths/strict-receive and /paths/strict-send driven by @stellar/stellar-sdk against a running
 * node whose path finder runs in its worker pool. The order book is written into the data folder
 * through the store before the node starts (two anchors' assets, a market maker bridging both
 * through DIAM, no direct book), so these tests are about finding paths, not about placing offers.
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {Asset as SdkAsset, Keypair} from "@stellar/stellar-sdk";
import {initNetwork} from "../../src/node/node.js";
import {LedgerStore} from "../../src/store/ledger-store.js";
import {offerKey, trustLineKey, type Asset, type CreditAsset, type EntryKey, type LedgerEntry, type OfferEntry} from "../../src/ledger/types.js";
import {startNode, tempDir, type RunningNode} from "../helpers/node.js";

const usdAnchor = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 21));
const aedAnchor = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 22));
const maker = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 23));
const USD: CreditAsset = {type: "credit_alphanum4", code: "USD", issuer: usdAnchor.publicKey()};
const AED: CreditAsset = {type: "credit_alphanum4", code: "AED", issuer: aedAnchor.publicKey()};
const U = 10_000_000n;

function offer(offerId: bigint, selling: Asset, buying: Asset, amount: bigint, n: number, d: number): OfferEntry {
  return {type: "offer", sellerId: maker.publicKey(), offerId, selling, buying, amount, price: {n, d}, flags: 0, lastModifiedLedger: 2};
}

interface HttpFailure {
  response?: {status?: number; data?: {extras?: {invalid_field?: string}}};
}

describe("path finding through the SDK", () => {
  let node: RunningNode;
  const sdkUsd = new SdkAsset("USD", usdAnchor.publicKey());
  const sdkAed = new SdkAsset("AED", aedAnchor.publicKey());

  before(async () => {
    const dataDir = tempDir();
    initNetwork(dataDir);
    const store = new LedgerStore({dir: dataDir});
    const prev = store.latestHeader();
    // 1 USD = 10 DIAM (the maker sells USD for DIAM); 1 DIAM = 3/7 AED (the maker sells DIAM for AED).
    const entries: Array<[EntryKey, LedgerEntry]> = [
      [offerKey(1n), offer(1n, USD, {type: "native"}, 1_000n * U, 10, 1)],
      [offerKey(2n), offer(2n, {type: "native"}, AED, 100_000n * U, 3, 7)],
      [trustLineKey(maker.publicKey(), USD), {type: "trustline", accountId: maker.publicKey(), asset: USD, balance: 1_000n * U, limit: 10_000n * U, flags: 1, buyingLiabilities: 0n, sellingLiabilities: 1_000n * U, lastModifiedLedger: 2}],
    ];
    await store.commitLedger({header: {...prev, seq: prev.seq + 1, prevHash: prev.hash}, changes: new Map(entries), txs: [], participants: []}, []);
    await store.close();
    node = await startNode({dataDir, checkInvariants: false, pathThreads: 1});
  });

  after(async () => {
    await node?.stop();
  });

  it("strictReceivePaths finds AED → DIAM → USD with the exact source amount", async () => {
    const page = await node.server.strictReceivePaths([sdkAed], sdkUsd, "100").call();
    // 100 USD cost 1000 DIAM; 1000 DIAM at 3/7 AED cost ceil(1000e7·3/7) AED stroops.
    const aed = (1000n * U * 3n + 6n) / 7n;
    assert.deepEqual(page.records.map((r) => ({...r})), [
      {
        source_asset_type: "credit_alphanum4",
        source_asset_code: "AED",
        source_asset_issuer: aedAnchor.publicKey(),
        source_amount: "428.5714286",
        destination_asset_type: "credit_alphanum4",
        destination_asset_code: "USD",
        destination_asset_issuer: usdAnchor.publicKey(),
        destination_amount: "100.0000000",
        path: [{asset_type: "native"}],
      },
    ]);
    assert.equal(aed, 4_285_714_286n);
  });

  it("strictSendPaths finds the same route the other way, delivering what apply would", async () => {
    const page = await node.server.strictSendPaths(sdkAed, "428.5714286", [sdkUsd]).call();
    // floor(4285714286·7/3) = 10000000000 DIAM stroops, then floor(/10) USD stroops.
    assert.equal((4_285_714_286n * 7n) / 3n / 10n, 1_000_000_000n);
    assert.equal(page.records.length, 1);
    const [p] = page.records;
    assert.equal(p?.destination_amount, "100.0000000");
    assert.equal(p?.source_amount, "428.5714286");
    assert.deepEqual(p?.path, [{asset_type: "native"}]);
  });

  it("a destination account's trustlines are its destination assets", async () => {
    const page = await node.server.strictSendPaths(sdkAed, "3", maker.publicKey()).call();
    // The maker trusts USD only (it holds no account entry here, so Horizon's lookup finds nothing).
    assert.deepEqual(page.records, []);
  });

  it("answers malformed queries with Horizon's invalid-field problems", async () => {
    const res = await fetch(`${node.url}/paths/strict-send?source_asset_type=native&source_amount=-1&destination_assets=native`);
    assert.equal(res.status, 400);
    const body = (await res.json()) as {extras?: {invalid_field?: string}};
    assert.equal(body.extras?.invalid_field, "source_amount");
    const both = await fetch(`${node.url}/paths/strict-receive?destination_asset_type=native&destination_amount=1&source_assets=native&source_account=${maker.publicKey()}`);
    assert.equal(both.status, 400);
    try {
      await node.server.strictReceivePaths([sdkAed], sdkUsd, "1.00000001").call();
      assert.fail("an amount with 8 decimals was accepted");
    } catch (e) {
      assert.equal((e as HttpFailure).response?.status, 400);
    }
  });
});
