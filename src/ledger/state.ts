/**
 * Nested ledger state, as stellar-core's LedgerTxn: a root layer over the last closed state, a
 * child layer per transaction and a grandchild per operation. Each layer records only what it
 * changed (key → entry, or null for deleted); `commit()` folds a layer into its parent and
 * `rollback()` drops it, so a failed operation leaves nothing behind.
 *
 * Entries are plain objects shared with the layers below: `getEntry` returns a read-only view,
 * `load` returns this layer's own copy (copy-on-write) that the caller may mutate. Account copies
 * duplicate the signers array and thresholds, the only nested mutable parts; an offer's assets and
 * price, a trustline's asset and a claimable balance's claimants are replaced, never mutated.
 *
 * Offers are also read by book (best first) and by seller. Each layer indexes the offers it holds
 * by pair and by seller; a book read merges those with the reader's book, skipping every offer
 * some layer has overridden (changed or deleted), so the answer is the state as of this layer.
 * An offer whose selling or buying asset changes must be written with `put` (a new object).
 *
 * A layer's offers of a pair are kept best first (price, then id), so a book read takes each
 * layer's first offer no layer above has overridden instead of walking every offer the ledger has
 * touched (the root layer holds all of them by the end of a busy ledger). An offer this layer has
 * handed out to be changed in place (`load`, `put`) may still change price, so those few are kept
 * apart, unordered, and read in full; on commit the parent files the child's final values in order.
 *
 * A sweep across a book must not re-read it from the start for every offer it takes: the reader's
 * book is pulled lazily into a list kept by the root layer for the ledger (the store does not
 * change while a ledger applies), and each layer keeps a cursor into it: the first offer no layer
 * from it down to the root has overridden, as last seen. What a layer overrides only grows while
 * it is open (its children add to it on commit, a rolled-back child takes nothing away), so a
 * cursor only moves forward; a child starts at its parent's and hands its own back on commit.
 * Erased offers leave the layer's indexes, so the layer's own part of a read stays small too.
 */
import {LedgerError, LedgerErrorCode} from "./errors.js";
import type {AccountEntry, AccountId, AssetKey, EntryKey, LedgerEntry, LedgerStateReader, OfferEntry} from "./types.js";
import {accountKey, assetKey, entryKey, isBetterOffer, offerPrice} from "./types.js";

function pairKey(selling: AssetKey, buying: AssetKey): string {
  return selling + "|" + buying;
}

function addToIndex(index: Map<string, Set<EntryKey>>, k: string, key: EntryKey): void {
  let set = index.get(k);
  if (set === undefined) index.set(k, (set = new Set()));
  set.add(key);
}

/** Book order (isBetterOffer) as a comparison: negative when `a` comes first. */
function compareOffers(a: OfferEntry, b: OfferEntry): number {
  const pa = offerPrice(a);
  const pb = offerPrice(b);
  if (pa !== pb) return pa < pb ? -1 : 1;
  return a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0;
}

/** One offer a layer holds, filed under its pair. */
interface LayerOffer {
  key: EntryKey;
  offer: OfferEntry;
}

/**
 * A layer's own offers of one pair. `sorted` holds values the layer received from a committed
 * child, in book order; nobody may change them in place. `loose` holds the keys the layer handed
 * out to be changed (the caller may re-price them), read in full.
 */
interface LayerBook {
  sorted: LayerOffer[];
  loose: Set<EntryKey> | null;
}

/** Position of the first item of `sorted` not before `o` in book order. */
function lowerBound(sorted: LayerOffer[], o: OfferEntry): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareOffers(sorted[mid]!.offer, o) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One book of the reader, in its order (best first), pulled as far as the layers have needed it. */
interface ReaderBook {
  offers: OfferEntry[];
  /** The rest of the reader's book; null once exhausted. */
  rest: Iterator<OfferEntry> | null;
}

function removeFromIndex(index: Map<string, Set<EntryKey>>, k: string, key: EntryKey): void {
  const set = index.get(k);
  if (set === undefined) return;
  set.delete(key);
  if (set.size === 0) index.delete(k);
}

export function cloneEntry<E extends LedgerEntry>(e: E): E {
  if (e.type === "account") {
    const a = e as AccountEntry;
    return {...a, thresholds: {...a.thresholds}, signers: a.signers.slice()} as E;
  }
  return {...e};
}


export class LedgerTxn implements LedgerStateReader {
  private readonly parent: LedgerStateReader;
  private readonly parentTxn: LedgerTxn | null;
  private readonly layer = new Map<EntryKey, LedgerEntry | null>();
  /*
   * The maps below are created on first use (null until then): a payment opens three layers that
   * never touch an offer or issue credit, and five empty Maps per layer were garbage per tx.
   */
  /** The offers this layer holds, by pair (exactly its own current values). */
  private offersByPair: Map<string, LayerBook> | null = null;
  /** Offer keys this layer holds, by seller (may include keys since changed: re-checked on read). */
  private offersBySeller: Map<AccountId, Set<EntryKey>> | null = null;
  /** Root layer only: the reader's books pulled so far, by pair. */
  private readerBooks: Map<string, ReaderBook> | null = null;
  /** By pair: index into the reader's book of its first offer not overridden as of this layer (as last seen). */
  private bookCursors: Map<string, number> | null = null;
  private openChild: LedgerTxn | null = null;
  private sealed = false;
  /** The header's idPool as of this layer (offer ids), or null: unchanged from the parent's. */
  private idPoolValue: bigint | null;
  /**
   * Credit minted (+) or burned (−) by issuers in this layer, by asset key: what the issuers'
   * implicit lines paid out or took back. Folded into the parent on commit, dropped on rollback,
   * so the close's invariant can tell issuance from credit created out of nothing.
   */
  private issuedDelta: Map<AssetKey, bigint> | null = null;

  /** `idPool`: the last closed header's id pool (root layer only). */
  constructor(parent: LedgerStateReader, idPool = 0n) {
    this.parent = parent;
    this.parentTxn = parent instanceof LedgerTxn ? parent : null;
    this.idPoolValue = this.parentTxn === null ? idPool : null;
    if (this.parentTxn !== null) {
      if (this.parentTxn.openChild !== null) {
        throw new LedgerError(LedgerErrorCode.StateMisuse, "parent already has an open child");
      }
      this.parentTxn.openChild = this;
    }
  }

  /** A nested layer (one per tx, one per op). Only one child may be open at a time. */
  child(): LedgerTxn {
    this.assertUsable();
    return new LedgerTxn(this);
  }

  private assertUsable(): void {
    if (this.sealed) throw new LedgerError(LedgerErrorCode.StateMisuse, "ledger txn already committed or rolled back");
  }

  /** The id pool as of this layer. */
  idPool(): bigint {
    for (let t: LedgerTxn | null = this; t !== null; t = t.parentTxn) if (t.idPoolValue !== null) return t.idPoolValue;
    return 0n;
  }

  /** Hands out the next id (offers), as stellar-core's generateID: rolled back with the layer. */
  nextId(): bigint {
    this.assertWritable();
    const id = this.idPool() + 1n;
    this.idPoolValue = id;
    return id;
  }

  /** Records credit of `asset` minted (delta > 0) or burned (delta < 0) by its issuer in this layer. */
  addIssued(asset: AssetKey, delta: bigint): void {
    this.assertUsable();
    if (delta === 0n) return;
    const issued = (this.issuedDelta ??= new Map());
    issued.set(asset, (issued.get(asset) ?? 0n) + delta);
  }

  /** Net credit minted per asset in this layer (and the layers committed into it); zero sums omitted. */
  issued(): Map<AssetKey, bigint> {
    const out = new Map<AssetKey, bigint>();
    if (this.issuedDelta !== null) for (const [k, v] of this.issuedDelta) if (v !== 0n) out.set(k, v);
    return out;
  }

  getEntry(key: EntryKey): LedgerEntry | undefined {
    const own = this.layer.get(key);
    if (own !== undefined) return own === null ? undefined : own;
    return this.parent.getEntry(key);
  }

  getAccount(id: string): AccountEntry | undefined {
    const e = this.getEntry(accountKey(id));
    return e !== undefined && e.type === "account" ? e : undefined;
  }

  /** This layer's mutable copy of an entry, or undefined if it does not exist. */
  load(key: EntryKey): LedgerEntry | undefined {
    this.assertWritable();
    const own = this.layer.get(key);
    if (own !== undefined) {
      if (own === null) return undefined;
      // Handed out to be changed: it may be re-priced, so it leaves the ordered part.
      if (own.type === "offer") this.loosenOffer(key, own);
      return own;
    }
    const below = this.parent.getEntry(key);
    if (below === undefined) return undefined;
    const copy = cloneEntry(below);
    this.layer.set(key, copy);
    if (copy.type === "offer") this.indexOffer(key, copy, false);
    return copy;
  }

  private bookOf(o: OfferEntry): LayerBook {
    const byPair = (this.offersByPair ??= new Map());
    const pk = pairKey(assetKey(o.selling), assetKey(o.buying));
    let book = byPair.get(pk);
    if (book === undefined) byPair.set(pk, (book = {sorted: [], loose: null}));
    return book;
  }

  /** Files an offer this layer now holds: in order (`ordered`, a committed child's value) or loose. */
  private indexOffer(key: EntryKey, o: OfferEntry, ordered: boolean): void {
    const book = this.bookOf(o);
    if (ordered) book.sorted.splice(lowerBound(book.sorted, o), 0, {key, offer: o});
    else (book.loose ??= new Set()).add(key);
    addToIndex((this.offersBySeller ??= new Map()), o.sellerId, key);
  }

  /** Moves an offer this layer holds from the ordered part of its book to the loose one. */
  private loosenOffer(key: EntryKey, o: OfferEntry): void {
    const book = this.offersByPair?.get(pairKey(assetKey(o.selling), assetKey(o.buying)));
    if (book === undefined || book.loose?.has(key) === true) return;
    if (LedgerTxn.removeSorted(book.sorted, key, o)) (book.loose ??= new Set()).add(key);
  }

  /** Removes `o` (held under `key`) from an ordered list; false when it is not there. */
  private static removeSorted(sorted: LayerOffer[], key: EntryKey, o: OfferEntry): boolean {
    let i = lowerBound(sorted, o);
    if (sorted[i]?.offer !== o) i = sorted.findIndex((x) => x.key === key);
    if (i < 0) return false;
    sorted.splice(i, 1);
    return true;
  }

  /** Drops an offer this layer no longer holds (deleted or replaced) from its indexes. */
  private unindexOffer(key: EntryKey, o: OfferEntry): void {
    if (this.offersByPair !== null) {
      const pk = pairKey(assetKey(o.selling), assetKey(o.buying));
      const book = this.offersByPair.get(pk);
      if (book !== undefined) {
        if (book.loose === null || !book.loose.delete(key)) LedgerTxn.removeSorted(book.sorted, key, o);
        if (book.sorted.length === 0 && (book.loose === null || book.loose.size === 0)) this.offersByPair.delete(pk);
      }
    }
    if (this.offersBySeller !== null) removeFromIndex(this.offersBySeller, o.sellerId, key);
  }

  /** Whether a layer from this one down to `below` (excluded) holds `key`. */
  private overriddenAbove(key: EntryKey, below: LedgerTxn): boolean {
    for (let t: LedgerTxn = this; t !== below; t = t.parentTxn!) if (t.layer.has(key)) return true;
    return false;
  }

  /** Whether this layer or one between it and the reader holds `key` (changed or deleted). */
  private overrides(key: EntryKey): boolean {
    for (let t: LedgerTxn | null = this; t !== null; t = t.parentTxn) if (t.layer.has(key)) return true;
    return false;
  }

  /** The root layer. */
  private rootTxn(): LedgerTxn {
    let t: LedgerTxn = this;
    while (t.parentTxn !== null) t = t.parentTxn;
    return t;
  }

  /** The root reader under every layer. */
  private baseReader(): LedgerStateReader {
    return this.rootTxn().parent;
  }

  /** The reader's offer at position `i` of a book (pulling it if needed), or undefined past its end. */
  private static readerOffer(book: ReaderBook, i: number): OfferEntry | undefined {
    while (i >= book.offers.length && book.rest !== null) {
      const next = book.rest.next();
      if (next.done === true) book.rest = null;
      else book.offers.push(next.value);
    }
    return book.offers[i];
  }

  /** The reader's best offer of a book that no layer from this one down has overridden. */
  private readerBest(pk: string, selling: AssetKey, buying: AssetKey): OfferEntry | undefined {
    const root = this.rootTxn();
    const reader = root.parent;
    if (reader.bookOffers === undefined) return undefined;
    const books = (root.readerBooks ??= new Map());
    let book = books.get(pk);
    if (book === undefined) {
      book = {offers: [], rest: reader.bookOffers(selling, buying)[Symbol.iterator]()};
      books.set(pk, book);
    }
    let i = 0;
    for (let t: LedgerTxn | null = this; t !== null; t = t.parentTxn) {
      const c = t.bookCursors?.get(pk);
      if (c !== undefined) {
        i = c;
        break;
      }
    }
    let o = LedgerTxn.readerOffer(book, i);
    while (o !== undefined && this.overrides(entryKey(o))) o = LedgerTxn.readerOffer(book, ++i);
    (this.bookCursors ??= new Map()).set(pk, i);
    return o;
  }

  /** Offers held in the layers (current values), from one of the indexes. */
  private layerOffers(pick: (t: LedgerTxn) => Set<EntryKey> | undefined, accept: (o: OfferEntry) => boolean): OfferEntry[] {
    const seen = new Set<EntryKey>();
    const out: OfferEntry[] = [];
    for (let t: LedgerTxn | null = this; t !== null; t = t.parentTxn) {
      const keys = pick(t);
      if (keys === undefined) continue;
      for (const key of keys) {
        if (seen.has(key)) continue;
        seen.add(key);
        const e = this.getEntry(key);
        if (e !== undefined && e.type === "offer" && accept(e)) out.push(e);
      }
    }
    return out;
  }

  /**
   * The best offer selling `selling` for `buying` as of this layer (lowest price, then lowest
   * id), or undefined when the book is empty. A read-only view: `load` it to change it.
   */
  bestOffer(selling: AssetKey, buying: AssetKey): OfferEntry | undefined {
    const pk = pairKey(selling, buying);
    let best: OfferEntry | undefined;
    for (let t: LedgerTxn | null = this; t !== null; t = t.parentTxn) {
      const book = t.offersByPair?.get(pk);
      if (book === undefined) continue;
      // The layer's value of a key is current unless a layer above it holds the key too.
      for (const item of book.sorted) {
        if (this.overriddenAbove(item.key, t)) continue;
        if (best === undefined || isBetterOffer(item.offer, best)) best = item.offer;
        break;
      }
      if (book.loose !== null) {
        for (const key of book.loose) {
          const e = t.layer.get(key);
          if (e === undefined || e === null || e.type !== "offer" || this.overriddenAbove(key, t)) continue;
          if (best === undefined || isBetterOffer(e, best)) best = e;
        }
      }
    }
    const o = this.readerBest(pk, selling, buying);
    if (o !== undefined && (best === undefined || isBetterOffer(o, best))) best = o;
    return best;
  }

  /**
   * What `bestOffer` answers, found the slow way: every entry of every layer and the reader's book
   * from its start, with no index or cursor. The reference the ordered books are tested against.
   */
  bestOfferByScan(selling: AssetKey, buying: AssetKey): OfferEntry | undefined {
    let best: OfferEntry | undefined;
    for (let t: LedgerTxn | null = this; t !== null; t = t.parentTxn) {
      for (const [key, e] of t.layer) {
        if (e === null || e.type !== "offer" || assetKey(e.selling) !== selling || assetKey(e.buying) !== buying) continue;
        if (this.overriddenAbove(key, t)) continue;
        if (best === undefined || isBetterOffer(e, best)) best = e;
      }
    }
    const reader = this.baseReader();
    if (reader.bookOffers !== undefined) {
      for (const o of reader.bookOffers(selling, buying)) {
        if (this.overrides(entryKey(o))) continue;
        if (best === undefined || isBetterOffer(o, best)) best = o;
        break;
      }
    }
    return best;
  }

  /** Every offer of `sellerId` as of this layer, by offer id. */
  offersOf(sellerId: AccountId): OfferEntry[] {
    const out = this.layerOffers((t) => t.offersBySeller?.get(sellerId), (o) => o.sellerId === sellerId);
    const reader = this.baseReader();
    if (reader.accountOffers !== undefined) {
      for (const o of reader.accountOffers(sellerId)) if (!this.overrides(entryKey(o))) out.push(o);
    }
    return out.sort((a, b) => (a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0));
  }

  loadAccount(id: string): AccountEntry | undefined {
    const e = this.load(accountKey(id));
    return e !== undefined && e.type === "account" ? e : undefined;
  }

  /** Creates (or replaces) an entry in this layer. */
  put(entry: LedgerEntry): void {
    this.assertWritable();
    const key = entryKey(entry);
    const was = this.layer.get(key);
    if (was !== undefined && was !== null && was.type === "offer") this.unindexOffer(key, was);
    this.layer.set(key, entry);
    if (entry.type === "offer") this.indexOffer(key, entry, false);
  }

  erase(key: EntryKey): void {
    this.assertWritable();
    const own = this.layer.get(key);
    if (own !== undefined && own !== null && own.type === "offer") this.unindexOffer(key, own);
    this.layer.set(key, null);
  }

  private assertWritable(): void {
    this.assertUsable();
    if (this.openChild !== null) throw new LedgerError(LedgerErrorCode.StateMisuse, "ledger txn has an open child");
  }

  /** Folds this layer into its parent layer. */
  commit(): void {
    this.assertWritable();
    if (this.parentTxn === null) throw new LedgerError(LedgerErrorCode.StateMisuse, "the root layer has no parent to commit into");
    const parent = this.parentTxn;
    // forEach, not for…of: no [key, value] array per entry (three layers commit per tx).
    this.layer.forEach((v, k) => {
      if (v === null || v.type === "offer") {
        const was = parent.layer.get(k);
        if (was !== undefined && was !== null && was.type === "offer") parent.unindexOffer(k, was);
        if (v !== null) parent.indexOffer(k, v, true);
      }
      parent.layer.set(k, v);
    });
    // What this layer overrode, the parent now does: its cursors are valid there.
    if (this.bookCursors !== null) {
      const cursors = (parent.bookCursors ??= new Map());
      for (const [pk, c] of this.bookCursors) if (c > (cursors.get(pk) ?? 0)) cursors.set(pk, c);
    }
    if (this.idPoolValue !== null) parent.idPoolValue = this.idPoolValue;
    if (this.issuedDelta !== null) {
      const issued = (parent.issuedDelta ??= new Map());
      for (const [k, v] of this.issuedDelta) issued.set(k, (issued.get(k) ?? 0n) + v);
    }
    this.close();
  }

  rollback(): void {
    this.assertUsable();
    if (this.openChild !== null) this.openChild.rollback();
    this.layer.clear();
    this.issuedDelta = null;
    this.offersByPair = null;
    this.offersBySeller = null;
    this.bookCursors = null;
    this.close();
  }

  private close(): void {
    this.sealed = true;
    if (this.parentTxn !== null) this.parentTxn.openChild = null;
  }

  /** The keys this layer changed (a new array, in write order). */
  changedKeys(): EntryKey[] {
    return Array.from(this.layer.keys());
  }

  /** This layer's own value of `key`: null = deleted, undefined = not changed here. */
  changed(key: EntryKey): LedgerEntry | null | undefined {
    return this.layer.get(key);
  }

  /** What this layer changed: final value per key, null = deleted. */
  changes(): Map<EntryKey, LedgerEntry | null> {
    return new Map(this.layer);
  }
}
