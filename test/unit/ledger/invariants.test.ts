/** The close invariants catch what a faulty operation could leave behind. */
import {test} from "node:test";
import assert from "node:assert/strict";
import {Keypair} from "@stellar/stellar-base";
import {TestLedger} from "../tx/harness.js";
import {checkCloseInvariants} from "../../../src/ledger/close.js";
import {
  accountKey,
  assetKey,
  AUTHORIZED_FLAG,
  claimableBalanceKey,
  offerKey,
  trustLineKey,
  type AccountEntry,
  type ClaimableBalanceEntry,
  type CreditAsset,
  type EntryKey,
  type LedgerEntry,
  type OfferEntry,
  type TrustLineEntry,
} from "../../../src/ledger/types.js";
import {offerBuyingLiabilities, offerSellingLiabilities} from "../../../src/dex/exchange.js";

function setup(): {l: TestLedger; holder: AccountEntry; usd: CreditAsset; line: TrustLineEntry} {
  const l = new TestLedger();
  const [i, h] = [Keypair.random(), Keypair.random()];
  l.fund([i, h], "100");
  const usd: CreditAsset = {type: "credit_alphanum4", code: "USD", issuer: i.publicKey()};
  const holder = {...l.account(h.publicKey())!, numSubEntries: 1};
  const line: TrustLineEntry = {
    type: "trustline",
    accountId: h.publicKey(),
    asset: usd,
    balance: 100n,
    limit: 1000n,
    flags: AUTHORIZED_FLAG,
    buyingLiabilities: 0n,
    sellingLiabilities: 0n,
    lastModifiedLedger: 1,
  };
  l.entries.set(accountKey(h.publicKey()), holder);
  l.entries.set(trustLineKey(h.publicKey(), usd), line);
  return {l, holder, usd, line};
}

function check(l: TestLedger, changes: Map<EntryKey, LedgerEntry | null>, issued = new Map<string, bigint>()): void {
  checkCloseInvariants(l, l.header, {...l.header, seq: l.header.seq + 1}, changes, issued);
}

test("credit supply: a line credited without its issuer minting is a violation; the same change with the mint recorded is not", () => {
  const {l, usd, line} = setup();
  const changes = new Map<EntryKey, LedgerEntry | null>([[trustLineKey(line.accountId, usd), {...line, balance: 150n}]]);
  assert.throws(() => check(l, changes), /credit supply changed other than by its issuer/);
  assert.throws(() => check(l, changes, new Map([[assetKey(usd), 49n]])), /credit supply/);
  check(l, changes, new Map([[assetKey(usd), 50n]]));
  // Minted (or burned) with nothing holding it is as wrong.
  assert.throws(() => check(l, new Map(), new Map([[assetKey(usd), -5n]])), /no entry holds/);
});

test("credit supply: moving credit from a line into a claimable balance is conserved; a line above its limit is a violation", () => {
  const {l, usd, line, holder} = setup();
  const cb: ClaimableBalanceEntry = {
    type: "claimable_balance",
    balanceId: "11".repeat(32),
    claimants: [{destination: line.accountId, predicate: {type: "unconditional"}}],
    asset: usd,
    amount: 40n,
    flags: 0,
    sponsor: line.accountId,
    lastModifiedLedger: 2,
  };
  const changes = new Map<EntryKey, LedgerEntry | null>([
    [trustLineKey(line.accountId, usd), {...line, balance: 60n}],
    [claimableBalanceKey(cb.balanceId), cb],
    [accountKey(holder.accountId), {...holder, numSponsoring: 1}],
  ]);
  check(l, changes);
  changes.set(trustLineKey(line.accountId, usd), {...line, balance: 1001n});
  assert.throws(() => check(l, changes, new Map([[assetKey(usd), 941n]])), /outside 0..limit/);
});

test("numSponsoring must move with the claimants of the balances an account sponsors", () => {
  const {l, usd, line, holder} = setup();
  const cb: ClaimableBalanceEntry = {
    type: "claimable_balance",
    balanceId: "22".repeat(32),
    claimants: [
      {destination: line.accountId, predicate: {type: "unconditional"}},
      {destination: usd.issuer, predicate: {type: "unconditional"}},
    ],
    asset: {type: "native"},
    amount: 10n,
    flags: 0,
    sponsor: holder.accountId,
    lastModifiedLedger: 2,
  };
  const changes = new Map<EntryKey, LedgerEntry | null>([
    [claimableBalanceKey(cb.balanceId), cb],
    [accountKey(holder.accountId), {...holder, balance: holder.balance - 10n, numSponsoring: 1}],
  ]);
  assert.throws(() => check(l, changes), /numSponsoring does not match/);
  changes.set(accountKey(holder.accountId), {...holder, balance: holder.balance - 10n, numSponsoring: 2});
  check(l, changes);
  // Native moved into escrow without leaving an account breaks conservation.
  changes.set(accountKey(holder.accountId), {...holder, numSponsoring: 2});
  assert.throws(() => check(l, changes), /coins not conserved/);
});

test("liabilities: an offer must move its seller's buying and selling liabilities by exactly its own (none on the issuer's asset)", () => {
  const {l, usd, line, holder} = setup();
  // 30 USD at 7/11 DIAM per USD: the liabilities are what CAP-4's exchange of the whole offer gives.
  const offer: OfferEntry = {
    type: "offer",
    sellerId: holder.accountId,
    offerId: 1n,
    selling: usd,
    buying: {type: "native"},
    amount: 30n,
    price: {n: 7, d: 11},
    flags: 0,
    lastModifiedLedger: 2,
  };
  const selling = offerSellingLiabilities(offer.price, offer.amount);
  const buying = offerBuyingLiabilities(offer.price, offer.amount);
  assert.ok(selling > 0n && buying > 0n);
  const changes = new Map<EntryKey, LedgerEntry | null>([
    [offerKey(1n), offer],
    [accountKey(holder.accountId), {...holder, numSubEntries: 2, buyingLiabilities: buying}],
    [trustLineKey(line.accountId, usd), {...line, sellingLiabilities: selling}],
  ]);
  check(l, changes);
  changes.set(trustLineKey(line.accountId, usd), {...line, sellingLiabilities: selling - 1n});
  assert.throws(() => check(l, changes), /selling liabilities do not match/);
  changes.set(trustLineKey(line.accountId, usd), {...line, sellingLiabilities: selling});
  changes.set(accountKey(holder.accountId), {...holder, numSubEntries: 2});
  assert.throws(() => check(l, changes), /buying liabilities do not match/);
  // The issuer selling its own asset holds no selling liabilities for it.
  const issuer = l.account(usd.issuer)!;
  const own: OfferEntry = {...offer, sellerId: usd.issuer, offerId: 2n};
  check(l, new Map<EntryKey, LedgerEntry | null>([[offerKey(2n), own], [accountKey(usd.issuer), {...issuer, numSubEntries: 1, buyingLiabilities: buying}]]));
});

test("liabilities: a line can not promise more than it holds, an unauthorized line promises nothing, an offer needs a positive amount", () => {
  const {l, usd, line} = setup();
  const key = trustLineKey(line.accountId, usd);
  assert.throws(() => check(l, new Map([[key, {...line, sellingLiabilities: 101n}]]), new Map()), /does not cover|do not match/);
  const frozen = new Map<EntryKey, LedgerEntry | null>([[key, {...line, flags: 0, sellingLiabilities: 0n, buyingLiabilities: 0n}]]);
  check(l, frozen);
  l.entries.set(key, {...line, sellingLiabilities: 10n});
  assert.throws(() => check(l, new Map([[key, {...line, flags: 0, sellingLiabilities: 10n}]])), /unauthorized trustline has liabilities/);
  const holder = l.account(line.accountId)!;
  const empty: OfferEntry = {
    type: "offer",
    sellerId: holder.accountId,
    offerId: 3n,
    selling: {type: "native"},
    buying: usd,
    amount: 0n,
    price: {n: 1, d: 1},
    flags: 0,
    lastModifiedLedger: 2,
  };
  assert.throws(() => check(l, new Map<EntryKey, LedgerEntry | null>([[offerKey(3n), empty], [accountKey(holder.accountId), {...holder, numSubEntries: 2}]])), /bad amount/);
});

test("liabilities: native selling liabilities that grow past the balance above the reserve are a violation", () => {
  const {l, holder, usd} = setup();
  // With the line and the offer, (2 + 2) base reserves of the balance are not for sale.
  const reserve = 4n * BigInt(l.config.baseReserve);
  const amount = holder.balance - reserve;
  const offer: OfferEntry = {
    type: "offer",
    sellerId: holder.accountId,
    offerId: 4n,
    selling: {type: "native"},
    buying: usd,
    amount,
    price: {n: 1, d: 1},
    flags: 0,
    lastModifiedLedger: 2,
  };
  const lineKey = trustLineKey(holder.accountId, usd);
  const line = l.getEntry(lineKey) as TrustLineEntry;
  const withOffer = (o: OfferEntry): Map<EntryKey, LedgerEntry | null> =>
    new Map<EntryKey, LedgerEntry | null>([
      [offerKey(o.offerId), o],
      [accountKey(holder.accountId), {...holder, numSubEntries: 2, sellingLiabilities: offerSellingLiabilities(o.price, o.amount)}],
      [lineKey, {...line, limit: 10n ** 15n, buyingLiabilities: offerBuyingLiabilities(o.price, o.amount)}],
    ]);
  check(l, withOffer(offer));
  assert.throws(() => check(l, withOffer({...offer, amount: amount + 1n})), /native balance does not cover its liabilities/);
});
