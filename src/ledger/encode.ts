/**
 * Fixed-order canonical encoding of ledger entries and headers, used only for hashing
 * (stateHash, header hash). Deliberately not msgpack: msgpack's output depends on number sizes
 * and key order chosen by the encoder version, and a hash must never change with a library.
 *
 * Layout: big-endian, u32 lengths before strings/bytes, int64 as 8 bytes two's complement,
 * a tag byte before each entry kind, fields in the order written below (never reorder: append).
 */
import type {AccountEntry, Asset, ClaimableBalanceEntry, ClaimPredicate, DataEntry, LedgerEntry, LedgerHeader, OfferEntry, TrustLineEntry} from "./types.js";
import {assetKey} from "./types.js";

/** Largest integer a double holds exactly. */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const ENTRY_TAG_ACCOUNT = 1;
const ENTRY_TAG_DATA = 2;
const ENTRY_TAG_TRUSTLINE = 3;
const ENTRY_TAG_OFFER = 4;
const ENTRY_TAG_CLAIMABLE_BALANCE = 5;

export class CanonicalWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf.writeUInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  i64(v: bigint): this {
    if (v >= 0n && v <= MAX_SAFE) return this.safeU64(Number(v));
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }

  u64(v: bigint): this {
    if (v >= 0n && v <= MAX_SAFE) return this.safeU64(Number(v));
    this.ensure(8);
    this.buf.writeBigUInt64BE(v, this.pos);
    this.pos += 8;
    return this;
  }

  /**
   * 0 ≤ x < 2^53 as 8 bytes big-endian, the same bytes as writeBigUInt64BE without its bigint
   * shifts and masks (several bigints allocated per value; every entry hashed has five or more).
   */
  private safeU64(x: number): this {
    this.ensure(8);
    const hi = Math.floor(x / 0x1_0000_0000);
    this.buf.writeUInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(x - hi * 0x1_0000_0000, this.pos + 4);
    this.pos += 8;
    return this;
  }

  bytes(v: Uint8Array): this {
    this.u32(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** u32 byte length ‖ UTF-8 bytes, written in place (no Buffer per string). */
  str(v: string): this {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8 (a surrogate pair, 2 units, takes 4).
    this.ensure(4 + 3 * v.length);
    const n = this.buf.write(v, this.pos + 4, "utf8");
    this.buf.writeUInt32BE(n, this.pos);
    this.pos += 4 + n;
    return this;
  }

  optStr(v: string | null): this {
    if (v === null) return this.u8(0);
    return this.u8(1).str(v);
  }

  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

function writeAccount(w: CanonicalWriter, a: AccountEntry): void {
  w.u8(ENTRY_TAG_ACCOUNT)
    .str(a.accountId)
    .i64(a.balance)
    .i64(a.seqNum)
    .u32(a.numSubEntries)
    .optStr(a.inflationDest)
    .u32(a.flags)
    .str(a.homeDomain)
    .u8(a.thresholds.master)
    .u8(a.thresholds.low)
    .u8(a.thresholds.med)
    .u8(a.thresholds.high)
    .u32(a.signers.length);
  for (const s of a.signers) w.str(s.key).u32(s.weight);
  w.i64(a.buyingLiabilities).i64(a.sellingLiabilities).u32(a.seqLedger).u64(a.seqTime).u32(a.lastModifiedLedger);
  w.u32(a.numSponsoring ?? 0);
}

function writeAsset(w: CanonicalWriter, a: Asset): void {
  w.str(assetKey(a));
}

function writeTrustLine(w: CanonicalWriter, t: TrustLineEntry): void {
  w.u8(ENTRY_TAG_TRUSTLINE).str(t.accountId);
  writeAsset(w, t.asset);
  w.i64(t.balance).i64(t.limit).u32(t.flags).i64(t.buyingLiabilities).i64(t.sellingLiabilities).u32(t.lastModifiedLedger);
}

function writeOffer(w: CanonicalWriter, o: OfferEntry): void {
  w.u8(ENTRY_TAG_OFFER).str(o.sellerId).i64(o.offerId);
  writeAsset(w, o.selling);
  writeAsset(w, o.buying);
  w.i64(o.amount).u32(o.price.n).u32(o.price.d).u32(o.flags).u32(o.lastModifiedLedger);
}

const PREDICATE_TAGS: Record<ClaimPredicate["type"], number> = {
  unconditional: 0,
  and: 1,
  or: 2,
  not: 3,
  before_absolute_time: 4,
  before_relative_time: 5,
};

function writePredicate(w: CanonicalWriter, p: ClaimPredicate | null): void {
  if (p === null) {
    w.u8(0xff);
    return;
  }
  w.u8(PREDICATE_TAGS[p.type]);
  switch (p.type) {
    case "unconditional":
      return;
    case "and":
    case "or":
      w.u32(p.predicates.length);
      for (const q of p.predicates) writePredicate(w, q);
      return;
    case "not":
      writePredicate(w, p.predicate);
      return;
    case "before_absolute_time":
      w.i64(p.time);
      return;
    case "before_relative_time":
      w.i64(p.seconds);
      return;
  }
}

function writeClaimableBalance(w: CanonicalWriter, c: ClaimableBalanceEntry): void {
  w.u8(ENTRY_TAG_CLAIMABLE_BALANCE).str(c.balanceId).u32(c.claimants.length);
  for (const cl of c.claimants) {
    w.str(cl.destination);
    writePredicate(w, cl.predicate);
  }
  writeAsset(w, c.asset);
  w.i64(c.amount).u32(c.flags).str(c.sponsor).u32(c.lastModifiedLedger);
}

function writeData(w: CanonicalWriter, d: DataEntry): void {
  w.u8(ENTRY_TAG_DATA).str(d.accountId).str(d.name).bytes(d.value).u32(d.lastModifiedLedger);
}

export function writeEntry(w: CanonicalWriter, e: LedgerEntry): void {
  switch (e.type) {
    case "account":
      writeAccount(w, e);
      return;
    case "data":
      writeData(w, e);
      return;
    case "trustline":
      writeTrustLine(w, e);
      return;
    case "offer":
      writeOffer(w, e);
      return;
    case "claimable_balance":
      writeClaimableBalance(w, e);
      return;
  }
}

export function encodeEntry(e: LedgerEntry): Buffer {
  const w = new CanonicalWriter();
  writeEntry(w, e);
  return w.result();
}

/** Every header field but `hash`, in declaration order of LedgerHeader. */
export function encodeHeader(h: LedgerHeader): Buffer {
  const w = new CanonicalWriter(256);
  w.u32(h.seq)
    .str(h.prevHash)
    .str(h.txSetHash)
    .str(h.txResultsHash)
    .str(h.stateHash)
    .u64(BigInt(h.closeTime))
    .i64(h.totalCoins)
    .i64(h.feePool)
    .u32(h.baseFee)
    .u32(h.baseReserve)
    .u32(h.maxTxSetSize)
    .u32(h.protocolVersion)
    .u64(h.idPool)
    .u32(h.txCount)
    .u32(h.failedTxCount)
    .u32(h.opCount);
  return w.result();
}
