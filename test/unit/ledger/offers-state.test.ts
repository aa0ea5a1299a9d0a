import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {Keypair} from "@stellar/stellar-base";
import {LedgerTxn} from "../../../src/ledger/state.js";
import {assetKey, offerKey, type Asset, type EntryKey, type LedgerEntry, type LedgerStateReader, type OfferEntry} from "../../../src/ledger/types.js";
import {StoreFixture} from "../store/fixtures.js";

const issuer = Keypair.random().publicKey();
const USD: Asset = {type: "credit_alphanum4", code: "USD", issuer};
const NATIVE: Asset = {type: "native"};

function offer(id: bigint, seller: string, n: number, d: number, selling: Asset = USD, buying: Asset = NATIVE): OfferEntry {
  return {type: "offer", sellerId: seller, offerId: id, selling, buying, amount: 1000n, price: {n, d}, flags: 0, lastModifiedLedger: 2};
}

async function storeWith(f: StoreFixture, offers: OfferEntry[]): Promise<void> {
  const prev = f.store.latestHeader();
  const changes = new Map<EntryKey, LedgerEntry | null>(offers.map((o) => [offerKey(o.offerId), o]));
  await f.store.commitLedger({header: {...prev, seq: prev.seq + 1, prevHash: prev.hash}, changes, txs: [], participants: []}, []);
}

describe("offers in the store and in ledger layers", () => {
  it("reads a book best price first, then lowest id, and each seller's offers by id", async () => {
    const f = new StoreFixture({accounts: 2});
    try {
      const [a, b] = [f.account(0), f.account(1)];
      // 1/3 < 1/2 = 2/4 < 7/11 < 2; ids break the tie between 1/2 and 2/4.
      await storeWith(f, [offer(5n, a, 2, 1), offer(3n, b, 2, 4), offer(9n, a, 1, 3), offer(2n, b, 1, 2), offer(12n, a, 7, 11), offer(4n, a, 1, 1, NATIVE, USD)]);
      const book = [...f.store.bookOffers(assetKey(USD), "native")].map((o) => o.offerId);
      assert.deepEqual(book, [9n, 2n, 3n, 12n, 5n]);
      assert.deepEqual([...f.store.bookOffers("native", assetKey(USD))].map((o) => o.offerId), [4n]);
      assert.deepEqual([...f.store.accountOffers(a)].map((o) => o.offerId), [4n, 5n, 9n, 12n]);

      // Moving an offer to another price (and deleting one) rewrites the index.
      await storeWith(f, [{...offer(9n, a, 3, 1)}]);
      const prev = f.store.latestHeader();
      await f.store.commitLedger({header: {...prev, seq: prev.seq + 1, prevHash: prev.hash}, changes: new Map([[offerKey(2n), null]]), txs: [], participants: []}, []);
      assert.deepEqual([...f.store.bookOffers(assetKey(USD), "native")].map((o) => o.offerId), [3n, 12n, 5n, 9n]);
      assert.deepEqual([...f.store.accountOffers(b)].map((o) => o.offerId), [3n]);
    } finally {
      await f.dispose();
    }
  });

  it("merges layer changes with the store's book: changed, deleted and new offers", async () => {
    const f = new StoreFixture({accounts: 2});
    try {
      const [a, b] = [f.account(0), f.account(1)];
      await storeWith(f, [offer(1n, a, 1, 2), offer(2n, b, 1, 1), offer(3n, a, 2, 1)]);
      const root = new LedgerTxn(f.store);
      assert.equal(root.bestOffer(assetKey(USD), "native")?.offerId, 1n);

      const tx = root.child();
      tx.erase(offerKey(1n));
      assert.equal(tx.bestOffer(assetKey(USD), "native")?.offerId, 2n, "a deleted offer is skipped");
      const o3 = tx.load(offerKey(3n)) as OfferEntry;
      o3.price = {n: 1, d: 4};
      assert.equal(tx.bestOffer(assetKey(USD), "native")?.offerId, 3n, "a re-priced offer moves to its new place");
      tx.put(offer(7n, b, 1, 4));
      assert.equal(tx.bestOffer(assetKey(USD), "native")?.offerId, 3n, "equal price: lower id first");
      tx.put({...offer(3n, a, 1, 4), selling: NATIVE, buying: USD});
      assert.equal(tx.bestOffer(assetKey(USD), "native")?.offerId, 7n, "an offer moved to another pair leaves this book");
      assert.deepEqual(tx.offersOf(a).map((o) => o.offerId), [3n]);
      assert.deepEqual(tx.offersOf(b).map((o) => o.offerId), [2n, 7n]);

      // Before the child commits, the parent still sees the stored book; after, the child's view.
      const op = tx.child();
      op.erase(offerKey(7n));
      op.rollback();
      assert.equal(tx.bestOffer(assetKey(USD), "native")?.offerId, 7n, "a rolled-back layer changes nothing");
      tx.commit();
      assert.equal(root.bestOffer(assetKey(USD), "native")?.offerId, 7n);
      assert.equal(root.bestOffer("native", assetKey(USD))?.offerId, 3n);
    } finally {
      await f.dispose();
    }
  });
});

describe("a sweep through the book reads each offer of the reader once", () => {
  /** A reader whose book counts the offers pulled from it. */
  function countingReader(count: number): {reader: LedgerStateReader; pulled: () => number; offers: OfferEntry[]} {
    const seller = Keypair.random().publicKey();
    const offers = Array.from({length: count}, (_, i) => offer(BigInt(i + 1), seller, 1000 + i, 1000));
    const byKey = new Map<EntryKey, LedgerEntry>(offers.map((o) => [offerKey(o.offerId), o]));
    let pulled = 0;
    const reader: LedgerStateReader = {
      getEntry: (k) => byKey.get(k),
      *bookOffers(selling, buying) {
        if (selling !== assetKey(USD) || buying !== "native") return;
        for (const o of offers) {
          pulled++;
          yield o;
        }
      },
    };
    return {reader, pulled: () => pulled, offers};
  }

  /** Takes the best offer `n` times (as crossing erases a filled offer), returning the ids taken. */
  function take(ltx: LedgerTxn, n: number): bigint[] {
    const ids: bigint[] = [];
    for (let i = 0; i < n; i++) {
      const best = ltx.bestOffer(assetKey(USD), "native");
      if (best === undefined) break;
      ids.push(best.offerId);
      ltx.load(offerKey(best.offerId));
      ltx.erase(offerKey(best.offerId));
    }
    return ids;
  }

  const range = (from: number, to: number): bigint[] => Array.from({length: to - from + 1}, (_, i) => BigInt(from + i));

  it("sweeps in book order, linear in the offers taken, across committed and rolled-back layers", () => {
    const {reader, pulled} = countingReader(400);
    const root = new LedgerTxn(reader);
    const op1 = root.child();
    assert.deepEqual(take(op1, 100), range(1, 100));
    // Rescanning from the book's start for each best offer pulled 1 + 2 + … + 100 = 5,050 offers.
    assert.ok(pulled() <= 101, `pulled ${pulled()} offers for a 100-offer sweep`);
    op1.commit();

    const op2 = root.child();
    const nested = op2.child();
    assert.deepEqual(take(nested, 50), range(101, 150));
    nested.commit();
    assert.deepEqual(take(op2, 50), range(151, 200));
    op2.commit();
    assert.ok(pulled() <= 202, `pulled ${pulled()} offers for 200 offers taken in two operations`);

    // A rolled-back operation's takings come back: the next one starts where the ledger is.
    const failed = root.child();
    assert.deepEqual(take(failed, 30), range(201, 230));
    failed.rollback();
    const op3 = root.child();
    assert.equal(op3.bestOffer(assetKey(USD), "native")?.offerId, 201n);
    // An offer a layer changes (not deletes) is read from the layer, in its place.
    const o = op3.load(offerKey(205n)) as OfferEntry;
    o.price = {n: 1, d: 1000};
    assert.equal(op3.bestOffer(assetKey(USD), "native")?.offerId, 205n);
    op3.rollback();
    assert.deepEqual(take(root.child(), 400), range(201, 400));
  });
});
