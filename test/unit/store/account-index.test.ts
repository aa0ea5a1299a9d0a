/**
 * The per-account index in two tables (history-repo.ts): each ledger's rows go to recentOps and
 * are moved into accountOps every MERGE_EVERY_LEDGERS ledgers. Checked against the payments the
 * fixture submitted: every account's operations, payments and transactions, paged both ways
 * with small limits after every ledger, before and after merges, under retention, and from a
 * layout-5 folder that has no recentOps.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {rmSync} from "node:fs";
import {StoreFixture, type Payment} from "./fixtures.js";
import {LedgerStore} from "../../../src/store/ledger-store.js";
import {MERGE_EVERY_LEDGERS} from "../../../src/store/options.js";
import {toidString} from "../../../src/store/toid.js";

/** A seeded generator (LCG), so a failure names a reproducible ledger. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Expected {
  /** Per account, in order: operation ids and tx hashes it is in. */
  ops: Map<number, string[]>;
  txs: Map<number, string[]>;
}

function expectedOf(accounts: number): Expected {
  return {ops: new Map(Array.from({length: accounts}, (_, i) => [i, []])), txs: new Map(Array.from({length: accounts}, (_, i) => [i, []]))};
}

/** Closes a ledger of `payments` and records what each account should list. */
async function close(f: StoreFixture, payments: Payment[], exp: Expected): Promise<number> {
  const {committed, frames, header} = f.closeLedger(payments);
  await committed;
  payments.forEach((p, i) => {
    for (const a of new Set([p.from, p.to])) {
      exp.ops.get(a)?.push(toidString(header.seq, i + 1, 1));
      exp.txs.get(a)?.push(frames[i].hashHex);
    }
  });
  return header.seq;
}

function randomPayments(next: () => number, accounts: number, max: number): Payment[] {
  const n = 1 + Math.floor(next() * max);
  return Array.from({length: n}, () => {
    const from = Math.floor(next() * accounts);
    const to = (from + 1 + Math.floor(next() * (accounts - 1))) % accounts;
    return {from, to};
  });
}

/** Every page of `read`, following the last item's cursor, until an empty page. */
function allPages<T>(read: (cursor: string | undefined) => T[], cursorOf: (t: T) => string): T[] {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = read(cursor);
    if (page.length === 0) return out;
    out.push(...page);
    cursor = cursorOf(page[page.length - 1]);
  }
  throw new Error("paging did not end");
}

function checkAccount(store: LedgerStore, f: StoreFixture, a: number, exp: Expected, keepFrom: number, where: string): void {
  const account = f.account(a);
  const wantOps = (exp.ops.get(a) ?? []).filter((id) => Number(BigInt(id) >> 32n) >= keepFrom);
  const wantTxs = (exp.txs.get(a) ?? []).filter((_, i) => Number(BigInt((exp.ops.get(a) ?? [])[i]) >> 32n) >= keepFrom);
  for (const limit of [1, 2, 3]) {
    const asc = allPages((cursor) => store.ops({limit, order: "asc", cursor}, {account}), (o) => o.id).map((o) => o.id);
    assert.deepEqual(asc, wantOps, `${where}: operations of account ${a}, asc, limit ${limit}`);
    const desc = allPages((cursor) => store.ops({limit, order: "desc", cursor}, {account, paymentsOnly: true}), (o) => o.id).map((o) => o.id);
    assert.deepEqual(desc, [...wantOps].reverse(), `${where}: payments of account ${a}, desc, limit ${limit}`);
    const txs = allPages((cursor) => store.txs({limit, order: "asc", cursor}, {account}), (t) => t.id).map((t) => t.hash);
    assert.deepEqual(txs, wantTxs, `${where}: transactions of account ${a}, asc, limit ${limit}`);
  }
}

describe("account index in recentOps and accountOps", () => {
  it("moves a ledger's rows into accountOps every MERGE_EVERY_LEDGERS ledgers; every page is exact before and after each merge", async () => {
    const accounts = 5;
    const f = new StoreFixture({accounts});
    const exp = expectedOf(accounts);
    const next = rng(7);
    try {
      let sinceMerge = 0;
      let total = 0;
      for (let l = 0; l < 2 * MERGE_EVERY_LEDGERS + 3; l++) {
        const payments = randomPayments(next, accounts, 6);
        const seq = await close(f, payments, exp);
        const rows = payments.length * 2;
        total += rows;
        sinceMerge = seq % MERGE_EVERY_LEDGERS === 0 ? 0 : sinceMerge + rows;
        assert.equal(f.store.history.recentOps.getCount(), sinceMerge, `ledger ${seq}: rows since the last merge`);
        assert.equal(f.store.history.accountOps.getCount(), total - sinceMerge, `ledger ${seq}: merged rows`);
        for (let a = 0; a < accounts; a++) checkAccount(f.store, f, a, exp, 0, `ledger ${seq}`);
      }
    } finally {
      await f.dispose();
    }
  });

  it("a cursor taken before a merge pages on exactly after it, both ways", async () => {
    const f = new StoreFixture({accounts: 3});
    const exp = expectedOf(3);
    try {
      // Up to the ledger before a merge: every row of these ledgers is in recentOps.
      while (f.header.seq + 1 < MERGE_EVERY_LEDGERS) await close(f, f.cyclePayments(f.header.seq, 3), exp);
      assert.ok(f.store.history.recentOps.getCount() > 0);
      const account = f.account(0);
      const firstAsc = f.store.ops({limit: 2, order: "asc"}, {account});
      const firstDesc = f.store.ops({limit: 2, order: "desc"}, {account});
      const seq = await close(f, f.cyclePayments(100, 3), exp);
      assert.equal(seq % MERGE_EVERY_LEDGERS, 0);
      assert.equal(f.store.history.recentOps.getCount(), 0, "merged");
      const want = exp.ops.get(0) ?? [];
      const restAsc = allPages((c) => f.store.ops({limit: 2, order: "asc", cursor: c ?? firstAsc[1].id}, {account}), (o) => o.id);
      assert.deepEqual([...firstAsc, ...restAsc].map((o) => o.id), want);
      // Desc from a cursor of the old first page: the new ledger's rows are newer, not listed.
      const restDesc = allPages((c) => f.store.ops({limit: 2, order: "desc", cursor: c ?? firstDesc[1].id}, {account}), (o) => o.id);
      const before = want.filter((id) => BigInt(id) <= BigInt(firstDesc[0].id));
      assert.deepEqual([...firstDesc, ...restDesc].map((o) => o.id), [...before].reverse());
    } finally {
      await f.dispose();
    }
  });

  it("prunes rows in both tables and never moves a row older than the retention into accountOps", async () => {
    const accounts = 4;
    const R = 3;
    const f = new StoreFixture({accounts, historyRetention: R});
    const exp = expectedOf(accounts);
    const next = rng(11);
    try {
      for (let l = 0; l < 2 * MERGE_EVERY_LEDGERS + 2; l++) {
        await close(f, randomPayments(next, accounts, 5), exp);
        await f.store.prunedUpToDate();
        const keepFrom = f.header.seq - R + 1;
        for (const db of [f.store.history.accountOps, f.store.history.recentOps]) {
          for (const {key} of db.getRange()) assert.ok(key.readUInt32BE(32) >= keepFrom, `ledger ${f.header.seq}: a row of ledger ${key.readUInt32BE(32)} left`);
        }
        for (let a = 0; a < accounts; a++) checkAccount(f.store, f, a, exp, keepFrom, `ledger ${f.header.seq}`);
      }
    } finally {
      await f.dispose();
    }
  });

  it("opens a layout-5 folder (every row in accountOps, no recentOps) and keeps its reads exact", async () => {
    const accounts = 4;
    const f = new StoreFixture({accounts});
    const exp = expectedOf(accounts);
    const next = rng(3);
    for (let l = 0; l < 4; l++) await close(f, randomPayments(next, accounts, 5), exp);
    await f.store.close();
    // Rewrite the folder as layout 5 left it: the rows all in accountOps, no recentOps table.
    const {open} = await import("lmdb");
    const root = open({path: f.dir + "/ledger.mdb"});
    const merged = root.openDB<Buffer, Buffer>({name: "accountOps", keyEncoding: "binary", encoding: "binary"});
    const recent = root.openDB<Buffer, Buffer>({name: "recentOps", keyEncoding: "binary", encoding: "binary"});
    const moved = [...recent.getRange()].map(({key, value}) => ({key: Buffer.from(key), value: Buffer.from(value)}));
    assert.ok(moved.length > 0);
    await root.transactionSync(() => {
      for (const {key, value} of moved) void merged.put(key, value);
      void recent.drop();
      void root.openDB({name: "meta"}).put("layout", 5);
    });
    await root.close();
    const store = new LedgerStore({dir: f.dir});
    try {
      assert.equal(store.history.recentOps.getCount(), 0);
      for (let a = 0; a < accounts; a++) checkAccount(store, f, a, exp, 0, "layout 5 reopened");
    } finally {
      await store.close();
    }
    const check = open({path: f.dir + "/ledger.mdb", readOnly: true});
    assert.equal(check.openDB({name: "meta"}).get("layout"), 6);
    await check.close();
    rmSync(f.dir, {recursive: true, force: true});
  });
});
