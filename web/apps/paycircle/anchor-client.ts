/**
 * Talking to an asset's anchor the Stellar way: the issuer account's `home_domain` → the domain's
 * stellar.toml (SEP-1) → its TRANSFER_SERVER → SEP-6 style `/deposit`, `/withdraw`,
 * `/transaction`. Only public data goes to the anchor (account id, asset, amount).
 */
import {StellarToml, type Asset} from "@stellar/stellar-sdk";
import type {Chain} from "../shared/horizon.js";

export interface AnchorInfo {
  domain: string;
  transferServer: string;
  orgName: string;
}

export interface TransferRecord {
  id: string;
  kind: "deposit" | "withdrawal";
  status: string;
  amount_in: string;
  amount_out: string;
  message?: string;
  stellar_transaction_id?: string;
}

export interface WithdrawAnswer {
  account_id: string;
  memo_type: "id" | "text" | "hash";
  memo: string;
  id: string;
}

/** Statuses after which a transfer will not change (SEP-6). */
export const FINAL_STATUSES = new Set(["completed", "refunded", "expired", "error", "no_market", "too_small", "too_large"]);

/**
 * Finds the anchor of `asset`: its issuer's home domain and that domain's stellar.toml, which must
 * list the asset under CURRENCIES (a domain cannot claim an asset its issuer does not point to it,
 * and the issuer cannot claim a domain that does not list the asset).
 */
export async function discoverAnchor(chain: Chain, asset: Asset): Promise<AnchorInfo> {
  const issuer = await chain.account(asset.getIssuer());
  const domain = issuer?.home_domain;
  if (domain === undefined || domain === "") throw new Error(`the issuer of ${asset.getCode()} names no home domain: no anchor to deposit or withdraw with`);
  // http for a node served over http (the local demo); a public deployment is https only.
  const toml = await StellarToml.Resolver.resolve(domain, {allowHttp: location.protocol === "http:", timeout: 10_000});
  const listed = (toml.CURRENCIES ?? []).some((c) => c.code === asset.getCode() && c.issuer === asset.getIssuer());
  if (!listed) throw new Error(`${domain}'s stellar.toml does not list ${asset.getCode()} of this issuer`);
  const server = toml.TRANSFER_SERVER;
  if (typeof server !== "string" || server === "") throw new Error(`${domain}'s stellar.toml has no TRANSFER_SERVER`);
  return {domain, transferServer: server.replace(/\/$/, ""), orgName: toml.DOCUMENTATION?.ORG_NAME ?? domain};
}

async function call<T>(anchor: AnchorInfo, path: string, params: Record<string, string>): Promise<T> {
  const url = `${anchor.transferServer}/${path}?${new URLSearchParams(params).toString()}`;
  const res = await fetch(url);
  const body = (await res.json().catch(() => ({}))) as T & {error?: string};
  if (!res.ok) throw new Error(`${anchor.domain}: ${body.error ?? `answered ${res.status}`}`);
  return body;
}

export function requestDeposit(anchor: AnchorInfo, asset: Asset, account: string, amount: string): Promise<{id: string; how: string}> {
  return call(anchor, "deposit", {asset_code: asset.getCode(), account, amount});
}

export function requestWithdraw(anchor: AnchorInfo, asset: Asset, account: string, amount: string): Promise<WithdrawAnswer> {
  return call(anchor, "withdraw", {asset_code: asset.getCode(), type: "bank_account", account, amount});
}

export async function transferStatus(anchor: AnchorInfo, id: string): Promise<TransferRecord> {
  return (await call<{transaction: TransferRecord}>(anchor, "transaction", {id})).transaction;
}

export async function listTransfers(anchor: AnchorInfo, asset: Asset, account: string): Promise<TransferRecord[]> {
  return (await call<{transactions: TransferRecord[]}>(anchor, "transactions", {asset_code: asset.getCode(), account})).transactions;
}
