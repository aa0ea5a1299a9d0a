import {test} from "node:test";
import assert from "node:assert/strict";
import {Keypair} from "@stellar/stellar-base";
import {LedgerTxn} from "../../../src/ledger/state.js";
import {newAccountEntry} from "../../../src/ledger/entries.js";
import {
  AUTHORIZED_FLAG,
  entryKey,
  offerKey,
  trustLineKey,
  type AccountEntry,
  type Asset,
  type CreditAsset,
  type EntryKey,
  type LedgerEntry,
  type LedgerStateReader,
  type OfferEntry,
  type TrustLineEntry,
} from "../../../src/ledger/types.js";
import {acquireLiabilities, canBuyAtMost, canSellAtMost, removeOffer, removeOffersByAccountAndAsset} from "../../../src/dex/liabilities.js";
import {offerBuyingLiabilities, offerSellingLiabilities} from "../../../src/dex/exchange.js";
import {loadHolding} from "../../../src/tx/ops/balances.js";
import {DexError} from "../../../src/dex/errors.js";

const RESERVE = 5_000_000n;
const issuer = Keypair.random().publicKey();
const USD: CreditAsset = {type: "credit_alphanum4", code: "USD", issuer};
const EUR: CreditAsset = {type: "credit_alphanum4", code: "EUR", issuer};
const NATIVE: Asset = {type: "native"};

function reader(entries: LedgerEntry[]): LedgerStateReader {
  const m = new Map<EntryKey, LedgerEntry>(entries.map((e) => [entryKey(e), e]));
  return {getEntry: (k) => m.get(k)};
}

function line(accountId: string, asset: CreditAsset, balance: bigint): TrustLineEntry {
  return {type: "trustline", accountId, asset, balance, limit: 1_000_000_000n, flags: AUTHORIZED_FLAG, buyingLiabilities: 0n, sellingLiabilities: 0n, lastModifiedLedger: 1};
}

function offer(id: bigint, seller: string, selling: Asset, buying: Asset, amount: bigint, n: number, d: number): OfferEntry {
  return {type: "offer", sellerId: seller, offerId: id, selling, buying, amount, price: {n, d}, flags: 0, lastModifiedLedger: 1};
}

test("acquiring then removing offers moves liabilities and sub-entries back exactly", () => {
  const seller = Keypair.random().publicKey();
  const acct = {...newAccountEntry(seller, 1_000_000_000n, 1n, 1), numSubEntries: 3};
  const ltx = new LedgerTxn(reader([acct, line(seller, USD, 500_000n), line(seller, EUR, 0n)]));
  // 1000 USD for DIAM at 7/11 (buys floor(7000/11) = 636), 300 DIAM for EUR at 1/3, 2000 USD for EUR at 2/1 (buys 4000).
  const o1 = offer(1n, seller, USD, NATIVE, 1000n, 7, 11);
  const o2 = offer(2n, seller, NATIVE, EUR, 300n, 1, 3);
  const o3 = offer(3n, seller, USD, EUR, 2000n, 2, 1);
  for (const o of [o1, o2, o3]) {
    ltx.put(o);
    acquireLiabilities(ltx, o, RESERVE);
  }
  const a = (): AccountEntry => ltx.getAccount(seller)!;
  const tl = (x: CreditAsset): TrustLineEntry => ltx.getEntry(trustLineKey(seller, x)) as TrustLineEntry;
  assert.equal(tl(USD).sellingLiabilities, 1000n + 2000n);
  assert.equal(a().buyingLiabilities, 636n);
  assert.equal(a().sellingLiabilities, offerSellingLiabilities({n: 1, d: 3}, 300n));
  assert.equal(tl(EUR).buyingLiabilities, offerBuyingLiabilities({n: 1, d: 3}, 300n) + 4000n);
  // What the seller can still sell and receive follows the liabilities.
  assert.equal(canSellAtMost(loadHolding(ltx, seller, USD), RESERVE), 500_000n - 3000n);
  assert.equal(canBuyAtMost(loadHolding(ltx, seller, EUR)), 1_000_000_000n - tl(EUR).buyingLiabilities);
  assert.equal(canSellAtMost(undefined, RESERVE), 0n);

  removeOffer(ltx, ltx.getEntry(offerKey(1n)) as OfferEntry, RESERVE);
  assert.equal(ltx.getEntry(offerKey(1n)), undefined);
  assert.equal(a().numSubEntries, 2);
  assert.equal(a().buyingLiabilities, 0n);
  assert.equal(tl(USD).sellingLiabilities, 2000n);

  // Revoking EUR pulls both EUR offers, lowest id first, and leaves nothing promised.
  const removed = removeOffersByAccountAndAsset(ltx, seller, EUR, RESERVE);
  assert.deepEqual(removed.map((o) => o.offerId), [2n, 3n]);
  assert.equal(a().numSubEntries, 0);
  assert.equal(a().sellingLiabilities, 0n);
  assert.equal(tl(USD).sellingLiabilities, 0n);
  assert.equal(tl(EUR).buyingLiabilities, 0n);
  assert.deepEqual(ltx.offersOf(seller), []);
});

test("removing an offer whose seller lacks the holding is a coded invariant error", () => {
  const seller = Keypair.random().publicKey();
  const acct = {...newAccountEntry(seller, 1_000_000_000n, 1n, 1), numSubEntries: 1};
  const o = offer(7n, seller, USD, NATIVE, 10n, 1, 1);
  const ltx = new LedgerTxn(reader([acct, o]));
  assert.throws(() => removeOffer(ltx, o, RESERVE), (e: unknown) => e instanceof DexError && e.code === "dex_invariant_violation");
  assert.equal(ltx.getAccount(seller)!.numSubEntries, 1);
});
