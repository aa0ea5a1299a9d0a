/**
 * Reads of offers and claimable balances for the API and the worker pool, over the entries
 * database and its offer indexes (entries-repo.ts), inside one read transaction.
 */
import type {Transaction} from "lmdb";
import type {ClaimableBalanceEntry, EntryKey, LedgerEntry, OfferEntry, TrustLineEntry} from "../ledger/types.js";
import {offerKey} from "../ledger/types.js";
import {fieldsOf} from "./codec.js";
import type {EntriesRepo} from "./entries-repo.js";
import type {ClaimableBalanceFilter, OfferFilter, PageQuery} from "./types.js";

const VERSIONS = [1] as const;

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
 * Offers by id (Horizon's paging token), filtered by seller, selling and buying asset.
 * A seller's offers come from the seller index (an account holds at most 1,000 subentries);
 * otherwise the ids come from the book index's keys alone, so no offer is decoded that is not on
 * the page.
 * TODO: a global id index would make the unfiltered page a range read instead of a key scan of
 * every book; worth it once /offers without a seller is hot at more than ~100k offers.
 */
export function offersPage(repo: EntriesRepo, entryOf: EntryOf, page: PageQuery, filter: OfferFilter, txn?: Transaction): OfferEntry[] {
  const keep = (o: OfferEntry): boolean =>
    (filter.selling === undefined || assetKeyOf(o.selling) === filter.selling) && (filter.buying === undefined || assetKeyOf(o.buying) === filter.buying);
  if (filter.seller !== undefined) {
    const byId = new Map<bigint, OfferEntry>();
    for (const key of repo.sellerOfferKeys(filter.seller, txn)) {
      const o = entryOf(key);
      if (o !== undefined && o.type === "offer" && keep(o)) byId.set(o.offerId, o);
    }
    return pageOfIds([...byId.keys()], page).map((id) => byId.get(id)!);
  }
  const ids: bigint[] = [];
  const start = filter.selling === undefined ? undefined : filter.buying === undefined ? [filter.selling] : [filter.selling, filter.buying];
  for (const key of repo.book.getKeys({start, transaction: txn})) {
    if (filter.selling !== undefined && key[0] !== filter.selling) break;
    if (filter.buying !== undefined && key[1] !== filter.buying) {
      if (filter.selling !== undefined) break;
      continue;
    }
    ids.push(BigInt(key[3]));
  }
  const out: OfferEntry[] = [];
  for (const id of pageOfIds(ids, page)) {
    const o = entryOf(offerKey(id));
    if (o !== undefined && o.type === "offer") out.push(o);
  }
  return out;
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

function compareBalances(a: {ledger: number; balanceId: string}, b: {ledger: number; balanceId: string}): number {
  if (a.ledger !== b.ledger) return a.ledger - b.ledger;
  return a.balanceId < b.balanceId ? -1 : a.balanceId > b.balanceId ? 1 : 0;
}

/**
 * Claimable balances by (last modified ledger, id) as Horizon pages them, filtered by asset,
 * sponsor and claimant.
 * TODO: a scan of every claimable balance; indexes by claimant and by asset written with each
 * ledger would make these range reads once balances number in the hundreds of thousands.
 */
export function claimableBalancesPage(
  repo: EntriesRepo,
  page: {cursor?: ClaimableBalanceCursor; limit: number; order: "asc" | "desc"},
  filter: ClaimableBalanceFilter,
  txn?: Transaction,
): ClaimableBalanceEntry[] {
  const found: ClaimableBalanceEntry[] = [];
  for (const {value} of repo.db.getRange({start: "c:", end: "c;", transaction: txn})) {
    const b = fieldsOf("entries", value, VERSIONS).fields[0] as ClaimableBalanceEntry;
    if (filter.asset !== undefined && assetKeyOf(b.asset) !== filter.asset) continue;
    if (filter.sponsor !== undefined && b.sponsor !== filter.sponsor) continue;
    if (filter.claimant !== undefined && !b.claimants.some((c) => c.destination === filter.claimant)) continue;
    if (page.cursor !== undefined) {
      const c = compareBalances({ledger: b.lastModifiedLedger, balanceId: b.balanceId}, page.cursor);
      if (page.order === "asc" ? c <= 0 : c >= 0) continue;
    }
    found.push(b);
  }
  found.sort((a, b) => compareBalances({ledger: a.lastModifiedLedger, balanceId: a.balanceId}, {ledger: b.lastModifiedLedger, balanceId: b.balanceId}));
  if (page.order === "desc") found.reverse();
  return found.slice(0, page.limit);
}

/** Every trustline, by account then asset (lazily). */
export function* allTrustLines(repo: EntriesRepo, txn?: Transaction): Generator<TrustLineEntry> {
  for (const {value} of repo.db.getRange({start: "t:", end: "t;", transaction: txn})) {
    yield fieldsOf("entries", value, VERSIONS).fields[0] as TrustLineEntry;
  }
}

/** Every claimable balance, by id (lazily). */
export function* allClaimableBalances(repo: EntriesRepo, txn?: Transaction): Generator<ClaimableBalanceEntry> {
  for (const {value} of repo.db.getRange({start: "c:", end: "c;", transaction: txn})) {
    yield fieldsOf("entries", value, VERSIONS).fields[0] as ClaimableBalanceEntry;
  }
}
