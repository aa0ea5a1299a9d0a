/**
 * Asset validity shared by every operation that names an asset. Holdings (native balance,
 * trustline or an issuer's implicit line) live in balances.ts.
 */
import type {Asset} from "../../ledger/types.js";

/** Stellar's isAssetValid: alphanumeric codes, 1–4 chars for alphanum4 and 5–12 for alphanum12. */
export function isAssetValid(asset: Asset): boolean {
  if (asset.type === "native") return true;
  const code = asset.code;
  if (!/^[A-Za-z0-9]+$/.test(code)) return false;
  return asset.type === "credit_alphanum4" ? code.length >= 1 && code.length <= 4 : code.length >= 5 && code.length <= 12;
}
