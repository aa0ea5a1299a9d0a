/**
 * Records of the entries table, `[version, …]` as every store record (codec.ts):
 *
 *   version 1  [1, entry]: the entry object as msgpack, field names and all (~320 bytes for a
 *              plain account, most of it names and the account id the key already holds).
 *   version 2  [2, bytes]: an account in a fixed binary layout; the account id is the key's.
 *              A plain account is 33 bytes. Written for every account whose shape the layout
 *              covers exactly (always, today); anything else stays version 1, so a record
 *              always decodes to the object that was written.
 *
 * Version 2 bytes (big-endian):
 *   u8 parts: which optional parts follow (PART_*)
 *   i64 balance, i64 seqNum, u32 numSubEntries, u32 flags, u8 ×4 thresholds (master, low,
 *   med, high), u32 lastModifiedLedger
 *   [LIABILITIES] i64 buyingLiabilities, i64 sellingLiabilities
 *   [SEQ_INFO]    u32 seqLedger, u64 seqTime
 *   [SPONSORING]  u32 numSponsoring (absent and 0 are kept apart: the field is optional)
 *   [INFLATION]   u8 length ‖ inflation destination (ASCII StrKey)
 *   [HOME_DOMAIN] u8 length ‖ home domain (UTF-8, at most 32 bytes in Stellar)
 *   [SIGNERS]     u8 count ‖ per signer: u8 length ‖ key (ASCII StrKey), u32 weight
 *
 * 64-bit fields go through BigInt reads and writes only, never a JS number.
 */
import type {AccountEntry, EntryKey, LedgerEntry} from "../ledger/types.js";
import {fieldsOf} from "./codec.js";
import {StoreError, StoreErrorCode} from "./errors.js";

export const ENTRY_VERSIONS = [1, 2] as const;

const PART_LIABILITIES = 0x01;
const PART_SEQ_INFO = 0x02;
const PART_SPONSORING = 0x04;
const PART_INFLATION = 0x08;
const PART_HOME_DOMAIN = 0x10;
const PART_SIGNERS = 0x20;

const FIXED = 1 + 8 + 8 + 4 + 4 + 4 + 4;

/** The fields version 2 holds; an account with any other own field is written as version 1. */
const ACCOUNT_FIELDS: ReadonlySet<string> = new Set([
  "type",
  "accountId",
  "balance",
  "seqNum",
  "numSubEntries",
  "inflationDest",
  "flags",
  "homeDomain",
  "thresholds",
  "signers",
  "buyingLiabilities",
  "sellingLiabilities",
  "seqLedger",
  "seqTime",
  "numSponsoring",
  "lastModifiedLedger",
]);

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;

const isU32 = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isU8 = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xff;
const isI64 = (v: unknown): v is bigint => typeof v === "bigint" && v >= I64_MIN && v <= I64_MAX;
const isU64 = (v: unknown): v is bigint => typeof v === "bigint" && v >= 0n && v <= U64_MAX;
const isAscii = (s: string): boolean => /^[\x20-\x7e]*$/.test(s) && s.length <= 0xff;

/** Whether version 2 holds `a` exactly (every field known and in range). */
function fitsV2(a: AccountEntry): boolean {
  for (const k of Object.keys(a)) if (!ACCOUNT_FIELDS.has(k)) return false;
  const t = a.thresholds;
  if (t === null || typeof t !== "object" || Object.keys(t).length !== 4) return false;
  if (!isU8(t.master) || !isU8(t.low) || !isU8(t.med) || !isU8(t.high)) return false;
  if (!isI64(a.balance) || !isI64(a.seqNum) || !isI64(a.buyingLiabilities) || !isI64(a.sellingLiabilities) || !isU64(a.seqTime)) return false;
  if (!isU32(a.numSubEntries) || !isU32(a.flags) || !isU32(a.lastModifiedLedger) || !isU32(a.seqLedger)) return false;
  if (a.numSponsoring !== undefined && !isU32(a.numSponsoring)) return false;
  if (a.inflationDest !== null && (typeof a.inflationDest !== "string" || !isAscii(a.inflationDest))) return false;
  if (typeof a.homeDomain !== "string" || Buffer.byteLength(a.homeDomain) > 0xff) return false;
  if (!Array.isArray(a.signers) || a.signers.length > 0xff) return false;
  for (const s of a.signers) {
    if (s === null || typeof s !== "object" || Object.keys(s).length !== 2) return false;
    if (typeof s.key !== "string" || !isAscii(s.key) || !isU32(s.weight)) return false;
  }
  return true;
}

function encodeAccount(a: AccountEntry): Buffer {
  let parts = 0;
  let size = FIXED;
  if (a.buyingLiabilities !== 0n || a.sellingLiabilities !== 0n) (parts |= PART_LIABILITIES), (size += 16);
  if (a.seqLedger !== 0 || a.seqTime !== 0n) (parts |= PART_SEQ_INFO), (size += 12);
  if (a.numSponsoring !== undefined) (parts |= PART_SPONSORING), (size += 4);
  if (a.inflationDest !== null) (parts |= PART_INFLATION), (size += 1 + a.inflationDest.length);
  const domain = a.homeDomain === "" ? null : Buffer.from(a.homeDomain, "utf8");
  if (domain !== null) (parts |= PART_HOME_DOMAIN), (size += 1 + domain.length);
  if (a.signers.length > 0) {
    parts |= PART_SIGNERS;
    size += 1;
    for (const s of a.signers) size += 1 + s.key.length + 4;
  }
  const b = Buffer.allocUnsafe(size);
  let o = b.writeUInt8(parts, 0);
  o = b.writeBigInt64BE(a.balance, o);
  o = b.writeBigInt64BE(a.seqNum, o);
  o = b.writeUInt32BE(a.numSubEntries, o);
  o = b.writeUInt32BE(a.flags, o);
  o = b.writeUInt8(a.thresholds.master, o);
  o = b.writeUInt8(a.thresholds.low, o);
  o = b.writeUInt8(a.thresholds.med, o);
  o = b.writeUInt8(a.thresholds.high, o);
  o = b.writeUInt32BE(a.lastModifiedLedger, o);
  if (parts & PART_LIABILITIES) {
    o = b.writeBigInt64BE(a.buyingLiabilities, o);
    o = b.writeBigInt64BE(a.sellingLiabilities, o);
  }
  if (parts & PART_SEQ_INFO) {
    o = b.writeUInt32BE(a.seqLedger, o);
    o = b.writeBigUInt64BE(a.seqTime, o);
  }
  if (parts & PART_SPONSORING) o = b.writeUInt32BE(a.numSponsoring as number, o);
  if (a.inflationDest !== null) {
    o = b.writeUInt8(a.inflationDest.length, o);
    o += b.write(a.inflationDest, o, "latin1");
  }
  if (domain !== null) {
    o = b.writeUInt8(domain.length, o);
    o += domain.copy(b, o);
  }
  if (parts & PART_SIGNERS) {
    o = b.writeUInt8(a.signers.length, o);
    for (const s of a.signers) {
      o = b.writeUInt8(s.key.length, o);
      o += b.write(s.key, o, "latin1");
      o = b.writeUInt32BE(s.weight, o);
    }
  }
  return b;
}

function corrupt(key: EntryKey, why: string): StoreError {
  return new StoreError(StoreErrorCode.CORRUPT_RECORD, `entries record ${key} is damaged: ${why}`, {table: "entries", key});
}

function decodeAccount(key: EntryKey, b: Uint8Array): AccountEntry {
  if (!key.startsWith("a:")) throw corrupt(key, "an account record under a key that is not an account's");
  const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
  if (buf.length < FIXED) throw corrupt(key, `${buf.length} bytes, shorter than an account`);
  let o = 0;
  const need = (n: number): void => {
    if (o + n > buf.length) throw corrupt(key, "truncated account");
  };
  const str = (enc: "latin1" | "utf8"): string => {
    need(1);
    const n = buf.readUInt8(o++);
    need(n);
    const s = buf.toString(enc, o, o + n);
    o += n;
    return s;
  };
  const parts = buf.readUInt8(o++);
  const balance = buf.readBigInt64BE(o);
  const seqNum = buf.readBigInt64BE(o + 8);
  const numSubEntries = buf.readUInt32BE(o + 16);
  const flags = buf.readUInt32BE(o + 20);
  const thresholds = {master: buf[o + 24] as number, low: buf[o + 25] as number, med: buf[o + 26] as number, high: buf[o + 27] as number};
  const lastModifiedLedger = buf.readUInt32BE(o + 28);
  o += 32;
  let buyingLiabilities = 0n;
  let sellingLiabilities = 0n;
  if (parts & PART_LIABILITIES) {
    need(16);
    buyingLiabilities = buf.readBigInt64BE(o);
    sellingLiabilities = buf.readBigInt64BE(o + 8);
    o += 16;
  }
  let seqLedger = 0;
  let seqTime = 0n;
  if (parts & PART_SEQ_INFO) {
    need(12);
    seqLedger = buf.readUInt32BE(o);
    seqTime = buf.readBigUInt64BE(o + 4);
    o += 12;
  }
  let numSponsoring: number | undefined;
  if (parts & PART_SPONSORING) {
    need(4);
    numSponsoring = buf.readUInt32BE(o);
    o += 4;
  }
  const inflationDest = parts & PART_INFLATION ? str("latin1") : null;
  const homeDomain = parts & PART_HOME_DOMAIN ? str("utf8") : "";
  const signers: AccountEntry["signers"] = [];
  if (parts & PART_SIGNERS) {
    need(1);
    const count = buf.readUInt8(o++);
    for (let i = 0; i < count; i++) {
      const signerKey = str("latin1");
      need(4);
      signers.push({key: signerKey, weight: buf.readUInt32BE(o)});
      o += 4;
    }
  }
  if (o !== buf.length) throw corrupt(key, `${buf.length - o} bytes left over`);
  const a: AccountEntry = {
    type: "account",
    accountId: key.slice(2),
    balance,
    seqNum,
    numSubEntries,
    inflationDest,
    flags,
    homeDomain,
    thresholds,
    signers,
    buyingLiabilities,
    sellingLiabilities,
    seqLedger,
    seqTime,
    lastModifiedLedger,
  };
  if (numSponsoring !== undefined) a.numSponsoring = numSponsoring;
  return a;
}

/** The record `entry` is stored as under `key`. */
export function encodeEntry(key: EntryKey, entry: LedgerEntry): unknown[] {
  if (entry.type === "account" && key === "a:" + entry.accountId && fitsV2(entry)) return [2, encodeAccount(entry)];
  return [1, entry];
}

/** The entry a record of the entries table holds; a StoreError for an unknown version or damaged bytes. */
export function decodeEntry(key: EntryKey, raw: unknown): LedgerEntry {
  const {version, fields} = fieldsOf("entries", raw, ENTRY_VERSIONS);
  if (version === 1) return fields[0] as LedgerEntry;
  const bytes = fields[0];
  if (!(bytes instanceof Uint8Array)) throw corrupt(key, "version 2 without its bytes");
  return decodeAccount(key, bytes);
}
