/**
 * /trade_aggregations starts at its time range: with a reader that can find the first ledger
 * closed at a time, the buckets equal those of a scan of the pair's whole history for random
 * ranges, resolutions, offsets, limits and both orders, while reading only the trades from the
 * range's edge on.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {prng} from "../../helpers/prng.js";
import {tradeAggregations, RESOLUTIONS, type AggregationQuery, type TradesReader} from "../../../src/api/queries/trades.js";
import type {TradeFilter, TradeKey, TradeRow} from "../../../src/store/trades-repo.js";

const T0 = 1_700_000_000;
const USD = "USD:GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

function compareKey(a: TradeKey, b: TradeKey): number {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** Trades of one pair over `ledgers` ledgers whose close times never go back (some share a second). */
function history(seed: number, ledgers: number): {rows: TradeRow[]; closeAt: number[]} {
  const rand = prng(seed);
  const closeAt: number[] = [0, T0];
  for (let l = 2; l <= ledgers; l++) closeAt.push(closeAt[l - 1]! + Math.floor(rand() * 400));
  const rows: TradeRow[] = [];
  for (let l = 2; l <= ledgers; l++) {
    const n = rand() < 0.4 ? 0 : 1 + Math.floor(rand() * 3);
    for (let k = 0; k < n; k++) {
      const sold = rand() < 0.5 ? "native" : USD;
      rows.push({
        ledger: l,
        txIndex: 1 + k,
        opIndex: 1,
        order: 0,
        closedAt: closeAt[l]!,
        maker: "GM",
        makerOfferId: BigInt(l * 10 + k),
        sold,
        amountSold: BigInt(1 + Math.floor(rand() * 1e7)),
        bought: sold === "native" ? USD : "native",
        amountBought: BigInt(1 + Math.floor(rand() * 1e7)),
        taker: "GT",
        takerOfferId: 0n,
        priceN: 1 + Math.floor(rand() * 50),
        priceD: 1 + Math.floor(rand() * 50),
      });
    }
  }
  return {rows, closeAt};
}

function reader(rows: TradeRow[], closeAt: number[] | undefined, reads: {n: number; times: number[]}): TradesReader {
  const r: TradesReader = {
    *trades(_filter: TradeFilter, cursor: TradeKey | undefined, asc: boolean) {
      const ordered = asc ? rows : [...rows].reverse();
      for (const row of ordered) {
        const k: TradeKey = [row.ledger, row.txIndex, row.opIndex, row.order];
        if (cursor !== undefined && (asc ? compareKey(k, cursor) <= 0 : compareKey(k, cursor) >= 0)) continue;
        reads.n++;
        reads.times.push(row.closedAt * 1000);
        yield row;
      }
    },
  };
  if (closeAt !== undefined) {
    r.firstLedgerAt = (ms: number) => {
      for (let l = 1; l < closeAt.length; l++) if (closeAt[l]! * 1000 >= ms) return l;
      return closeAt.length;
    };
  }
  return r;
}

describe("trade aggregations from the range's first ledger", () => {
  it("equal a scan of the whole history, reading only from the range on", () => {
    const rand = prng(0x7a11);
    const {rows, closeAt} = history(42, 600);
    const span = (closeAt[closeAt.length - 1]! - T0) * 1000;
    const resolutions = [...RESOLUTIONS].filter((r) => r <= 3_600_000);
    for (let i = 0; i < 300; i++) {
      const resolution = resolutions[Math.floor(rand() * resolutions.length)]!;
      const startTime = T0 * 1000 + Math.floor(rand() * span);
      const endTime = rand() < 0.2 ? 0 : startTime + Math.floor(rand() * span);
      const q: AggregationQuery = {
        base: rand() < 0.5 ? "native" : USD,
        counter: "",
        startTime,
        endTime,
        resolution,
        offset: rand() < 0.5 ? 0 : 3_600_000 * Math.floor(rand() * 3) % resolution,
        asc: rand() < 0.5,
        limit: 1 + Math.floor(rand() * 200),
      };
      q.counter = q.base === "native" ? USD : "native";
      const full = {n: 0, times: [] as number[]};
      const seeking = {n: 0, times: [] as number[]};
      const expected = tradeAggregations(reader(rows, undefined, full), q);
      const got = tradeAggregations(reader(rows, closeAt, seeking), q);
      assert.deepEqual(got, expected, JSON.stringify(q));
      // Ascending, nothing before the start is read; descending, nothing at or after the end.
      const outside = seeking.times.filter((t) => (q.asc ? t < startTime : endTime !== 0 && t >= endTime));
      assert.deepEqual(outside, [], "no trade before the start (ascending) or past the end (descending) is read");
      assert.ok(seeking.n <= full.n);
    }
  });
});
