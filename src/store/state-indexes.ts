/**
 * Secondary indexes of ledger state for the API's filters, in one table ("stateIdx": LMDB
 * environments have a fixed number of tables), written in the ledger's commit batch from each
 * changed entry's old and new version, so a filtered page is a range read of its own size:
 *
 *   ["o", offer id]                                → null   every offer, by id (/offers)
 *   ["os", selling, offer id] / ["ob", buying, …]  → null   offers by one asset, by id
 *   ["op", selling, buying, offer id]              → null   offers of one pair, by id
 *   ["t", asset, account]                          → null   holders of a trustline (/accounts?asset=)
 *   ["c", ledger, balance id]                      → null   claimable balances as Horizon pages them
 *   ["ca", asset, ledger, id] / ["cs", sponsor, …] / ["cc", claimant, …]   → null   by filter
 *   ["s", code, issuer]                            → [1, counts…, amounts…]   asset statistics (/assets)
 *
 * Offer ids are fixed-width decimal (string order is numeric order); assets are assetKeys;
 * ledgers are numbers. Only offer, trustline and claimable balance changes touch this table: a
 * payment's account changes cost one prefix test each.
 *
 * Asset statistics are running sums: each ledger's trustline and claimable balance changes are
 * summed per asset in memory and the row is written once, from the value before the batch (reads
 * inside a batch see the state before it), so several changes to one asset in a ledger add up.
 * A row whose counts all reach zero is removed: the asset is held by nobody.
 */
import type {Database, RootDatabase, Transaction} from "lmdb";
import {AUTHORIZED_FLAG, AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG, assetKey, assetsEqual, type AccountId, type AssetKey, type ClaimableBalanceEntry, type EntryKey, type LedgerEntry, type OfferEntry, type TrustLineEntry} from "../ledger/types.js";
import {fieldsOf} from "./codec.js";

type IndexKey = Array<string | number>;

/** After every string element (UTF-16 max) and, at a number position, after every number. */
const MAX_STRING = "\uffff";
const MAX_NUMBER = Infinity;

const STATS_VERSIONS = [1] as const;

/** Offer ids in index keys: fixed-width decimal, so string order is numeric order. */
export function offerIdKey(offerId: bigint): string {
  return offerId.toString().padStart(20, "0");
}

/** What /assets shows of one credit asset, summed over its trustlines and claimable balances. */
export interface AssetTotals {
  code: string;
  issuer: AccountId;
  accounts: {authorized: number; maintain: number; unauthorized: number};
  balances: {authorized: bigint; maintain: bigint; unauthorized: bigint};
  claimableBalances: number;
  claimableBalancesAmount: bigint;
}

interface StatsDelta {
  code: string;
  issuer: AccountId;
  /** authorized, maintain, unauthorized accounts; claimable balances */
  counts: [number, number, number, number];
  /** authorized, maintain, unauthorized balances; claimable balance amounts */
  amounts: [bigint, bigint, bigint, bigint];
}

function authSlot(t: TrustLineEntry): 0 | 1 | 2 {
  if ((t.flags & AUTHORIZED_FLAG) !== 0) return 0;
  if ((t.flags & AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG) !== 0) return 1;
  return 2;
}

function offerKeys(o: OfferEntry): IndexKey[] {
  const id = offerIdKey(o.offerId);
  const selling = assetKey(o.selling);
  const buying = assetKey(o.buying);
  return [["o", id], ["os", selling, id], ["ob", buying, id], ["op", selling, buying, id]];
}

function balanceKeys(b: ClaimableBalanceEntry): IndexKey[] {
  const at = [b.lastModifiedLedger, b.balanceId];
  const keys: IndexKey[] = [["c", ...at], ["ca", assetKey(b.asset), ...at], ["cs", b.sponsor, ...at]];
  // One row per distinct claimant (a claimant listed twice is one holder of the right to claim).
  for (const d of new Set(b.claimants.map((c) => c.destination))) keys.push(["cc", d, ...at]);
  return keys;
}

function keysOf(e: LedgerEntry): IndexKey[] {
  switch (e.type) {
    case "offer":
      return offerKeys(e);
    case "trustline":
      return [["t", assetKey(e.asset), e.accountId]];
    case "claimable_balance":
      return balanceKeys(e);
    default:
      return [];
  }
}

/** Entry keys whose changes touch these indexes: trustlines, offers, claimable balances. */
export function isIndexedKey(key: EntryKey): boolean {
  const c = key.charCodeAt(0);
  return key.charCodeAt(1) === 0x3a /* ":" */ && (c === 0x74 /* t */ || c === 0x6f /* o */ || c === 0x63 /* c */);
}

function sameKey(a: IndexKey, b: IndexKey): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Whether two states of one entry (same entry key) have the same index rows, told without
 * building them: a trustline's row is its key's (account, asset); an offer's rows change only with
 * its assets. Most changes are of this kind (a balance or an amount moves), and building and
 * comparing both row lists cost ~2 µs and a dozen strings and arrays per change.
 */
function sameIndexRows(old: LedgerEntry, entry: LedgerEntry): boolean {
  if (old.type === "trustline" && entry.type === "trustline") return true;
  if (old.type === "offer" && entry.type === "offer") {
    return old.offerId === entry.offerId && assetsEqual(old.selling, entry.selling) && assetsEqual(old.buying, entry.buying);
  }
  return false;
}

export class StateIndexes {
  readonly db: Database<unknown, IndexKey>;

  constructor(root: RootDatabase) {
    this.db = root.openDB({name: "stateIdx"});
  }

  /**
   * Inside a write batch: the index rows of one ledger's changes. `oldOf` reads an entry as the
   * last closed ledger has it (the batch's reads see the state before it).
   */
  write(changes: Iterable<[EntryKey, LedgerEntry | null]>, oldOf: (key: EntryKey) => LedgerEntry | undefined): void {
    const stats = new Map<string, StatsDelta>();
    for (const [key, entry] of changes) {
      if (!isIndexedKey(key)) continue;
      const old = oldOf(key);
      this.change(old ?? null, entry, stats);
    }
    this.writeStats(stats);
  }

  /** Rows for every indexed entry of a store that had none (opening an older layout). */
  rebuild(entries: Iterable<LedgerEntry>): void {
    const stats = new Map<string, StatsDelta>();
    for (const e of entries) this.change(null, e, stats);
    this.writeStats(stats);
  }

  private change(old: LedgerEntry | null, entry: LedgerEntry | null, stats: Map<string, StatsDelta>): void {
    if (old === null || entry === null || !sameIndexRows(old, entry)) this.moveRows(old, entry);
    if (old !== null) this.count(old, -1, stats);
    if (entry !== null) this.count(entry, 1, stats);
  }

  private moveRows(old: LedgerEntry | null, entry: LedgerEntry | null): void {
    const before = old === null ? [] : keysOf(old);
    const after = entry === null ? [] : keysOf(entry);
    for (const k of before) if (!after.some((a) => sameKey(a, k))) void this.db.remove(k);
    for (const k of after) if (!before.some((b) => sameKey(b, k))) void this.db.put(k, null);
  }

  private count(e: LedgerEntry, sign: 1 | -1, stats: Map<string, StatsDelta>): void {
    let asset;
    let slot: 0 | 1 | 2 | 3;
    let amount: bigint;
    if (e.type === "trustline") {
      asset = e.asset;
      slot = authSlot(e);
      amount = e.balance;
    } else if (e.type === "claimable_balance" && e.asset.type !== "native") {
      asset = e.asset;
      slot = 3;
      amount = e.amount;
    } else return;
    const k = asset.code + ":" + asset.issuer;
    let d = stats.get(k);
    if (d === undefined) {
      d = {code: asset.code, issuer: asset.issuer, counts: [0, 0, 0, 0], amounts: [0n, 0n, 0n, 0n]};
      stats.set(k, d);
    }
    d.counts[slot] += sign;
    d.amounts[slot] += sign === 1 ? amount : -amount;
  }

  private writeStats(stats: Map<string, StatsDelta>): void {
    for (const d of stats.values()) {
      if (d.counts.every((c) => c === 0) && d.amounts.every((a) => a === 0n)) continue;
      const key = ["s", d.code, d.issuer];
      const cur = this.stats(d.code, d.issuer);
      const counts = [cur.accounts.authorized, cur.accounts.maintain, cur.accounts.unauthorized, cur.claimableBalances].map((c, i) => c + d.counts[i]!);
      const amounts = [cur.balances.authorized, cur.balances.maintain, cur.balances.unauthorized, cur.claimableBalancesAmount].map((a, i) => a + d.amounts[i]!);
      if (counts.every((c) => c === 0)) void this.db.remove(key);
      else void this.db.put(key, [1, ...counts, ...amounts]);
    }
  }

  private statsOf(code: string, issuer: AccountId, raw: unknown): AssetTotals {
    const [a, m, u, cb, balA, balM, balU, cbAmount] = fieldsOf("stateIdx", raw, STATS_VERSIONS).fields as [number, number, number, number, bigint, bigint, bigint, bigint];
    return {
      code,
      issuer,
      accounts: {authorized: a, maintain: m, unauthorized: u},
      balances: {authorized: BigInt(balA), maintain: BigInt(balM), unauthorized: BigInt(balU)},
      claimableBalances: cb,
      claimableBalancesAmount: BigInt(cbAmount),
    };
  }

  /** One asset's totals (all zero when nobody holds it). */
  stats(code: string, issuer: AccountId, txn?: Transaction): AssetTotals {
    const raw = this.db.get(["s", code, issuer], txn ? {transaction: txn} : undefined);
    if (raw === undefined) {
      return {code, issuer, accounts: {authorized: 0, maintain: 0, unauthorized: 0}, balances: {authorized: 0n, maintain: 0n, unauthorized: 0n}, claimableBalances: 0, claimableBalancesAmount: 0n};
    }
    return this.statsOf(code, issuer, raw);
  }

  /**
   * Keys under `prefix` strictly after (asc) or before (desc) `after` (a full key), in key order,
   * at most `limit`. `max` sorts after every element at the position following the prefix.
   */
  private *scan(prefix: IndexKey, max: string | number, after: IndexKey | undefined, asc: boolean, txn?: Transaction): Generator<IndexKey> {
    const top = [...prefix, max];
    // A cursor outside the prefix (another asset code's token) starts the range at its near end
    // or leaves nothing; the prefix's elements are strings, compared as LMDB orders them.
    const from = after;
    const differs = from === undefined ? -1 : prefix.findIndex((p, i) => from[i] !== p);
    if (after !== undefined && differs >= 0) {
      const below = String(after[differs]) < String(prefix[differs]);
      if (below !== asc) return;
      after = undefined;
    }
    const range = asc
      ? {start: after ?? prefix, end: top, transaction: txn}
      : {start: after ?? top, end: prefix, reverse: true, transaction: txn};
    for (const key of this.db.getKeys(range as never) as Iterable<IndexKey>) {
      if (after !== undefined && sameKey(key, after)) continue;
      yield key;
    }
  }

  /** Assets held by anyone, by (code, issuer), after/before `after`, optionally one code or issuer. */
  assetTotals(q: {code?: string; issuer?: string; after?: {code: string; issuer: string}; asc: boolean; limit: number}, txn?: Transaction): AssetTotals[] {
    const out: AssetTotals[] = [];
    const prefix = q.code === undefined ? ["s"] : ["s", q.code];
    const after = q.after === undefined ? undefined : ["s", q.after.code, q.after.issuer];
    // With an issuer but no code, every code is read: an issuer's assets are few next to all.
    for (const key of this.scan(prefix, MAX_STRING, after, q.asc, txn)) {
      const code = key[1] as string;
      const issuer = key[2] as string;
      if (q.issuer !== undefined && issuer !== q.issuer) continue;
      out.push(this.stats(code, issuer, txn));
      if (out.length === q.limit) break;
    }
    return out;
  }

  /** Accounts holding a trustline in `asset`, by account id after/before `cursor`. */
  holders(asset: AssetKey, cursor: AccountId | undefined, asc: boolean, limit: number, txn?: Transaction): AccountId[] {
    const out: AccountId[] = [];
    const after = cursor === undefined ? undefined : ["t", asset, cursor];
    for (const key of this.scan(["t", asset], MAX_STRING, after, asc, txn)) {
      out.push(key[2] as AccountId);
      if (out.length === limit) break;
    }
    return out;
  }

  /** Offer ids by id, of one selling asset, one buying asset, one pair, or all. */
  offerIds(filter: {selling?: AssetKey; buying?: AssetKey}, cursor: bigint | undefined, asc: boolean, limit: number, txn?: Transaction): bigint[] {
    const prefix =
      filter.selling !== undefined && filter.buying !== undefined
        ? ["op", filter.selling, filter.buying]
        : filter.selling !== undefined
          ? ["os", filter.selling]
          : filter.buying !== undefined
            ? ["ob", filter.buying]
            : ["o"];
    const after = cursor === undefined ? undefined : [...prefix, offerIdKey(cursor)];
    const out: bigint[] = [];
    for (const key of this.scan(prefix, MAX_STRING, after, asc, txn)) {
      out.push(BigInt(key[key.length - 1] as string));
      if (out.length === limit) break;
    }
    return out;
  }

  /**
   * Claimable balance ids by (last modified ledger, id), through the claimant, sponsor or asset
   * index (the first of them the filter names); `keep` checks the filter's other fields on the
   * entry, so a page with several filters reads past the balances that fail them.
   */
  *balanceIds(
    filter: {asset?: AssetKey; sponsor?: AccountId; claimant?: AccountId},
    cursor: {ledger: number; balanceId: string} | undefined,
    asc: boolean,
    txn?: Transaction,
  ): Generator<string> {
    const prefix =
      filter.claimant !== undefined ? ["cc", filter.claimant] : filter.sponsor !== undefined ? ["cs", filter.sponsor] : filter.asset !== undefined ? ["ca", filter.asset] : ["c"];
    const after = cursor === undefined ? undefined : [...prefix, cursor.ledger, cursor.balanceId];
    for (const key of this.scan(prefix, MAX_NUMBER, after, asc, txn)) yield key[key.length - 1] as string;
  }
}
