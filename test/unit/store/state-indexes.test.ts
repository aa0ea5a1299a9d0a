/**
 * The state indexes (store/state-indexes.ts) against brute force over a seeded random state:
 * trustlines, offers and claimable balances created, updated and removed over many ledgers
 * (several changes to one asset in one ledger among them; offers updated in place and moved to
 * other assets). After every few ledgers each indexed
 * read — /assets totals, /accounts?asset= holders, /offers by selling, buying and pair,
 * /claimable_balances by asset, sponsor and claimant — equals the same answer computed from a
 * model of the state, and walking it page by page in both orders gives exactly the full list.
 * Then the indexes are dropped as a layout-4 folder would lack them, and rebuilt on open.
 */
import {describe, it, after} from "node:test";
import assert from "node:assert/strict";
import {open} from "lmdb";
import {join} from "node:path";
import {StoreFixture} from "./fixtures.js";
import {prng} from "../../helpers/prng.js";
import {LedgerStore} from "../../../src/store/ledger-store.js";
import {ledgerCommit} from "../../../src/store/records.js";
import {MAX_TABLES} from "../../../src/store/options.js";
import {
  AUTHORIZED_FLAG,
  AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG,
  assetKey,
  claimableBalanceKey,
  offerKey,
  trustLineKey,
  type Asset,
  type ClaimableBalanceEntry,
  type CreditAsset,
  type EntryKey,
  type LedgerEntry,
  type LedgerHeader,
  type OfferEntry,
  type TrustLineEntry,
} from "../../../src/ledger/types.js";
import type {AssetTotals} from "../../../src/store/state-indexes.js";

const SEED = 0x5eed1d;

type Model = Map<EntryKey, LedgerEntry>;

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every page of `read` with `limit`, following the last record's cursor, in one order. */
function walk<T, C>(read: (cursor: C | undefined, asc: boolean, limit: number) => T[], cursorOf: (t: T) => C, asc: boolean, limit: number): T[] {
  const out: T[] = [];
  let cursor: C | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = read(cursor, asc, limit);
    assert.ok(page.length <= limit);
    out.push(...page);
    if (page.length < limit) return out;
    cursor = cursorOf(page[page.length - 1]!);
  }
  throw new Error("paging did not end");
}

/** Asserts the full answer and the paged walks (both orders) equal `expected` (in ascending order). */
function checkPaged<T, C>(what: string, expected: T[], read: (cursor: C | undefined, asc: boolean, limit: number) => T[], cursorOf: (t: T) => C, idOf: (t: T) => string): void {
  const ids = expected.map(idOf);
  assert.deepEqual(read(undefined, true, 10_000).map(idOf), ids, what);
  assert.deepEqual(read(undefined, false, 10_000).map(idOf), [...ids].reverse(), `${what} desc`);
  for (const limit of [1, 3]) {
    assert.deepEqual(walk(read, cursorOf, true, limit).map(idOf), ids, `${what} pages of ${limit}`);
    assert.deepEqual(walk(read, cursorOf, false, limit).map(idOf), [...ids].reverse(), `${what} desc pages of ${limit}`);
  }
}

function totalsOf(model: Model): AssetTotals[] {
  const m = new Map<string, AssetTotals>();
  const of = (a: CreditAsset): AssetTotals => {
    const k = a.code + ":" + a.issuer;
    let t = m.get(k);
    if (t === undefined) {
      t = {code: a.code, issuer: a.issuer, accounts: {authorized: 0, maintain: 0, unauthorized: 0}, balances: {authorized: 0n, maintain: 0n, unauthorized: 0n}, claimableBalances: 0, claimableBalancesAmount: 0n};
      m.set(k, t);
    }
    return t;
  };
  for (const e of model.values()) {
    if (e.type === "trustline") {
      const t = of(e.asset);
      const slot = (e.flags & AUTHORIZED_FLAG) !== 0 ? "authorized" : (e.flags & AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG) !== 0 ? "maintain" : "unauthorized";
      t.accounts[slot]++;
      t.balances[slot] += e.balance;
    } else if (e.type === "claimable_balance" && e.asset.type !== "native") {
      const t = of(e.asset);
      t.claimableBalances++;
      t.claimableBalancesAmount += e.amount;
    }
  }
  return [...m.values()].sort((a, b) => byString(a.code, b.code) || byString(a.issuer, b.issuer));
}

function checkAll(store: LedgerStore, model: Model, label: string): void {
  const entries = [...model.values()];
  const trustlines = entries.filter((e): e is TrustLineEntry => e.type === "trustline");
  const offers = entries.filter((e): e is OfferEntry => e.type === "offer").sort((a, b) => (a.offerId < b.offerId ? -1 : 1));
  const balances = entries
    .filter((e): e is ClaimableBalanceEntry => e.type === "claimable_balance")
    .sort((a, b) => a.lastModifiedLedger - b.lastModifiedLedger || byString(a.balanceId, b.balanceId));

  // /assets: totals, with code and issuer filters, paged by (code, issuer).
  const totals = totalsOf(model);
  const assetId = (t: AssetTotals) => `${t.code}:${t.issuer}`;
  assert.deepEqual(store.assetTotals({asc: true, limit: 10_000}), totals, `${label}: asset totals`);
  const codes = [...new Set(totals.map((t) => t.code))];
  const issuers = [...new Set(totals.map((t) => t.issuer))];
  const assetReads: Array<[string, (t: AssetTotals) => boolean, {code?: string; issuer?: string}]> = [["all", () => true, {}]];
  for (const code of codes) assetReads.push([`code ${code}`, (t) => t.code === code, {code}]);
  for (const issuer of issuers) assetReads.push([`issuer ${issuer}`, (t) => t.issuer === issuer, {issuer}]);
  for (const [what, keep, filter] of assetReads) {
    checkPaged<AssetTotals, {code: string; issuer: string}>(
      `${label}: assets ${what}`,
      totals.filter(keep),
      (after, asc, limit) => store.assetTotals({...filter, ...(after === undefined ? {} : {after}), asc, limit}),
      (t) => ({code: t.code, issuer: t.issuer}),
      assetId,
    );
  }

  // /accounts?asset=: holders by account id.
  for (const t of totals) {
    const key = `${t.code}:${t.issuer}`;
    const holders = trustlines.filter((l) => assetKey(l.asset) === key).map((l) => l.accountId).sort(byString);
    checkPaged<string, string>(`${label}: holders of ${key}`, holders, (cursor, asc, limit) => store.trustLineHolders(key, {limit, order: asc ? "asc" : "desc", ...(cursor === undefined ? {} : {cursor})}), (id) => id, (id) => id);
  }

  // /offers: all, by selling, by buying, by pair, paged by id.
  const assetKeys = [...new Set(offers.flatMap((o) => [assetKey(o.selling), assetKey(o.buying)]))];
  const offerReads: Array<{selling?: string; buying?: string}> = [{}];
  for (const a of assetKeys) offerReads.push({selling: a}, {buying: a});
  for (const s of assetKeys) for (const b of assetKeys) if (s !== b) offerReads.push({selling: s, buying: b});
  for (const f of offerReads) {
    const expected = offers.filter((o) => (f.selling === undefined || assetKey(o.selling) === f.selling) && (f.buying === undefined || assetKey(o.buying) === f.buying));
    checkPaged<OfferEntry, string>(
      `${label}: offers ${JSON.stringify(f)}`,
      expected,
      (cursor, asc, limit) => store.offers({limit, order: asc ? "asc" : "desc", ...(cursor === undefined ? {} : {cursor})}, f),
      (o) => o.offerId.toString(),
      (o) => `${o.offerId}:${o.amount}`,
    );
  }

  // /claimable_balances: all, by asset, sponsor, claimant, and two filters at once.
  const cbAssets = [...new Set(balances.map((b) => assetKey(b.asset)))];
  const sponsors = [...new Set(balances.map((b) => b.sponsor))];
  const claimants = [...new Set(balances.flatMap((b) => b.claimants.map((c) => c.destination)))];
  const cbReads: Array<{asset?: string; sponsor?: string; claimant?: string}> = [{}];
  for (const asset of cbAssets) cbReads.push({asset});
  for (const sponsor of sponsors) cbReads.push({sponsor});
  for (const claimant of claimants) cbReads.push({claimant}, {claimant, asset: cbAssets[0]!});
  for (const f of cbReads) {
    const expected = balances.filter(
      (b) =>
        (f.asset === undefined || assetKey(b.asset) === f.asset) &&
        (f.sponsor === undefined || b.sponsor === f.sponsor) &&
        (f.claimant === undefined || b.claimants.some((c) => c.destination === f.claimant)),
    );
    checkPaged<ClaimableBalanceEntry, {ledger: number; balanceId: string}>(
      `${label}: claimable balances ${JSON.stringify(f)}`,
      expected,
      (cursor, asc, limit) => store.claimableBalances({limit, order: asc ? "asc" : "desc", ...(cursor === undefined ? {} : {cursor})}, f),
      (b) => ({ledger: b.lastModifiedLedger, balanceId: b.balanceId}),
      (b) => b.balanceId,
    );
  }
}

describe("state indexes against brute force over a seeded random state", () => {
  const fx = new StoreFixture({accounts: 24});
  after(() => fx.dispose());

  const model: Model = new Map();
  const rand = prng(SEED);
  /** Which changed entries are read before their commit: a stream of its own, so the state drawn stays the same. */
  const reads = prng(SEED + 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const accounts = fx.keys.map((k) => k.publicKey());
  const issuers = accounts.slice(0, 3);
  const assets: CreditAsset[] = [];
  for (const issuer of issuers) {
    for (const code of ["USD", "EUR", "AB", "LONGCODE12"]) {
      if (rand() < 0.7) assets.push({type: code.length <= 4 ? "credit_alphanum4" : "credit_alphanum12", code, issuer});
    }
  }
  const anyAsset = (): Asset => (rand() < 0.25 ? {type: "native"} : pick(assets));
  let nextOffer = 1n;
  let nextBalance = 1;

  /** One ledger of random changes to trustlines, offers and claimable balances. */
  async function randomLedger(ops: number): Promise<void> {
    const seq = fx.header.seq + 1;
    const changes = new Map<EntryKey, LedgerEntry | null>();
    const set = (key: EntryKey, e: LedgerEntry | null): void => {
      changes.set(key, e);
      if (e === null) model.delete(key);
      else model.set(key, e);
    };
    const existing = <T extends LedgerEntry>(type: T["type"]): Array<[EntryKey, T]> =>
      [...model.entries()].filter((kv): kv is [EntryKey, T] => kv[1].type === type);
    for (let i = 0; i < ops; i++) {
      const r = rand();
      if (r < 0.35) {
        const accountId = pick(accounts);
        const asset = pick(assets);
        const key = trustLineKey(accountId, asset);
        if (model.has(key) && rand() < 0.3) set(key, null);
        else {
          const flags = pick([AUTHORIZED_FLAG, AUTHORIZED_TO_MAINTAIN_LIABILITIES_FLAG, 0]);
          set(key, {type: "trustline", accountId, asset, balance: BigInt(Math.floor(rand() * 1e9)), limit: 1n << 62n, flags, buyingLiabilities: 0n, sellingLiabilities: 0n, lastModifiedLedger: seq});
        }
      } else if (r < 0.7) {
        const open = existing<OfferEntry>("offer");
        if (open.length > 0 && rand() < 0.45) {
          const [key, o] = pick(open);
          if (rand() < 0.5) set(key, null);
          else if (rand() < 0.3) {
            // An update that moves the offer to other assets (a manage offer may): its rows move.
            const selling = anyAsset();
            let buying = anyAsset();
            while (assetKey(buying) === assetKey(selling)) buying = anyAsset();
            set(key, {...o, selling, buying, amount: BigInt(1 + Math.floor(rand() * 1e6)), lastModifiedLedger: seq});
          } else set(key, {...o, amount: BigInt(1 + Math.floor(rand() * 1e6)), price: {n: 1 + Math.floor(rand() * 9), d: 1 + Math.floor(rand() * 9)}, lastModifiedLedger: seq});
        } else {
          const selling = anyAsset();
          let buying = anyAsset();
          while (assetKey(buying) === assetKey(selling)) buying = anyAsset();
          const offerId = nextOffer;
          // Ids past 2^53 too: they must stay exact through the index.
          nextOffer += rand() < 0.1 ? 1n << 54n : 1n + BigInt(Math.floor(rand() * 3));
          set(offerKey(offerId), {type: "offer", sellerId: pick(accounts), offerId, selling, buying, amount: BigInt(1 + Math.floor(rand() * 1e6)), price: {n: 1, d: 2}, flags: 0, lastModifiedLedger: seq});
        }
      } else {
        const open = existing<ClaimableBalanceEntry>("claimable_balance");
        if (open.length > 0 && rand() < 0.4) set(pick(open)[0], null);
        else {
          const balanceId = (nextBalance++ * 2654435761).toString(16).padStart(64, "0");
          const claimants = Array.from({length: 1 + Math.floor(rand() * 3)}, () => ({destination: pick(accounts), predicate: {type: "unconditional" as const}}));
          set(claimableBalanceKey(balanceId), {type: "claimable_balance", balanceId, claimants, asset: anyAsset(), amount: BigInt(1 + Math.floor(rand() * 1e8)), flags: 0, sponsor: pick(accounts), lastModifiedLedger: seq});
        }
      }
    }
    // Apply reads most entries it changes through the store's entry cache, and the commit takes
    // their old index rows from there: most changed keys are read first (some not, so the commit
    // reads those from the table), and the cache holds what the last closed ledger has.
    for (const key of changes.keys()) if (reads() < 0.7) fx.store.getEntry(key);
    const header: LedgerHeader = {...fx.header, seq, prevHash: fx.header.hash, hash: seq.toString(16).padStart(64, "0"), closeTime: fx.header.closeTime + 5, txCount: 0, opCount: 0};
    await fx.store.commitLedger(ledgerCommit({header, changes, frames: [], applied: []}), []);
    fx.header = header;
  }

  it("answers every filter and page as brute force does, after creations, updates and removals", async () => {
    for (let l = 1; l <= 30; l++) {
      await randomLedger(l % 7 === 0 ? 1 : 25);
      if (l % 5 === 0) checkAll(fx.store, model, `ledger ${fx.header.seq}`);
    }
    // The state really has every kind, removals included.
    assert.ok([...model.values()].filter((e) => e.type === "offer").length > 20);
    assert.ok([...model.values()].filter((e) => e.type === "claimable_balance").length > 10);
    assert.ok([...model.values()].filter((e) => e.type === "trustline").length > 20);
  });

  it("builds the indexes when a layout-4 folder without them is opened", async () => {
    await fx.store.close();
    const file = join(fx.dir, "ledger.mdb");
    const raw = open({path: file, maxDbs: MAX_TABLES});
    raw.openDB({name: "stateIdx"}).clearSync();
    raw.openDB({name: "balanceOps"}).clearSync();
    raw.openDB({name: "meta"}).putSync("layout", 4);
    await raw.close();
    const reopened = new LedgerStore({dir: fx.dir});
    try {
      checkAll(reopened, model, "rebuilt");
    } finally {
      await reopened.close();
    }
    // Reopen for dispose().
    Object.assign(fx, {store: new LedgerStore({dir: fx.dir})});
  });
});
