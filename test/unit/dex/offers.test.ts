import {test} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation} from "../tx/harness.js";
import {codesOf, credit, D, DexLedger, opResultOf} from "./fixture.js";
import {PASSIVE_FLAG} from "../../../src/ledger/types.js";

const native = Asset.native();

function market(): {l: DexLedger; issuer: Keypair; a: Keypair; b: Keypair; usd: ReturnType<typeof credit>} {
  const l = new DexLedger();
  const issuer = Keypair.random();
  const a = Keypair.random();
  const b = Keypair.random();
  l.fund([issuer, a, b], "10000");
  const usd = credit("USD", issuer);
  l.trust(a, usd.asset, 1000n * D);
  l.trust(b, usd.asset, 0n);
  return {l, issuer, a, b, usd};
}

test("a sell offer that crosses nothing rests in the book with its liabilities and a sub-entry", () => {
  const {l, a, usd} = market();
  const before = l.acct(a);
  const r = l.closeChecked([l.build(a, [Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "100", price: {n: 2, d: 1}})])]);
  assert.deepEqual(codesOf(r), ["op_success"]);
  const [o] = l.offersOf(a);
  assert.equal(o!.amount, 100n * D);
  assert.equal(o!.offerId, r.header.idPool);
  assert.equal(l.line(a, usd.asset).sellingLiabilities, 100n * D);
  assert.equal(l.acct(a).buyingLiabilities, 200n * D);
  assert.equal(l.acct(a).numSubEntries, before.numSubEntries + 1);
  const s = opResultOf(r).tr().manageSellOfferResult().success();
  assert.equal(s.offersClaimed().length, 0);
  assert.equal(s.offer().switch().name, "manageOfferCreated");
  assert.equal(s.offer().offer().offerId().toString(), o!.offerId.toString());
  assert.equal(s.offer().offer().amount().toString(), (100n * D).toString());
});

test("a direct book trade takes the maker's offer whole at the maker's price", () => {
  const {l, a, b, usd} = market();
  l.closeChecked([l.build(a, [Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "100", price: {n: 2, d: 1}})])]);
  const [maker] = l.offersOf(a);
  const aBefore = l.acct(a);
  const bBefore = l.acct(b);
  // b offers 200 DIAM at 1/2 USD per DIAM: exactly the maker's inverse price, so it crosses.
  const r = l.closeChecked([l.build(b, [Operation.manageSellOffer({selling: native, buying: usd.sdk, amount: "200", price: {n: 1, d: 2}})])]);
  assert.deepEqual(codesOf(r), ["op_success"]);
  assert.equal(l.offers().length, 0);
  assert.equal(l.line(b, usd.asset).balance, 100n * D);
  assert.equal(l.line(a, usd.asset).balance, 900n * D);
  assert.equal(l.acct(a).balance, aBefore.balance + 200n * D);
  assert.equal(l.acct(b).balance, bBefore.balance - 200n * D - 100n);
  assert.equal(l.acct(a).numSubEntries, aBefore.numSubEntries - 1);
  assert.equal(l.acct(b).numSubEntries, bBefore.numSubEntries);
  const s = opResultOf(r).tr().manageSellOfferResult().success();
  assert.equal(s.offer().switch().name, "manageOfferDeleted");
  const [atom] = s.offersClaimed();
  assert.equal(atom!.switch().name, "claimAtomTypeOrderBook");
  const ob = atom!.orderBook();
  assert.equal(Keypair.fromPublicKey(a.publicKey()).xdrAccountId().toXDR("hex"), ob.sellerId().toXDR("hex"));
  assert.equal(ob.offerId().toString(), maker!.offerId.toString());
  assert.equal(ob.assetSold().toXDR("hex"), usd.sdk.toXDRObject().toXDR("hex"));
  assert.equal(ob.amountSold().toString(), (100n * D).toString());
  assert.equal(ob.assetBought().switch().name, "assetTypeNative");
  assert.equal(ob.amountBought().toString(), (200n * D).toString());
});

test("partial fills: the maker keeps the rest, then the taker's rest rests in the book", () => {
  const {l, a, b, usd} = market();
  l.closeChecked([l.build(a, [Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "100", price: {n: 2, d: 1}})])]);
  // 50 DIAM buys 25 USD; the maker's offer shrinks to 75 USD.
  let r = l.closeChecked([l.build(b, [Operation.manageSellOffer({selling: native, buying: usd.sdk, amount: "50", price: {n: 1, d: 2}})])]);
  assert.deepEqual(codesOf(r), ["op_success"]);
  assert.equal(l.offersOf(a)[0]!.amount, 75n * D);
  assert.equal(l.line(a, usd.asset).sellingLiabilities, 75n * D);
  assert.equal(l.acct(a).buyingLiabilities, 150n * D);
  assert.equal(l.line(b, usd.asset).balance, 25n * D);
  // 300 DIAM: takes the 75 USD for 150 DIAM, 150 DIAM rest at 1/2.
  r = l.closeChecked([l.build(b, [Operation.manageSellOffer({selling: native, buying: usd.sdk, amount: "300", price: {n: 1, d: 2}})])]);
  const s = opResultOf(r).tr().manageSellOfferResult().success();
  assert.equal(s.offersClaimed().length, 1);
  assert.equal(s.offer().switch().name, "manageOfferCreated");
  assert.equal(l.offersOf(a).length, 0);
  const [rest] = l.offersOf(b);
  assert.equal(rest!.amount, 150n * D);
  assert.equal(l.acct(b).sellingLiabilities, 150n * D);
  assert.equal(l.line(b, usd.asset).buyingLiabilities, 75n * D);
  assert.equal(l.line(b, usd.asset).balance, 100n * D);
});

test("update moves liabilities to the new amount and price; delete gives everything back; others' offers are not found", () => {
  const {l, a, b, usd} = market();
  l.closeChecked([l.build(a, [Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "100", price: {n: 2, d: 1}})])]);
  const id = l.offersOf(a)[0]!.offerId.toString();
  const subs = l.acct(a).numSubEntries;
  let r = l.closeChecked([l.build(a, [Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "40", price: {n: 3, d: 1}, offerId: id})])]);
  assert.equal(opResultOf(r).tr().manageSellOfferResult().success().offer().switch().name, "manageOfferUpdated");
  assert.equal(l.offersOf(a)[0]!.amount, 40n * D);
  assert.equal(l.acct(a).buyingLiabilities, 120n * D);
  assert.equal(l.acct(a).numSubEntries, subs);
  r = l.closeChecked([l.build(b, [Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "0", price: {n: 3, d: 1}, offerId: id})])]);
  assert.deepEqual(codesOf(r), ["op_offer_not_found"]);
  assert.equal(opResultOf(r).tr().manageSellOfferResult().switch().name, "manageSellOfferNotFound");
  r = l.closeChecked([l.build(a, [Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "0", price: {n: 3, d: 1}, offerId: id})])]);
  assert.deepEqual(codesOf(r), ["op_success"]);
  assert.equal(opResultOf(r).tr().manageSellOfferResult().success().offer().switch().name, "manageOfferDeleted");
  assert.equal(l.offers().length, 0);
  assert.equal(l.acct(a).numSubEntries, subs - 1);
  assert.equal(l.acct(a).buyingLiabilities, 0n);
  assert.equal(l.line(a, usd.asset).sellingLiabilities, 0n);
});

test("a buy offer receives exactly its amount and pays the maker's price", () => {
  const {l, a, b, usd} = market();
  l.closeChecked([l.build(a, [Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "100", price: {n: 2, d: 1}})])]);
  const bBefore = l.acct(b).balance;
  // Buy 10 USD paying up to 3 DIAM each: the maker's 2 DIAM applies.
  const r = l.closeChecked([l.build(b, [Operation.manageBuyOffer({selling: native, buying: usd.sdk, buyAmount: "10", price: {n: 3, d: 1}})])]);
  assert.deepEqual(codesOf(r), ["op_success"]);
  const s = opResultOf(r).tr().manageBuyOfferResult().success();
  assert.equal(s.offer().switch().name, "manageOfferDeleted");
  assert.equal(s.offersClaimed()[0]!.orderBook().amountSold().toString(), (10n * D).toString());
  assert.equal(l.line(b, usd.asset).balance, 10n * D);
  assert.equal(l.acct(b).balance, bBefore - 20n * D - 100n);
  // A resting buy offer: stored as a sell offer of DIAM at the inverse price, buying liabilities = its buy amount.
  l.closeChecked([l.build(b, [Operation.manageBuyOffer({selling: native, buying: usd.sdk, buyAmount: "5", price: {n: 1, d: 1}})])]);
  const [rest] = l.offersOf(b);
  assert.deepEqual(rest!.price, {n: 1, d: 1});
  assert.equal(rest!.amount, 5n * D);
  assert.equal(l.line(b, usd.asset).buyingLiabilities, 5n * D);
});

test("a passive offer does not take an equal-priced offer; a plain one does", () => {
  const {l, a, b, usd} = market();
  l.closeChecked([l.build(a, [Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "100", price: {n: 2, d: 1}})])]);
  let r = l.closeChecked([l.build(b, [Operation.createPassiveSellOffer({selling: native, buying: usd.sdk, amount: "50", price: {n: 1, d: 2}})])]);
  assert.deepEqual(codesOf(r), ["op_success"]);
  assert.equal(opResultOf(r).tr().createPassiveSellOfferResult().success().offersClaimed().length, 0);
  const [passive] = l.offersOf(b);
  assert.equal(passive!.flags, PASSIVE_FLAG);
  assert.equal(l.offersOf(a)[0]!.amount, 100n * D);
  // A passive offer at a better price still crosses.
  r = l.closeChecked([l.build(b, [Operation.createPassiveSellOffer({selling: native, buying: usd.sdk, amount: "10", price: {n: 1, d: 3}})])]);
  assert.equal(opResultOf(r).tr().createPassiveSellOfferResult().success().offersClaimed().length, 1);
  assert.equal(l.offersOf(a)[0]!.amount, 95n * D);
});

test("crossing one's own offer is op_cross_self and changes nothing", () => {
  const {l, a, usd} = market();
  l.closeChecked([l.build(a, [Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "100", price: {n: 2, d: 1}})])]);
  const before = l.offers();
  const r = l.closeChecked([l.build(a, [Operation.manageSellOffer({selling: native, buying: usd.sdk, amount: "10", price: {n: 1, d: 2}})])]);
  assert.deepEqual(codesOf(r), ["op_cross_self"]);
  assert.equal(opResultOf(r).tr().manageSellOfferResult().switch().name, "manageSellOfferCrossSelf");
  assert.deepEqual(l.offers(), before);
});

test("holdings, limits and reserves are checked with Stellar's codes", () => {
  const {l, issuer, a, b, usd} = market();
  const eur = credit("EUR", issuer);
  const poor = Keypair.random();
  l.fund([poor], "2");
  const cases: [Keypair, ReturnType<typeof Operation.manageSellOffer>, string, string][] = [
    [b, Operation.manageSellOffer({selling: eur.sdk, buying: native, amount: "1", price: "1"}), "op_sell_no_trust", "manageSellOfferSellNoTrust"],
    [a, Operation.manageSellOffer({selling: native, buying: eur.sdk, amount: "1", price: "1"}), "op_buy_no_trust", "manageSellOfferBuyNoTrust"],
    [b, Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "1", price: "1"}), "op_underfunded", "manageSellOfferUnderfunded"],
    [a, Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "1001", price: "1"}), "op_underfunded", "manageSellOfferUnderfunded"],
    [a, Operation.manageSellOffer({selling: usd.sdk, buying: usd.sdk, amount: "1", price: "1"}), "op_malformed", "manageSellOfferMalformed"],
    [a, Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "0", price: "1"}), "op_malformed", "manageSellOfferMalformed"],
    [poor, Operation.manageSellOffer({selling: native, buying: usd.sdk, amount: "0.1", price: "1"}), "op_buy_no_trust", "manageSellOfferBuyNoTrust"],
    [poor, Operation.manageSellOffer({selling: native, buying: native, amount: "0.1", price: "1"}), "op_malformed", "manageSellOfferMalformed"],
  ];
  for (const [kp, op, code, arm] of cases) {
    const r = l.closeChecked([l.build(kp, [op])]);
    assert.deepEqual(codesOf(r), [code], code + " " + arm);
    assert.equal(opResultOf(r).tr().manageSellOfferResult().switch().name, arm);
  }
  // The issuer sells its own asset from its implicit line; a 2 DIAM account with one trustline (1.5 DIAM minimum) cannot afford an offer's reserve.
  l.trust(poor, usd.asset, 10n * D);
  let r = l.closeChecked([l.build(poor, [Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "1", price: "1"})])]);
  assert.deepEqual(codesOf(r), ["op_low_reserve"]);
  assert.equal(opResultOf(r).tr().manageSellOfferResult().switch().name, "manageSellOfferLowReserve");
  r = l.closeChecked([l.build(issuer, [Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "1000000", price: "1"})])]);
  assert.deepEqual(codesOf(r), ["op_success"]);
  // Lines the issuer has not authorized can neither sell nor buy.
  const gbp = credit("GBP", issuer);
  l.trust(b, gbp.asset, 5n * D, 100n * D, 0);
  r = l.closeChecked([l.build(b, [Operation.manageSellOffer({selling: gbp.sdk, buying: native, amount: "1", price: "1"})])]);
  assert.deepEqual(codesOf(r), ["sell_not_authorized"]);
  assert.equal(opResultOf(r).tr().manageSellOfferResult().switch().name, "manageSellOfferSellNotAuthorized");
  r = l.closeChecked([l.build(b, [Operation.manageSellOffer({selling: native, buying: gbp.sdk, amount: "1", price: "1"})])]);
  assert.deepEqual(codesOf(r), ["buy_not_authorized"]);
  assert.equal(opResultOf(r).tr().manageSellOfferResult().switch().name, "manageSellOfferBuyNotAuthorized");
  // A line limit too small for what the offer would buy: op_line_full.
  l.trust(b, eur.asset, 0n, 5n * D);
  r = l.closeChecked([l.build(b, [Operation.manageBuyOffer({selling: native, buying: eur.sdk, buyAmount: "6", price: "1"})])]);
  assert.deepEqual(codesOf(r), ["op_line_full"]);
  assert.equal(opResultOf(r).tr().manageBuyOfferResult().switch().name, "manageBuyOfferLineFull");
});

test("rounding through the book at 7/11: the taker pays it, too-small remainders leave the book", () => {
  const {l, a, b, usd} = market();
  // Maker sells 0.0001 USD (1000 stroops) at 7/11 DIAM per USD.
  l.closeChecked([l.build(a, [Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "0.0001", price: {n: 7, d: 11}})])]);
  assert.equal(l.acct(a).buyingLiabilities, 636n); // floor(1000·7/11)
  // Taker sells 445 stroops of DIAM at the inverse price: sheepValue = min(445·11, MAX·7) = 4895 < wheatValue = 7000,
  // wheat stays; n ≤ d: sheepSend = floor(4895/11) = 445, wheatReceive = floor(445·11/7) = 699.
  const r = l.closeChecked([l.build(b, [Operation.manageSellOffer({selling: native, buying: usd.sdk, amount: "0.0000445", price: {n: 11, d: 7}})])]);
  const atom = opResultOf(r).tr().manageSellOfferResult().success().offersClaimed()[0]!.orderBook();
  assert.equal(atom.amountSold().toString(), "699");
  assert.equal(atom.amountBought().toString(), "445");
  assert.ok(445n * 11n >= 699n * 7n, "the maker is never short-changed");
  assert.equal(l.line(b, usd.asset).balance, 699n);
  // The maker's 301 left: adjustOffer(7/11, 301) = ceil(floor(301·7/11)·11/7) = ceil(191·11/7) = 301.
  assert.equal(l.offersOf(a)[0]!.amount, 301n);
  // A maker whose remainder cannot trade within 1% at its price is removed: 10 stroops at 7/11 adjust to 0.
  const r2 = l.closeChecked([l.build(a, [Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "0.000001", price: {n: 7, d: 11}})])]);
  assert.equal(opResultOf(r2).tr().manageSellOfferResult().success().offer().switch().name, "manageOfferDeleted");
  assert.equal(l.offersOf(a).length, 1);
});
