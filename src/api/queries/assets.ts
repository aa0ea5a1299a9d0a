/**
 * Asset statistics (Horizon's /assets) as a plain function over a store reader: holders and
 * amounts by authorization state, claimable balances, and the issuer's flags.
 * TODO: aggregates every trustline per request (cached per ledger by the response cache);
 * per-asset counters kept at commit would make it a range read once trustlines number in the
 * hundreds of thousands.
 */
import type {AccountEntry, ClaimableBalanceEntry, CreditAsset, TrustLineEntry} from "../../ledger/types.js";
import {AUTHORIZED_FLAG, AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG} from "../../ledger/types.js";

export interface AssetsReader {
  allTrustLines(): Iterable<TrustLineEntry>;
  allClaimableBalances(): Iterable<ClaimableBalanceEntry>;
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

function compare(a: {code: string; issuer: string}, b: {code: string; issuer: string}): number {
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.issuer < b.issuer ? -1 : a.issuer > b.issuer ? 1 : 0;
}

/** Assets held in a trustline or a claimable balance, by (code, issuer) as Horizon pages them. */
export function assetStatsPage(reader: AssetsReader, q: AssetsQuery): AssetStats[] {
  const stats = new Map<string, AssetStats>();
  const statsOf = (asset: CreditAsset): AssetStats | undefined => {
    if ((q.code !== undefined && asset.code !== q.code) || (q.issuer !== undefined && asset.issuer !== q.issuer)) return undefined;
    const key = asset.code + ":" + asset.issuer;
    let s = stats.get(key);
    if (s === undefined) {
      s = {asset, accounts: {authorized: 0, maintain: 0, unauthorized: 0}, balances: {authorized: 0n, maintain: 0n, unauthorized: 0n}, claimableBalances: 0, claimableBalancesAmount: 0n, issuer: undefined};
      stats.set(key, s);
    }
    return s;
  };
  for (const t of reader.allTrustLines()) {
    const s = statsOf(t.asset);
    if (s === undefined) continue;
    if ((t.flags & AUTHORIZED_FLAG) !== 0) {
      s.accounts.authorized++;
      s.balances.authorized += t.balance;
    } else if ((t.flags & AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG) !== 0) {
      s.accounts.maintain++;
      s.balances.maintain += t.balance;
    } else {
      s.accounts.unauthorized++;
      s.balances.unauthorized += t.balance;
    }
  }
  for (const b of reader.allClaimableBalances()) {
    if (b.asset.type === "native") continue;
    const s = statsOf(b.asset);
    if (s === undefined) continue;
    s.claimableBalances++;
    s.claimableBalancesAmount += b.amount;
  }
  let page = [...stats.values()].filter((s) => q.after === undefined || (q.asc ? compare(s.asset, q.after) > 0 : compare(s.asset, q.after) < 0));
  page.sort((a, b) => compare(a.asset, b.asset));
  if (!q.asc) page.reverse();
  page = page.slice(0, q.limit);
  for (const s of page) s.issuer = reader.account(s.asset.issuer);
  return page;
}
