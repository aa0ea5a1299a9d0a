import type {AccountEntry, AccountId} from "./types.js";

/**
 * A fresh account as Stellar creates one: master key weight 1, every threshold 0, no signers,
 * flags or liabilities. Genesis makes the root this way, create_account every other account.
 */
export function newAccountEntry(accountId: AccountId, balance: bigint, seqNum: bigint, ledgerSeq: number): AccountEntry {
  return {
    type: "account",
    accountId,
    balance,
    seqNum,
    numSubEntries: 0,
    inflationDest: null,
    flags: 0,
    homeDomain: "",
    thresholds: {master: 1, low: 0, med: 0, high: 0},
    signers: [],
    buyingLiabilities: 0n,
    sellingLiabilities: 0n,
    seqLedger: 0,
    seqTime: 0n,
    lastModifiedLedger: ledgerSeq,
  };
}
