/**
 * Records the store keeps for the API (msgpackr values in LMDB) and the read contract the API
 * uses. Ids follow Horizon's TOID: (ledger << 32) | (txIndex << 12) | opIndex, as decimal strings.
 */
import type {AccountEntry, AccountId, AssetKey, ClaimableBalanceEntry, DataEntry, LedgerHeader, OfferEntry, TrustLineEntry} from "../ledger/types.js";
import type {Operation, ResultCodes} from "../tx/types.js";
import type {TradeFilter, TradeKey, TradeRow} from "./trades-repo.js";
import type {AssetTotals} from "./state-indexes.js";
import type {MinuteBucket} from "./trade-buckets.js";

/**
 * What applying a tx changed, as its record keeps it: since txs codec version 3 the compact
 * plain deltas (store/meta-codec.ts, decoded when read; bytes since version 4), in version 2 records the XDR itself
 * (TransactionMeta, fee-phase LedgerEntryChanges). The API builds or serves the XDR from either.
 */
export type TxMetaRecord = {encoded: unknown} | {resultXdr: Buffer; feeXdr: Buffer};

export interface StoredTx {
  hash: string;
  ledger: number;
  /** 1-based apply order within the ledger */
  index: number;
  /** TOID of (ledger, index, 0), the paging token */
  id: string;
  /** Unix seconds of the ledger close */
  closedAt: number;
  sourceAccount: AccountId;
  sourceAccountSequence: bigint;
  feeAccount: AccountId;
  feeCharged: bigint;
  maxFee: bigint;
  operationCount: number;
  /** base64 */
  envelopeXdr: string;
  resultXdr: string;
  /** Absent in records written before meta was kept (result_meta_xdr and fee_meta_xdr are then empty). */
  meta?: TxMetaRecord;
  resultCodes: ResultCodes;
  memoType: "none" | "text" | "id" | "hash" | "return";
  /** Horizon's memo field: text as UTF-8 string, id as decimal, hash/return as base64; absent for none. */
  memo?: string;
  /** Text memos: the memo's raw bytes, base64 (Horizon's memo_bytes). */
  memoBytes?: string;
  /** base64 signatures of the envelope (inner tx) */
  signatures: string[];
  /** Time bounds, unix seconds (uint64: never a JS number). */
  validAfter?: bigint;
  validBefore?: bigint;
  successful: boolean;
  /** The tx's operations, in order (operation records are built from these). */
  operations: Operation[];
  /** Fee-bumps only: the inner tx (its own max fee is read from envelopeXdr). */
  feeBump?: {innerHash: string; innerSignatures: string[]};
}

export interface StoredOp {
  /** TOID of (ledger, txIndex, opIndex 1-based) */
  id: string;
  ledger: number;
  txIndex: number;
  opIndex: number;
  txHash: string;
  closedAt: number;
  /** Effective source: the op source or else the tx source. */
  sourceAccount: AccountId;
  op: Operation;
  transactionSuccessful: boolean;
  /** The tx's envelope (base64, the StoredTx's own string): muxed account fields are read from it. */
  envelopeXdr?: string;
  /** The tx's TransactionResult (base64, the StoredTx's own string): path payment amounts are read from it. */
  resultXdr?: string;
}

export interface PageQuery {
  /** Paging token (exclusive). Absent: from the start (asc) or the end (desc). */
  cursor?: string;
  limit: number;
  order: "asc" | "desc";
}

export interface OpFilter {
  account?: AccountId;
  ledger?: number;
  txHash?: string;
  /** Only create_account, payment, path payments, account_merge (Horizon's /payments). */
  paymentsOnly?: boolean;
  /** Operations that created, changed or removed this claimable balance (hex id). */
  claimableBalance?: string;
}

export interface TxFilter {
  account?: AccountId;
  ledger?: number;
  /** Transactions with an operation that created, changed or removed this claimable balance (hex id). */
  claimableBalance?: string;
}

/** Filters of /offers; assets as assetKey ("native" | "CODE:ISSUER"). */
export interface OfferFilter {
  seller?: AccountId;
  selling?: AssetKey;
  buying?: AssetKey;
}

/** Filters of /claimable_balances. */
export interface ClaimableBalanceFilter {
  asset?: AssetKey;
  sponsor?: AccountId;
  claimant?: AccountId;
}

/** Read side of the store, used by the API. All reads are synchronous against LMDB. */
export interface LedgerReader {
  latestHeader(): LedgerHeader;
  header(seq: number): LedgerHeader | undefined;
  /** Ledgers paged by sequence (cursor = TOID of (seq, 0, 0) or the sequence itself). */
  headers(page: PageQuery): LedgerHeader[];
  account(id: AccountId): AccountEntry | undefined;
  dataEntries(id: AccountId): DataEntry[];
  /** The account's trustlines (any order). */
  trustLines(id: AccountId): TrustLineEntry[];
  /** Accounts `signer` may sign for, paged by account id (exclusive cursor). */
  accountsWithSigner(signer: string, page: PageQuery): AccountEntry[];
  tx(hash: string): StoredTx | undefined;
  txs(page: PageQuery, filter: TxFilter): StoredTx[];
  op(id: string): StoredOp | undefined;
  ops(page: PageQuery, filter: OpFilter): StoredOp[];
  offer(id: bigint): OfferEntry | undefined;
  /** Offers by id; the cursor is an offer id. */
  offers(page: PageQuery, filter: OfferFilter): OfferEntry[];
  /** One book, best price first (then oldest), lazily. */
  bookOffers(selling: AssetKey, buying: AssetKey): Iterable<OfferEntry>;
  /** By the hex of the 32-byte hash. */
  claimableBalance(idHex: string): ClaimableBalanceEntry | undefined;
  claimableBalances(page: {cursor?: {ledger: number; balanceId: string}; limit: number; order: "asc" | "desc"}, filter: ClaimableBalanceFilter): ClaimableBalanceEntry[];
  /** True while the history holds an operation that touched the claimable balance (hex id). */
  claimableBalanceKnown(idHex: string): boolean;
  /** Totals of assets held in a trustline or a claimable balance, by (code, issuer). */
  assetTotals(q: {code?: string; issuer?: string; after?: {code: string; issuer: string}; asc: boolean; limit: number}): AssetTotals[];
  /** Accounts with a trustline in `asset` ("CODE:ISSUER"), by account id; the cursor is an account id. */
  trustLineHolders(asset: AssetKey, page: PageQuery): AccountId[];
  /** Every trustline and every claimable balance, lazily (the asset dashboard's top holders). */
  allTrustLines(): Iterable<TrustLineEntry>;
  allClaimableBalances(): Iterable<ClaimableBalanceEntry>;
  /** Trades in history order after (asc) or before (desc) the cursor, lazily. */
  trades(filter: TradeFilter, cursor: TradeKey | undefined, asc: boolean): Iterable<TradeRow>;
  /** A pair's minute buckets (a before b in `assetOrder`) whose minute is in [fromMs, toMs), in time order or reversed, lazily. */
  tradeBuckets(a: AssetKey, b: AssetKey, fromMs: number, toMs: number, asc: boolean): Iterable<MinuteBucket>;
}
