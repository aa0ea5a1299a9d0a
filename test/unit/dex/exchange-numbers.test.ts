/**
 * The exchange arithmetic answers in doubles where that is exact and in bigints otherwise; the two
 * must never differ. Random prices and limits, weighted towards the edges (0, 1, amounts whose
 * value sits right at 2^53, int64's maximum), against the bigint reference, result or error alike.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {
  adjustOffer,
  exchangeV10,
  exchangeV10InBigInts,
  exchangeV10WithoutPriceErrorThresholds,
  exchangeV10WithoutPriceErrorThresholdsInBigInts,
  offerLiabilities,
  type ExchangeResult,
  type Rounding,
} from "../../../src/dex/exchange.js";
import {DexError} from "../../../src/dex/errors.js";
import {prng} from "../../helpers/prng.js";

const MAX = 9_223_372_036_854_775_807n;
const I32 = 2_147_483_647;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const ROUNDINGS: Rounding[] = ["normal", "strict_receive", "strict_send"];
const SEED = Number(process.env.EXCHANGE_SEED ?? 20261128);

type Outcome = ExchangeResult | {error: string; code: string};

function outcome(f: () => ExchangeResult): Outcome {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof DexError)) throw e;
    return {error: e.message, code: e.code};
  }
}

function generators(rand: () => number): {price: () => number; limit: (scale: number) => bigint} {
  const int = (max: number): number => 1 + Math.floor(rand() * max);
  const price = (): number => {
    const r = rand();
    if (r < 0.3) return int(20);
    if (r < 0.45) return [1, 2, 3, 7, 11, 100, 102, 1000, I32, I32 - 1][Math.floor(rand() * 10)]!;
    if (r < 0.6) return int(100_000);
    return int(I32);
  };
  const big63 = (): bigint => (BigInt(Math.floor(rand() * 2 ** 31)) << 32n) | BigInt(Math.floor(rand() * 2 ** 32));
  /** A limit; `scale` is the price component it will be multiplied by, to land near 2^53 after it. */
  const limit = (scale: number): bigint => {
    const r = rand();
    if (r < 0.08) return 0n;
    if (r < 0.14) return 1n;
    if (r < 0.3) return BigInt(int(1_000_000));
    if (r < 0.45) return BigInt(int(2 ** 47));
    if (r < 0.65) {
      // Around the largest amount whose value stays exact: floor((2^53 − 1) / scale) ± a few.
      const edge = SAFE / BigInt(scale) + BigInt(Math.floor(rand() * 7)) - 3n;
      return edge < 0n ? 0n : edge;
    }
    if (r < 0.75) return MAX - BigInt(Math.floor(rand() * 1000));
    if (r < 0.85) return MAX;
    if (r < 0.92) return SAFE + BigInt(Math.floor(rand() * 5)) - 2n;
    return big63();
  };
  return {price, limit};
}

test("exchangeV10 and its unthresholded form answer as the bigint reference over 120,000 random cases, edges included", () => {
  const rand = prng(SEED);
  const g = generators(rand);
  let traded = 0;
  for (let i = 0; i < 120_000; i++) {
    const price = {n: g.price(), d: g.price()};
    const scales = [price.n, price.d];
    const pick = (): number => scales[Math.floor(rand() * 2)]!;
    const ws = g.limit(pick());
    const wr = g.limit(pick());
    const ss = g.limit(pick());
    const sr = g.limit(pick());
    const round = ROUNDINGS[i % 3]!;
    const fast = outcome(() => exchangeV10(price, ws, wr, ss, sr, round));
    const ref = outcome(() => exchangeV10InBigInts(price, ws, wr, ss, sr, round));
    const ctx = `seed ${SEED} case ${i}: price ${price.n}/${price.d}, limits ${ws} ${wr} ${ss} ${sr}, ${round}`;
    assert.deepEqual(fast, ref, ctx);
    assert.deepEqual(
      outcome(() => exchangeV10WithoutPriceErrorThresholds(price, ws, wr, ss, sr, round)),
      outcome(() => exchangeV10WithoutPriceErrorThresholdsInBigInts(price, ws, wr, ss, sr, round)),
      ctx,
    );
    if ("wheatReceive" in ref && ref.wheatReceive > 0n) traded++;
  }
  // The cases must exercise real trades, not only zeros and errors.
  assert.ok(traded > 30_000, `only ${traded} cases traded`);
});

test("offer liabilities and adjustOffer, the apply path's most frequent exchanges, answer as the bigint reference", () => {
  const rand = prng(SEED + 1);
  const g = generators(rand);
  for (let i = 0; i < 40_000; i++) {
    const price = {n: g.price(), d: g.price()};
    const amount = g.limit(rand() < 0.5 ? price.n : price.d);
    const canReceive = g.limit(price.d);
    const ctx = `seed ${SEED + 1} case ${i}: price ${price.n}/${price.d}, amount ${amount}, can receive ${canReceive}`;
    assert.deepEqual(
      outcome(() => offerLiabilities(price, amount)),
      outcome(() => exchangeV10WithoutPriceErrorThresholdsInBigInts(price, amount, MAX, MAX, MAX, "normal")),
      ctx,
    );
    assert.deepEqual(
      outcome(() => ({wheatReceive: adjustOffer(price, amount, canReceive), sheepSend: 0n, wheatStays: false})),
      outcome(() => ({wheatReceive: exchangeV10InBigInts(price, amount, MAX, MAX, canReceive, "normal").wheatReceive, sheepSend: 0n, wheatStays: false})),
      ctx,
    );
  }
});

test("right at 2^53: an amount whose value is exactly 2^53 − 1 and one just past it both answer as the reference", () => {
  for (const n of [1, 3, 7, 102, I32]) {
    for (const d of [1, 2, 11, 100, I32]) {
      const price = {n, d};
      const edge = SAFE / BigInt(n);
      for (const amount of [edge - 1n, edge, edge + 1n, SAFE, SAFE + 1n, SAFE + 2n]) {
        for (const round of ROUNDINGS) {
          const cases: [bigint, bigint, bigint, bigint][] = [
            [amount, MAX, MAX, MAX],
            [MAX, amount, MAX, MAX],
            [MAX, MAX, amount, MAX],
            [amount, amount - 1n, MAX, amount],
            [amount, MAX, amount, 1n],
          ];
          for (const [ws, wr, ss, sr] of cases) {
            const ctx = `price ${n}/${d}, limits ${ws} ${wr} ${ss} ${sr}, ${round}`;
            assert.deepEqual(outcome(() => exchangeV10(price, ws, wr, ss, sr, round)), outcome(() => exchangeV10InBigInts(price, ws, wr, ss, sr, round)), ctx);
          }
        }
      }
    }
  }
});

test("bad arguments raise the same errors on the fast path as before", () => {
  assert.throws(() => exchangeV10({n: 0, d: 1}, 1n, 1n, 1n, 1n, "normal"), DexError);
  assert.throws(() => exchangeV10({n: 1, d: 1}, -1n, 1n, 1n, 1n, "normal"), DexError);
  assert.throws(() => exchangeV10WithoutPriceErrorThresholds({n: 1, d: I32 + 1}, 1n, 1n, 1n, 1n, "normal"), DexError);
  assert.throws(() => offerLiabilities({n: 1.5, d: 1}, 10n), DexError);
});
