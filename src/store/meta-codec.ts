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
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!(k in b) || !sameValue((a as Fields)[k], (b as Fields)[k])) return false;
  return true;
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

/** The stored form of a transaction's meta. */
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

/** The meta a txs record keeps, as apply captured it. */
export function decodeMeta(raw: unknown): TxMeta {
  if (!Array.isArray(raw) || raw.length !== 3 || !Array.isArray(raw[2])) throw bad("not [fee, before, operations]");
  const r = new MetaReader();
  const fee = r.deltas(raw[0]);
  const before = r.deltas(raw[1]);
  const operations = (raw[2] as unknown[]).map((o) => r.deltas(o));
  return {fee, before, operations};
}
