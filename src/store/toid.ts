/**
 * Horizon's "total order id": (ledger << 32) | (txIndex << 12) | opIndex. Paging tokens and
 * operation ids are TOIDs as decimal strings; the store keys its indexes by the same triple so a
 * cursor maps straight onto an LMDB range.
 */
export interface Toid {
  ledger: number;
  txIndex: number;
  opIndex: number;
}

export function toidString(ledger: number, txIndex: number, opIndex: number): string {
  return ((BigInt(ledger) << 32n) | (BigInt(txIndex) << 12n) | BigInt(opIndex)).toString();
}

/** Parses a TOID string; undefined when it is not a non-negative integer below 2^63. */
export function parseToid(s: string): Toid | undefined {
  if (!/^\d{1,19}$/.test(s)) return undefined;
  const v = BigInt(s);
  if (v >= 1n << 63n) return undefined;
  return {ledger: Number(v >> 32n), txIndex: Number((v >> 12n) & 0xfffffn), opIndex: Number(v & 0xfffn)};
}
