/** Horizon's trade and trade aggregation resources. */
import {assetFromKey} from "../../ledger/types.js";
import {tradeToken} from "../../store/trades-repo.js";
import {formatAmount} from "./amount.js";
import {ratioString} from "./asset.js";
import {link, type Link} from "./links.js";
import {assetFields} from "./operation.js";
import {isoTime} from "./time.js";
import type {Bucket, OrientedTrade} from "../queries/trades.js";
import {toidString} from "../../store/toid.js";

export interface TradeRecord {
  _links: {self: Link; base: Link; counter: Link; operation: Link};
  id: string;
  paging_token: string;
  ledger_close_time: string;
  trade_type: "orderbook";
  base_offer_id: string;
  base_account: string;
  base_amount: string;
  base_asset_type: string;
  base_asset_code?: string;
  base_asset_issuer?: string;
  counter_offer_id: string;
  counter_account: string;
  counter_amount: string;
  counter_asset_type: string;
  counter_asset_code?: string;
  counter_asset_issuer?: string;
  base_is_seller: boolean;
  price: {n: string; d: string};
}

export function tradeRecord(t: OrientedTrade, base: string): TradeRecord {
  const token = tradeToken(t.row);
  const opId = toidString(t.row.ledger, t.row.txIndex, t.row.opIndex);
  return {
    _links: {
      // Horizon leaves a trade's self link empty: trades have no resource of their own.
      self: {href: ""},
      base: link(base, `/accounts/${t.baseAccount}`),
      counter: link(base, `/accounts/${t.counterAccount}`),
      operation: link(base, `/operations/${opId}`),
    },
    id: token,
    paging_token: token,
    ledger_close_time: isoTime(t.row.closedAt),
    trade_type: "orderbook",
    base_offer_id: t.baseOfferId.toString(),
    base_account: t.baseAccount,
    base_amount: formatAmount(t.baseAmount),
    ...(assetFields(assetFromKey(t.base), "base_") as {base_asset_type: string}),
    counter_offer_id: t.counterOfferId.toString(),
    counter_account: t.counterAccount,
    counter_amount: formatAmount(t.counterAmount),
    ...(assetFields(assetFromKey(t.counter), "counter_") as {counter_asset_type: string}),
    base_is_seller: t.baseIsSeller,
    price: {n: String(t.priceN), d: String(t.priceD)},
  };
}

export interface TradeAggregationRecord {
  timestamp: string;
  trade_count: string;
  base_volume: string;
  counter_volume: string;
  avg: string;
  high: string;
  high_r: {n: string; d: string};
  low: string;
  low_r: {n: string; d: string};
  open: string;
  open_r: {n: string; d: string};
  close: string;
  close_r: {n: string; d: string};
  paging_token: string;
}

function r(p: {n: number; d: number}): {n: string; d: string} {
  return {n: String(p.n), d: String(p.d)};
}

/** avg is counter volume over base volume as a double with 7 decimals (Horizon's FormatFloat 'f', 7). */
export function tradeAggregationRecord(b: Bucket): TradeAggregationRecord {
  const avg = b.baseVolume === 0n ? 0 : Number(b.counterVolume) / Number(b.baseVolume);
  return {
    timestamp: String(b.timestamp),
    trade_count: String(b.count),
    base_volume: formatAmount(b.baseVolume),
    counter_volume: formatAmount(b.counterVolume),
    avg: avg.toFixed(7),
    high: ratioString(BigInt(b.high.n), BigInt(b.high.d)),
    high_r: r(b.high),
    low: ratioString(BigInt(b.low.n), BigInt(b.low.d)),
    low_r: r(b.low),
    open: ratioString(BigInt(b.open.n), BigInt(b.open.d)),
    open_r: r(b.open),
    close: ratioString(BigInt(b.close.n), BigInt(b.close.d)),
    close_r: r(b.close),
    paging_token: String(b.timestamp),
  };
}
