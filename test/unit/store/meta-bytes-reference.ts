/**
 * The version 4 meta writer exactly as the store first wrote it (txs records of earlier builds):
 * the reference the current writer in src/store/meta-codec.ts must match byte for byte, so
 * records written before and after a change to the writer read back the same.
 */
import type {EntryDelta, TxMeta} from "../../../src/ledger/meta.js";
import {entryKey, type EntryKey, type LedgerEntry} from "../../../src/ledger/types.js";
import {rawFromAccountId} from "../../../src/tx/keys.js";
import {StoreError, StoreErrorCode} from "../../../src/store/errors.js";

/** Field names with a short ref. Append only. */
const FIELDS: readonly string[] = [
  // An account's fields first: refs below 128 take one byte.
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
  "lastModifiedLedger",
  "master",
  "low",
  "med",
  "high",
  "key",
  "weight",
  "name",
  "value",
  "asset",
  "limit",
  "sellerId",
  "offerId",
  "selling",
  "buying",
  "amount",
  "price",
  "balanceId",
  "claimants",
  "sponsor",
  "numSponsoring",
  "code",
  "issuer",
  "destination",
  "predicate",
  "predicates",
  "time",
  "seconds",
  "n",
  "d",
];
const FIELD_INDEX = new Map(FIELDS.map((f, i) => [f, i]));
/** String values with a short form (entry kinds, asset types). Append only. */
const WORDS: readonly string[] = [
  "account",
  "data",
  "trustline",
  "offer",
  "claimable_balance",
  "liquidity_pool",
  "native",
  "credit_alphanum4",
  "credit_alphanum12",
  "unconditional",
  "and",
  "or",
  "not",
  "before_absolute_time",
  "before_relative_time",
];
const WORD_INDEX = new Map(WORDS.map((w, i) => [w, i]));

const FORM_PLAIN = 0;
const FORM_BIGINT = 1;
const FORM_ACCOUNT = 2;
const FORM_ABSENT = 3;
const FORM_OBJECT = 4;
const FORM_WORD = 5;
const FORM_NEGATIVE = 6;
const EMPTY = Buffer.alloc(0);

type Fields = Record<string, unknown>;

const U64_LIMIT = 1n << 64n;
/** Largest integer a double holds exactly. */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Big-endian magnitude bytes of a bigint, none for 0. */
function magnitudeBytes(v: bigint): Buffer {
  const m = v < 0n ? -v : v;
  if (m === 0n) return EMPTY;
  if (m < U64_LIMIT) {
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64BE(m);
    let i = 0;
    while (b[i] === 0) i++;
    return b.subarray(i);
  }
  let hex = m.toString(16);
  if (hex.length % 2 === 1) hex = "0" + hex;
  return Buffer.from(hex, "hex");
}

function isPlainObject(v: unknown): v is Fields {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** The 32 raw bytes of a G… StrKey (memoized), or null for any other string. */
function accountRaw(v: string): Buffer | null {
  if (v.length !== 56 || v.charCodeAt(0) !== 71 /* G */) return null;
  try {
    return rawFromAccountId(v);
  } catch {
    return null;
  }
}

/** Same value, compared by content (bytes, arrays and objects deeply). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  // Counted with for…in (plain objects: own keys only), not Object.keys: no arrays per compare.
  let na = 0;
  for (const k in a) {
    na++;
    if (!(k in b) || !sameValue((a as Fields)[k], (b as Fields)[k])) return false;
  }
  let nb = 0;
  for (const _ in b) nb++;
  return na === nb;
}


const FORM_NAMED = 7;
const TAG_NULL = 0;
const TAG_FALSE = 1;
const TAG_TRUE = 2;
const TAG_UINT = 3;
const TAG_NEGINT = 4;
const TAG_DOUBLE = 5;
const TAG_STRING = 6;
const TAG_BYTES = 7;
const TAG_ARRAY = 8;
const TAG_OBJECT = 9;
const TAG_BIGINT = 10;
const TAG_NEGBIGINT = 11;
const TAG_UNDEFINED = 12;

/** A growable byte buffer, reused from one meta to the next (the result is copied out). */
class ByteWriter {
  buf = Buffer.allocUnsafe(4096);
  pos = 0;

  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  /** An integer 0 ≤ v ≤ 2^53 in 7-bit groups, low first. */
  varuint(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  string(s: string): void {
    const n = Buffer.byteLength(s, "utf8");
    this.varuint(n);
    this.room(n);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  /** A length byte and the big-endian magnitude of `v` (no bytes for 0), as magnitudeBytes. */
  magnitude(v: bigint): void {
    const m = v < 0n ? -v : v;
    if (m <= MAX_SAFE) {
      // Amounts, balances and sequence numbers up to 2^53: no bigint arithmetic beyond this one
      // conversion (each `>>`/`&` on a bigint allocates a new one).
      let x = Number(m);
      let n = 0;
      for (let t = x; t > 0; t = Math.floor(t / 256)) n++;
      this.room(1 + n);
      this.buf[this.pos++] = n;
      for (let i = n - 1; i >= 0; i--) {
        this.buf[this.pos + i] = x & 0xff;
        x = Math.floor(x / 256);
      }
      this.pos += n;
      return;
    }
    if (m < U64_LIMIT) {
      const hi = Number(m >> 32n);
      const lo = Number(m & 0xffffffffn);
      let n = 4;
      for (let t = hi; t > 0; t = Math.floor(t / 256)) n++;
      this.room(1 + n);
      this.buf[this.pos++] = n;
      this.buf.writeUInt32BE(lo, this.pos + n - 4);
      let x = hi;
      for (let i = n - 5; i >= 0; i--) {
        this.buf[this.pos + i] = x & 0xff;
        x = Math.floor(x / 256);
      }
      this.pos += n;
      return;
    }
    const b = magnitudeBytes(m);
    if (b.length > 255) throw new StoreError(StoreErrorCode.CORRUPT_RECORD, "a meta bigint is longer than 255 bytes", {table: "txs"});
    this.u8(b.length);
    this.raw(b);
  }

  /** A copy of what was written. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }
}

const bytesOut = new ByteWriter();

/** Any value a field without a special form holds (numbers, flags, arrays of signers or claimants, bytes). */
function writeValue(w: ByteWriter, v: unknown): void {
  if (v === null) w.u8(TAG_NULL);
  else if (v === undefined) w.u8(TAG_UNDEFINED);
  else if (v === false) w.u8(TAG_FALSE);
  else if (v === true) w.u8(TAG_TRUE);
  else if (typeof v === "number") {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
      w.u8(v < 0 ? TAG_NEGINT : TAG_UINT);
      w.varuint(v < 0 ? -v : v);
    } else {
      w.u8(TAG_DOUBLE);
      w.room(8);
      w.buf.writeDoubleBE(v, w.pos);
      w.pos += 8;
    }
  } else if (typeof v === "string") {
    w.u8(TAG_STRING);
    w.string(v);
  } else if (typeof v === "bigint") {
    w.u8(v < 0n ? TAG_NEGBIGINT : TAG_BIGINT);
    w.magnitude(v);
  } else if (v instanceof Uint8Array) {
    w.u8(TAG_BYTES);
    w.varuint(v.length);
    w.raw(v);
  } else if (Array.isArray(v)) {
    w.u8(TAG_ARRAY);
    w.varuint(v.length);
    for (const x of v) writeValue(w, x);
  } else if (isPlainObject(v)) {
    const keys = Object.keys(v);
    w.u8(TAG_OBJECT);
    w.varuint(keys.length);
    for (const k of keys) {
      w.string(k);
      writeValue(w, v[k]);
    }
  } else {
    throw new StoreError(StoreErrorCode.CORRUPT_RECORD, `meta holds a value the store can not encode (${typeof v})`, {table: "txs"});
  }
}

/** One present field with its short form, as pushField chooses it. */
function writeField(w: ByteWriter, name: string, v: unknown): void {
  const i = FIELD_INDEX.get(name);
  if (i === undefined) {
    w.varuint(FORM_NAMED + 1);
    w.string(name);
    w.u8(1);
    writeValue(w, v);
    return;
  }
  const ref = i * 8;
  if (typeof v === "bigint") {
    w.varuint(ref + (v < 0n ? FORM_NEGATIVE : FORM_BIGINT) + 1);
    w.magnitude(v);
  } else if (typeof v === "string") {
    const word = WORD_INDEX.get(v);
    const raw = word === undefined ? accountRaw(v) : null;
    if (word !== undefined) {
      w.varuint(ref + FORM_WORD + 1);
      w.varuint(word);
    } else if (raw !== null) {
      w.varuint(ref + FORM_ACCOUNT + 1);
      w.raw(raw);
    } else {
      w.varuint(ref + FORM_PLAIN + 1);
      writeValue(w, v);
    }
  } else if (isPlainObject(v)) {
    w.varuint(ref + FORM_OBJECT + 1);
    for (const k of Object.keys(v)) if (v[k] !== undefined) writeField(w, k, v[k]);
    w.u8(0);
  } else {
    w.varuint(ref + FORM_PLAIN + 1);
    writeValue(w, v);
  }
}

function writeAbsent(w: ByteWriter, name: string): void {
  const i = FIELD_INDEX.get(name);
  if (i === undefined) {
    w.varuint(FORM_NAMED + 1);
    w.string(name);
    w.u8(0);
  } else w.varuint(i * 8 + FORM_ABSENT + 1);
}

/**
 * An entry's own field names, in order. Entries of one type nearly always share their field order,
 * so the last list seen per type is reused when a for…in walk matches it: no array per state.
 */
const shapeKeys = new Map<string, string[]>();

function keysOf(e: LedgerEntry): string[] {
  const cached = shapeKeys.get(e.type);
  if (cached !== undefined) {
    let i = 0;
    let same = true;
    for (const k in e) {
      if (cached[i] !== k) {
        same = false;
        break;
      }
      i++;
    }
    if (same && i === cached.length) return cached;
  }
  const keys = Object.keys(e);
  shapeKeys.set(e.type, keys);
  return keys;
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** As pushDiff, into bytes, reading both states from their (never changed) entry objects. */
function writeDiff(w: ByteWriter, prevKeys: string[], prev: Fields, keys: string[], now: Fields): void {
  if (sameKeys(prevKeys, keys)) {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = now[k];
      const was = prev[k];
      if (v === undefined) {
        if (was !== undefined) writeAbsent(w, k);
      } else if (!sameValue(was, v)) {
        writeField(w, k, v);
      }
    }
    return;
  }
  const present = new Set<string>();
  for (const k of keys) {
    const v = now[k];
    if (v === undefined) continue;
    present.add(k);
    if (!sameValue(prevKeys.includes(k) ? prev[k] : undefined, v)) writeField(w, k, v);
  }
  for (const k of prevKeys) if (prev[k] !== undefined && !present.has(k)) writeAbsent(w, k);
}

/** An entry's slot in the byte writer: its last state written, as the entry object and its field names. */
interface ByteSlot {
  slot: number;
  keys: string[];
  obj: LedgerEntry;
}

/** MetaWriter's slots and templates, written as bytes. */
class MetaByteWriter {
  private readonly slots = new Map<EntryKey, ByteSlot>();
  private recent: ByteSlot | null = null;
  private next = 0;

  constructor(private readonly w: ByteWriter) {}

  state(e: LedgerEntry, key: EntryKey): void {
    const w = this.w;
    let known = this.slots.get(key);
    if (known !== undefined && known.obj === e) {
      // The same object again (a layer's after state is the next layer's before state): no field differs.
      w.varuint(2 * (known.slot + 1));
      w.u8(0);
      this.recent = known;
      return;
    }
    // Entry objects in a meta are never changed once their layer ended, so a slot keeps the object itself.
    const keys = keysOf(e);
    const now = e as unknown as Fields;
    if (known !== undefined) {
      w.varuint(2 * (known.slot + 1));
      writeDiff(w, known.keys, known.obj as unknown as Fields, keys, now);
      known.obj = e;
      known.keys = keys;
    } else {
      const template = this.recent !== null && sameKeys(this.recent.keys, keys) ? this.recent : null;
      known = {slot: this.next++, keys, obj: e};
      this.slots.set(key, known);
      if (template !== null) {
        w.varuint(2 * template.slot + 1);
        writeDiff(w, template.keys, template.obj as unknown as Fields, keys, now);
      } else {
        w.varuint(2 * (known.slot + 1));
        for (const k of keys) {
          const v = now[k];
          if (v !== undefined) writeField(w, k, v);
        }
      }
    }
    w.u8(0);
    this.recent = known;
  }

  deltas(list: EntryDelta[]): void {
    this.w.varuint(list.length);
    for (const d of list) {
      const key = entryKey((d.before ?? d.after) as LedgerEntry);
      if (d.before === null) this.w.u8(0);
      else this.state(d.before, key);
      if (d.after === null) {
        this.w.u8(0);
        this.slots.delete(key);
      } else this.state(d.after, key);
    }
  }
}

/** The stored form of a transaction's meta (txs codec version 4), as first written. */
export function referenceMetaBytes(meta: TxMeta): Buffer {
  const w = bytesOut;
  w.pos = 0;
  const m = new MetaByteWriter(w);
  m.deltas(meta.fee);
  m.deltas(meta.before);
  w.varuint(meta.operations.length);
  for (const o of meta.operations) m.deltas(o);
  return w.take();
}
