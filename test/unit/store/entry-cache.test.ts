import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {EntryCache} from "../../../src/store/entry-cache.js";
import {StoreError, StoreErrorCode} from "../../../src/store/errors.js";
import {newAccountEntry} from "../../../src/ledger/entries.js";
import {accountKey, type AccountEntry} from "../../../src/ledger/types.js";
import {StoreFixture} from "./fixtures.js";

const entry = (i: number): AccountEntry => newAccountEntry(`G${i}`, BigInt(i), 1n, 1);

describe("entry cache", () => {
  it("holds at most its bound, dropping the entries cached longest ago first, and counts what it dropped", () => {
    const c = new EntryCache(4);
    for (let i = 0; i < 4; i++) c.fill(`k${i}`, entry(i));
    c.fill("k3", entry(10)); // a refill of a cached key takes no room
    assert.ok(c.size <= 4);
    assert.equal(c.size + c.evicted, 4, "nothing dropped but counted");
    assert.deepEqual(c.get("k3"), entry(10));
    c.fill("k4", null);
    assert.equal(c.get("k4"), null, "known absent is cached too");
    for (let i = 5; i < 100; i++) {
      c.fill(`k${i}`, entry(i));
      assert.ok(c.size <= 4, `bounded after ${i}`);
      assert.equal(c.size + c.evicted, i + 1, `every distinct key is held or counted as dropped, at ${i}`);
    }
    assert.equal(c.get("k0"), undefined, "the first cached went first");
    assert.deepEqual([98, 99].map((i) => (c.get(`k${i}`) as AccountEntry).balance), [98n, 99n], "the latest half of the bound is always held");
  });

  it("takes committed changes only for keys it holds; 0 turns it off; a bad bound is refused", () => {
    const c = new EntryCache(10);
    c.fill("a", entry(1));
    c.fill("b", entry(2));
    c.replaceCommitted([["a", entry(5)], ["b", null], ["new", entry(7)]]);
    assert.deepEqual(c.get("a"), entry(5));
    assert.equal(c.get("b"), null);
    assert.equal(c.get("new"), undefined);
    assert.equal(c.size, 2);
    const off = new EntryCache(0);
    off.fill("a", entry(1));
    assert.equal(off.size, 0);
    assert.equal(off.get("a"), undefined);
    for (const bad of [-1, 1.5, Number.NaN]) {
      assert.throws(() => new EntryCache(bad), (e: unknown) => e instanceof StoreError && e.code === StoreErrorCode.BAD_OPTION);
    }
  });

  it("in the store: bounded, and every read is the last closed ledger, cached or not, until the next commit is durable", async () => {
    const f = new StoreFixture({accounts: 6, entryCacheEntries: 2});
    const store = f.store;
    try {
      const keys = [0, 1, 2, 3].map((i) => accountKey(f.account(i)));
      const before = keys.map((k) => store.getEntry(k) as AccountEntry);
      assert.ok(store.cache.size <= 2, "four reads, at most two kept");
      assert.equal(store.cache.size + store.cache.evicted, 4);
      // Account 3 is cached (read last), account 0 is not: the ledger pays 0 → 1 and 2 → 3.
      assert.notEqual(store.cache.get(keys[3]), undefined);
      assert.equal(store.cache.get(keys[0]), undefined);
      const {committed} = f.closeLedger([{from: 0, to: 1}, {from: 2, to: 3}]);
      // Handed to LMDB, not yet durable: cached and uncached reads both answer the previous ledger.
      for (let i = 0; i < 4; i++) assert.equal((store.getEntry(keys[i]) as AccountEntry).balance, before[i].balance, `account ${i} during the commit`);
      await committed;
      for (let i = 0; i < 4; i++) {
        const now = store.getEntry(keys[i]) as AccountEntry;
        assert.deepEqual(now, f.entries.get(keys[i]), `account ${i} after the commit`);
        assert.notEqual(now.balance, before[i].balance);
      }
      assert.ok(store.cache.size <= 2);
    } finally {
      await f.dispose();
    }
  });
});
