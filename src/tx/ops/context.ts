/**
 * What an operation sees while it applies, and the account arithmetic every operation shares
 * (reserves, available balance, int64 bounds), following stellar-core's TransactionUtils.
 */
import type {LedgerTxn} from "../../ledger/state.js";
import type {AccountEntry, AccountId} from "../../ledger/types.js";
import {numSponsoring} from "../../ledger/types.js";
import {ACCOUNT_SUBENTRY_LIMIT} from "../../ledger/options.js";

export interface OpContext {
  /** The operation's own layer: committed on success, rolled back on failure. */
  ltx: LedgerTxn;
  /** Effective source: the op's source, else the tx's (muxed ids already resolved). */
  source: AccountId;
  /** Sequence of the ledger being closed. */
  ledgerSeq: number;
  closeTime: bigint;
  baseReserve: bigint;
  /** The (inner) tx's source account and sequence number, and this op's 0-based index in it. */
  txSource: AccountId;
  txSeqNum: bigint;
  opIndex: number;
}

export const INT64_MAX = 9_223_372_036_854_775_807n;

/** Minimum balance of an account with no sponsorships: (2 + numSubEntries) × baseReserve. */
export function minBalance(numSubEntries: number, baseReserve: bigint): bigint {
  return (2n + BigInt(numSubEntries)) * baseReserve;
}

/**
 * An account's minimum balance: (2 + numSubEntries + numSponsoring) × baseReserve (this ledger
 * has no sponsored entries other than claimable balances, which their creator sponsors).
 */
export function minBalanceOf(a: AccountEntry, baseReserve: bigint): bigint {
  return minBalance(a.numSubEntries + numSponsoring(a), baseReserve);
}

/** What an account can spend: balance − minimum balance − selling liabilities (may be negative). */
export function availableBalance(a: AccountEntry, baseReserve: bigint): bigint {
  return a.balance - minBalanceOf(a, baseReserve) - a.sellingLiabilities;
}

/** Whether `amount` can be credited without passing int64 max once buying liabilities are honoured. */
export function canReceive(a: AccountEntry, amount: bigint): boolean {
  return a.balance + amount + a.buyingLiabilities <= INT64_MAX;
}

/** Starting sequence number of accounts created in `ledgerSeq`: ledgerSeq << 32, as Stellar. */
export function startingSeqNum(ledgerSeq: number): bigint {
  return BigInt(ledgerSeq) << 32n;
}

export type AddSubEntryOutcome = "ok" | "low_reserve" | "too_many_subentries";

/**
 * Adds `count` sub-entries to an account if it can afford the extra reserve (balance must cover
 * the new minimum balance plus selling liabilities), as stellar-core's addNumEntries.
 */
export function addSubEntries(a: AccountEntry, count: number, baseReserve: bigint): AddSubEntryOutcome {
  const next = a.numSubEntries + count;
  if (count > 0) {
    if (next > ACCOUNT_SUBENTRY_LIMIT) return "too_many_subentries";
    if (a.balance < minBalance(next + numSponsoring(a), baseReserve) + a.sellingLiabilities) return "low_reserve";
  }
  a.numSubEntries = next;
  return "ok";
}

/** Stellar's isStringValid: printable ASCII only (no control characters, no bytes ≥ 0x80). */
export function isPrintableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
