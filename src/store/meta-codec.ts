/**
 * The compact form of a transaction's meta (the plain before/after deltas apply captured) kept in
 * txs records; the XDR (`result_meta_xdr`, `fee_meta_xdr`) is built from it on read by
 * ledger/meta.ts. Building and deflating the XDR at close cost ~100 µs per payment; this
 * costs a few µs and, for a payment, is smaller than the deflated XDR.
 *
 *   meta   [fee: Delta[], before: Delta[], operations: Delta[][]]
 *   Delta  [before: State | null, after: State | null]
 *   State  [slot, ref, value, ref, value, …]
 *
 * Every entry key met in a transaction gets a slot, numbered in order of first appearance. A
 * state of a known slot lists only the fields that differ from that slot's previous state. A new
 * slot lists the whole entry, or, as [-(t + 1), …], only its differences from slot t's latest
 * state (the previous state written, when it has the same fields in the same order). A payment's
 * meta is then one account whole, the other's id, balance and ledger numbers, and a few changes.
 *
 * Nothing here knows an entry kind: any entry is an object of fields. A ref is
 * `fieldIndex * 8 + form` with fieldIndex into FIELDS, or the field's name as a string (then the
 * value is as is; `[name]` marks it absent). Forms:
 *   0 the value as is (msgpack)             4 a plain object, as its own [ref, value, …] list
 *   1 a bigint ≥ 0: big-endian magnitude     5 a string of WORDS, as its index
 *     bytes (none for 0)                     6 a bigint < 0: magnitude bytes as in form 1
 *   2 an ed25519 account StrKey: 32 bytes
 *   3 the field is absent in this state (value null)
 * FIELDS and WORDS only ever grow: an index once written keeps its meaning.
 */
import type {EntryDelta, TxMeta} from "../ledger/meta.js";
import {entryKey, type EntryKey, type LedgerEntry} from "../ledger/types.js";
import {accountIdFromRaw, rawFromAccountId} from "../tx/keys.js";
import {StoreError, StoreErrorCode} from "./errors.js";

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

export type EncodedMeta = [fee: unknown[], before: unknown[], operations: unknown[][]];
type Fields = Record<string, unknown>;

const U64_LIMIT = 1n << 64n;
/** Largest integer a double holds exactly. */
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Big-endian magnitude bytes of a bigint, none for 0. */
export function magnitudeBytes(v: bigint): Buffer {
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

/** The bigint ≥ 0 of magnitudeBytes. */
export function magnitudeOf(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  if (b.length <= 8) {
    const w = Buffer.alloc(8);
    w.set(b, 8 - b.length);
    return w.readBigUInt64BE(0);
  }
  return BigInt("0x" + Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex"));
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

function pushField(out: unknown[], name: string, v: unknown): void {
  const i = FIELD_INDEX.get(name);
  if (i === undefined) {
    out.push(name, v);
    return;
  }
  const ref = i * 8;
  if (typeof v === "bigint") {
    out.push(ref + (v < 0n ? FORM_NEGATIVE : FORM_BIGINT), magnitudeBytes(v));
  } else if (typeof v === "string") {
    const w = WORD_INDEX.get(v);
    const raw = w === undefined ? accountRaw(v) : null;
    if (w !== undefined) out.push(ref + FORM_WORD, w);
    else if (raw !== null) out.push(ref + FORM_ACCOUNT, raw);
    else out.push(ref + FORM_PLAIN, v);
  } else if (isPlainObject(v)) {
    out.push(ref + FORM_OBJECT, fieldList(v));
  } else {
    out.push(ref + FORM_PLAIN, v);
  }
}

/** Marks a field absent in this state. A field without a short ref is named in an array. */
function pushAbsent(out: unknown[], name: string): void {
  const i = FIELD_INDEX.get(name);
  out.push(i === undefined ? [name] : i * 8 + FORM_ABSENT, null);
}

/** A plain object's present fields as [ref, value, …]. */
function fieldList(o: Fields): unknown[] {
  const out: unknown[] = [];
  for (const f of Object.keys(o)) if (o[f] !== undefined) pushField(out, f, o[f]);
  return out;
}

/** A state as its field names and values, in the object's own order. */
interface Snapshot {
  keys: string[];
  values: unknown[];
}

function sameOrder(a: Snapshot, b: Snapshot): boolean {
  if (a.keys.length !== b.keys.length) return false;
  for (let i = 0; i < a.keys.length; i++) if (a.keys[i] !== b.keys[i]) return false;
  return true;
}

/** The fields of `now` that differ from `prev`, and those `prev` has and `now` lacks, onto `out`. */
function pushDiff(out: unknown[], prev: Snapshot, now: Snapshot): void {
  const {keys, values} = now;
  if (sameOrder(prev, now)) {
    for (let i = 0; i < keys.length; i++) {
      const v = values[i];
      const was = prev.values[i];
      if (v === undefined) {
        if (was !== undefined) pushAbsent(out, keys[i]!);
      } else if (!sameValue(was, v)) {
        pushField(out, keys[i]!, v);
      }
    }
    return;
  }
  const before = new Map(prev.keys.map((k, i) => [k, prev.values[i]]));
  const present = new Set<string>();
  for (let i = 0; i < keys.length; i++) {
    if (values[i] === undefined) continue;
    present.add(keys[i]!);
    if (!sameValue(before.get(keys[i]!), values[i])) pushField(out, keys[i]!, values[i]);
  }
  for (const [k, was] of before) if (was !== undefined && !present.has(k)) pushAbsent(out, k);
}

interface Slot {
  slot: number;
  last: Snapshot;
  /** The entry object `last` was taken from (bytes writer only). */
  obj?: LedgerEntry;
}

class MetaWriter {
  private readonly slots = new Map<EntryKey, Slot>();
  /** The slot written last: a new entry of the same shape is listed as its differences from it. */
  private recent: Slot | null = null;
  private next = 0;

  state(e: LedgerEntry, key: EntryKey): unknown[] {
    // Keys and values as arrays: entries of one kind share their field order, so a state is
    // compared with another position by position instead of by name.
    const now: Snapshot = {keys: Object.keys(e), values: Object.values(e)};
    let known = this.slots.get(key);
    let out: unknown[];
    if (known !== undefined) {
      out = [known.slot];
      pushDiff(out, known.last, now);
      known.last = now;
    } else {
      const template = this.recent !== null && sameOrder(this.recent.last, now) ? this.recent : null;
      known = {slot: this.next++, last: now};
      this.slots.set(key, known);
      if (template !== null) {
        // A payment's second account differs from its first in a handful of fields.
        out = [-(template.slot + 1)];
        pushDiff(out, template.last, now);
      } else {
        out = [known.slot];
        for (let i = 0; i < now.keys.length; i++) if (now.values[i] !== undefined) pushField(out, now.keys[i]!, now.values[i]);
      }
    }
    this.recent = known;
    return out;
  }

  deltas(list: EntryDelta[]): unknown[] {
    return list.map((d) => {
      const key = entryKey((d.before ?? d.after) as LedgerEntry);
      const before = d.before === null ? null : this.state(d.before, key);
      const after = d.after === null ? null : this.state(d.after, key);
      // A removed entry's key starts over: an entry created again later is listed whole.
      if (d.after === null) this.slots.delete(key);
      return [before, after];
    });
  }
}

/** The form txs records of codec version 3 keep (still read; version 4 writes encodeMetaBytes). */
export function encodeMeta(meta: TxMeta): EncodedMeta {
  const w = new MetaWriter();
  const fee = w.deltas(meta.fee);
  const before = w.deltas(meta.before);
  const ops = meta.operations.map((o) => w.deltas(o));
  return [fee, before, ops];
}

function bad(detail: string): StoreError {
  return new StoreError(StoreErrorCode.CORRUPT_RECORD, `txs record has malformed meta: ${detail}`, {table: "txs"});
}

/** Applies the [ref, value, …] pairs of `raw` from `from` on to `s`. */
function readFields(raw: unknown[], from: number, s: Fields): void {
  if ((raw.length - from) % 2 !== 0) throw bad("field list of odd length");
  for (let i = from; i < raw.length; i += 2) {
    const ref = raw[i] as unknown;
    const v = raw[i + 1] as unknown;
    if (typeof ref === "string") {
      s[ref] = v;
      continue;
    }
    if (Array.isArray(ref) && typeof ref[0] === "string") {
      delete s[ref[0]];
      continue;
    }
    if (typeof ref !== "number" || !Number.isInteger(ref) || ref < 0) throw bad(`field ref ${String(ref)}`);
    const name = FIELDS[ref >> 3];
    if (name === undefined) throw bad(`field index ${ref >> 3} unknown to this build`);
    switch (ref & 7) {
      case FORM_PLAIN:
        s[name] = v;
        break;
      case FORM_BIGINT:
      case FORM_NEGATIVE: {
        if (!(v instanceof Uint8Array)) throw bad(`${name} is not a bigint`);
        const m = magnitudeOf(v);
        s[name] = (ref & 7) === FORM_NEGATIVE ? -m : m;
        break;
      }
      case FORM_ACCOUNT:
        if (!(v instanceof Uint8Array) || v.length !== 32) throw bad(`${name} is not an account id`);
        s[name] = accountIdFromRaw(v);
        break;
      case FORM_ABSENT:
        delete s[name];
        break;
      case FORM_OBJECT: {
        if (!Array.isArray(v)) throw bad(`${name} is not a field list`);
        const o: Fields = {};
        readFields(v, 0, o);
        s[name] = o;
        break;
      }
      case FORM_WORD: {
        const w = typeof v === "number" ? WORDS[v] : undefined;
        if (w === undefined) throw bad(`${name} names word ${String(v)} unknown to this build`);
        s[name] = w;
        break;
      }
      default:
        throw bad(`${name} has form ${ref & 7} unknown to this build`);
    }
  }
}

class MetaReader {
  private readonly slots: Fields[] = [];

  state(raw: unknown): LedgerEntry | null {
    if (raw === null) return null;
    if (!Array.isArray(raw) || typeof raw[0] !== "number") throw bad("state is not [slot, ref, value, …]");
    let slot = raw[0];
    let s: Fields;
    if (slot < 0) {
      // A new slot, starting from another slot's latest state.
      const template = this.slots[-slot - 1];
      if (template === undefined) throw bad(`template slot ${-slot - 1} not yet seen`);
      s = {...template};
      slot = this.slots.length;
    } else if (slot === this.slots.length) s = {};
    else if (slot < this.slots.length) s = {...this.slots[slot]};
    else throw bad(`slot ${slot} out of order`);
    readFields(raw, 1, s);
    this.slots[slot] = s;
    return s as unknown as LedgerEntry;
  }

  deltas(raw: unknown): EntryDelta[] {
    if (!Array.isArray(raw)) throw bad("delta list is not an array");
    return raw.map((d) => {
      if (!Array.isArray(d) || d.length !== 2) throw bad("delta is not [before, after]");
      return {before: this.state(d[0]), after: this.state(d[1])};
    });
  }
}

/** The meta a txs record keeps, as apply captured it: bytes (version 4) or the arrays of version 3. */
export function decodeMeta(raw: unknown): TxMeta {
  if (raw instanceof Uint8Array) return decodeMetaBytes(raw);
  if (!Array.isArray(raw) || raw.length !== 3 || !Array.isArray(raw[2])) throw bad("not [fee, before, operations]");
  const r = new MetaReader();
  const fee = r.deltas(raw[0]);
  const before = r.deltas(raw[1]);
  const operations = (raw[2] as unknown[]).map((o) => r.deltas(o));
  return {fee, before, operations};
}

// ---- Version 4: the same states as bytes.
//
// Version 3's nested arrays and one small Buffer per bigint cost more to build and to pack than
// apply spends on a payment; version 4 writes the same slots, refs and forms straight into bytes:
//
//   meta   varuint count, Delta… (fee) ‖ varuint count, Delta… (before) ‖ varuint ops,
//          per operation: varuint count, Delta…
//   Delta  State State (before, after)
//   State  varuint h: 0 none; 2·(slot + 1) a slot; 2·t + 1 a new slot from slot t's latest state;
//          then Field… and a 0 byte
//   Field  varuint (ref + 1), then by form: 0 a Value; 1 and 6 a length byte and the magnitude's
//          big-endian bytes; 2 32 bytes; 3 nothing; 4 Field… and a 0 byte; 5 varuint word;
//          7 (a field without a short ref) a String name, then 0 (absent) or 1 and a Value
//   Value  a tag byte and its body (TAG_* below)

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

/**
 * Metas are written one after another into shared chunks and handed out as views of them: a
 * meta's bytes are packed into its txs record (msgpack copies them) and kept by the feed's records
 * of the same close, never changed. Copying each meta out into a Buffer of its own cost an
 * ArrayBuffer per ~25 metas plus a Buffer.copy per meta (~4 of a payment's ~10 µs of encoding).
 * A chunk lives as long as any view of it; at CHUNK bytes it holds ~100 payment metas.
 */
const CHUNK = 32 * 1024;

/** A byte buffer written from `start`; `take` hands out [start, pos) and the next meta starts there. */
class ByteWriter {
  buf = Buffer.allocUnsafe(CHUNK);
  start = 0;
  pos = 0;

  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // The meta being written moves to a new chunk; the bytes of earlier metas stay where they are.
    const used = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(CHUNK, 2 * (used + n)));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = used;
  }

  /** Drops what was written since the last take (a meta that failed to encode). */
  reset(): void {
    this.pos = this.start;
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

  /** What was written since the last take, as a view of the chunk (never written again). */
  take(): Buffer {
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
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
  writeFieldAt(w, name, FIELD_INDEX.get(name) ?? -1, v);
}

/** writeField with the field's index into FIELDS already looked up (-1: none). */
function writeFieldAt(w: ByteWriter, name: string, i: number, v: unknown): void {
  if (i < 0) {
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

/** An entry's own field names in order, with each one's index into FIELDS (-1: none), looked up once per shape. */
interface Shape {
  keys: string[];
  fields: number[];
}

/**
 * The last shape seen per entry type. Entries of one type nearly always share their field order,
 * so it is reused when a for…in walk matches it: no array and no field lookups per state.
 */
const shapes = new Map<string, Shape>();

function shapeOf(e: LedgerEntry): Shape {
  const cached = shapes.get(e.type);
  if (cached !== undefined) {
    const keys = cached.keys;
    let i = 0;
    let same = true;
    for (const k in e) {
      if (keys[i] !== k) {
        same = false;
        break;
      }
      i++;
    }
    if (same && i === keys.length) return cached;
  }
  const keys = Object.keys(e);
  const shape: Shape = {keys, fields: keys.map((k) => FIELD_INDEX.get(k) ?? -1)};
  shapes.set(e.type, shape);
  return shape;
}

function sameKeys(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.keys.length !== b.keys.length) return false;
  for (let i = 0; i < a.keys.length; i++) if (a.keys[i] !== b.keys[i]) return false;
  return true;
}

/** As pushDiff, into bytes, reading both states from their (never changed) entry objects. */
function writeDiff(w: ByteWriter, prevShape: Shape, prev: Fields, shape: Shape, now: Fields): void {
  const {keys, fields} = shape;
  if (sameKeys(prevShape, shape)) {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = now[k];
      const was = prev[k];
      if (v === was) continue;
      if (v === undefined) writeAbsent(w, k);
      else if (!sameValue(was, v)) writeFieldAt(w, k, fields[i]!, v);
    }
    return;
  }
  const present = new Set<string>();
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = now[k];
    if (v === undefined) continue;
    present.add(k);
    if (!sameValue(prevShape.keys.includes(k) ? prev[k] : undefined, v)) writeFieldAt(w, k, fields[i]!, v);
  }
  for (const k of prevShape.keys) if (prev[k] !== undefined && !present.has(k)) writeAbsent(w, k);
}

/** An entry's slot in the byte writer: its key, and its last state written as the entry object and its shape. */
interface ByteSlot {
  slot: number;
  key: EntryKey;
  shape: Shape;
  obj: LedgerEntry;
}

/** MetaWriter's slots and templates, written as bytes. */
class MetaByteWriter {
  private readonly slots = new Map<EntryKey, ByteSlot>();
  /** The live slots in order, to find an entry object written before without building its key. */
  private live: ByteSlot[] = [];
  private recent: ByteSlot | null = null;
  private next = 0;

  constructor(private readonly w: ByteWriter) {}

  /** The state `e` of the entry under `key`, whose slot (if it has one yet) is `known`; returns its slot. */
  private state(e: LedgerEntry, key: EntryKey, known: ByteSlot | undefined): ByteSlot {
    const w = this.w;
    if (known !== undefined && known.obj === e) {
      // The same object again (a layer's after state is the next layer's before state): no field differs.
      w.varuint(2 * (known.slot + 1));
      w.u8(0);
      this.recent = known;
      return known;
    }
    // Entry objects in a meta are never changed once their layer ended, so a slot keeps the object itself.
    const shape = shapeOf(e);
    const now = e as unknown as Fields;
    if (known !== undefined) {
      w.varuint(2 * (known.slot + 1));
      writeDiff(w, known.shape, known.obj as unknown as Fields, shape, now);
      known.obj = e;
      known.shape = shape;
    } else {
      const template = this.recent !== null && sameKeys(this.recent.shape, shape) ? this.recent : null;
      known = {slot: this.next++, key, shape, obj: e};
      this.slots.set(key, known);
      this.live.push(known);
      if (template !== null) {
        w.varuint(2 * template.slot + 1);
        writeDiff(w, template.shape, template.obj as unknown as Fields, shape, now);
      } else {
        w.varuint(2 * (known.slot + 1));
        const {keys, fields} = shape;
        for (let i = 0; i < keys.length; i++) {
          const v = now[keys[i]!];
          if (v !== undefined) writeFieldAt(w, keys[i]!, fields[i]!, v);
        }
      }
    }
    w.u8(0);
    this.recent = known;
    return known;
  }

  /** The slot whose last state is the object `e` itself, if any. */
  private slotOfObject(e: LedgerEntry): ByteSlot | undefined {
    const live = this.live;
    for (let i = live.length - 1; i >= 0; i--) if (live[i]!.obj === e) return live[i];
    return undefined;
  }

  deltas(list: EntryDelta[]): void {
    this.w.varuint(list.length);
    for (const d of list) {
      // An entry's before state is most often the object its last state was written from: then
      // its slot (and key) is known without building the key string and hashing it.
      let known = d.before === null ? undefined : this.slotOfObject(d.before);
      const key = known !== undefined ? known.key : entryKey((d.before ?? d.after) as LedgerEntry);
      known ??= this.slots.get(key);
      if (d.before === null) this.w.u8(0);
      else known = this.state(d.before, key, known);
      if (d.after === null) {
        this.w.u8(0);
        if (known !== undefined) {
          // A removed entry's key starts over: an entry created again later is listed whole.
          this.slots.delete(key);
          this.live = this.live.filter((s) => s !== known);
        }
      } else this.state(d.after, key, known);
    }
  }
}

/**
 * The stored form of a transaction's meta (txs codec version 4). A closed ledger's metas are
 * encoded once, by ledgerCommit (records.ts), which hands the same bytes to the history write
 * and to the event feed's records of that close.
 */
export function encodeMetaBytes(meta: TxMeta): Buffer {
  const w = bytesOut;
  try {
    const m = new MetaByteWriter(w);
    m.deltas(meta.fee);
    m.deltas(meta.before);
    w.varuint(meta.operations.length);
    for (const o of meta.operations) m.deltas(o);
  } catch (err) {
    w.reset();
    throw err;
  }
  return w.take();
}

class ByteReader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}

  need(n: number): void {
    if (this.pos + n > this.b.length) throw bad("truncated");
  }

  u8(): number {
    this.need(1);
    return this.b[this.pos++]!;
  }

  varuint(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const x = this.u8();
      v += (x & 0x7f) * scale;
      if (x < 0x80) return v;
      scale *= 0x80;
      if (scale > 2 ** 56) throw bad("varuint too long");
    }
  }

  bytes(n: number): Buffer {
    this.need(n);
    const out = Buffer.from(this.b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  string(): string {
    const n = this.varuint();
    this.need(n);
    const s = Buffer.from(this.b.buffer, this.b.byteOffset + this.pos, n).toString("utf8");
    this.pos += n;
    return s;
  }

  magnitude(): bigint {
    const n = this.u8();
    this.need(n);
    let m: bigint;
    if (n <= 6) {
      let x = 0;
      for (let i = 0; i < n; i++) x = x * 256 + this.b[this.pos + i]!;
      m = BigInt(x);
    } else {
      m = magnitudeOf(this.b.subarray(this.pos, this.pos + n));
    }
    this.pos += n;
    return m;
  }
}

function readValue(r: ByteReader, depth: number): unknown {
  if (depth > 32) throw bad("values nested too deep");
  const tag = r.u8();
  switch (tag) {
    case TAG_NULL:
      return null;
    case TAG_UNDEFINED:
      return undefined;
    case TAG_FALSE:
      return false;
    case TAG_TRUE:
      return true;
    case TAG_UINT:
      return r.varuint();
    case TAG_NEGINT:
      return -r.varuint();
    case TAG_DOUBLE: {
      r.need(8);
      const v = Buffer.from(r.b.buffer, r.b.byteOffset, r.b.length).readDoubleBE(r.pos);
      r.pos += 8;
      return v;
    }
    case TAG_STRING:
      return r.string();
    case TAG_BYTES:
      return r.bytes(r.varuint());
    case TAG_ARRAY: {
      const n = r.varuint();
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(readValue(r, depth + 1));
      return out;
    }
    case TAG_OBJECT: {
      const n = r.varuint();
      const o: Fields = {};
      for (let i = 0; i < n; i++) {
        const k = r.string();
        o[k] = readValue(r, depth + 1);
      }
      return o;
    }
    case TAG_BIGINT:
      return r.magnitude();
    case TAG_NEGBIGINT:
      return -r.magnitude();
    default:
      throw bad(`value tag ${tag} unknown to this build`);
  }
}

/** Applies the fields up to the closing 0 onto `s`. */
function readFieldBytes(r: ByteReader, s: Fields, depth: number): void {
  if (depth > 32) throw bad("fields nested too deep");
  for (;;) {
    const v = r.varuint();
    if (v === 0) return;
    const ref = v - 1;
    const form = ref & 7;
    if (form === FORM_NAMED) {
      const name = r.string();
      if (r.u8() === 0) delete s[name];
      else s[name] = readValue(r, depth + 1);
      continue;
    }
    const name = FIELDS[Math.floor(ref / 8)];
    if (name === undefined) throw bad(`field index ${Math.floor(ref / 8)} unknown to this build`);
    switch (form) {
      case FORM_PLAIN:
        s[name] = readValue(r, depth + 1);
        break;
      case FORM_BIGINT:
        s[name] = r.magnitude();
        break;
      case FORM_NEGATIVE:
        s[name] = -r.magnitude();
        break;
      case FORM_ACCOUNT:
        r.need(32);
        s[name] = accountIdFromRaw(r.b.subarray(r.pos, r.pos + 32));
        r.pos += 32;
        break;
      case FORM_ABSENT:
        delete s[name];
        break;
      case FORM_OBJECT: {
        const o: Fields = {};
        readFieldBytes(r, o, depth + 1);
        s[name] = o;
        break;
      }
      case FORM_WORD: {
        const i = r.varuint();
        const word = WORDS[i];
        if (word === undefined) throw bad(`${name} names word ${i} unknown to this build`);
        s[name] = word;
        break;
      }
    }
  }
}

function decodeMetaBytes(b: Uint8Array): TxMeta {
  const r = new ByteReader(b);
  const slots: Fields[] = [];
  const state = (): LedgerEntry | null => {
    const h = r.varuint();
    if (h === 0) return null;
    let slot: number;
    let s: Fields;
    if (h % 2 === 1) {
      const template = slots[(h - 1) / 2];
      if (template === undefined) throw bad(`template slot ${(h - 1) / 2} not yet seen`);
      s = {...template};
      slot = slots.length;
    } else {
      slot = h / 2 - 1;
      if (slot === slots.length) s = {};
      else if (slot < slots.length) s = {...slots[slot]};
      else throw bad(`slot ${slot} out of order`);
    }
    readFieldBytes(r, s, 0);
    slots[slot] = s;
    return s as unknown as LedgerEntry;
  };
  const deltas = (): EntryDelta[] => {
    const n = r.varuint();
    if (n > b.length) throw bad("delta count beyond the record");
    const out: EntryDelta[] = [];
    for (let i = 0; i < n; i++) out.push({before: state(), after: state()});
    return out;
  };
  const fee = deltas();
  const before = deltas();
  const nOps = r.varuint();
  if (nOps > b.length) throw bad("operation count beyond the record");
  const operations: EntryDelta[][] = [];
  for (let i = 0; i < nOps; i++) operations.push(deltas());
  if (r.pos !== b.length) throw bad(`${b.length - r.pos} bytes after the meta`);
  return {fee, before, operations};
}
