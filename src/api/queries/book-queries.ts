/**
 * The order-book and trade reads (/order_book, /trades and its per-account and per-offer forms,
 * /trade_aggregations) as one dispatch over a store reader. The path workers run it against their
 * own LMDB read snapshot of the last closed ledger, so these reads (a deep book or a long trade
 * history) never hold the main thread; the node answers in-thread only when the pool is disabled.
 * Queries and answers are plain data (bigints included), so they cross a worker boundary intact.
 */
import type {Asset} from "../../ledger/types.js";
import {orderBookSummary, type BookReader, type OrderBookRecord} from "./order-book.js";
import {tradeAggregations, tradesPage, type AggregationQuery, type Bucket, type OrientedTrade, type TradesQuery, type TradesReader} from "./trades.js";

export interface OrderBookQuery {
  kind: "order_book";
  base: Asset;
  counter: Asset;
  /** Price levels per side; validated by the route. */
  limit: number;
}

export interface TradesPageQuery {
  kind: "trades";
  query: TradesQuery;
}

export interface TradeAggregationsQuery {
  kind: "trade_aggregations";
  query: AggregationQuery;
}

export type BookQuery = OrderBookQuery | TradesPageQuery | TradeAggregationsQuery;

/** The answer of each query kind. */
export interface BookAnswers {
  order_book: OrderBookRecord;
  trades: OrientedTrade[];
  trade_aggregations: Bucket[];
}

export type BookAnswer = BookAnswers[BookQuery["kind"]];

export interface BookQueryReader extends BookReader, TradesReader {}

export function answerBookQuery<Q extends BookQuery>(reader: BookQueryReader, q: Q): BookAnswers[Q["kind"]];
export function answerBookQuery(reader: BookQueryReader, q: BookQuery): BookAnswer {
  switch (q.kind) {
    case "order_book":
      return orderBookSummary(reader, q.base, q.counter, q.limit);
    case "trades":
      return tradesPage(reader, q.query);
    case "trade_aggregations":
      return tradeAggregations(reader, q.query);
  }
}

/** Who runs the book queries: the path worker pool, or the calling thread when it is disabled. */
export interface BookQueryRunner {
  bookQuery<Q extends BookQuery>(q: Q): Promise<BookAnswers[Q["kind"]]>;
}
