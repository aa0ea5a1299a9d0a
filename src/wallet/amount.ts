/**
 * Amounts, assets and percentages from the command line, parsed exactly: amounts are int64
 * stroops (7 decimals) held in bigint, never a JS number.
 */
import {decodePublicKey} from "./encoding.js";
import {WalletError} from "./errors.js";

export const STROOPS_PER_UNIT = 10_000_000n;
const INT64_MAX = (1n << 63n) - 1n;

/** "12.5" → 125000000n; refuses more than 7 decimals, zero, negatives and anything past int64. */
export function parseAmount(text: string, flag: string): bigint {
  const m = /^(\d{1,12})(?:\.(\d{1,7}))?$/.exec(text);
  if (!m) throw new WalletError("usage", `--${flag} must be a positive amount with at most 7 decimals, got "${text}"`);
  const stroops = BigInt(m[1]) * STROOPS_PER_UNIT + BigInt((m[2] ?? "").padEnd(7, "0"));
  if (stroops <= 0n || stroops > INT64_MAX) throw new WalletError("usage", `--${flag} must be more than 0 and at most 922337203685.4775807, got "${text}"`);
  return stroops;
}

export function formatAmount(stroops: bigint): string {
  const neg = stroops < 0n;
  const abs = neg ? -stroops : stroops;
  return `${neg ? "-" : ""}${abs / STROOPS_PER_UNIT}.${(abs % STROOPS_PER_UNIT).toString().padStart(7, "0")}`;
}

/** Horizon amount string ("100.0000000") → stroops. */
export function amountToStroops(text: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,7}))?$/.exec(text);
  if (!m) throw new WalletError("node_error", `the node sent an amount that is not a 7-decimal number: "${text}"`);
  const v = BigInt(m[2]) * STROOPS_PER_UNIT + BigInt((m[3] ?? "").padEnd(7, "0"));
  return m[1] ? -v : v;
}

export type AssetSpec = {type: "native"} | {type: "credit"; code: string; issuer: string};

/** "native" or "CODE:ISSUER" (code 1-12 letters and digits, issuer a valid G… address). */
export function parseAsset(text: string, flag: string): AssetSpec {
  if (text === "native") return {type: "native"};
  const m = /^([A-Za-z0-9]{1,12}):(G[A-Z2-7]{55})$/.exec(text);
  if (!m || !decodePublicKey(m[2])) throw new WalletError("usage", `--${flag} must be "native" or CODE:ISSUER (code 1-12 letters/digits, issuer a G… address), got "${text}"`);
  return {type: "credit", code: m[1], issuer: m[2]};
}

export function assetLabel(a: AssetSpec): string {
  return a.type === "native" ? "DIAM" : `${a.code}:${a.issuer}`;
}

/** Slippage percent "0.5" → parts per million (5000); 0 ≤ pct < 100, at most 4 decimals. */
export function parseSlippagePpm(text: string): bigint {
  const m = /^(\d{1,2})(?:\.(\d{1,4}))?$/.exec(text);
  if (!m) throw new WalletError("usage", `--max-slippage must be a percentage from 0 to under 100 with at most 4 decimals, got "${text}"`);
  return BigInt(m[1]) * 10_000n + BigInt((m[2] ?? "").padEnd(4, "0"));
}

/** The least a path payment may deliver: quote × (1 − slippage), rounded down to a stroop. */
export function minimumReceive(quote: bigint, slippagePpm: bigint): bigint {
  return (quote * (1_000_000n - slippagePpm)) / 1_000_000n;
}
