/** Horizon's asset statistics resource. */
import type {AssetStats} from "../queries/assets.js";
import {formatAmount} from "./amount.js";

export interface AssetStatRecord {
  _links: {toml: {href: string}};
  asset_type: string;
  asset_code: string;
  asset_issuer: string;
  paging_token: string;
  num_claimable_balances: number;
  num_liquidity_pools: number;
  num_contracts: number;
  accounts: {authorized: number; authorized_to_maintain_liabilities: number; unauthorized: number};
  claimable_balances_amount: string;
  liquidity_pools_amount: string;
  contracts_amount: string;
  balances: {authorized: string; authorized_to_maintain_liabilities: string; unauthorized: string};
  flags: {auth_required: boolean; auth_revocable: boolean; auth_immutable: boolean; auth_clawback_enabled: boolean};
}

/** Horizon's asset paging token: "CODE_ISSUER_TYPE". */
export function assetStatToken(s: AssetStats): string {
  return `${s.asset.code}_${s.asset.issuer}_${s.asset.type}`;
}

/** The toml link names the issuer's home domain's stellar.toml, or is empty without one. */
export function assetStatRecord(s: AssetStats): AssetStatRecord {
  const flags = s.issuer?.flags ?? 0;
  const domain = s.issuer?.homeDomain ?? "";
  return {
    _links: {toml: {href: domain === "" ? "" : `https://${domain}/.well-known/stellar.toml`}},
    asset_type: s.asset.type,
    asset_code: s.asset.code,
    asset_issuer: s.asset.issuer,
    paging_token: assetStatToken(s),
    num_claimable_balances: s.claimableBalances,
    num_liquidity_pools: 0,
    num_contracts: 0,
    accounts: {authorized: s.accounts.authorized, authorized_to_maintain_liabilities: s.accounts.maintain, unauthorized: s.accounts.unauthorized},
    claimable_balances_amount: formatAmount(s.claimableBalancesAmount),
    liquidity_pools_amount: formatAmount(0n),
    contracts_amount: formatAmount(0n),
    balances: {
      authorized: formatAmount(s.balances.authorized),
      authorized_to_maintain_liabilities: formatAmount(s.balances.maintain),
      unauthorized: formatAmount(s.balances.unauthorized),
    },
    flags: {
      auth_required: (flags & 1) !== 0,
      auth_revocable: (flags & 2) !== 0,
      auth_immutable: (flags & 4) !== 0,
      auth_clawback_enabled: (flags & 8) !== 0,
    },
  };
}
