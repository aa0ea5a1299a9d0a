/**
 * The offer indexes written with the entries table in a ledger's commit: after every ledger the
 * book and seller rows are exactly those of the offers the entries table holds (the rows a
 * rebuild from the state would give), and each book a ledger changed has its stamp moved by one,
 * as has the whole book's generation, however many of its offers the ledger changed.
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {rmSync} from "node:fs";
import {Keypair} from "@stellar/stellar-base";
import {assetKey, offerKey, offerPrice, type Asset, type CreditAsset, type EntryKey, type LedgerEntry, type OfferEntry} from "../../../src/ledger/types.js";
import {StoreFixture} from "./fixtures.js";

const issuer = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 7)).publicKey();
const USD: CreditAsset = {type: "credit_alphanum4", code: "USD", issuer};
const EUR: CreditAsset = {type: "credit_alphanum4", code: "EUR", issuer};
const NATIVE: Asset = {type: "native"};

function offer(seller: string, id: bigint, selling: Asset, buying: Asset, amount: bigint, n = 2, d = 1): OfferEntry {
  return {type: "offer", sellerId: seller, offerId: id, selling, buying, amount, price: {n, d}, flags: 0, lastModifiedLedger: 2};
}

const idKey = (id: bigint): string => id.toString().padStart(20, "0");

describe("offer index rows written with the entries", () => {
  let f: StoreFixture;
  let a: string;
  let b: string;
  /** The offers the ledger holds, as the test wrote them. */
  const live = new Map<bigint, OfferEntry>();

  async function commit(entries: Array<[EntryKey, LedgerEntry | null]>): Promise<void> {
    const prev = f.store.latestHeader();
    await f.store.commitLedger({header: {...prev, seq: prev.seq + 1, prevHash: prev.hash}, changes: new Map(entries), txs: [], participants: []}, []);
    for (const [key, e] of entries) {
      const id = BigInt(key.slice(2));
      if (e === null) live.delete(id);
      else live.set(id, e as OfferEntry);
    }
  }

  const stamps = (): Map<string, number> => new Map(f.store.bookStamps().map((s) => [`${s.selling} ${s.buying}`, s.stamp]));

  /** The book and seller rows as stored, against the rows the live offers call for. */
  function assertRowsMatchOffers(): void {
    const repo = f.store.entries;
    const bookRows = [...repo.book.getKeys({})].map((k) => JSON.stringify(k));
    const wantBook = [...live.values()]
      .map((o) => [assetKey(o.selling), assetKey(o.buying), offerPrice(o), idKey(o.offerId)] as const)
      .sort((x, y) => (x[0] !== y[0] ? (x[0] < y[0] ? -1 : 1) : x[1] !== y[1] ? (x[1] < y[1] ? -1 : 1) : x[2] !== y[2] ? x[2] - y[2] : x[3] < y[3] ? -1 : 1))
      .map((k) => JSON.stringify(k));
    assert.deepEqual(bookRows, wantBook);
    const sellerRows = [...repo.sellerOffers.getKeys({})].map((k) => `${k[0]} ${k[1]}`);
    const wantSeller = [...live.values()].map((o) => `${o.sellerId} ${idKey(o.offerId)}`).sort();
    assert.deepEqual(sellerRows, wantSeller);
    for (const o of live.values()) assert.deepEqual(repo.get(offerKey(o.offerId)), o);
  }

  before(async () => {
    f = new StoreFixture({accounts: 2});
    a = f.account(0);
    b = f.account(1);
    await commit([
      [offerKey(1n), offer(a, 1n, USD, NATIVE, 100n)],
      [offerKey(2n), offer(a, 2n, USD, NATIVE, 100n, 3, 1)],
      [offerKey(3n), offer(b, 3n, USD, NATIVE, 100n, 5, 2)],
      [offerKey(4n), offer(b, 4n, EUR, NATIVE, 100n)],
    ]);
  });

  after(async () => {
    await f.store.close();
    rmSync(f.dir, {recursive: true, force: true});
  });

  it("holds one row per offer after the first ledger, each book stamped once", () => {
    assertRowsMatchOffers();
    const s = stamps();
    assert.equal(s.get(`${assetKey(USD)} native`), 1);
    assert.equal(s.get(`${assetKey(EUR)} native`), 1);
    assert.equal(f.store.bookGeneration(), 1);
  });

  it("moves each changed book's stamp by one however many of its offers change", async () => {
    const before = stamps();
    const generation = f.store.bookGeneration()!;
    await commit([
      // A fill: same pair, price and id, so the same book and seller rows.
      [offerKey(1n), offer(a, 1n, USD, NATIVE, 40n)],
      // A re-price: its book row moves.
      [offerKey(2n), offer(a, 2n, USD, NATIVE, 100n, 1, 1)],
      // The same price written another way (5/2 → 10/4): the same book row.
      [offerKey(3n), offer(b, 3n, USD, NATIVE, 70n, 10, 4)],
      // A new offer in the same book, and one taken out of the other book.
      [offerKey(5n), offer(b, 5n, USD, NATIVE, 10n, 9, 4)],
      [offerKey(4n), null],
    ]);
    assertRowsMatchOffers();
    const s = stamps();
    assert.equal(s.get(`${assetKey(USD)} native`), before.get(`${assetKey(USD)} native`)! + 1);
    assert.equal(s.get(`${assetKey(EUR)} native`), before.get(`${assetKey(EUR)} native`)! + 1);
    assert.equal(f.store.bookGeneration(), generation + 1);
  });

  it("moves an offer to another pair and seller rows with it, both books stamped once", async () => {
    const before = stamps();
    await commit([
      [offerKey(1n), offer(a, 1n, EUR, USD, 40n)],
      [offerKey(3n), offer(b, 3n, USD, NATIVE, 60n, 10, 4)],
    ]);
    assertRowsMatchOffers();
    const s = stamps();
    assert.equal(s.get(`${assetKey(USD)} native`), before.get(`${assetKey(USD)} native`)! + 1);
    assert.equal(s.get(`${assetKey(EUR)} ${assetKey(USD)}`), 1);
    assert.equal(s.get(`${assetKey(EUR)} native`), before.get(`${assetKey(EUR)} native`));
  });

  it("leaves stamps and generation alone in a ledger without offer changes", async () => {
    const before = stamps();
    const generation = f.store.bookGeneration();
    await commit([]);
    assert.deepEqual(stamps(), before);
    assert.equal(f.store.bookGeneration(), generation);
    assertRowsMatchOffers();
  });
});
