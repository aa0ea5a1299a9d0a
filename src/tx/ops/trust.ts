/**
 * Holding credit assets. This ledger has no trustline entries yet, so an account holds a credit
 * asset only if it is the asset's issuer: as in stellar-core's TrustLineWrapper, an issuer has an
 * implicit, always-authorized, unlimited line of its own asset. When trustlines arrive, `lineOf`
 * reads them and the callers' code paths (no trust / not authorized / line full) stay as they are.
 */
import type {LedgerStateReader, AccountId, Asset, CreditAsset} from "../../ledger/types.js";

export type {CreditAsset};

export interface CreditLine {
  isIssuer: boolean;
  authorized: boolean;
}

export function lineOf(reader: LedgerStateReader, account: AccountId, asset: CreditAsset): CreditLine | null {
  void reader;
  if (account === asset.issuer) return {isIssuer: true, authorized: true};
  return null;
}

/** Stellar's isAssetValid: alphanumeric codes, 1–4 chars for alphanum4 and 5–12 for alphanum12. */
export function isAssetValid(asset: Asset): boolean {
  if (asset.type === "native") return true;
  const code = asset.code;
  if (!/^[A-Za-z0-9]+$/.test(code)) return false;
  return asset.type === "credit_alphanum4" ? code.length >= 1 && code.length <= 4 : code.length >= 5 && code.length <= 12;
}
