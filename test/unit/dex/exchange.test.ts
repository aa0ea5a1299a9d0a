import {test} from "node:test";
import assert from "node:assert/strict";
import {
  adjustOffer,
  checkPriceErrorBound,
  exchangeV10,
  exchangeV10WithoutPriceErrorThresholds,
  offerBuyingLiabilities,
  offerSellingLiabilities,
} from "../../../src/dex/exchange.js";
import {DexError} from "../../../src/dex/errors.js";
import {prng} from "../../helpers/prng.js";

const MAX = 9_223_372_036_854_775_807n;
const I32 = 2_147_483_647;

/** floor / ceil of a/b for non-negative bigints, written out so the expectations below follow the CAP by hand. */
const floor = (a: bigint, b: bigint): bigint => a / b;
const ceil = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

test("price 1/3: the offer stays and the taker pays the rounding (normal: fewer wheat, strict receive: more sheep)", () => {
  const price = {n: 1, d: 3};
  // wheatValue = min(100·1, MAX·3) = 100 > sheepValue = min(MAX·3, 10·1) = 10: wheat stays.
  // normal, n ≤ d: sheepSend = floor(10/3) = 3, wheatReceive = floor(3·3/1) = 9.
  assert.deepEqual(exchangeV10(price, 100n, 10n, MAX, MAX, "normal"), {wheatReceive: floor(10n, 3n) * 3n, sheepSend: floor(10n, 3n), wheatStays: true});
  // strict receive: wheatReceive = floor(10/1) = 10, sheepSend = ceil(10·1/3) = 4.
  assert.deepEqual(exchangeV10(price, 100n, 10n, MAX, MAX, "strict_receive"), {wheatReceive: 10n, sheepSend: ceil(10n, 3n), wheatStays: true});
  // strict send of 10 sheep: sheepValue = 30, wheatReceive = floor(30/1) = 30, sheepSend = min(10, MAX) = 10.
  assert.deepEqual(exchangeV10(price, 100n, MAX, 10n, MAX, "strict_send"), {wheatReceive: 30n, sheepSend: 10n, wheatStays: true});
});

test("price 7/11: wheat stays within 1%, a trade off by more than 1% does not happen in normal rounding", () => {
  const price = {n: 7, d: 11};
  // Taker wants 700 of a 1000 offer: sheepValue = 700·7 = 4900; sheepSend = floor(4900/11) = 445;
  // wheatReceive = floor(445·11/7) = 699. Error |100·7·699 − 100·11·445| = 200 ≤ 7·699.
  const s = floor(4900n, 11n);
  const w = floor(s * 11n, 7n);
  assert.equal(s, 445n);
  assert.deepEqual(exchangeV10(price, 1000n, 700n, MAX, MAX, "normal"), {wheatReceive: w, sheepSend: s, wheatStays: true});
  assert.ok(s * 11n >= w * 7n, "the book is never short-changed");
  // Taker wants 50: sheepSend = floor(350/11) = 31, wheatReceive = floor(341/7) = 48; error 500 > 7·48: no trade.
  assert.equal(checkPriceErrorBound(price, 48n, 31n, false), false);
  assert.deepEqual(exchangeV10(price, 1000n, 50n, MAX, MAX, "normal"), {wheatReceive: 0n, sheepSend: 0n, wheatStays: true});
  // ...but a strict send of 31 sheep accepts the book's favour: 48 wheat for 31 sheep.
  assert.deepEqual(exchangeV10(price, 1000n, MAX, 31n, MAX, "strict_send"), {wheatReceive: 48n, sheepSend: 31n, wheatStays: true});
});

test("price 7/11: a taker larger than the offer takes it whole and the rounding favours the taker", () => {
  const price = {n: 7, d: 11};
  // wheatValue = 1000·7 = 7000 < sheepValue: sheep stays. sheepSend = floor(7000/11) = 636,
  // wheatReceive = ceil(636·11/7) = 1000.
  const s = floor(7000n, 11n);
  assert.deepEqual(exchangeV10(price, 1000n, MAX, MAX, MAX, "normal"), {wheatReceive: ceil(s * 11n, 7n), sheepSend: s, wheatStays: false});
  assert.equal(ceil(s * 11n, 7n), 1000n);
  // A 10-stroop offer at 7/11: sheepSend = floor(70/11) = 6, wheatReceive = ceil(66/7) = 10, error 400 > 70: too small to trade.
  assert.deepEqual(exchangeV10(price, 10n, MAX, MAX, MAX, "normal"), {wheatReceive: 0n, sheepSend: 0n, wheatStays: false});
  assert.equal(adjustOffer(price, 10n, MAX), 0n);
  // Liabilities of a 1000 offer are what an unlimited taker would exchange: 1000 sold, 636 bought.
  assert.equal(offerSellingLiabilities(price, 1000n), 1000n);
  assert.equal(offerBuyingLiabilities(price, 1000n), 636n);
});

test("tiny amounts: one stroop offers that cannot trade at their price adjust to zero", () => {
  assert.deepEqual(exchangeV10({n: 1, d: 1}, 1n, 1n, 1n, 1n, "normal"), {wheatReceive: 1n, sheepSend: 1n, wheatStays: false});
  // 3/2, 1 stroop: wheatReceive = floor(3/3) = 1, sheepSend = floor(3/2) = 1; error |300 − 200| = 100 > 3.
  assert.equal(adjustOffer({n: 3, d: 2}, 1n, MAX), 0n);
  // 1/3, 1 stroop: sheepSend = floor(1/3) = 0.
  assert.equal(adjustOffer({n: 1, d: 3}, 1n, MAX), 0n);
  assert.equal(offerBuyingLiabilities({n: 1, d: 3}, 1n), 0n);
  // 2/1 and 1 stroop: wheatReceive = 1, sheepSend = 2: exact.
  assert.equal(adjustOffer({n: 2, d: 1}, 1n, MAX), 1n);
  // A seller that can receive only 1 more sheep at 1/3 can sell floor(1·3/1) = 3.
  assert.equal(adjustOffer({n: 1, d: 3}, 100n, 1n), 3n);
});

test("huge amounts: int64 maxima and int32 prices stay exact and in range", () => {
  assert.deepEqual(exchangeV10({n: 1, d: 1}, MAX, MAX, MAX, MAX, "normal"), {wheatReceive: MAX, sheepSend: MAX, wheatStays: false});
  // n = INT32_MAX, d = 1: an INT64_MAX offer can only be paid for up to floor(MAX / n) wheat.
  const n = BigInt(I32);
  const w = floor(MAX, n);
  assert.deepEqual(exchangeV10({n: I32, d: 1}, MAX, MAX, MAX, MAX, "normal"), {wheatReceive: w, sheepSend: w * n, wheatStays: false});
  assert.equal(offerBuyingLiabilities({n: I32, d: 1}, MAX), w * n);
  // n = 1, d = INT32_MAX: sheepSend = floor(MAX/d), wheatReceive = ceil(sheepSend·d) ≤ MAX.
  const d = BigInt(I32);
  const s = floor(MAX, d);
  const r = exchangeV10({n: 1, d: I32}, MAX, MAX, MAX, MAX, "normal");
  assert.deepEqual(r, {wheatReceive: s * d, sheepSend: s, wheatStays: false});
  assert.ok(r.wheatReceive <= MAX);
});

test("bad arguments are refused with a coded error", () => {
  assert.throws(() => exchangeV10({n: 0, d: 1}, 1n, 1n, 1n, 1n, "normal"), (e: unknown) => e instanceof DexError && e.code === "dex_bad_argument");
  assert.throws(() => exchangeV10({n: 1, d: 2 ** 31}, 1n, 1n, 1n, 1n, "normal"), DexError);
  assert.throws(() => exchangeV10({n: 1, d: 1}, -1n, 1n, 1n, 1n, "normal"), DexError);
});

test("seeded property run: no value created, limits kept, adjustOffer idempotent", () => {
  const seed = 0x5eed6;
  const rnd = prng(seed);
  const big = (): bigint => {
    const scale = Math.floor(rnd() * 4);
    const base = BigInt(Math.floor(rnd() * 2 ** 31));
    return scale === 0 ? BigInt(Math.floor(rnd() * 20)) : scale === 1 ? base : scale === 2 ? base * BigInt(Math.floor(rnd() * 2 ** 31)) : MAX - base;
  };
  const p = (): number => 1 + Math.floor(rnd() < 0.5 ? rnd() * 20 : rnd() * (I32 - 1));
  for (let i = 0; i < 3000; i++) {
    const price = {n: p(), d: p()};
    const [ws, wr, ss, sr] = [big(), big(), big(), big()];
    // Path payments cross only adjusted offers, with the other side unbounded, as the crossing engine does.
    const adjusted = adjustOffer(price, ws, sr);
    const cases = [
      {round: "normal", ws, wr, ss},
      {round: "strict_receive", ws: adjusted, wr, ss: MAX},
      {round: "strict_send", ws: adjusted, wr: MAX, ss},
    ] as const;
    for (const c of cases) {
      const {round} = c;
      if (round !== "normal" && (c.ws === 0n || c.wr === 0n || c.ss === 0n)) continue;
      const msg = `seed ${seed} i ${i} ${round} ${price.n}/${price.d} ${c.ws} ${c.wr} ${c.ss} ${sr}`;
      const raw = exchangeV10WithoutPriceErrorThresholds(price, c.ws, c.wr, c.ss, sr, round);
      const r = exchangeV10(price, c.ws, c.wr, c.ss, sr, round);
      assert.ok(r.wheatReceive >= 0n && r.wheatReceive <= c.ws && r.wheatReceive <= c.wr, msg);
      assert.ok(r.sheepSend >= 0n && r.sheepSend <= c.ss && r.sheepSend <= sr, msg);
      const sheepValue = r.sheepSend * BigInt(price.d);
      const wheatValue = r.wheatReceive * BigInt(price.n);
      // The side that stays is never short-changed.
      if (raw.wheatStays) assert.ok(sheepValue >= wheatValue, msg);
      else assert.ok(sheepValue <= wheatValue, msg);
      if (round === "normal") assert.equal(r.wheatReceive === 0n, r.sheepSend === 0n, msg);
    }
    assert.equal(adjustOffer(price, adjusted, sr), adjusted, `seed ${seed} i ${i} adjust ${price.n}/${price.d} ${ws} ${sr}`);
  }
});
