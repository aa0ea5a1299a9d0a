/**
 * Ledger entries and headers as the node holds them in memory and in LMDB (msgpackr values).
 * Amounts are int64 stroops held as `bigint` (1 DIAM = 10^7 stroops). Account ids are StrKeys (`G…`).
 *
 * The union `LedgerEntry` holds every entry kind: accounts, data, trustlines, offers and claimable
 * balances; each kind has a `type` tag and a key built by `entryKey`.
 */

export type AccountId = string;

/** The native asset (DIAM) or a credit asset issued by an anchor, as Stellar's Asset. */
export type Asset =
  | {type: "native"}
  | {type: "credit_alphanum4" | "credit_alphanum12"; code: string; issuer: AccountId};

export type CreditAsset = Exclude<Asset, {type: "native"}>;

/**
 * Canonical string of an asset, Horizon's form: "native" or "CODE:ISSUER". Used in entry and
 * index keys; two assets are equal exactly when their keys are.
 */
export type AssetKey = string;

export function assetKey(a: Asset): AssetKey {
  return a.type === "native" ? "native" : a.code + ":" + a.issuer;
}

export function assetsEqual(a: Asset, b: Asset): boolean {
  if (a.type === "native" || b.type === "native") return a.type === b.type;
  return a.type === b.type && a.code === b.code && a.issuer === b.issuer;
}

/** Inverse of assetKey (the alphanum4/12 kind follows from the code's length). */
export function assetFromKey(key: AssetKey): Asset {
  if (key === "native") return {type: "native"};
  const i = key.indexOf(":");
  const code = key.slice(0, i);
  return {type: code.length <= 4 ? "credit_alphanum4" : "credit_alphanum12", code, issuer: key.slice(i + 1)};
}

/** A signer key as a StrKey: `G…` ed25519, `T…` pre-authorized tx hash, `X…` sha256 hash(x). */
export interface Signer {
  key: string;
  weight: number;
}

export interface Thresholds {
  master: number;
  low: number;
  med: number;
  high: number;
}

export interface AccountEntry {
  type: "account";
  accountId: AccountId;
  balance: bigint;
  seqNum: bigint;
  numSubEntries: number;
  inflationDest: AccountId | null;
  flags: number;
  homeDomain: string;
  thresholds: Thresholds;
  /** Sorted by key, as Stellar keeps them; at most 20. */
  signers: Signer[];
  buyingLiabilities: bigint;
  sellingLiabilities: bigint;
  /** Ledger and close time at which seqNum last changed (Stellar's AccountEntryExtensionV3). */
  seqLedger: number;
  seqTime: bigint;
  /**
   * Reserves this account pays for entries it sponsors (claimable balances: one per claimant).
   * Absent in entries written before sponsorship existed: read through `numSponsoring()`.
   */
  numSponsoring?: number;
  lastModifiedLedger: number;
}

export function numSponsoring(a: AccountEntry): number {
  return a.numSponsoring ?? 0;
}

/** Account flags (Stellar's AccountFlags). */
export const AUTH_REQUIRED_FLAG = 0x1;
export const AUTH_REVOCABLE_FLAG = 0x2;
export const AUTH_IMMUTABLE_FLAG = 0x4;
export const AUTH_CLAWBACK_ENABLED_FLAG = 0x8;
export const MASK_ACCOUNT_FLAGS = 0xf;

/** Trustline flags (Stellar's TrustLineFlags). */
export const AUTHORIZED_FLAG = 0x1;
export const AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG = 0x2;
export const TRUSTLINE_CLAWBACK_ENABLED_FLAG = 0x4;
export const MASK_TRUSTLINE_FLAGS = 0x7;

export interface TrustLineEntry {
  type: "trustline";
  accountId: AccountId;
  asset: CreditAsset;
  balance: bigint;
  limit: bigint;
  flags: number;
  buyingLiabilities: bigint;
  sellingLiabilities: bigint;
  lastModifiedLedger: number;
}

/** Offer flags (Stellar's OfferEntryFlags). */
export const PASSIVE_FLAG = 0x1;

/** A price as Stellar's: int32 numerator and denominator, both > 0; buying units per selling unit. */
export interface Price {
  n: number;
  d: number;
}

export interface OfferEntry {
  type: "offer";
  sellerId: AccountId;
  offerId: bigint;
  selling: Asset;
  buying: Asset;
  /** Amount of `selling` offered. */
  amount: bigint;
  price: Price;
  flags: number;
  lastModifiedLedger: number;
}

/** Stellar's ClaimPredicate; relative times are turned absolute when the balance is created. */
export type ClaimPredicate =
  | {type: "unconditional"}
  | {type: "and"; predicates: ClaimPredicate[]}
  | {type: "or"; predicates: ClaimPredicate[]}
  | {type: "not"; predicate: ClaimPredicate | null}
  | {type: "before_absolute_time"; time: bigint}
  | {type: "before_relative_time"; seconds: bigint};

export interface Claimant {
  destination: AccountId;
  predicate: ClaimPredicate;
}

/** Claimable balance flags (Stellar's ClaimableBalanceFlags). */
export const CLAIMABLE_BALANCE_CLAWBACK_ENABLED_FLAG = 0x1;

export interface ClaimableBalanceEntry {
  type: "claimable_balance";
  /** hex of the 32-byte hash (ClaimableBalanceID v0); Horizon prints it as "00000000" + hex. */
  balanceId: string;
  claimants: Claimant[];
  asset: Asset;
  amount: bigint;
  flags: number;
  /** The account paying the reserve (one base reserve per claimant): the creator. */
  sponsor: AccountId;
  lastModifiedLedger: number;
}

export interface DataEntry {
  type: "data";
  accountId: AccountId;
  name: string;
  value: Uint8Array;
  lastModifiedLedger: number;
}

export type LedgerEntry = AccountEntry | DataEntry | TrustLineEntry | OfferEntry | ClaimableBalanceEntry;

export type EntryKey = string;

export function accountKey(accountId: AccountId): EntryKey {
  return "a:" + accountId;
}

export function dataKey(accountId: AccountId, name: string): EntryKey {
  return "d:" + accountId + ":" + name;
}

/** Trustlines of one account share the prefix "t:G…:", so they scan together. */
export function trustLineKey(accountId: AccountId, asset: CreditAsset): EntryKey {
  return "t:" + accountId + ":" + asset.code + ":" + asset.issuer;
}

export function offerKey(offerId: bigint): EntryKey {
  return "o:" + offerId.toString();
}

export function claimableBalanceKey(balanceIdHex: string): EntryKey {
  return "c:" + balanceIdHex;
}

export function entryKey(entry: LedgerEntry): EntryKey {
  switch (entry.type) {
    case "account":
      return accountKey(entry.accountId);
    case "data":
      return dataKey(entry.accountId, entry.name);
    case "trustline":
      return trustLineKey(entry.accountId, entry.asset);
    case "offer":
      return offerKey(entry.offerId);
    case "claimable_balance":
      return claimableBalanceKey(entry.balanceId);
  }
}

/**
 * Stellar's order of offers in a book: lower price (as a double, n/d, as stellar-core compares
 * them) first, then lower offer id.
 */
export function offerPrice(o: OfferEntry): number {
  return o.price.n / o.price.d;
}

export function isBetterOffer(a: OfferEntry, b: OfferEntry): boolean {
  const pa = offerPrice(a);
  const pb = offerPrice(b);
  if (pa !== pb) return pa < pb;
  return a.offerId < b.offerId;
}

/** Read access to the last closed state. Implemented over LMDB by store/, over a Map in tests. */
export interface LedgerStateReader {
  getEntry(key: EntryKey): LedgerEntry | undefined;
  /**
   * Offers selling `selling` for `buying` in book order (best first: isBetterOffer). Lazy: the
   * caller stops when it has what it needs. A reader without offers may omit it.
   */
  bookOffers?(selling: AssetKey, buying: AssetKey): Iterable<OfferEntry>;
  /** Every offer of `sellerId`, in offer id order. */
  accountOffers?(sellerId: AccountId): Iterable<OfferEntry>;
}

export interface LedgerHeader {
  seq: number;
  /** hex sha256 of the previous header; 64 zeros for genesis. */
  prevHash: string;
  /** hex sha256 of this header's canonical encoding (see ledger/header.ts). */
  hash: string;
  txSetHash: string;
  txResultsHash: string;
  /** hex sha256 over the sorted (key, value) changes this ledger wrote. */
  stateHash: string;
  /** Unix seconds. */
  closeTime: number;
  totalCoins: bigint;
  feePool: bigint;
  baseFee: number;
  baseReserve: number;
  maxTxSetSize: number;
  protocolVersion: number;
  /** Ids handed out so far (offers, claimable balances later), as Stellar's idPool. */
  idPool: bigint;
  txCount: number;
  failedTxCount: number;
  opCount: number;
  /**
   * Operations of the successful transactions (Horizon's ledger `operation_count`; `opCount` is
   * its `tx_set_operation_count`). Not part of the header hash; absent in headers written
   * before it existed.
   */
  successfulOpCount?: number;
}

export interface NetworkConfig {
  passphrase: string;
  /** sha256(passphrase) */
  networkId: Buffer;
  baseFee: number;
  baseReserve: number;
  maxTxSetSize: number;
  protocolVersion: number;
}
