/**
 * The path finder's book view over the store: what it reads when a ledger closes. A ledger that
 * changes no book costs no stamp scan (the store's book generation did not move); one that does
 * drops exactly the changed books; a store without the generation (written by an earlier
 * version) is still followed by comparing stamps every ledger.
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {rmSync} from "node:fs";
import {Keypair} from "@stellar/stellar-base";
import {assetKey, offerKey, trustLineKey, type Asset, type CreditAsset, type EntryKey, type LedgerEntry, type OfferEntry} from "../../../src/ledger/types.js";
import {StoreBookView, type BookStoreReader} from "../../../src/dex/paths-book.js";
import {LedgerStore} from "../../../src/store/ledger-store.js";
import {StoreFixture} from "../store/fixtures.js";

const issuer = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 9)).publicKey();
const USD: CreditAsset = {type: "credit_alphanum4", code: "USD", issuer};
const EUR: CreditAsset = {type: "credit_alphanum4", code: "EUR", issuer};
const NATIVE: Asset = {type: "native"};
const U = 10_000_000n;

function offer(seller: string, id: bigint, selling: Asset, buying: Asset, amount: bigint): OfferEntry {
  return {type: "offer", sellerId: seller, offerId: id, selling, buying, amount, price: {n: 2, d: 1}, flags: 0, lastModifiedLedger: 2};
}

async function commit(f: StoreFixture, entries: Array<[EntryKey, LedgerEntry | null]>): Promise<void> {
  const prev = f.store.latestHeader();
  await f.store.commitLedger({header: {...prev, seq: prev.seq + 1, prevHash: prev.hash}, changes: new Map(entries), txs: [], participants: []}, []);
}

/** The store seen through a reader that counts stamp scans, optionally without the book generation (an older store). */
function counting(store: LedgerStore, withGeneration: boolean): {reader: BookStoreReader; scans: () => number} {
  let scans = 0;
  const reader: BookStoreReader = {
    readSeq: () => store.readSeq(),
    bookStamps: () => {
      scans++;
      return store.bookStamps();
    },
    bookOffers: (s, b) => store.bookOffers(s, b),
  };
  if (withGeneration) reader.bookGeneration = () => store.bookGeneration();
  return {reader, scans: () => scans};
}

const amounts = (view: StoreBookView, s: Asset, b: Asset): bigint[] => view.offers(assetKey(s), assetKey(b)).map((o) => o.amount);

describe("path finder book view across ledgers", () => {
  let f: StoreFixture;
  let seller: string;

  before(async () => {
    f = new StoreFixture({accounts: 2});
    seller = f.account(0);
    await commit(f, [[offerKey(1n), offer(seller, 1n, USD, NATIVE, 10n * U)]]);
  });

  after(async () => {
    await f.store.close();
    rmSync(f.dir, {recursive: true, force: true});
  });

  it("reads no stamps in a ledger that changes no book, and follows one that does", async () => {
    const {reader, scans} = counting(f.store, true);
    const view = new StoreBookView(reader);
    view.sync();
    assert.deepEqual(amounts(view, USD, NATIVE), [10n * U]);
    assert.equal(scans(), 1);
    const generation = f.store.bookGeneration();
    assert.notEqual(generation, undefined);

    // A ledger without offer changes (a trustline here): same generation, no scan, same books.
    await commit(f, [[trustLineKey(f.account(1), USD), {type: "trustline", accountId: f.account(1), asset: USD, balance: 0n, limit: 100n * U, flags: 1, buyingLiabilities: 0n, sellingLiabilities: 0n, lastModifiedLedger: 3}]]);
    assert.equal(view.sync(), f.store.latestHeader().seq);
    assert.equal(f.store.bookGeneration(), generation);
    assert.equal(scans(), 1);
    assert.deepEqual(amounts(view, USD, NATIVE), [10n * U]);

    // An offer update: the generation moves, the stamps are read, the changed book is decoded again.
    await commit(f, [[offerKey(1n), offer(seller, 1n, USD, NATIVE, 4n * U)]]);
    view.sync();
    assert.equal(scans(), 2);
    assert.deepEqual(amounts(view, USD, NATIVE), [4n * U]);

    // A new book: the graph grows with it.
    await commit(f, [[offerKey(2n), offer(seller, 2n, EUR, USD, 7n * U)]]);
    view.sync();
    assert.equal(scans(), 3);
    assert.deepEqual(view.buyingAssetsOf(assetKey(EUR)), [assetKey(USD)]);
    assert.deepEqual(view.sellingAssetsOf(assetKey(USD)), [assetKey(EUR)]);
    assert.deepEqual(amounts(view, EUR, USD), [7n * U]);
    assert.deepEqual(amounts(view, USD, NATIVE), [4n * U]);

    // A deleted offer empties its book, which stays in the graph with no offers.
    await commit(f, [[offerKey(1n), null]]);
    view.sync();
    assert.equal(scans(), 4);
    assert.deepEqual(amounts(view, USD, NATIVE), []);
  });

  it("lists no reserved pair among the books' stamps", () => {
    const pairs = f.store.bookStamps().map((s) => `${s.selling} ${s.buying}`);
    assert.deepEqual(pairs.sort(), [`${assetKey(EUR)} ${assetKey(USD)}`, `${assetKey(USD)} native`].sort());
  });

  it("compares stamps every ledger when the store has no book generation", async () => {
    const {reader, scans} = counting(f.store, false);
    const view = new StoreBookView(reader);
    view.sync();
    assert.deepEqual(amounts(view, EUR, USD), [7n * U]);
    await commit(f, []);
    view.sync();
    assert.equal(scans(), 2);
    await commit(f, [[offerKey(2n), offer(seller, 2n, EUR, USD, 3n * U)]]);
    view.sync();
    assert.equal(scans(), 3);
    assert.deepEqual(amounts(view, EUR, USD), [3n * U]);
  });
});
