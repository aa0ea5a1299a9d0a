/**
 * Transaction sets and the consensus value that names one. The value SCP agrees on is 40 bytes:
 * sha256 of the tx set (32) ‖ close time in unix seconds (uint64 BE). A tx set's hash covers the
 * previous ledger hash, the fee per operation it charges and its tx hashes in sorted order, so the
 * same set proposed on top of another ledger is another value.
 */
import {createHash} from "node:crypto";
import type {TxFrame} from "../tx/interface.js";
import {HerderError, HerderErrorCode} from "./errors.js";

export interface TxSet {
  hashHex: string;
  prevHash: string;
  frames: TxFrame[];
  ops: number;
  baseFeeCharged: number;
}

export interface ScpValue {
  txSetHash: Buffer;
  closeTime: number;
}

export const SCP_VALUE_BYTES = 40;

export function makeTxSet(prevHash: string, frames: TxFrame[], ops: number, baseFeeCharged: number): TxSet {
  const hashes = frames.map((f) => f.hash).sort(Buffer.compare);
  const h = createHash("sha256");
  h.update(Buffer.from(prevHash, "hex"));
  const fee = Buffer.alloc(4);
  fee.writeUInt32BE(baseFeeCharged >>> 0);
  h.update(fee);
  for (const x of hashes) h.update(x);
  return {hashHex: h.digest("hex"), prevHash, frames, ops, baseFeeCharged};
}

export function encodeScpValue(v: ScpValue): Buffer {
  const out = Buffer.alloc(SCP_VALUE_BYTES);
  v.txSetHash.copy(out, 0);
  out.writeBigUInt64BE(BigInt(v.closeTime), 32);
  return out;
}

export function decodeScpValue(b: Buffer): ScpValue {
  if (b.length !== SCP_VALUE_BYTES) {
    throw new HerderError(HerderErrorCode.BAD_VALUE, "consensus value has the wrong length", {length: b.length});
  }
  return {txSetHash: b.subarray(0, 32), closeTime: Number(b.readBigUInt64BE(32))};
}
