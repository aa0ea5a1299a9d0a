/**
 * Amounts as the ledger keeps them: int64 stroops (1 unit = 10^7 stroops), held as bigint so no
 * amount ever passes through a JS number (2^53 is below the int64 range Horizon can answer).
 */

export const STROOPS_PER_UNIT = 10_000_000n;
export const INT64_MAX = 2n ** 63n - 1n;

/** Why a typed amount was refused, in words a user can act on. */
export class AmountError extends Error {
  readonly code = "bad_amount";
}

/** "12.5" → 125000000n. Up to 7 decimals, positive unless `allowZero`, at most int64. */
export function parseAmount(text: string, allowZero = false): bigint {
  const t = text.trim().replace(/,/g, "");
  const m = /^(\d{1,19})(?:\.(\d{1,7}))?$/.exec(t);
  if (m === null) {
    if (/^\d*\.\d{8,}$/.test(t)) throw new AmountError(`"${text}" has more than 7 decimals`);
    throw new AmountError(`"${text}" is not an amount (digits, optionally a point and up to 7 decimals)`);
  }
  const v = BigInt(m[1] ?? "0") * STROOPS_PER_UNIT + BigInt((m[2] ?? "").padEnd(7, "0"));
  if (v > INT64_MAX) throw new AmountError(`"${text}" is larger than the ledger can hold`);
  if (v === 0n && !allowZero) throw new AmountError("the amount must be more than zero");
  return v;
}

/** 125000000n → "12.5000000", the form Horizon and the SDK's operations take. */
export function toAmountString(stroops: bigint): string {
  const neg = stroops < 0n;
  const a = neg ? -stroops : stroops;
  const s = `${a / STROOPS_PER_UNIT}.${(a % STROOPS_PER_UNIT).toString().padStart(7, "0")}`;
  return neg ? `-${s}` : s;
}

/**
 * For people: thousands separated, trailing zeros trimmed down to `minDecimals`
 * ("1234.5000000" → "1,234.50"). Takes Horizon's strings or stroops.
 */
export function formatAmount(amount: string | bigint, minDecimals = 2): string {
  const stroops = typeof amount === "bigint" ? amount : parseSigned(amount);
  const text = toAmountString(stroops);
  const neg = text.startsWith("-");
  const [whole = "0", frac = ""] = (neg ? text.slice(1) : text).split(".");
  let f = frac.replace(/0+$/, "");
  if (f.length < minDecimals) f = f.padEnd(minDecimals, "0");
  const w = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}${w}${f.length > 0 ? "." + f : ""}`;
}

function parseSigned(text: string): bigint {
  return text.startsWith("-") ? -parseAmount(text.slice(1), true) : parseAmount(text, true);
}

/** Basis points (1% = 100) from a typed percentage: 0 to 50%, at most two decimals. */
export function parsePercentBps(text: string): number {
  const m = /^(\d{1,2})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (m === null) throw new AmountError(`"${text}" is not a percentage (e.g. 1 or 0.5)`);
  const bps = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  if (bps > 5000) throw new AmountError("slippage above 50% is refused");
  return bps;
}

/** quote × (1 − bps/10000), rounded down: the least a path payment may deliver. */
export function lessSlippage(quote: bigint, bps: number): bigint {
  return (quote * BigInt(10_000 - bps)) / 10_000n;
}

/** quote × (1 + bps/10000), rounded up: the most a strict-receive payment may spend. */
export function plusSlippage(quote: bigint, bps: number): bigint {
  return (quote * BigInt(10_000 + bps) + 9_999n) / 10_000n;
}

/** "received per sent" to 7 significant decimals, from two amounts in stroops. */
export function rate(received: bigint, sent: bigint): string {
  if (sent === 0n) return "–";
  return formatAmount((received * STROOPS_PER_UNIT) / sent, 2);
}
