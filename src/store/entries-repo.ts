/**
 * Ledger state entries: EntryKey ("a:G…", "d:G…:name", "t:G…:CODE:ISSUER", "o:id", "c:hex")
 * → a versioned record (entry-codec.ts: accounts in a compact binary layout), and the offer indexes written with them:
 *   book:   [selling, buying, price (n/d as a double), offer id (20 digits)] → null, best first
 *           (stellar-core orders books by the double price, then offer id);
 *   offers: [seller, offer id (20 digits)] → null;
 *   bookStamps: [selling, buying] → a counter bumped in every ledger that changes the book, so a
 *           reader that keeps a book decoded (the path finder's workers) can tell whether its copy
 *           is still current from one small read instead of decoding the book again. The
 *           reserved pair ["", ""] (no asset key is empty) holds the generation of the whole book,
 *           bumped with every stamp, so that reader can skip the stamp list in the ledgers (most of
 *           them under a payment load) that change no book at all.
 */
import type {Database, RootDatabase, Transaction} from "lmdb";
import type {AccountEntry, AccountId, AssetKey, DataEntry, EntryKey, LedgerEntry, OfferEntry, TrustLineEntry} from "../ledger/types.js";
import {assetKey, assetsEqual, offerKey, offerPrice} from "../ledger/types.js";
import {decodeEntry, encodeEntry} from "./entry-codec.js";

type BookKey = [AssetKey, AssetKey, number, string];
type SellerKey = [AccountId, string];
type PairKey = [AssetKey, AssetKey];

/** bookStamps' reserved key of the whole book's generation; sorts before every real pair. */
const ALL_BOOKS: PairKey = ["", ""];

/** Offer ids in index keys: fixed-width decimal, so string order is numeric order. */
function idKey(offerId: bigint): string {
  return offerId.toString().padStart(20, "0");
}

function bookKeyOf(o: OfferEntry): BookKey {
  return [assetKey(o.selling), assetKey(o.buying), offerPrice(o), idKey(o.offerId)];
}

/** Whether two states of one offer (same id) have the same book and seller rows: same seller, assets and price. */
function sameRows(a: OfferEntry, b: OfferEntry): boolean {
  return a.sellerId === b.sellerId && assetsEqual(a.selling, b.selling) && assetsEqual(a.buying, b.buying) && offerPrice(a) === offerPrice(b);
}

export class EntriesRepo {
  readonly db: Database<unknown, EntryKey>;
  readonly book: Database<null, BookKey>;
  readonly sellerOffers: Database<null, SellerKey>;
  readonly bookStamps: Database<number, PairKey>;

  constructor(root: RootDatabase) {
    this.db = root.openDB({name: "entries"});
    this.book = root.openDB({name: "book"});
    this.sellerOffers = root.openDB({name: "offers"});
    this.bookStamps = root.openDB({name: "bookStamps"});
  }

  get(key: EntryKey, txn?: Transaction): LedgerEntry | undefined {
    const raw = this.db.get(key, txn ? {transaction: txn} : undefined);
    return raw === undefined ? undefined : decodeEntry(key, raw);
  }

  /**
   * Inside a write batch (reads see the state before the batch). `oldOf` gives the entry as the
   * state before the batch has it, when the caller knows it cheaper than a read of the table.
   * `bumped` collects the books whose stamps this batch has already written (see writeAll).
   */
  write(key: EntryKey, entry: LedgerEntry | null, oldOf?: (key: EntryKey) => LedgerEntry | undefined, bumped?: Set<string>): void {
    if (key.charCodeAt(0) === 0x6f /* "o" */) this.writeOfferIndexes(entry, oldOf === undefined ? this.get(key) : oldOf(key), bumped ?? new Set());
    if (entry === null) void this.db.remove(key);
    else void this.db.put(key, encodeEntry(key, entry));
  }

  /**
   * Inside a write batch: one ledger's changes. Each book's stamp is written once for the whole
   * batch (reads inside it see the state before it, so every bump of a book in one ledger would
   * write the same value): a ledger of offer trades changes thousands of offers in a handful of
   * books, and wrote two stamps per old and new offer, four puts and four reads per change.
   */
  writeAll(changes: Iterable<[EntryKey, LedgerEntry | null]>, oldOf: (key: EntryKey) => LedgerEntry | undefined): void {
    const bumped = new Set<string>();
    for (const [key, entry] of changes) this.write(key, entry, oldOf, bumped);
  }

  /**
   * An offer whose pair, price and id stay (a fill, an amount update) keeps its book and seller
   * rows: removing and putting back the same key leaves the same table, at two writes' cost.
   */
  private writeOfferIndexes(entry: LedgerEntry | null, old: LedgerEntry | undefined, bumped: Set<string>): void {
    const was = old !== undefined && old.type === "offer" ? old : null;
    const now = entry !== null && entry.type === "offer" ? entry : null;
    if (was !== null && now !== null && sameRows(was, now)) {
      this.bumpBookStamp(assetKey(now.selling), assetKey(now.buying), bumped);
      return;
    }
    if (was !== null) {
      const k = bookKeyOf(was);
      this.bumpBookStamp(k[0], k[1], bumped);
      void this.book.remove(k);
      void this.sellerOffers.remove([was.sellerId, k[3]]);
    }
    if (now !== null) {
      const k = bookKeyOf(now);
      this.bumpBookStamp(k[0], k[1], bumped);
      void this.book.put(k, null);
      void this.sellerOffers.put([now.sellerId, k[3]], null);
    }
  }

  /**
   * Reads see the state before the batch, so several changes to one book in one ledger all write
   * the same next value: the stamp still differs from every earlier ledger's, which is all a reader
   * compares; it is written once per batch (`bumped`). Stamps are never removed: a book emptied and
   * refilled must not repeat an old stamp.
   */
  private bumpBookStamp(selling: AssetKey, buying: AssetKey, bumped: Set<string>): void {
    if (bumped.size === 0) {
      bumped.add("");
      void this.bookStamps.put(ALL_BOOKS, (this.bookStamps.get(ALL_BOOKS) ?? 0) + 1);
    }
    const id = selling + "|" + buying;
    if (bumped.has(id)) return;
    bumped.add(id);
    const pair: PairKey = [selling, buying];
    void this.bookStamps.put(pair, (this.bookStamps.get(pair) ?? 0) + 1);
  }

  /**
   * The whole book's generation: it differs from every earlier ledger's in each ledger that
   * changes any book. Undefined in a store no change has bumped since it was written by a version
   * without it (a reader then compares the stamps every ledger).
   */
  bookGeneration(txn?: Transaction): number | undefined {
    return this.bookStamps.get(ALL_BOOKS, txn ? {transaction: txn} : undefined);
  }

  /** Every book that ever held an offer, by [selling, buying], with its stamp. */
  bookStampList(txn?: Transaction): Array<{selling: AssetKey; buying: AssetKey; stamp: number}> {
    const out: Array<{selling: AssetKey; buying: AssetKey; stamp: number}> = [];
    for (const {key, value} of this.bookStamps.getRange({transaction: txn})) {
      if (key[0] !== "") out.push({selling: key[0], buying: key[1], stamp: value});
    }
    return out;
  }

  /** Offer keys of one book, best first (lazy). */
  *bookKeys(selling: AssetKey, buying: AssetKey, txn?: Transaction): Generator<EntryKey> {
    for (const key of this.book.getKeys({start: [selling, buying], transaction: txn})) {
      if (key[0] !== selling || key[1] !== buying) return;
      yield offerKey(BigInt(key[3]));
    }
  }

  /** Offer keys of one seller, by offer id (lazy). */
  *sellerOfferKeys(sellerId: AccountId, txn?: Transaction): Generator<EntryKey> {
    for (const key of this.sellerOffers.getKeys({start: [sellerId], transaction: txn})) {
      if (key[0] !== sellerId) return;
      yield offerKey(BigInt(key[1]));
    }
  }

  /** Trustlines of one account, by asset code then issuer. */
  trustLines(accountId: AccountId, txn?: Transaction): TrustLineEntry[] {
    const prefix = "t:" + accountId + ":";
    const out: TrustLineEntry[] = [];
    for (const {key, value} of this.db.getRange({start: prefix, transaction: txn})) {
      if (typeof key !== "string" || !key.startsWith(prefix)) break;
      out.push(decodeEntry(key, value) as TrustLineEntry);
    }
    return out;
  }

  dataEntries(accountId: string, txn?: Transaction): DataEntry[] {
    const prefix = "d:" + accountId + ":";
    const out: DataEntry[] = [];
    for (const {key, value} of this.db.getRange({start: prefix, transaction: txn})) {
      if (typeof key !== "string" || !key.startsWith(prefix)) break;
      out.push(decodeEntry(key, value) as DataEntry);
    }
    return out;
  }

  /**
   * Accounts, in account id order after `afterId`, that `signer` can sign for (as master key
   * of weight > 0 or as an extra signer), up to `limit`.
   * TODO: a scan of every account; an index (signer → accounts) written with each ledger would
   * make this a range read once networks outgrow ~100k accounts.
   */
  accountsWithSigner(signer: string, afterId: string | undefined, asc: boolean, limit: number, txn?: Transaction): AccountEntry[] {
    const out: AccountEntry[] = [];
    const range = asc
      ? {start: afterId === undefined ? "a:" : "a:" + afterId, end: "a;", transaction: txn}
      : {start: afterId === undefined ? "a;" : "a:" + afterId, end: "a:", reverse: true, transaction: txn};
    for (const {key, value} of this.db.getRange(range)) {
      if (afterId !== undefined && key === "a:" + afterId) continue;
      const a = decodeEntry(key, value) as AccountEntry;
      const signs = (a.accountId === signer && a.thresholds.master > 0) || a.signers.some((s) => s.key === signer);
      if (!signs) continue;
      out.push(a);
      if (out.length === limit) break;
    }
    return out;
  }
}
