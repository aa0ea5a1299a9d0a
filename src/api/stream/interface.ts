/**
 * The ledger event feed: once per closed ledger, that ledger's records as Horizon JSON, built
 * once and shared by every stream (SSE here, the WebSocket topics elsewhere). A record carries
 * what a stream needs to filter it (participants, ledger, transaction, pair, offers) so that no
 * subscriber ever reads the store or formats a record of its own.
 */
import type {AccountId, AssetKey, LedgerHeader} from "../../ledger/types.js";
import type {LedgerCloseResult} from "../../tx/interface.js";
import type {TradeRow} from "../../store/trades-repo.js";
import type {EffectRecord} from "../format/effect.js";
import type {LedgerRecord} from "../format/ledger.js";
import type {OfferRecord} from "../format/offer.js";
import type {OperationRecord} from "../format/operation.js";
import type {TradeRecord} from "../format/trade.js";
import type {TransactionRecord} from "../format/transaction.js";

/** What the herder hands over after a ledger's commit is durable. */
export interface ClosedLedgerInput {
  header: LedgerHeader;
  result: LedgerCloseResult;
}

/** One record of one topic: the object a GET returns, its JSON text (made once) and its filter keys. */
export interface FeedRecord<R> {
  /** Horizon's paging token, the SSE `id:` of the record. */
  readonly token: string;
  readonly record: R;
  /** `JSON.stringify(record)`, byte-identical to the record inside a GET answer (kept as bytes, decoded on each read). */
  readonly json: string;
  readonly ledger: number;
  /** The record's SSE event (`id:` + `data:` lines): a view of the bytes every stream that sends it shares. */
  frame(): Buffer;
  /** The UTF-8 length of `json`, and a copy of those bytes into `target` at `at` (returns the bytes written): no string made. */
  readonly jsonByteLength: number;
  copyJson(target: Buffer, at: number): number;
  /** The same for the record's SSE event. */
  readonly eventByteLength: number;
  copyEvent(target: Buffer, at: number): number;
}

/**
 * The accounts a record is listed under: iterated by the per-account index, tested by the
 * streams' filters. A `Set` is one; the feed's operation records hold a small list instead (a
 * ledger of N payments made N Sets, one of the larger costs of building the topic).
 */
export interface AccountSet extends Iterable<AccountId> {
  has(account: AccountId): boolean;
  /** Calls `fn` with each account (as a `Set`'s forEach): the index's walk, with no iterator. */
  forEach(fn: (account: AccountId) => void): void;
}

export interface TransactionFeedRecord extends FeedRecord<TransactionRecord> {
  readonly txHash: string;
  readonly successful: boolean;
  /** Every account the per-account index lists the transaction under. */
  readonly accounts: ReadonlySet<AccountId>;
}

export interface OperationFeedRecord extends FeedRecord<OperationRecord> {
  readonly opId: string;
  readonly txHash: string;
  readonly transactionSuccessful: boolean;
  /** One of Horizon's payment types (/payments lists only those). */
  readonly payment: boolean;
  readonly accounts: AccountSet;
  /** The record with its transaction embedded (`join=transactions`), built on first use. */
  joinedJson(): string;
  /** The SSE event of `joinedJson()`, encoded on first use. */
  joinedFrame(): Buffer;
}

export interface EffectFeedRecord extends FeedRecord<EffectRecord> {
  readonly opId: string;
  readonly txHash: string;
  /** The effect's account when the operation is indexed under it (what /accounts/{id}/effects lists), else empty. */
  readonly accounts: ReadonlySet<AccountId>;
}

export interface TradeFeedRecord extends FeedRecord<TradeRecord> {
  readonly row: TradeRow;
  /** Maker and taker. */
  readonly accounts: ReadonlySet<AccountId>;
  /** The offer ids /offers/{id}/trades lists the trade under (the taker's only when it rested). */
  readonly offerIds: ReadonlySet<string>;
  /** The pair in `assetOrder`, "A|B". */
  readonly pairKey: string;
  /** The record and JSON with `base` as base asset (a pair-filtered stream's orientation), made once per base. */
  oriented(base: AssetKey): {record: TradeRecord; json: string; frame(): Buffer};
}

export interface OfferFeedRecord extends FeedRecord<OfferRecord> {
  readonly offerId: bigint;
  readonly seller: AccountId;
  readonly selling: AssetKey;
  readonly buying: AssetKey;
  /** Created by this ledger (not there before it). */
  readonly created: boolean;
}

/** A ledger's records per topic, with links built for one origin. Each topic is built on first use. */
export interface LedgerTopics {
  readonly ledgers: readonly FeedRecord<LedgerRecord>[];
  /** Every transaction of the ledger, failed ones included (`successful` says which). */
  readonly transactions: readonly TransactionFeedRecord[];
  readonly operations: readonly OperationFeedRecord[];
  readonly payments: readonly OperationFeedRecord[];
  /** Effects of the operations of successful transactions, in paging order. */
  readonly effects: readonly EffectFeedRecord[];
  readonly trades: readonly TradeFeedRecord[];
  /** Offers this ledger created or changed that still exist after it, by id. */
  readonly offers: readonly OfferFeedRecord[];
  /** Records of `topic` that list `account`, in paging order (an index made once per topic). */
  forAccount<T extends "transactions" | "operations" | "payments" | "effects" | "trades">(topic: T, account: AccountId): LedgerTopics[T];
  /** Operations (or their transactions) whose meta created, changed or removed the claimable balance (hex id). */
  forClaimableBalance<T extends "transactions" | "operations">(topic: T, balanceId: string): LedgerTopics[T];
}

/** What changed in the ledger's state: the object streams re-send only what is named here. */
export interface ChangedState {
  /** Accounts with a changed account, trustline, data or offer entry. */
  readonly accounts: ReadonlySet<AccountId>;
  /** Order books (pair keys "A|B" in `assetOrder`) with an offer created, changed or removed. */
  readonly books: ReadonlySet<string>;
  /** Ids of offers created, changed or removed. */
  readonly offers: ReadonlySet<string>;
}

export interface LedgerEvent {
  readonly ledger: number;
  readonly header: LedgerHeader;
  /** Topics with links for the feed's default origin. */
  readonly topics: LedgerTopics;
  /** Topics with links for `base` (an origin without trailing slash), made once per origin. */
  topicsFor(base: string): LedgerTopics;
  readonly changed: ChangedState;
  /** `performance.now()` when the feed got the ledger (its commit), for the publish lag; absent: when a listener got it. */
  readonly publishedAt?: number;
}

export type LedgerEventListener = (event: LedgerEvent) => void;

export interface EventFeed {
  /** Listener called once per ledger, in ledger order; returns the unsubscribe function. */
  subscribe(listener: LedgerEventListener): () => void;
  /** The last event handed to the listeners, if any (a ledger still being prepared is not yet). */
  readonly last: LedgerEvent | undefined;
  /**
   * The retained events from `ledger` on, through `last`, in ledger order: every ledger after
   * `ledger - 1` that was handed to the listeners. Undefined when `ledger` is older than the
   * oldest event retained (or nothing was handed out yet): the records after it must be read
   * from history.
   * Empty when `ledger` is after `last` (the ledgers from it on are still to come). A feed that
   * retains nothing leaves it out.
   */
  since?(ledger: number): readonly LedgerEvent[] | undefined;
  readonly subscriberCount: number;
}
