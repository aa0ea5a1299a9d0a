/**
 * The ordered per-layer books behind `LedgerTxn.bestOffer` against the plain scan
 * (`bestOfferByScan`: every entry of every layer, the reader's book from its start). Seeded random
 * books and layer operations (open, commit, roll back; load and change amounts or prices in place,
 * put new and replacing offers, move offers to other pairs, erase, take the best as crossing does)
 * must give the very same offer for every pair at every open layer after every step.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {prng} from "../../helpers/prng.js";
import {LedgerTxn} from "../../../src/ledger/state.js";
import {assetKey, isBetterOffer, offerKey, type Asset, type EntryKey, type LedgerEntry, type LedgerStateReader, type OfferEntry} from "../../../src/ledger/types.js";

const ISSUER = "GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7";
const ASSETS: Asset[] = [{type: "native"}, {type: "credit_alphanum4", code: "USD", issuer: ISSUER}, {type: "credit_alphanum4", code: "EUR", issuer: ISSUER}];
const SELLERS = ["GA", "GB", "GC", "GD"].map((p) => p + "A".repeat(54));
/** Few prices, several equal as doubles (1/2 and 2/4): ties are broken by id. */
const PRICES = [
  {n: 1, d: 2},
  {n: 2, d: 4},
  {n: 1, d: 3},
  {n: 7, d: 11},
  {n: 1, d: 1},
  {n: 3, d: 1},
  {n: 2147483647, d: 1},
  {n: 1, d: 2147483647},
];
const PAIRS: [Asset, Asset][] = ASSETS.flatMap((a) => ASSETS.filter((b) => b !== a).map((b): [Asset, Asset] => [a, b]));

function sortedReader(offers: OfferEntry[]): LedgerStateReader {
  const byKey = new Map<EntryKey, LedgerEntry>(offers.map((o) => [offerKey(o.offerId), o]));
  const book = offers.slice().sort((a, b) => (isBetterOffer(a, b) ? -1 : isBetterOffer(b, a) ? 1 : 0));
  return {
    getEntry: (k) => byKey.get(k),
    *bookOffers(selling, buying) {
      for (const o of book) if (assetKey(o.selling) === selling && assetKey(o.buying) === buying) yield o;
    },
  };
}

function runSeed(seed: number, steps: number): {reads: number; found: number} {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  let nextId = 1n;
  const newOffer = (id: bigint): OfferEntry => {
    const [selling, buying] = pick(PAIRS);
    const price = pick(PRICES);
    return {type: "offer", sellerId: pick(SELLERS), offerId: id, selling, buying, amount: BigInt(1 + int(1000)), price: {...price}, flags: 0, lastModifiedLedger: 1};
  };
  const stored = Array.from({length: int(60)}, () => newOffer(nextId++));
  const stack: LedgerTxn[] = [new LedgerTxn(sortedReader(stored))];
  const top = (): LedgerTxn => stack[stack.length - 1]!;
  const existing = (): bigint | undefined => {
    for (let tries = 0; tries < 8; tries++) {
      const id = BigInt(1 + int(Number(nextId - 1n) || 1));
      if (top().getEntry(offerKey(id)) !== undefined) return id;
    }
    return undefined;
  };
  let reads = 0;
  let found = 0;
  for (let step = 0; step < steps; step++) {
    const action = int(12);
    const ltx = top();
    if (action === 0 && stack.length < 5) stack.push(ltx.child());
    else if (action === 1 && stack.length > 1) {
      ltx.commit();
      stack.pop();
    } else if (action === 2 && stack.length > 1 && int(3) === 0) {
      ltx.rollback();
      stack.pop();
    } else if (action === 3) ltx.put(newOffer(nextId++));
    else if (action === 4 || action === 5) {
      // Load and change in place: the amount (as crossing does) or the price (allowed by the contract).
      const id = existing();
      if (id !== undefined) {
        const o = ltx.load(offerKey(id)) as OfferEntry;
        if (action === 4) o.amount = BigInt(1 + int(1000));
        else o.price = {...pick(PRICES)};
      }
    } else if (action === 6) {
      // Replace with a new object: another price, maybe another pair.
      const id = existing();
      if (id !== undefined) ltx.put(newOffer(id));
    } else if (action === 7) {
      const id = existing();
      if (id !== undefined) ltx.erase(offerKey(id));
    } else {
      // Take the best of a book as crossing does: load it, then erase it or leave a remainder.
      const [selling, buying] = pick(PAIRS);
      const best = ltx.bestOffer(assetKey(selling), assetKey(buying));
      if (best !== undefined) {
        const o = ltx.load(offerKey(best.offerId)) as OfferEntry;
        if (int(3) === 0) o.amount -= o.amount / 2n;
        else ltx.erase(offerKey(best.offerId));
      }
    }
    for (const layer of stack) {
      for (const [selling, buying] of PAIRS) {
        const s = assetKey(selling);
        const b = assetKey(buying);
        const want = layer.bestOfferByScan(s, b);
        const got = layer.bestOffer(s, b);
        reads++;
        if (want !== undefined) found++;
        if (got !== want) {
          assert.fail(`seed ${seed} step ${step} depth ${stack.indexOf(layer)} ${s}→${b}: ordered book gave ${got?.offerId} (${got?.price.n}/${got?.price.d}), scan gave ${want?.offerId} (${want?.price.n}/${want?.price.d})`);
        }
      }
    }
  }
  return {reads, found};
}

test("bestOffer from the ordered layer books equals the full scan on seeded random books and layer operations", (t) => {
  const first = Number(process.env.DIAMANTE_SEED ?? 1);
  let reads = 0;
  let found = 0;
  for (let seed = first; seed < first + 40; seed++) {
    const r = runSeed(seed, 400);
    reads += r.reads;
    found += r.found;
  }
  t.diagnostic(`${reads} reads compared, ${found} with an offer`);
  // The comparison must have been about real books, not mostly empty ones.
  assert.ok(found > reads / 3, `only ${found} of ${reads} reads found an offer`);
});
