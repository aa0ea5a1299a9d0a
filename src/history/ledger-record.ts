/**
 * A closed ledger as catch-up moves it between nodes and into archives: its header and its tx
 * set (envelopes in apply order, the fee per operation charged). Enough to replay it on top of
 * the previous ledger and check the result against the header. Decoding checks every field: the
 * bytes come from a peer or an archive.
 */
import {Packr} from "msgpackr";
import type {LedgerHeader} from "../ledger/types.js";
import {headerHash} from "../ledger/header.js";
import {HistoryError, HistoryErrorCode} from "./errors.js";

export interface LedgerRecord {
  header: LedgerHeader;
  /** Fee per operation charged (int64). */
  baseFeeCharged: bigint;
  /** TransactionEnvelope XDR in apply order; empty for genesis. */
  envelopes: Buffer[];
}

const RECORD_VERSION = 1;
const packr = new Packr({useRecords: false, copyBuffers: true, mapsAsObjects: true});
const HEX64 = /^[0-9a-f]{64}$/;
const U32 = 0xffffffff;
const INT64_MAX = (1n << 63n) - 1n;

export function encodeLedgerRecord(r: LedgerRecord): Buffer {
  return packr.pack([RECORD_VERSION, r.header, r.baseFeeCharged, r.envelopes]);
}

function corrupt(message: string, meta: Record<string, unknown> = {}): HistoryError {
  return new HistoryError(HistoryErrorCode.CORRUPT, message, meta);
}

/** Checks a decoded header's fields and that its hash is the hash of its fields. */
export function checkHeader(raw: unknown): LedgerHeader {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw corrupt("header is not an object");
  const h = raw as Record<string, unknown>;
  const u32 = (k: string, min = 0) => {
    const v = h[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > U32) throw corrupt(`header field ${k} must be a whole number ${min}..${U32}`, {field: k});
  };
  const hex = (k: string) => {
    if (typeof h[k] !== "string" || !HEX64.test(h[k] as string)) throw corrupt(`header field ${k} must be 64 hex digits`, {field: k});
  };
  const i64 = (k: string) => {
    const v = h[k];
    if (typeof v !== "bigint" || v < 0n || v > INT64_MAX) throw corrupt(`header field ${k} must be an int64 ≥ 0`, {field: k});
  };
  u32("seq", 1);
  for (const k of ["prevHash", "hash", "txSetHash", "txResultsHash", "stateHash"]) hex(k);
  const ct = h.closeTime;
  if (typeof ct !== "number" || !Number.isSafeInteger(ct) || ct < 0) throw corrupt("header field closeTime must be a whole number ≥ 0", {field: "closeTime"});
  for (const k of ["totalCoins", "feePool", "idPool"]) i64(k);
  for (const k of ["baseFee", "baseReserve", "maxTxSetSize", "protocolVersion", "txCount", "failedTxCount", "opCount"]) u32(k);
  if (h.successfulOpCount !== undefined) u32("successfulOpCount");
  const known = new Set(["seq", "prevHash", "hash", "txSetHash", "txResultsHash", "stateHash", "closeTime", "totalCoins", "feePool", "idPool", "baseFee", "baseReserve", "maxTxSetSize", "protocolVersion", "txCount", "failedTxCount", "opCount", "successfulOpCount"]);
  for (const k of Object.keys(h)) if (!known.has(k)) throw corrupt(`header has an unknown field ${k.slice(0, 32)}`);
  const header = h as unknown as LedgerHeader;
  const recomputed = headerHash(header);
  if (recomputed !== header.hash) {
    throw corrupt(`header of ledger ${header.seq} says hash ${header.hash} but its fields hash to ${recomputed}`, {seq: header.seq});
  }
  return header;
}

export function decodeLedgerRecord(bytes: Uint8Array, maxEnvelopes = 1_000_000): LedgerRecord {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (err) {
    throw corrupt(`ledger record is not msgpack: ${(err as Error).message}`);
  }
  if (!Array.isArray(raw) || raw.length !== 4 || raw[0] !== RECORD_VERSION) throw corrupt(`ledger record must be [${RECORD_VERSION}, header, fee, envelopes]`);
  const header = checkHeader(raw[1]);
  const fee = raw[2];
  if (typeof fee !== "bigint" || fee < 0n || fee > INT64_MAX) throw corrupt(`ledger ${header.seq}: fee charged must be an int64 ≥ 0`, {seq: header.seq});
  const envs = raw[3];
  if (!Array.isArray(envs) || envs.length > maxEnvelopes || !envs.every((e) => Buffer.isBuffer(e) && e.length > 0)) {
    throw corrupt(`ledger ${header.seq}: envelopes must be a list of byte strings`, {seq: header.seq});
  }
  if (envs.length !== header.txCount) throw corrupt(`ledger ${header.seq}: ${envs.length} envelopes for a header counting ${header.txCount}`, {seq: header.seq});
  return {header, baseFeeCharged: fee, envelopes: envs as Buffer[]};
}

/**
 * Checks that `records` continue the chain after `prev`: consecutive sequences and each header's
 * prevHash is the hash of the one before (each header's own hash was checked when decoded).
 */
export function checkChain(prev: LedgerHeader, records: LedgerRecord[]): void {
  let last = prev;
  for (const r of records) {
    if (r.header.seq !== last.seq + 1) throw corrupt(`ledger ${r.header.seq} follows ledger ${last.seq}`, {seq: r.header.seq, after: last.seq});
    if (r.header.prevHash !== last.hash) {
      throw corrupt(`ledger ${r.header.seq} links to ${r.header.prevHash}, not to ledger ${last.seq}'s hash ${last.hash}`, {seq: r.header.seq});
    }
    last = r.header;
  }
}
