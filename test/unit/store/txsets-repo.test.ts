/**
 * Tx sets are stored in page-sized parts (no LMDB overflow pages, whose contiguous runs the write
 * thread has to hunt for in a fragmented free list), read back byte for byte, and records of
 * the earlier single-record layout stay readable. A set whose envelopes are the ledger's history
 * (the txs the same batch writes, in order) is stored as a reference to them, read back from the
 * history, and absent once that history is pruned; pruning deletes sets and their parts.
 */
import {describe, it, after} from "node:test";
import assert from "node:assert/strict";
import {randomBytes} from "node:crypto";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {open} from "lmdb";
import {TxSetsRepo, PART_BYTES} from "../../../src/store/txsets-repo.js";
import {appendPut} from "../../../src/store/codec.js";
import {StoreError, StoreErrorCode} from "../../../src/store/errors.js";

const dir = mkdtempSync(join(tmpdir(), "diamante-txsets-"));
after(() => rmSync(dir, {recursive: true, force: true}));

interface TreeStat {
  overflowPages: number;
  entryCount: number;
}

describe("tx sets repository", () => {
  const root = open({path: join(dir, "ledger.mdb"), maxDbs: 32});
  /** The ledger history the repository refers to: [ledger, txIndex] → envelope. */
  const history = new Map<string, Buffer>();
  const repo = new TxSetsRepo(root, (ledger, txIndex) => history.get(`${ledger}/${txIndex}`));
  after(() => root.close());

  it("stores a ledger's envelopes in parts that fit a page and reads them back in order", async () => {
    // 400 envelopes of 150-400 bytes (~110 KB, the size of a busy ledger's set) and one 9,000-byte one.
    const envelopes = Array.from({length: 400}, (_, i) => randomBytes(150 + ((i * 37) % 250)));
    envelopes.splice(200, 0, randomBytes(9000));
    await root.batch(() => repo.write({seq: 7, closeTime: 1_700_000_000, baseFeeCharged: 9_223_372_036_854_775_807n, envelopes}));
    const back = repo.get(7);
    assert.ok(back);
    assert.equal(back.seq, 7);
    assert.equal(back.closeTime, 1_700_000_000);
    assert.equal(back.baseFeeCharged, 9_223_372_036_854_775_807n);
    assert.equal(back.envelopes.length, envelopes.length);
    back.envelopes.forEach((e, i) => assert.ok(e.equals(envelopes[i]!), `envelope ${i}`));
    const sets = repo.db.getStats() as TreeStat;
    const parts = repo.parts.getStats() as TreeStat;
    assert.equal(sets.overflowPages, 0, "the tx set record holds no envelope");
    assert.equal(parts.overflowPages, 0, "every part fits in a page");
    const streamBytes = envelopes.reduce((n, e) => n + 4 + e.length, 0);
    assert.equal(parts.entryCount, Math.ceil(streamBytes / PART_BYTES));
  });

  it("stores an empty tx set with no parts", async () => {
    const before = (repo.parts.getStats() as TreeStat).entryCount;
    await root.batch(() => repo.write({seq: 8, closeTime: 1_700_000_005, baseFeeCharged: 100n, envelopes: []}));
    assert.deepEqual(repo.get(8)?.envelopes, []);
    assert.equal((repo.parts.getStats() as TreeStat).entryCount, before);
    assert.equal(repo.get(9), undefined);
  });

  it("reads a record of the single-record layout (version 1) written by earlier builds", async () => {
    const envelopes = [randomBytes(200), randomBytes(300)];
    await root.batch(() => appendPut(repo.db, 10, [1, 1_700_000_010, 100n, envelopes]));
    const back = repo.get(10);
    assert.ok(back);
    assert.equal(back.closeTime, 1_700_000_010);
    assert.deepEqual(back.envelopes, envelopes);
  });

  it("refuses a record whose parts are missing with a clear error", async () => {
    await root.batch(() => appendPut(repo.db, 11, [2, 1_700_000_020, 100n, 3]));
    assert.throws(
      () => repo.get(11),
      (e: unknown) => e instanceof StoreError && e.code === StoreErrorCode.CORRUPT_RECORD && /part 0 of 3 is missing/.test(e.message),
    );
  });

  it("refers to the ledger's history when it holds the set's envelopes in order: no copy, read back from the history, absent once pruned", async () => {
    const envelopes = Array.from({length: 30}, (_, i) => randomBytes(180 + i));
    const txs = envelopes.map((e, i) => ({index: i + 1, envelope: Buffer.from(e)}));
    for (const t of txs) history.set(`20/${t.index}`, t.envelope);
    const partsBefore = (repo.parts.getStats() as TreeStat).entryCount;
    await root.batch(() => repo.write({seq: 20, closeTime: 1_700_000_100, baseFeeCharged: 100n, envelopes}, txs));
    assert.equal((repo.parts.getStats() as TreeStat).entryCount, partsBefore, "no part written");
    assert.deepEqual(repo.db.get(20), [3, 1_700_000_100, 100n, 30]);
    const back = repo.get(20);
    assert.ok(back);
    back.envelopes.forEach((e, i) => assert.ok(e.equals(envelopes[i]!), `envelope ${i}`));
    history.delete("20/17");
    assert.equal(repo.get(20), undefined, "a set whose history is gone reads as absent");
  });

  it("keeps its own copy when the history differs from the set (order, count or bytes)", async () => {
    const envelopes = [randomBytes(200), randomBytes(210)];
    const swapped = [
      {index: 1, envelope: envelopes[1]!},
      {index: 2, envelope: envelopes[0]!},
    ];
    const partsBefore = (repo.parts.getStats() as TreeStat).entryCount;
    await root.batch(() => repo.write({seq: 21, closeTime: 1_700_000_101, baseFeeCharged: 100n, envelopes}, swapped));
    await root.batch(() => repo.write({seq: 22, closeTime: 1_700_000_102, baseFeeCharged: 100n, envelopes}, swapped.slice(0, 1)));
    assert.equal((repo.db.get(21) as unknown[])[0], 2);
    assert.equal((repo.db.get(22) as unknown[])[0], 2);
    assert.equal((repo.parts.getStats() as TreeStat).entryCount, partsBefore + 2);
    assert.deepEqual(repo.get(21)?.envelopes, envelopes);
  });

  it("prunes the sets of ledgers before a ledger, with their parts, and reports the oldest kept", async () => {
    assert.equal(repo.oldestLedger(), 7);
    let removed = 0;
    await root.batch(() => {
      removed = repo.prune(21, 1_000);
    });
    // Ledgers 7, 8, 10, 11 and 20; 7's parts and 11's (absent) ones.
    assert.equal(removed, 5);
    assert.equal(repo.oldestLedger(), 21);
    assert.equal(repo.get(7), undefined);
    const left = [...repo.parts.getKeys()].map((k) => (k as Buffer).readUInt32BE(0));
    assert.deepEqual([...new Set(left)], [21, 22]);
  });
});
