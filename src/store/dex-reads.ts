/**
 * Reads of offers and claimable balances for the API and the worker pool, over the entries
 * database and its offer indexes (entries-repo.ts), inside one read transaction.
 */
import type {Transaction} from "lmdb";
import type {ClaimableBalanceEntry, EntryKey, LedgerEntry, OfferEntry, TrustLineEntry} from "../ledger/types.js";
import {decodeEntry} from "./entry-codec.js";
import type {EntriesRepo} from "./entries-repo.js";
import type {OfferFilter, PageQuery} from "./types.js";

type EntryOf = (key: EntryKey) => LedgerEntry | undefined;

/** The ids after (asc) or before (desc) `cursor`, in page order, at most `limit`. */
function pageOfIds(ids: bigint[], page: PageQuery): bigint[] {
  const cursor = page.cursor === undefined ? undefined : BigInt(page.cursor);
  const asc = page.order === "asc";
  const kept = ids.filter((id) => cursor === undefined || (asc ? id > cursor : id < cursor));
  kept.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (!asc) kept.reverse();
  return kept.slice(0, page.limit);
}

/**
 * One seller's offers by id (Horizon's paging token), filtered by selling and buying asset, from
 * the seller index (an account holds at most 1,000 subentries). Offers of no given seller are
 * paged through the state indexes (state-indexes.ts).
 */
export function offersPage(repo: EntriesRepo, entryOf: EntryOf, page: PageQuery, filter: OfferFilter & {seller: string}, txn?: Transaction): OfferEntry[] {
  const keep = (o: OfferEntry): boolean =>
    (filter.selling === undefined || assetKeyOf(o.selling) === filter.selling) && (filter.buying === undefined || assetKeyOf(o.buying) === filter.buying);
  const byId = new Map<bigint, OfferEntry>();
  for (const key of repo.sellerOfferKeys(filter.seller, txn)) {
    const o = entryOf(key);
    if (o !== undefined && o.type === "offer" && keep(o)) byId.set(o.offerId, o);
  }
  return pageOfIds([...byId.keys()], page).map((id) => byId.get(id)!);
}

function assetKeyOf(a: OfferEntry["selling"]): string {
  return a.type === "native" ? "native" : a.code + ":" + a.issuer;
}

/** Horizon's claimable balance paging token: "{last modified ledger}-{00000000 + hex id}". */
export function claimableBalanceToken(b: ClaimableBalanceEntry): string {
  return `${b.lastModifiedLedger}-00000000${b.balanceId}`;
}

/** A parsed claimable balance cursor: the ledger and the hex hash after which a page starts. */
export interface ClaimableBalanceCursor {
  ledger: number;
  balanceId: string;
}

/** Every trustline, by account then asset (lazily). */
export function* allTrustLines(repo: EntriesRepo, txn?: Transaction): Generator<TrustLineEntry> {
  for (const {key, value} of repo.db.getRange({start: "t:", end: "t;", transaction: txn})) {
    yield decodeEntry(key, value) as TrustLineEntry;
  }
}

/** Every claimable balance, by id (lazily). */
export function* allClaimableBalances(repo: EntriesRepo, txn?: Transaction): Generator<ClaimableBalanceEntry> {
  for (const {key, value} of repo.db.getRange({start: "c:", end: "c;", transaction: txn})) {
    yield decodeEntry(key, value) as ClaimableBalanceEntry;
  }
}
