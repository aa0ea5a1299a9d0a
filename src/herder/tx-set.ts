/**
 * Transaction sets and the consensus value that names one. The value SCP agrees on is 40 bytes:
 * sha256 of the tx set (32) ‖ close time in unix seconds (uint64 BE). A tx set's hash is the
 * ledger header's tx set hash (previous ledger hash and sorted tx hashes) extended with the fee per
 * operation it charges, so the same set proposed on top of another ledger, or at another surge
 * price, is another value.
 */
import {createHash} from "node:crypto";
import type {TxFrame} from "../tx/interface.js";
import {txSetHashOf} from "../ledger/close.js";
import {HerderError, HerderErrorCode} from "./errors.js";
import type {LedgerHeader, LedgerStateReader, NetworkConfig} from "../ledger/types.js";
import type {CheckContext, CheckFailure} from "../tx/interface.js";
import {checkValid} from "../tx/check.js";
import type {QueuedTx} from "./tx-queue.js";

export interface TxSet {
  hashHex: string;
  prevHash: string;
  frames: TxFrame[];
  ops: number;
  /** Fee per operation charged (int64, as Stellar's generalized tx set base fee). */
  baseFeeCharged: bigint;
}

export interface ScpValue {
  txSetHash: Buffer;
  closeTime: number;
}

export const SCP_VALUE_BYTES = 40;

export function makeTxSet(prevHash: string, frames: TxFrame[], ops: number, baseFeeCharged: bigint): TxSet {
  // The header's tx set hash (over the previous hash and the sorted tx hashes) plus the fee, all
  // 64 bits of it: two sets charging different fees are never the same value.
  const fee = Buffer.alloc(8);
  fee.writeBigInt64BE(baseFeeCharged);
  const hashHex = createHash("sha256").update(txSetHashOf(prevHash, frames)).update(fee).digest("hex");
  return {hashHex, prevHash, frames, ops, baseFeeCharged};
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

/** A queued tx that can no longer go into a ledger, and why (the codes its submitter gets). */
export interface TrimmedTx {
  q: QueuedTx;
  failure: CheckFailure;
}

/**
 * stellar-core's trimming of a candidate set (TxSetUtils::trimInvalid): each account's queued
 * txs, in sequence order, are checked again against the last closed ledger as the set is built:
 * sequence number after the account's txs kept so far, time bounds at the close time proposed,
 * and the fee source's available balance after the fees of its txs already kept. A tx that fails
 * is left out, and so is every later tx of its account (their sequence no longer follows).
 */
export function trimInvalid(
  accountQueues: Iterable<readonly QueuedTx[]>,
  reader: LedgerStateReader,
  ctx: {header: LedgerHeader; config: NetworkConfig; closeTime: number},
): TrimmedTx[] {
  const fees = new Map<string, bigint>();
  const out: TrimmedTx[] = [];
  for (const list of accountQueues) {
    // The sequence number the next tx must follow: none until one of the account's txs is kept.
    let follows: bigint | undefined;
    for (const q of list) {
      const feeSource = q.frame.feeSource;
      const before = fees.get(feeSource) ?? 0n;
      const check: CheckContext = {header: ctx.header, config: ctx.config, closeTime: ctx.closeTime, queuedAhead: 0, queuedFees: before};
      if (follows !== undefined) check.followsSeq = follows;
      const failure = checkValid(q.frame, reader, check);
      if (failure !== null) {
        out.push({q, failure});
        continue;
      }
      follows = q.frame.seqNum;
      fees.set(feeSource, before + q.frame.maxFee);
    }
  }
  return out;
}

/**
 * Unix seconds for the close after a ledger closed at `lastCloseTime`: max(now, last + 1), as
 * stellar-core. Close times strictly increase, so with ledgers closing faster than one a second
 * they run ahead of the wall clock.
 */
export function nextCloseTime(lastCloseTime: number, nowMs: number = Date.now()): number {
  return Math.max(lastCloseTime + 1, Math.floor(nowMs / 1000));
}

const TX_SET_CODEC_V1 = 1;

/**
 * A tx set's bytes for peers (`tx_set` messages): version 1 ‖ previous ledger hash (32) ‖ fee per
 * operation charged (int64 BE) ‖ count (uint32 BE) ‖ per tx: length (uint32 BE) ‖ envelope XDR.
 * The receiver recomputes the hash from the decoded set, so the bytes are never trusted.
 */
export function encodeTxSet(set: TxSet): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(1 + 32 + 8 + 4);
  head[0] = TX_SET_CODEC_V1;
  Buffer.from(set.prevHash, "hex").copy(head, 1);
  head.writeBigInt64BE(set.baseFeeCharged, 33);
  head.writeUInt32BE(set.frames.length, 41);
  parts.push(head);
  for (const f of set.frames) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(f.envelopeXdr.length);
    parts.push(len, f.envelopeXdr);
  }
  return Buffer.concat(parts);
}

/**
 * Decodes a peer's tx set. `known` returns the frame this node already decoded (and verified)
 * for a tx hash, so flooded txs are not decoded twice; others are decoded here and their
 * signatures are checked when applied. Throws HerderError BAD_VALUE on malformed bytes or a
 * set whose hash is not `expectedHashHex`.
 */
export function decodeTxSet(
  body: Buffer,
  expectedHashHex: string,
  networkId: Buffer,
  decode: (envelope: Buffer, networkId: Buffer) => TxFrame,
  maxTxs: number,
): TxSet {
  const bad = (why: string) => new HerderError(HerderErrorCode.BAD_VALUE, `tx set ${expectedHashHex.slice(0, 16)}: ${why}`, {hash: expectedHashHex});
  if (body.length < 45 || body[0] !== TX_SET_CODEC_V1) throw bad("unknown encoding");
  const prevHash = body.subarray(1, 33).toString("hex");
  const baseFeeCharged = body.readBigInt64BE(33);
  if (baseFeeCharged <= 0n) throw bad("fee per operation must be positive");
  const count = body.readUInt32BE(41);
  if (count > maxTxs) throw bad(`${count} txs, more than a ledger holds`);
  const frames: TxFrame[] = [];
  const seen = new Set<string>();
  let at = 45;
  let ops = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > body.length) throw bad("truncated");
    const len = body.readUInt32BE(at);
    at += 4;
    if (len === 0 || at + len > body.length) throw bad("truncated");
    let frame: TxFrame;
    try {
      frame = decode(body.subarray(at, at + len), networkId);
    } catch (err) {
      throw bad(`unreadable envelope: ${(err as Error).message}`);
    }
    at += len;
    if (seen.has(frame.hashHex)) throw bad("a tx appears twice");
    seen.add(frame.hashHex);
    frames.push(frame);
    ops += frame.operations.length + (frame.isFeeBump ? 1 : 0);
  }
  if (at !== body.length) throw bad("trailing bytes");
  const set = makeTxSet(prevHash, frames, ops, baseFeeCharged);
  if (set.hashHex !== expectedHashHex) throw bad("bytes do not hash to the requested set");
  return set;
}
