/**
 * Horizon's total order id: (ledger << 32) | (txIndex << 12) | opIndex, an int64 printed in
 * decimal. Ledgers, transactions and operations all page by it, so one cursor format orders
 * every collection. The bit widths bound each part: 2^31 ledgers (sign bit kept clear),
 * 2^20 transactions per ledger, 2^12 operations per transaction.
 */

const LEDGER_LIMIT = 1n << 31n;
const TX_LIMIT = 1n << 20n;
const OP_LIMIT = 1n << 12n;
const TOID_LIMIT = 1n << 63n;

export interface TotalOrderId {
  ledger: number;
  txIndex: number;
  opIndex: number;
}

export function toid(ledger: number, txIndex: number, opIndex: number): string {
  const l = BigInt(ledger);
  const t = BigInt(txIndex);
  const o = BigInt(opIndex);
  if (l < 0n || l >= LEDGER_LIMIT) throw new RangeError(`ledger out of TOID range: ${ledger}`);
  if (t < 0n || t >= TX_LIMIT) throw new RangeError(`tx index out of TOID range: ${txIndex}`);
  if (o < 0n || o >= OP_LIMIT) throw new RangeError(`op index out of TOID range: ${opIndex}`);
  return ((l << 32n) | (t << 12n) | o).toString();
}

/** Decodes a decimal TOID; undefined unless it is an integer in [0, 2^63). */
export function parseToid(s: string): TotalOrderId | undefined {
  if (!/^\d{1,19}$/.test(s)) return undefined;
  const v = BigInt(s);
  if (v >= TOID_LIMIT) return undefined;
  return {ledger: Number(v >> 32n), txIndex: Number((v >> 12n) & (TX_LIMIT - 1n)), opIndex: Number(v & (OP_LIMIT - 1n))};
}
