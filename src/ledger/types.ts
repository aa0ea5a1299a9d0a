/**
 * Ledger entries and headers as the node holds them in memory and in LMDB (msgpackr values).
 * Amounts are int64 stroops held as `bigint` (1 DIAM = 10^7 stroops). Account ids are StrKeys (`G…`).
 *
 * The union `LedgerEntry` is the extension point for later entry kinds (trustlines, offers,
 * claimable balances): each kind has a `type` tag and a key built by `entryKey`.
 */

export type AccountId = string;

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
  lastModifiedLedger: number;
}

export interface DataEntry {
  type: "data";
  accountId: AccountId;
  name: string;
  value: Uint8Array;
  lastModifiedLedger: number;
}

export type LedgerEntry = AccountEntry | DataEntry;

export type EntryKey = string;

export function accountKey(accountId: AccountId): EntryKey {
  return "a:" + accountId;
}

export function dataKey(accountId: AccountId, name: string): EntryKey {
  return "d:" + accountId + ":" + name;
}

export function entryKey(entry: LedgerEntry): EntryKey {
  switch (entry.type) {
    case "account":
      return accountKey(entry.accountId);
    case "data":
      return dataKey(entry.accountId, entry.name);
  }
}

/** Read access to the last closed state. Implemented over LMDB by store/, over a Map in tests. */
export interface LedgerStateReader {
  getEntry(key: EntryKey): LedgerEntry | undefined;
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
