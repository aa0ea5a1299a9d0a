/**
 * Path finding over books written through the store, on both implementations (in-thread and the
 * worker pool). Expected amounts are worked out here from CAP-0004's exchange rules for path
 * payments: strict receive rounds what the taker sends up (ceil(wheat·n/d)); strict send rounds
 * what the taker receives down (floor(sheep·d/n)).
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {rmSync} from "node:fs";
import {Keypair} from "@stellar/stellar-base";
import {assetKey, offerKey, trustLineKey, type Asset, type CreditAsset, type EntryKey, type LedgerEntry, type OfferEntry, type TrustLineEntry} from "../../../src/ledger/types.js";
import {InThreadPathFinder, type PathAnswer, type PathFinder, type PathRequest} from "../../../src/dex/paths-finder.js";
import {PathPool} from "../../../src/dex/paths-pool.js";
import {defaultPathFinderOptions} from "../../../src/dex/paths-options.js";
import {buildBookGraph, findStrictReceivePaths, findStrictSendPaths, type BookGraph, type OrderBookView, type PathSearchLimits} from "../../../src/dex/paths.js";
import {PathErrorCode} from "../../../src/dex/paths-errors.js";
import {DiamanteError} from "../../../src/util/errors.js";
import {StoreFixture} from "../store/fixtures.js";
import {prng} from "../../helpers/prng.js";
import {adjustOffer, INT64_MAX} from "../../../src/dex/exchange.js";

const usdIssuer = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 1)).publicKey();
const aedIssuer = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 2)).publicKey();
const eurIssuer = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 3)).publicKey();
const USD: CreditAsset = {type: "credit_alphanum4", code: "USD", issuer: usdIssuer};
const AED: CreditAsset = {type: "credit_alphanum4", code: "AED", issuer: aedIssuer};
const EUR: CreditAsset = {type: "credit_alphanum4", code: "EUR", issuer: eurIssuer};
const NATIVE: Asset = {type: "native"};
const U = 10_000_000n;

const LIMITS: PathSearchLimits = {maxHops: 4, maxPathsPerAsset: 5, maxWork: 200_000};

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

let nextId = 1n;
function offer(seller: string, selling: Asset, buying: Asset, amount: bigint, n: number, d: number): OfferEntry {
  return {type: "offer", sellerId: seller, offerId: nextId++, selling, buying, amount, price: {n, d}, flags: 0, lastModifiedLedger: 2};
}

async function commit(f: StoreFixture, entries: Array<[EntryKey, LedgerEntry | null]>): Promise<void> {
  const prev = f.store.latestHeader();
  await f.store.commitLedger({header: {...prev, seq: prev.seq + 1, prevHash: prev.hash}, changes: new Map(entries), txs: [], participants: []}, []);
}

function line(accountId: string, asset: CreditAsset, balance: bigint): TrustLineEntry {
  return {type: "trustline", accountId, asset, balance, limit: 1_000_000n * U, flags: 1, buyingLiabilities: 0n, sellingLiabilities: 0n, lastModifiedLedger: 2};
}

function summary(a: PathAnswer): string[] {
  return a.paths.map((p) => `${p.sourceAsset.split(":")[0]} ${p.sourceAmount} -> [${p.path.map((x) => x.split(":")[0]).join(",")}] -> ${p.destinationAsset.split(":")[0]} ${p.destinationAmount}`);
}

/** An in-memory book for the pure search, sorted as stellar-core's book (price, then id). */
function memoryView(offers: OfferEntry[]): OrderBookView {
  const books = new Map<string, OfferEntry[]>();
  for (const o of offers) {
    const k = assetKey(o.selling) + " " + assetKey(o.buying);
    books.set(k, [...(books.get(k) ?? []), o].sort((a, b) => a.price.n / a.price.d - b.price.n / b.price.d || Number(a.offerId - b.offerId)));
  }
  const pairs = [...books.keys()].map((k) => k.split(" ") as [string, string]);
  return {
    buyingAssetsOf: (a) => pairs.filter(([s]) => s === a).map(([, b]) => b).sort(),
    sellingAssetsOf: (a) => pairs.filter(([, b]) => b === a).map(([s]) => s).sort(),
    offers: (s, b) => books.get(s + " " + b) ?? [],
  };
}

for (const impl of ["in-thread", "pool"] as const) {
  describe(`path finding (${impl})`, () => {
    let f: StoreFixture;
    let finder: PathFinder;
    let maker: string;
    let payer: string;

    before(async () => {
      f = new StoreFixture({accounts: 3});
      maker = f.account(0);
      payer = f.account(1);
      // The market maker sells USD for DIAM at 10 DIAM a USD, and DIAM for AED at 1/3 AED a DIAM;
      // there is no USD/AED book.
      await commit(f, [
        [offerKey(101n), {...offer(maker, USD, NATIVE, 1_000n * U, 10, 1), offerId: 101n}],
        [offerKey(102n), {...offer(maker, NATIVE, AED, 100_000n * U, 1, 3), offerId: 102n}],
        [trustLineKey(payer, AED), line(payer, AED, 500n * U)],
        [trustLineKey(f.account(2), USD), line(f.account(2), USD, 0n)],
      ]);
      finder =
        impl === "in-thread"
          ? new InThreadPathFinder(f.store, LIMITS)
          : new PathPool({dataDir: f.dir, limits: LIMITS}, {threads: 1, maxQueue: defaultPathFinderOptions.maxQueue});
    });

    after(async () => {
      await finder.close();
      await f.store.close();
      rmSync(f.dir, {recursive: true, force: true});
    });

    it("strict receive finds AED → DIAM → USD with the amount a path payment would send", async () => {
      const want = 100n * U;
      const answer = await finder.find({kind: "strict_receive", destinationAsset: assetKey(USD), destinationAmount: want, sourceAssets: [assetKey(AED)]});
      // Last hop first: 100 USD at 10/1 cost 1000 DIAM; 1000 DIAM at 1/3 cost ceil(1000e7 / 3) AED stroops.
      const diam = ceilDiv(want * 10n, 1n);
      const aed = ceilDiv(diam * 1n, 3n);
      assert.equal(aed, 3_333_333_334n);
      assert.deepEqual(answer.paths, [{sourceAsset: assetKey(AED), sourceAmount: aed, destinationAsset: assetKey(USD), destinationAmount: want, path: ["native"]}]);
      assert.equal(answer.ledger, f.store.latestHeader().seq);
    });

    it("strict send finds AED → DIAM → USD with the amount a path payment would deliver", async () => {
      const send = 3_333_333_334n;
      const answer = await finder.find({kind: "strict_send", sourceAsset: assetKey(AED), sourceAmount: send, destinationAssets: [assetKey(USD)]});
      // AED into the DIAM/AED book: floor(send·3/1) DIAM; DIAM into the USD/DIAM book: floor(diam/10) USD.
      const diam = (send * 3n) / 1n;
      const usd = diam / 10n;
      assert.equal(usd, 100n * U);
      assert.deepEqual(answer.paths, [{sourceAsset: assetKey(AED), sourceAmount: send, destinationAsset: assetKey(USD), destinationAmount: usd, path: ["native"]}]);
    });

    it("reads a source or destination account's holdings, as Horizon's assetsForAddress", async () => {
      // The payer holds 500 AED and 100 DIAM: 1 USD (10 DIAM, or ceil(10e7/3) AED stroops) is affordable
      // both ways; 20 USD (200 DIAM) only in AED.
      const cheap = await finder.find({kind: "strict_receive", destinationAsset: assetKey(USD), destinationAmount: U, sourceAccount: payer});
      assert.deepEqual(summary(cheap), [`AED ${ceilDiv(10n * U, 3n)} -> [native] -> USD ${U}`, `native ${10n * U} -> [] -> USD ${U}`]);
      const dear = await finder.find({kind: "strict_receive", destinationAsset: assetKey(USD), destinationAmount: 20n * U, sourceAccount: payer});
      assert.deepEqual(summary(dear), [`AED ${ceilDiv(200n * U, 3n)} -> [native] -> USD ${20n * U}`]);
      // Account 2 trusts USD only (and holds DIAM): strict send to it lists USD and native.
      const toAccount = await finder.find({kind: "strict_send", sourceAsset: assetKey(AED), sourceAmount: 3n * U, destinationAccount: f.account(2)});
      // Grouped by Horizon's asset string: credit_alphanum4/USD/… sorts before native.
      assert.deepEqual(summary(toAccount), [`AED ${3n * U} -> [native] -> USD ${(9n * U) / 10n}`, `AED ${3n * U} -> [] -> native ${9n * U}`]);
      const nobody = await finder.find({kind: "strict_send", sourceAsset: assetKey(AED), sourceAmount: U, destinationAccount: Keypair.random().publicKey()});
      assert.deepEqual(nobody.paths, []);
    });

    it("stops a strict receive hop at the payer's own offer, as op_cross_self stops apply", async () => {
      const answer = await finder.find({kind: "strict_receive", destinationAsset: assetKey(USD), destinationAmount: U, sourceAccount: maker});
      assert.deepEqual(answer.paths, []);
    });

    it("sees a changed book in the next query (no stale decoded book)", async () => {
      // A cheaper USD offer (8 DIAM a USD, 50 USD) goes in ahead of the first one.
      await commit(f, [[offerKey(103n), {...offer(f.account(2), USD, NATIVE, 50n * U, 8, 1), offerId: 103n}]]);
      const want = 60n * U;
      const answer = await finder.find({kind: "strict_receive", destinationAsset: assetKey(USD), destinationAmount: want, sourceAssets: ["native"]});
      // Partial fill: all 50 USD of the 8/1 offer (400 DIAM), then 10 USD of the 10/1 offer (100 DIAM).
      assert.deepEqual(summary(answer), [`native ${400n * U + 100n * U} -> [] -> USD ${want}`]);
      await commit(f, [[offerKey(103n), null]]);
      const again = await finder.find({kind: "strict_receive", destinationAsset: assetKey(USD), destinationAmount: want, sourceAssets: ["native"]});
      assert.deepEqual(summary(again), [`native ${600n * U} -> [] -> USD ${want}`]);
    });

    if (impl === "pool") {
      it("decodes the book in each worker before the first query", async () => {
        const fresh = new PathPool({dataDir: f.dir, limits: LIMITS}, {threads: 1, maxQueue: 4});
        try {
          // The fixture's two books: USD/DIAM (its offer 103 came and went) and DIAM/AED.
          assert.equal(await fresh.warmed, 2);
        } finally {
          await fresh.close();
        }
      });
    }

    it("answers too few offers with no path, and a query past the work cap with a coded error", async () => {
      const tooMuch = await finder.find({kind: "strict_receive", destinationAsset: assetKey(USD), destinationAmount: 2_000n * U, sourceAssets: ["native", assetKey(AED)]});
      assert.deepEqual(tooMuch.paths, []);
      const capped: PathRequest = {kind: "strict_receive", destinationAsset: assetKey(USD), destinationAmount: U, sourceAssets: [assetKey(AED)]};
      if (impl === "in-thread") {
        const tight = new InThreadPathFinder(f.store, {...LIMITS, maxWork: 2});
        await assert.rejects(tight.find(capped), (e: unknown) => e instanceof DiamanteError && e.code === PathErrorCode.TooExpensive);
      } else {
        const tight = new PathPool({dataDir: f.dir, limits: {...LIMITS, maxWork: 2}}, {threads: 1, maxQueue: 4});
        try {
          await assert.rejects(tight.find(capped), (e: unknown) => e instanceof DiamanteError && e.code === PathErrorCode.TooExpensive);
        } finally {
          await tight.close();
        }
      }
    });
  });
}

describe("path search rules (Horizon's search over exact exchanges)", () => {
  const a = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 7)).publicKey();

  it("keeps the best paths per source asset, cheapest first, then fewer hops, at most maxPathsPerAsset", () => {
    // EUR reaches USD directly at 2 EUR a USD, or through DIAM at 1 EUR = 5 DIAM, 10 DIAM = 1 USD (2 EUR too),
    // or through AED (cheaper: 1.5 EUR a USD).
    const view = memoryView([
      offer(a, USD, EUR, 1_000n * U, 2, 1),
      offer(a, USD, NATIVE, 1_000n * U, 10, 1),
      offer(a, NATIVE, EUR, 100_000n * U, 1, 5),
      offer(a, USD, AED, 1_000n * U, 3, 1),
      offer(a, AED, EUR, 1_000n * U, 1, 2),
    ]);
    const r = findStrictReceivePaths(view, {destinationAsset: assetKey(USD), destinationAmount: 10n * U, sourceAssets: [assetKey(EUR)]}, LIMITS);
    // Via AED: 10 USD = 30 AED = 15 EUR; direct: 20 EUR. Via DIAM (100 DIAM = 20 EUR) is no improvement
    // on the 15 EUR already reached in the same round, so Horizon's search does not report it.
    assert.deepEqual(summary({paths: r.paths, ledger: 0, work: 0}), [`EUR ${15n * U} -> [AED] -> USD ${10n * U}`, `EUR ${20n * U} -> [] -> USD ${10n * U}`]);
    const one = findStrictReceivePaths(view, {destinationAsset: assetKey(USD), destinationAmount: 10n * U, sourceAssets: [assetKey(EUR)]}, {...LIMITS, maxPathsPerAsset: 1});
    assert.equal(one.paths.length, 1);
  });

  it("rounds in the book's favour on both directions (1/3 and 7/11 prices)", () => {
    const view = memoryView([offer(a, USD, EUR, 1_000n * U, 7, 11), offer(a, EUR, USD, 1_000n * U, 1, 3)]);
    // Strict receive of 1 stroop of USD at 7/11 EUR a USD: ceil(1·7/11) = 1 EUR stroop.
    const r = findStrictReceivePaths(view, {destinationAsset: assetKey(USD), destinationAmount: 1n, sourceAssets: [assetKey(EUR)]}, LIMITS);
    assert.deepEqual(r.paths.map((p) => p.sourceAmount), [1n]);
    // Strict send of 10 USD stroops into the EUR book selling at 1/3 USD a EUR: floor(10·3/1) = 30 EUR stroops;
    // of 1 EUR stroop into the USD book at 7/11 EUR a USD: floor(1·11/7) = 1 USD stroop.
    const s = findStrictSendPaths(view, {sourceAsset: assetKey(USD), sourceAmount: 10n, destinationAssets: [assetKey(EUR)]}, LIMITS);
    assert.deepEqual(s.paths.map((p) => p.destinationAmount), [30n]);
    const t = findStrictSendPaths(view, {sourceAsset: assetKey(EUR), sourceAmount: 1n, destinationAssets: [assetKey(USD)]}, LIMITS);
    assert.deepEqual(t.paths.map((p) => p.destinationAmount), [1n]);
  });

  it("never repeats an asset on a path, and honours the hop limit", () => {
    // A chain EUR → AED → DIAM → USD (three hops) is found with 3 hops allowed, not with 2.
    const view = memoryView([offer(a, USD, NATIVE, 1_000n * U, 1, 1), offer(a, NATIVE, AED, 1_000n * U, 1, 1), offer(a, AED, EUR, 1_000n * U, 1, 1), offer(a, EUR, USD, 1_000n * U, 1, 1)]);
    const q = {destinationAsset: assetKey(USD), destinationAmount: U, sourceAssets: [assetKey(EUR)]};
    assert.deepEqual(findStrictReceivePaths(view, q, {...LIMITS, maxHops: 3}).paths.map((p) => p.path.map((x) => x.split(":")[0])), [["AED", "native"]]);
    assert.deepEqual(findStrictReceivePaths(view, q, {...LIMITS, maxHops: 2}).paths, []);
  });

  it("answers exactly as the exhaustive search on seeded random books (the pruning bounds are safe)", () => {
    const seed = 60_606;
    const rand = prng(seed);
    const assets: Asset[] = [NATIVE, USD, AED, EUR, ...["GBP", "JPY", "INR", "CHF"].map((code): Asset => ({type: "credit_alphanum4", code, issuer: eurIssuer}))];
    for (let round = 0; round < 40; round++) {
      const offers: OfferEntry[] = [];
      for (let k = 0; k < 60; k++) {
        const s = Math.floor(rand() * assets.length);
        const b = (s + 1 + Math.floor(rand() * (assets.length - 1))) % assets.length;
        // Prices from tiny to large and amounts from 1 stroop up, so rounding and the ±1 bounds matter.
        const n = 1 + Math.floor(rand() * (rand() < 0.3 ? 7 : 2_000_000));
        const d = 1 + Math.floor(rand() * (rand() < 0.3 ? 11 : 2_000_000));
        const raw = rand() < 0.2 ? BigInt(1 + Math.floor(rand() * 20)) : BigInt(Math.floor(rand() * 1e12)) + 1n;
        // As the book holds them: adjusted (stellar-core's adjustOffer), too-small offers gone.
        const amount = adjustOffer({n, d}, raw, INT64_MAX);
        if (amount > 0n) offers.push(offer(a, assets[s] as Asset, assets[b] as Asset, amount, n, d));
      }
      const view = memoryView(offers);
      const keys = assets.map(assetKey);
      const pick = () => keys[Math.floor(rand() * keys.length)] as string;
      const amount = rand() < 0.3 ? BigInt(1 + Math.floor(rand() * 50)) : BigInt(Math.floor(rand() * 1e11)) + 1n;
      const rq = {destinationAsset: pick(), destinationAmount: amount, sourceAssets: [pick(), pick(), pick()]};
      const sq = {sourceAsset: pick(), sourceAmount: amount, destinationAssets: [pick(), pick(), pick()]};
      const ctx = `seed ${seed}, round ${round}`;
      assert.deepEqual(findStrictReceivePaths(view, rq, LIMITS).paths, findStrictReceivePaths(view, rq, {...LIMITS, exhaustive: true}).paths, ctx);
      assert.deepEqual(findStrictSendPaths(view, sq, LIMITS).paths, findStrictSendPaths(view, sq, {...LIMITS, exhaustive: true}).paths, ctx);
    }
  });

  it("answers exactly as the plain search when the view numbers its books (same paths, same work), on seeded random books", () => {
    const seed = 70_707;
    const rand = prng(seed);
    const other = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 77)).publicKey();
    const assets: Asset[] = [NATIVE, USD, AED, EUR, ...["GBP", "JPY", "INR", "CHF", "SEK", "NOK"].map((code): Asset => ({type: "credit_alphanum4", code, issuer: eurIssuer}))];
    const keys = assets.map(assetKey);
    let found = 0;
    for (let round = 0; round < 60; round++) {
      const offers: OfferEntry[] = [];
      for (let k = 0; k < 80; k++) {
        const s = Math.floor(rand() * assets.length);
        const b = (s + 1 + Math.floor(rand() * (assets.length - 1))) % assets.length;
        const n = 1 + Math.floor(rand() * (rand() < 0.5 ? 9 : 2_000_000));
        const d = 1 + Math.floor(rand() * (rand() < 0.5 ? 9 : 2_000_000));
        const raw = rand() < 0.2 ? BigInt(1 + Math.floor(rand() * 20)) : BigInt(Math.floor(rand() * 1e12)) + 1n;
        const amount = adjustOffer({n, d}, raw, INT64_MAX);
        if (amount > 0n) offers.push(offer(rand() < 0.2 ? other : a, assets[s] as Asset, assets[b] as Asset, amount, n, d));
      }
      const plain = memoryView(offers);
      let built: BookGraph | undefined;
      let graphs = 0;
      const numbered: OrderBookView = {
        ...plain,
        graph: () => {
          graphs++;
          return (built ??= buildBookGraph(plain, keys.slice(0, 1 + Math.floor(rand() * keys.length))));
        },
      };
      const pick = () => keys[Math.floor(rand() * keys.length)] as string;
      const amount = rand() < 0.3 ? BigInt(1 + Math.floor(rand() * 50)) : BigInt(Math.floor(rand() * 1e11)) + 1n;
      const sources = [pick(), pick(), pick()];
      const rq = {
        destinationAsset: pick(),
        destinationAmount: amount,
        sourceAssets: sources,
        // Some rounds as a known payer: balances filter the paths and its own offers stop hops.
        ...(round % 3 === 0 ? {sourceBalances: sources.map(() => BigInt(Math.floor(rand() * 1e12))), sourceAccount: other} : {}),
      };
      const sq = {sourceAsset: pick(), sourceAmount: amount, destinationAssets: [pick(), pick(), pick()]};
      const ctx = `seed ${seed}, round ${round}`;
      for (const hops of [2, 4, 5]) {
        const limits = {...LIMITS, maxHops: hops};
        const r1 = findStrictReceivePaths(numbered, rq, limits);
        const s1 = findStrictSendPaths(numbered, sq, limits);
        assert.deepEqual(r1, findStrictReceivePaths(plain, rq, limits), ctx);
        assert.deepEqual(s1, findStrictSendPaths(plain, sq, limits), ctx);
        assert.deepEqual(r1.paths, findStrictReceivePaths(plain, rq, {...limits, exhaustive: true}).paths, ctx);
        assert.deepEqual(s1.paths, findStrictSendPaths(plain, sq, {...limits, exhaustive: true}).paths, ctx);
        found += r1.paths.length + s1.paths.length;
      }
      // The numbered graph is what answered (the exhaustive search never asks for it).
      assert.ok(graphs >= 1, ctx);
    }
    assert.ok(found > 300, `found ${found} paths`);
  });

  it("rejects a non-positive amount", () => {
    assert.throws(() => findStrictSendPaths(memoryView([]), {sourceAsset: "native", sourceAmount: 0n, destinationAssets: ["native"]}, LIMITS), (e: unknown) => e instanceof DiamanteError && e.code === PathErrorCode.BadQuery);
  });
});
