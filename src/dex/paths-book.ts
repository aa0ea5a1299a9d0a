/**
 * The order book as the path finder reads it from the store: the graph of books (which asset
 * sells for which) and each book's offers, decoded once and kept across queries for as long as the
 * book does not change.
 *
 * A query over a 10,000-offer book touches most books, and decoding every offer from LMDB costs
 * ~5-7 µs each (~60 ms a query); books change far less often than they are read. So the view keeps
 * each decoded book with the stamp the store bumps whenever the book changes (entries-repo.ts
 * `bookStamps`), re-reads the stamp list only when a new ledger changed some book (the store's book
 * generation moved), and drops just the books whose stamp changed. Everything it returns was read in the caller's current read
 * transaction, so a query sees one ledger.
 */
import type {AssetKey, OfferEntry} from "../ledger/types.js";
import {buildBookGraph, pricedBook, type BookGraph, type OrderBookView, type PricedBook} from "./paths.js";

/** What the view needs from the store (LedgerStore implements it); reads see one ledger until released. */
export interface BookStoreReader {
  /** The ledger the current reads see. */
  readSeq(): number;
  bookStamps(): Iterable<{selling: AssetKey; buying: AssetKey; stamp: number}>;
  /**
   * A number that differs from every earlier ledger's in each ledger that changes any book;
   * undefined (or absent) when the store cannot tell, and the view then compares the stamps.
   */
  bookGeneration?(): number | undefined;
  bookOffers(selling: AssetKey, buying: AssetKey): Iterable<OfferEntry>;
}

interface CachedBook {
  stamp: number;
  /** The decoded book with its best price; null until decoded and after a ledger changed it. */
  priced: PricedBook | null;
}

const NO_ASSETS: readonly AssetKey[] = [];
const NO_OFFERS: readonly OfferEntry[] = [];
const EMPTY_BOOK: PricedBook = pricedBook(NO_OFFERS);

export class StoreBookView implements OrderBookView {
  private seq = -1;
  /** The store's book generation when the stamps were last compared (undefined: unknown). */
  private generation: number | undefined = undefined;
  /** Books in `books`. */
  private bookCount = 0;
  /**
   * By selling, then buying asset. Nested rather than keyed by a joined string: a query looks up
   * ~10k books, and hashing a fresh ~120-character key for each cost ~2.5 µs, a third of a query.
   */
  private books = new Map<AssetKey, Map<AssetKey, CachedBook>>();
  private buyingOf = new Map<AssetKey, AssetKey[]>();
  private sellingOf = new Map<AssetKey, AssetKey[]>();
  /** The books numbered for the search; built on first use after the set of books changed. */
  private numbered: BookGraph | undefined;
  /** Books decoded from the store since creation (each miss of the cache). */
  booksLoaded = 0;
  /**
   * Milliseconds spent decoding books since creation: the part of a query that re-reads books a
   * ledger changed (the path listener reports it per query, so a slow query can be told apart
   * from one that paid for a refresh).
   */
  decodeMs = 0;

  constructor(private readonly store: BookStoreReader) {}

  /**
   * Brings the view to the ledger the store's reads now see; call at the start of every query,
   * inside the read transaction the query uses. Returns that ledger's sequence.
   *
   * A new ledger costs one small read when it changed no book (the store's book generation is
   * the one seen last): under a payment load that is most ledgers, and reading the 2,414 stamps of
   * the 10,000-offer bench book took ~1.6 ms a query, with a GC-heavy tail of 15-27 ms on a busy
   * box. When books did change, only their cached offers are dropped; the graph is rebuilt only
   * when a book appeared.
   */
  sync(): number {
    const seq = this.store.readSeq();
    if (seq === this.seq) return seq;
    const generation = this.store.bookGeneration?.();
    if (generation === undefined || generation !== this.generation) {
      this.syncStamps();
      this.generation = generation;
    }
    this.seq = seq;
    return seq;
  }

  /** Compares every book's stamp with the cached one; rebuilds the graph only when the set of books grew. */
  private syncStamps(): void {
    const stamps = [...this.store.bookStamps()];
    let known = 0;
    for (const {selling, buying, stamp} of stamps) {
      const cached = this.books.get(selling)?.get(buying);
      if (cached === undefined) continue;
      known++;
      if (cached.stamp !== stamp) {
        cached.stamp = stamp;
        cached.priced = null;
      }
    }
    if (known === stamps.length && known === this.bookCount) return;
    const buyingOf = new Map<AssetKey, AssetKey[]>();
    const sellingOf = new Map<AssetKey, AssetKey[]>();
    const books = new Map<AssetKey, Map<AssetKey, CachedBook>>();
    for (const {selling, buying, stamp} of stamps) {
      let row = books.get(selling);
      if (row === undefined) books.set(selling, (row = new Map()));
      row.set(buying, this.books.get(selling)?.get(buying) ?? {stamp, priced: null});
      let b = buyingOf.get(selling);
      if (b === undefined) buyingOf.set(selling, (b = []));
      b.push(buying);
      let s = sellingOf.get(buying);
      if (s === undefined) sellingOf.set(buying, (s = []));
      s.push(selling);
    }
    this.books = books;
    this.bookCount = stamps.length;
    for (const list of buyingOf.values()) list.sort();
    for (const list of sellingOf.values()) list.sort();
    this.buyingOf = buyingOf;
    this.sellingOf = sellingOf;
    this.numbered = undefined;
  }

  /**
   * Decodes every book not yet held, so the first queries after a start do not pay for it: over
   * 10,000 offers that is ~0.5-1 s of decoding, which a cold first query would otherwise wait for.
   */
  warm(): number {
    this.sync();
    for (const [selling, row] of this.books) for (const buying of row.keys()) this.offers(selling, buying);
    return this.booksLoaded;
  }

  buyingAssetsOf(asset: AssetKey): readonly AssetKey[] {
    return this.buyingOf.get(asset) ?? NO_ASSETS;
  }

  sellingAssetsOf(asset: AssetKey): readonly AssetKey[] {
    return this.sellingOf.get(asset) ?? NO_ASSETS;
  }

  offers(selling: AssetKey, buying: AssetKey): readonly OfferEntry[] {
    const book = this.books.get(selling)?.get(buying);
    return book === undefined ? NO_OFFERS : this.pricedOf(book, selling, buying).offers;
  }

  /**
   * The books numbered for the search, each edge holding its cached book: a changed book is
   * dropped in place (its offers set to null), so the edges stay valid until a book appears.
   */
  graph(): BookGraph {
    if (this.numbered === undefined) {
      this.numbered = buildBookGraph(this, this.books.keys(), (selling, buying) => {
        const book = this.books.get(selling)?.get(buying);
        return book === undefined ? () => EMPTY_BOOK : () => this.pricedOf(book, selling, buying);
      });
    }
    return this.numbered;
  }

  private pricedOf(book: CachedBook, selling: AssetKey, buying: AssetKey): PricedBook {
    if (book.priced === null) {
      const t0 = performance.now();
      book.priced = pricedBook([...this.store.bookOffers(selling, buying)]);
      this.booksLoaded++;
      this.decodeMs += performance.now() - t0;
    }
    return book.priced;
  }
}
