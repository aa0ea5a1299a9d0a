import {test} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation} from "../tx/harness.js";
import {codesOf, credit, D, DexLedger, opResultOf} from "./fixture.js";

const native = Asset.native();
const ceil = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/** Two anchors' assets and a market maker quoting USD for DIAM (5 DIAM per USD) and DIAM for AED (1/4 AED per DIAM); no USD/AED book. */
function market() {
  const l = new DexLedger();
  const [usdIssuer, aedIssuer, maker, sender, receiver] = [Keypair.random(), Keypair.random(), Keypair.random(), Keypair.random(), Keypair.random()];
  l.fund([usdIssuer, aedIssuer, maker, sender, receiver], "10000");
  const usd = credit("USD", usdIssuer);
  const aed = credit("AED", aedIssuer);
  l.trust(maker, usd.asset, 1000n * D);
  l.trust(maker, aed.asset, 0n);
  l.trust(sender, aed.asset, 1000n * D);
  l.trust(receiver, usd.asset, 0n);
  const r = l.closeChecked([
    l.build(maker, [
      Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "1000", price: {n: 5, d: 1}}),
      Operation.manageSellOffer({selling: native, buying: aed.sdk, amount: "5000", price: {n: 1, d: 4}}),
    ]),
  ]);
  assert.deepEqual(codesOf(r), ["op_success", "op_success"]);
  return {l, usd, aed, maker, sender, receiver};
}

test("strict receive via DIAM: the receiver gets exactly its amount, the sender pays each hop's rounded-up price", () => {
  const {l, usd, aed, maker, sender, receiver} = market();
  const want = 100_000_001n; // 10.0000001 USD
  // Hop USD←DIAM at 5/1 (the offer stays): wheatReceive = want, sheepSend = ceil(want·5/1).
  const diam = ceil(want * 5n, 1n);
  // Hop DIAM←AED at 1/4: wheatReceive = diam, sheepSend = ceil(diam·1/4).
  const cost = ceil(diam, 4n);
  assert.equal(cost, 125_000_002n);
  const makerBefore = l.acct(maker).balance;
  const r = l.closeChecked([
    l.build(sender, [Operation.pathPaymentStrictReceive({sendAsset: aed.sdk, sendMax: "12.5000002", destination: receiver.publicKey(), destAsset: usd.sdk, destAmount: "10.0000001", path: [native]})]),
  ]);
  assert.deepEqual(codesOf(r), ["op_success"]);
  assert.equal(l.line(receiver, usd.asset).balance, want);
  assert.equal(l.line(sender, aed.asset).balance, 1000n * D - cost);
  assert.equal(l.line(maker, aed.asset).balance, cost);
  assert.equal(l.line(maker, usd.asset).balance, 1000n * D - want);
  assert.equal(l.acct(maker).balance, makerBefore); // bought and sold the same DIAM
  const [usdOffer, diamOffer] = l.offersOf(maker);
  assert.equal(usdOffer!.amount, 1000n * D - want);
  // The rest is adjusted to what trades at 1/4 without rounding past 1%: floor(rest/4)·4.
  assert.equal(diamOffer!.amount, ((5000n * D - diam) / 4n) * 4n);
  const s = opResultOf(r).tr().pathPaymentStrictReceiveResult().success();
  // Offers in path order: the source's hop first.
  const atoms = s.offers().map((a) => a.orderBook());
  assert.deepEqual(
    atoms.map((a) => [a.offerId().toString(), a.amountSold().toString(), a.amountBought().toString()]),
    [
      [diamOffer!.offerId.toString(), diam.toString(), cost.toString()],
      [usdOffer!.offerId.toString(), want.toString(), diam.toString()],
    ],
  );
  assert.equal(s.last().amount().toString(), want.toString());
  assert.equal(s.last().asset().toXDR("hex"), usd.sdk.toXDRObject().toXDR("hex"));
});

test("strict send via DIAM: the sender pays exactly its amount, the receiver gets each hop's rounded-down yield", () => {
  const {l, usd, aed, sender, receiver} = market();
  const send = 125_000_003n;
  // Hop AED→DIAM at 1/4 (the offer stays): wheatReceive = floor(send·4/1).
  const diam = (send * 4n) / 1n;
  // Hop DIAM→USD at 5/1: wheatReceive = floor(diam·1/5).
  const got = diam / 5n;
  assert.equal(got, 100_000_002n);
  const r = l.closeChecked([
    l.build(sender, [Operation.pathPaymentStrictSend({sendAsset: aed.sdk, sendAmount: "12.5000003", destination: receiver.publicKey(), destAsset: usd.sdk, destMin: "10", path: [native]})]),
  ]);
  assert.deepEqual(codesOf(r), ["op_success"]);
  assert.equal(l.line(sender, aed.asset).balance, 1000n * D - send);
  assert.equal(l.line(receiver, usd.asset).balance, got);
  const s = opResultOf(r).tr().pathPaymentStrictSendResult().success();
  assert.equal(s.offers().length, 2);
  assert.equal(s.offers()[0]!.orderBook().amountBought().toString(), send.toString());
  assert.equal(s.last().amount().toString(), got.toString());
});

test("path payment failures: over send max, under dest min, too few offers, cross self, no trust, no destination; nothing changes", () => {
  const {l, usd, aed, maker, sender, receiver} = market();
  const stranger = Keypair.random();
  const eur = credit("EUR", Keypair.random());
  const before = JSON.stringify([...l.entries.entries()].filter(([k]) => !k.startsWith("a:")), (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  const cases: [Keypair, ReturnType<typeof Operation.pathPaymentStrictSend>, string, string][] = [
    [sender, Operation.pathPaymentStrictReceive({sendAsset: aed.sdk, sendMax: "12.5", destination: receiver.publicKey(), destAsset: usd.sdk, destAmount: "10.0000001", path: [native]}), "op_over_source_max", "pathPaymentStrictReceiveOverSendmax"],
    [sender, Operation.pathPaymentStrictSend({sendAsset: aed.sdk, sendAmount: "12.5", destination: receiver.publicKey(), destAsset: usd.sdk, destMin: "10.0000001", path: [native]}), "op_under_dest_min", "pathPaymentStrictSendUnderDestmin"],
    [sender, Operation.pathPaymentStrictReceive({sendAsset: aed.sdk, sendMax: "100", destination: receiver.publicKey(), destAsset: usd.sdk, destAmount: "1", path: []}), "op_too_few_offers", "pathPaymentStrictReceiveTooFewOffers"],
    [sender, Operation.pathPaymentStrictSend({sendAsset: aed.sdk, sendAmount: "1", destination: receiver.publicKey(), destAsset: usd.sdk, destMin: "0.1", path: []}), "op_too_few_offers", "pathPaymentStrictSendTooFewOffers"],
    // More USD than the book holds: the book runs out before the amount is met.
    [sender, Operation.pathPaymentStrictReceive({sendAsset: aed.sdk, sendMax: "1000", destination: receiver.publicKey(), destAsset: usd.sdk, destAmount: "1000.0000001", path: [native]}), "op_too_few_offers", "pathPaymentStrictReceiveTooFewOffers"],
    [maker, Operation.pathPaymentStrictReceive({sendAsset: native, sendMax: "100", destination: receiver.publicKey(), destAsset: usd.sdk, destAmount: "1", path: []}), "op_cross_self", "pathPaymentStrictReceiveOfferCrossSelf"],
    [sender, Operation.pathPaymentStrictReceive({sendAsset: aed.sdk, sendMax: "100", destination: sender.publicKey(), destAsset: usd.sdk, destAmount: "1", path: [native]}), "op_no_trust", "pathPaymentStrictReceiveNoTrust"],
    [sender, Operation.pathPaymentStrictSend({sendAsset: aed.sdk, sendAmount: "1", destination: stranger.publicKey(), destAsset: usd.sdk, destMin: "0.1", path: [native]}), "op_no_destination", "pathPaymentStrictSendNoDestination"],
    [sender, Operation.pathPaymentStrictSend({sendAsset: eur.sdk, sendAmount: "1", destination: receiver.publicKey(), destAsset: usd.sdk, destMin: "0.1", path: [native]}), "op_src_no_trust", "pathPaymentStrictSendSrcNoTrust"],
    [sender, Operation.pathPaymentStrictSend({sendAsset: aed.sdk, sendAmount: "1000.0000001", destination: receiver.publicKey(), destAsset: usd.sdk, destMin: "0.1", path: [native]}), "op_underfunded", "pathPaymentStrictSendUnderfunded"],
  ];
  for (const [kp, op, code, arm] of cases) {
    const r = l.closeChecked([l.build(kp, [op])]);
    assert.deepEqual(codesOf(r), [code], arm);
    const tr = opResultOf(r).tr();
    const name = tr.switch().name === "pathPaymentStrictReceive" ? tr.pathPaymentStrictReceiveResult().switch().name : tr.pathPaymentStrictSendResult().switch().name;
    assert.equal(name, arm);
  }
  const after = JSON.stringify([...l.entries.entries()].filter(([k]) => !k.startsWith("a:")), (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  assert.equal(after, before);
});

test("a payment to oneself across the book, and a strict send to the issuer burns what arrives", () => {
  const {l, usd, aed, sender} = market();
  // The sender buys USD with its own AED through DIAM, to itself.
  l.trust(sender, usd.asset, 0n);
  let r = l.closeChecked([l.build(sender, [Operation.pathPaymentStrictReceive({sendAsset: aed.sdk, sendMax: "2", destination: sender.publicKey(), destAsset: usd.sdk, destAmount: "1", path: [native]})])]);
  assert.deepEqual(codesOf(r), ["op_success"]);
  assert.equal(l.line(sender, usd.asset).balance, 1n * D);
  assert.equal(l.line(sender, aed.asset).balance, 1000n * D - ceil(5n * D, 4n));
  // Withdrawal through the book: AED paid in, USD arrives at its issuer (burned, no line needed).
  const usdIssuer = Keypair.fromPublicKey(usd.asset.issuer);
  r = l.closeChecked([l.build(sender, [Operation.pathPaymentStrictSend({sendAsset: aed.sdk, sendAmount: "1.25", destination: usdIssuer.publicKey(), destAsset: usd.sdk, destMin: "1", path: [native]})])]);
  assert.deepEqual(codesOf(r), ["op_success"]);
  assert.equal(opResultOf(r).tr().pathPaymentStrictSendResult().success().last().amount().toString(), (1n * D).toString());
});

/**
 * stellar-core's work limit for path payments: one budget of MAX_OFFERS_TO_CROSS (1,000) offers
 * for the whole operation, each hop spending what it crossed; a hop fails with
 * op_exceeded_work_limit when it would cross an offer past the budget.
 */
function deepMarket() {
  const l = new DexLedger();
  const [usdIssuer, aedIssuer, maker1, maker2, sender, receiver] = [Keypair.random(), Keypair.random(), Keypair.random(), Keypair.random(), Keypair.random(), Keypair.random()];
  l.fund([usdIssuer, aedIssuer, maker1, maker2, sender, receiver], "10000");
  const usd = credit("USD", usdIssuer);
  const aed = credit("AED", aedIssuer);
  l.trust(maker1, aed.asset, 0n);
  l.trust(maker2, usd.asset, 10_000n * D);
  l.trust(sender, aed.asset, 10_000n * D);
  l.trust(receiver, usd.asset, 0n);
  // Hop AED→DIAM: 601 offers of 1 DIAM at 1 AED a DIAM; hop DIAM→USD: 500 offers of 1.5 USD at 1 DIAM a USD.
  const offers = (count: number, op: () => ReturnType<typeof Operation.manageSellOffer>) => Array.from({length: count}, op);
  const txs = [];
  const first = offers(601, () => Operation.manageSellOffer({selling: native, buying: aed.sdk, amount: "1", price: {n: 1, d: 1}}));
  for (let i = 0; i * 100 < first.length; i++) txs.push(l.build(maker1, first.slice(i * 100, i * 100 + 100), {ahead: i}));
  const second = offers(500, () => Operation.manageSellOffer({selling: usd.sdk, buying: native, amount: "1.5", price: {n: 1, d: 1}}));
  for (let i = 0; i * 100 < second.length; i++) txs.push(l.build(maker2, second.slice(i * 100, i * 100 + 100), {ahead: i}));
  const r = l.closeChecked(txs);
  assert.ok(r.applied.every((a) => a.successful));
  assert.equal(l.offers().length, 1101);
  return {l, usd, aed, sender, receiver};
}

test("path payment work limit: 1,000 offers across the hops succeed, one more is op_exceeded_work_limit", () => {
  {
    const {l, usd, aed, sender, receiver} = deepMarket();
    // 600 AED take 600 DIAM offers whole; 600 DIAM take 400 USD offers of 1.5 whole: 1,000 crossings.
    const r = l.closeChecked([l.build(sender, [Operation.pathPaymentStrictSend({sendAsset: aed.sdk, sendAmount: "600", destination: receiver.publicKey(), destAsset: usd.sdk, destMin: "600", path: [native]})])]);
    assert.deepEqual(codesOf(r), ["op_success"]);
    assert.equal(opResultOf(r).tr().pathPaymentStrictSendResult().success().offers().length, 1000);
    assert.equal(l.line(receiver, usd.asset).balance, 600n * D);
  }
  {
    const {l, usd, aed, sender, receiver} = deepMarket();
    // One stroop more takes a 601st DIAM offer, leaving 399 for a hop that needs 401: past the budget.
    const r = l.closeChecked([l.build(sender, [Operation.pathPaymentStrictSend({sendAsset: aed.sdk, sendAmount: "600.0000001", destination: receiver.publicKey(), destAsset: usd.sdk, destMin: "600", path: [native]})])]);
    assert.deepEqual(codesOf(r), ["op_exceeded_work_limit"]);
    assert.equal(opResultOf(r).switch().name, "opExceededWorkLimit");
    assert.equal(l.line(sender, aed.asset).balance, 10_000n * D);
    assert.equal(l.line(receiver, usd.asset).balance, 0n);
    assert.equal(l.offers().length, 1101);
  }
  // Strict receive walks from the destination: 600 USD take 400 offers, then 600 DIAM take 600.
  // One stroop more needs a 401st USD offer, then 601 DIAM offers with 599 left in the budget.
  for (const [destAmount, code] of [["600", "op_success"], ["600.0000001", "op_exceeded_work_limit"]] as const) {
    const {l, usd, aed, sender, receiver} = deepMarket();
    const r = l.closeChecked([l.build(sender, [Operation.pathPaymentStrictReceive({sendAsset: aed.sdk, sendMax: "700", destination: receiver.publicKey(), destAsset: usd.sdk, destAmount, path: [native]})])]);
    assert.deepEqual(codesOf(r), [code], destAmount);
  }
});
