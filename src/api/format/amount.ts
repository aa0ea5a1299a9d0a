/**
 * Amounts as Horizon prints them: int64 stroops as a decimal string with exactly 7 fractional
 * digits ("1.0000000", "0.0000001"), never an exponent. Done on bigint so the full int64 range
 * (922337203685.4775807) is exact; a double would lose the last digits beyond 2^53 stroops.
 */

export const STROOPS_PER_UNIT = 10_000_000n;
export const AMOUNT_DECIMALS = 7;
export const INT64_MAX = (1n << 63n) - 1n;

/** Formats non-negative int64 stroops. Ledger amounts are never negative, so a negative value is a bug upstream and throws. */
export function formatAmount(stroops: bigint): string {
  if (stroops < 0n) throw new RangeError(`amount is negative: ${stroops}`);
  if (stroops > INT64_MAX) throw new RangeError(`amount exceeds int64: ${stroops}`);
  const whole = stroops / STROOPS_PER_UNIT;
  const frac = stroops % STROOPS_PER_UNIT;
  return `${whole}.${frac.toString().padStart(AMOUNT_DECIMALS, "0")}`;
}
