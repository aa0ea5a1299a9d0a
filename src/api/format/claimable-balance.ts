/** Horizon's claimable balance resource. */
import type {ClaimableBalanceEntry} from "../../ledger/types.js";
import {CLAIMABLE_BALANCE_CLAWBACK_ENABLED_FLAG} from "../../ledger/types.js";
import {claimableBalanceToken} from "../../store/dex-reads.js";
import {formatAmount} from "./amount.js";
import {balanceIdString, canonicalAsset, claimantsJson} from "./asset.js";
import {link, pagedLink, type Link} from "./links.js";
import {isoTime} from "./time.js";

export interface ClaimableBalanceRecord {
  _links: {self: Link; transactions: Link; operations: Link};
  id: string;
  asset: string;
  amount: string;
  sponsor: string;
  last_modified_ledger: number;
  last_modified_time: string | null;
  claimants: ReturnType<typeof claimantsJson>;
  flags: {clawback_enabled: boolean};
  paging_token: string;
}

export function claimableBalanceRecord(b: ClaimableBalanceEntry, lastModifiedTime: number | null, base: string): ClaimableBalanceRecord {
  const id = balanceIdString(b.balanceId);
  const self = `/claimable_balances/${id}`;
  return {
    _links: {self: link(base, self), transactions: pagedLink(base, self + "/transactions"), operations: pagedLink(base, self + "/operations")},
    id,
    asset: canonicalAsset(b.asset),
    amount: formatAmount(b.amount),
    sponsor: b.sponsor,
    last_modified_ledger: b.lastModifiedLedger,
    last_modified_time: lastModifiedTime === null ? null : isoTime(lastModifiedTime),
    claimants: claimantsJson(b.claimants),
    flags: {clawback_enabled: (b.flags & CLAIMABLE_BALANCE_CLAWBACK_ENABLED_FLAG) !== 0},
    paging_token: claimableBalanceToken(b),
  };
}
