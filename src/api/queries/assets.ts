/**
 * Asset statistics (Horizon's /assets) as a plain function over a store reader: holders and
 * amounts by authorization state, claimable balances, and the issuer's flags. The totals are
 * kept at commit (store/state-indexes.ts), so a page reads one row per asset on it.
 */
import type {AccountEntry, CreditAsset} from "../../ledger/types.js";
import type {AssetTotals} from "../../store/state-indexes.js";

export interface AssetsReader {
  assetTotals(q: AssetsQuery): AssetTotals[];
  account(id: string): AccountEntry | undefined;
}

export interface AssetStats {
  asset: CreditAsset;
  accounts: {authorized: number; maintain: number; unauthorized: number};
  balances: {authorized: bigint; maintain: bigint; unauthorized: bigint};
  claimableBalances: number;
  claimableBalancesAmount: bigint;
  /** The issuer's entry (flags, home domain); undefined once the issuer merged away. */
  issuer: AccountEntry | undefined;
}

export interface AssetsQuery {
  code?: string;
  issuer?: string;
  /** Exclusive: (code, issuer) after (asc) or before (desc) which the page starts. */
  after?: {code: string; issuer: string};
  asc: boolean;
  limit: number;
}

/** Assets held in a trustline or a claimable balance, by (code, issuer) as Horizon pages them. */
export function assetStatsPage(reader: AssetsReader, q: AssetsQuery): AssetStats[] {
  return reader.assetTotals(q).map((t) => ({
    asset: {type: t.code.length <= 4 ? "credit_alphanum4" : "credit_alphanum12", code: t.code, issuer: t.issuer} as CreditAsset,
    accounts: t.accounts,
    balances: t.balances,
    claimableBalances: t.claimableBalances,
    claimableBalancesAmount: t.claimableBalancesAmount,
    issuer: reader.account(t.issuer),
  }));
}
