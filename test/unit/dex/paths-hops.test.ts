/**
 * The path search prices each hop in doubles where every product is exact and hands the rest of
 * the hop to exchangeV10 otherwise. These tests hold it to exchangeV10's own answers: on random
 * books (prices from 1/1 to int32 extremes, amounts from one stroop to past 2^53, the payer's own
 * offers, offers exchangeV10 refuses) the hop's amount, the work it counts and any error it throws
 * are those of crossing the same offers one by one with exchangeV10, as apply does.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import type {OfferEntry} from "../../../src/ledger/types.js";
import {exchangeV10, INT32_MAX, INT64_MAX} from "../../../src/dex/exchange.js";
import {MAX_OFFERS_TO_CROSS, strictReceiveHopCost, strictSendHopYield, WorkMeter} from "../../../src/dex/paths.js";
import {prng} from "../../helpers/prng.js";

/** The hop as apply crosses it: every offer through exchangeV10 in BigInt. */
function receiveByExchange(offers: readonly OfferEntry[], wheatWanted: bigint, payer: string | undefined, meter: WorkMeter): bigint | undefined {
  let remaining = wheatWanted;
  let sheepSent = 0n;
  let crossed = 0;
  for (const offer of offers) {
    if (remaining === 0n) break;
    if (offer.sellerId === payer) return undefined;
    if (++crossed > MAX_OFFERS_TO_CROSS) return undefined;
    meter.spend(1);
    const r = exchangeV10(offer.price, offer.amount, remaining, INT64_MAX, INT64_MAX, "strict_receive");
    sheepSent += r.sheepSend;
    remaining -= r.wheatReceive;
    if (sheepSent > INT64_MAX) return undefined;
    if (remaining > 0n && r.wheatStays) return undefined;
  }
  return remaining === 0n ? sheepSent : undefined;
}

function sendByExchange(offers: readonly OfferEntry[], sheepToSend: bigint, meter: WorkMeter): bigint | undefined {
  let remaining = sheepToSend;
  let wheatReceived = 0n;
  let crossed = 0;
  for (const offer of offers) {
    if (remaining === 0n) break;
    if (++crossed > MAX_OFFERS_TO_CROSS) return undefined;
    meter.spend(1);
    const r = exchangeV10(offer.price, offer.amount, INT64_MAX, remaining, INT64_MAX, "strict_send");
    wheatReceived += r.wheatReceive;
    remaining -= r.sheepSend;
    if (wheatReceived > INT64_MAX) return undefined;
    if (remaining > 0n && r.wheatStays) return undefined;
  }
  return remaining === 0n ? wheatReceived : undefined;
}

type Outcome = {value: bigint | undefined; work: number} | {error: string};

function outcome(run: (meter: WorkMeter) => bigint | undefined, maxWork: number): Outcome {
  const meter = new WorkMeter(maxWork);
  try {
    return {value: run(meter), work: meter.used};
  } catch (err) {
    return {error: err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)};
  }
}

const SELLERS = ["GA", "GB", "GC"];

/** Amounts over many scales: single stroops, the bench's (1e9-1e11), around 2^52-2^53, up to int64. */
function amount(rand: () => number): bigint {
  const k = rand();
  if (k < 0.2) return BigInt(Math.floor(rand() * 20));
  if (k < 0.6) return BigInt(Math.floor(1e9 + rand() * 1e11));
  if (k < 0.8) return BigInt(Math.floor(rand() * 2 ** 40));
  if (k < 0.9) return 2n ** 52n + BigInt(Math.floor((rand() - 0.5) * 2 ** 20));
  return BigInt(Math.floor(rand() * 2 ** 53)) * BigInt(1 + Math.floor(rand() * 1024));
}

function priceTerm(rand: () => number): number {
  const k = rand();
  if (k < 0.3) return 1 + Math.floor(rand() * 12);
  if (k < 0.7) return 250 + Math.floor(rand() * 400_000);
  if (k < 0.9) return INT32_MAX - Math.floor(rand() * 1000);
  return 1 + Math.floor(rand() * INT32_MAX);
}

function randomBook(rand: () => number, bad: boolean): OfferEntry[] {
  const count = 1 + Math.floor(rand() * 12);
  const offers: OfferEntry[] = [];
  for (let i = 0; i < count; i++) {
    let price = {n: priceTerm(rand), d: priceTerm(rand)};
    let amt = amount(rand);
    // Now and then something exchangeV10 refuses: its error must come out of the hop as it is.
    if (bad && rand() < 0.1) price = rand() < 0.5 ? {n: 0, d: 3} : {n: 1.5, d: 2};
    if (bad && rand() < 0.05) amt = -amt - 1n;
    offers.push({
      type: "offer",
      sellerId: SELLERS[Math.floor(rand() * SELLERS.length)] as string,
      offerId: BigInt(i + 1),
      selling: {type: "native"},
      buying: {type: "native"},
      amount: amt,
      price,
      flags: 0,
      lastModifiedLedger: 2,
    });
  }
  return offers;
}

describe("path hops in doubles where exact", () => {
  it("strict receive: the amount, work and errors of exchangeV10 on 20,000 random books", () => {
    const rand = prng(6100);
    let answered = 0;
    let errors = 0;
    for (let k = 0; k < 20_000; k++) {
      const offers = randomBook(rand, k % 3 === 0);
      const wanted = amount(rand) + 1n;
      const payer = rand() < 0.2 ? "GA" : undefined;
      const maxWork = rand() < 0.1 ? Math.floor(rand() * 4) : 1_000_000;
      const expected = outcome((m) => receiveByExchange(offers, wanted, payer, m), maxWork);
      const actual = outcome((m) => strictReceiveHopCost(offers, wanted, payer, m), maxWork);
      assert.deepEqual(actual, expected, `case ${k}: wanted ${wanted}, offers ${JSON.stringify(offers, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`);
      if ("error" in expected) errors++;
      else if (expected.value !== undefined) answered++;
    }
    // The cases cover answers and errors alike, not only books that run out.
    assert.ok(answered > 2_000, `answered ${answered}`);
    assert.ok(errors > 500, `errors ${errors}`);
  });

  it("strict send: the amount, work and errors of exchangeV10 on 20,000 random books", () => {
    const rand = prng(6200);
    let answered = 0;
    let errors = 0;
    for (let k = 0; k < 20_000; k++) {
      const offers = randomBook(rand, k % 3 === 0);
      const send = amount(rand) + 1n;
      const maxWork = rand() < 0.1 ? Math.floor(rand() * 4) : 1_000_000;
      const expected = outcome((m) => sendByExchange(offers, send, m), maxWork);
      const actual = outcome((m) => strictSendHopYield(offers, send, m), maxWork);
      assert.deepEqual(actual, expected, `case ${k}: send ${send}, offers ${JSON.stringify(offers, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`);
      if ("error" in expected) errors++;
      else if (expected.value !== undefined) answered++;
    }
    assert.ok(answered > 2_000, `answered ${answered}`);
    assert.ok(errors > 500, `errors ${errors}`);
  });

  it("exchanges a small offer at 3/2 as exchangeV10 does: the taker pays the rounding (strict receive), receives it rounded down (strict send)", () => {
    const book: OfferEntry[] = [
      {type: "offer", sellerId: "GB", offerId: 1n, selling: {type: "native"}, buying: {type: "native"}, amount: 1_000n, price: {n: 3, d: 2}, flags: 0, lastModifiedLedger: 2},
    ];
    // 7 wheat at 3/2 cost ceil(21/2) = 11; 11 sheep buy floor(22/3) = 7.
    assert.equal(strictReceiveHopCost(book, 7n, undefined, null), 11n);
    assert.equal(strictSendHopYield(book, 11n, null), 7n);
    // More than the book holds: no path.
    assert.equal(strictReceiveHopCost(book, 1_001n, undefined, null), undefined);
    assert.equal(strictSendHopYield(book, 2_000n, null), undefined);
  });
});
