import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {rmSync} from "node:fs";
import {accountKey, type AccountEntry} from "../../../src/ledger/types.js";
import {StoreError, StoreErrorCode} from "../../../src/store/errors.js";
import {LedgerStore} from "../../../src/store/ledger-store.js";
import {toidString} from "../../../src/store/toid.js";
import {metaXdrOf} from "../../../src/store/records.js";
import {deflateRawSync} from "node:zlib";
import {StoreFixture} from "./fixtures.js";
import {Asset, Keypair, Operation} from "@stellar/stellar-base";
import {TestLedger} from "../tx/harness.js";
import {encodeMeta, encodeMetaBytes} from "../../../src/store/meta-codec.js";
import {feeMetaXdr, transactionMetaXdr} from "../../../src/ledger/meta.js";

describe("LedgerStore records", () => {
  it("keeps envelope and result as XDR bytes, derives the rest from the envelope on read", async () => {
    const f = new StoreFixture({accounts: 4});
    try {
      const {committed, frames, header} = f.closeLedger([{from: 0, to: 1}, {from: 2, to: 3}, {from: 1, to: 2, failed: true}]);
      await committed;
      const raw = f.store.history.txs.get([header.seq, 2]) as unknown[];
      assert.ok(Array.isArray(raw), "tx record is a versioned array");
      assert.equal(raw[0], 4, "codec version");
      assert.ok(raw.some((v) => Buffer.isBuffer(v) && v.equals(frames[1].envelopeXdr)), "envelope stored as bytes");
      assert.ok(!raw.some((v) => typeof v === "string" && v.length > 40), "no base64 strings stored");

      const tx = f.store.tx(frames[1].hashHex);
      assert.ok(tx);
      assert.equal(tx.hash, frames[1].hashHex);
      assert.equal(tx.ledger, header.seq);
      assert.equal(tx.index, 2);
      assert.equal(tx.id, toidString(header.seq, 2, 0));
      assert.equal(tx.sourceAccount, f.account(2));
      assert.equal(tx.envelopeXdr, frames[1].envelopeXdr.toString("base64"));
      assert.equal(tx.operations.length, 1);
      const op = tx.operations[0];
      assert.equal(op.type, "payment");
      assert.equal(op.type === "payment" && op.destination, f.account(3));
      assert.equal(tx.feeCharged, 100n);
      assert.equal(tx.closedAt, header.closeTime);
      // This fixture's ledgers carry no meta, and none is made up.
      assert.equal(tx.meta, undefined);
      assert.deepEqual(tx.resultCodes, {transaction: "tx_success", operations: ["op_success"]});
      assert.equal(raw[4], null, "plain success codes are not stored");
      const failed = f.store.tx(frames[2].hashHex);
      assert.equal(failed?.successful, false);
      assert.deepEqual(failed?.resultCodes, {transaction: "tx_failed", operations: ["op_underfunded"]});
      assert.equal(f.store.tx("00".repeat(32)), undefined);
      assert.equal(f.store.tx("not a hash"), undefined);
    } finally {
      await f.dispose();
    }
  });

  it("pages transactions and operations by cursor, overall and per account", async () => {
    const f = new StoreFixture({accounts: 5});
    try {
      for (let l = 0; l < 3; l++) await f.closeLedger(f.cyclePayments(l * 4, 4)).committed;
      const all = f.store.txs({limit: 100, order: "asc"}, {});
      assert.equal(all.length, 12);
      const page1 = f.store.txs({limit: 5, order: "asc"}, {});
      const page2 = f.store.txs({limit: 5, order: "asc", cursor: page1[4].id}, {});
      assert.deepEqual([...page1, ...page2].map((t) => t.hash), all.slice(0, 10).map((t) => t.hash));
      const desc = f.store.txs({limit: 3, order: "desc", cursor: all[5].id}, {});
      assert.deepEqual(desc.map((t) => t.hash), [all[4], all[3], all[2]].map((t) => t.hash));
      // Account 0 pays in payments 0, 5, 10 and is paid in 4, 9.
      const mine = f.store.txs({limit: 100, order: "asc"}, {account: f.account(0)});
      assert.deepEqual(mine.map((t) => t.hash), [0, 4, 5, 9, 10].map((i) => all[i].hash));
      const ops = f.store.ops({limit: 2, order: "desc"}, {account: f.account(0), paymentsOnly: true});
      assert.deepEqual(ops.map((o) => o.txHash), [all[10].hash, all[9].hash]);
      const next = f.store.ops({limit: 10, order: "desc", cursor: ops[1].id}, {account: f.account(0)});
      assert.deepEqual(next.map((o) => o.txHash), [5, 4, 0].map((i) => all[i].hash));
      const inLedger = f.store.ops({limit: 10, order: "asc"}, {ledger: all[4].ledger});
      assert.deepEqual(inLedger.map((o) => o.txHash), all.slice(4, 8).map((t) => t.hash));
      const afterOp = f.store.ops({limit: 2, order: "asc", cursor: toidString(all[4].ledger, all[4].index, 1)}, {});
      assert.deepEqual(afterOp.map((o) => o.txHash), [all[5].hash, all[6].hash]);
      assert.equal(f.store.op(toidString(all[7].ledger, all[7].index, 1))?.txHash, all[7].hash);
    } finally {
      await f.dispose();
    }
  });

  it("still reads version 2 records, whose meta is deflated XDR, and serves that XDR as is", async () => {
    const f = new StoreFixture({accounts: 2});
    try {
      const {committed, frames, header, applied} = f.closeLedger([{from: 0, to: 1}]);
      await committed;
      const key: [number, number] = [header.seq, 1];
      const v3 = f.store.history.txs.get(key) as unknown[];
      const resultMeta = Buffer.from("result meta bytes");
      const feeMeta = Buffer.from("fee meta");
      const len = Buffer.alloc(4);
      len.writeUInt32BE(resultMeta.length);
      // Version 2: the fee as an int64, the result as bytes, the meta deflated.
      const result = Buffer.from(applied[0]!.resultXdr);
      await f.store.history.txs.put(key, [2, v3[1], 100n, true, null, v3[5], result, deflateRawSync(Buffer.concat([len, resultMeta, feeMeta]))]);
      const tx = f.store.tx(frames[0].hashHex);
      assert.ok(tx);
      assert.equal(tx.feeCharged, 100n);
      assert.equal(tx.resultXdr, result.toString("base64"));
      assert.deepEqual(metaXdrOf(tx), {result: resultMeta.toString("base64"), fee: feeMeta.toString("base64")});
      assert.equal(tx.envelopeXdr, frames[0].envelopeXdr.toString("base64"));
    } finally {
      await f.dispose();
    }
  });

  it("still reads version 3 records, whose meta is nested arrays, and builds the same XDR as from version 4", async () => {
    const l = new TestLedger();
    const [alice, bob] = [Keypair.random(), Keypair.random()];
    l.fund([alice, bob]);
    const meta = l.close([l.build(alice, [Operation.payment({destination: bob.publicKey(), asset: Asset.native(), amount: "2"})])]).applied[0]!.meta!;
    const f = new StoreFixture({accounts: 2});
    try {
      const {committed, frames, header} = f.closeLedger([{from: 0, to: 1}]);
      await committed;
      const key: [number, number] = [header.seq, 1];
      const v4 = f.store.history.txs.get(key) as unknown[];
      const expected = {result: transactionMetaXdr(meta, header.seq).toString("base64"), fee: feeMetaXdr(meta, header.seq).toString("base64")};
      await f.store.history.txs.put(key, [3, ...v4.slice(1, 7), encodeMeta(meta)]);
      const fromV3 = f.store.tx(frames[0].hashHex);
      assert.ok(fromV3);
      assert.deepEqual(metaXdrOf(fromV3), expected);
      await f.store.history.txs.put(key, [4, ...v4.slice(1, 7), encodeMetaBytes(meta)]);
      const fromV4 = f.store.tx(frames[0].hashHex);
      assert.ok(fromV4);
      assert.deepEqual(metaXdrOf(fromV4), expected);
    } finally {
      await f.dispose();
    }
  });

  it("refuses a record of an unknown codec version with a clear error", async () => {
    const f = new StoreFixture({accounts: 2});
    try {
      f.store.entries.db.putSync(accountKey(f.account(0)), [99, {type: "account"}]);
      assert.throws(
        () => f.store.entries.get(accountKey(f.account(0))),
        (e: unknown) => e instanceof StoreError && e.code === StoreErrorCode.UNKNOWN_RECORD_VERSION && /version 99/.test(e.message),
      );
    } finally {
      await f.dispose();
    }
  });

  it("refuses a folder written with the previous layout, without touching it", async () => {
    const f = new StoreFixture({accounts: 2});
    const meta = f.store.networkMeta();
    await f.store.close();
    const {open} = await import("lmdb");
    const root = open({path: f.dir + "/ledger.mdb"});
    root.openDB({name: "meta"}).removeSync("layout");
    await root.close();
    try {
      assert.throws(
        () => new LedgerStore({dir: f.dir}),
        (e: unknown) => e instanceof StoreError && e.code === StoreErrorCode.LAYOUT_MISMATCH && /layout 1; this build reads layout 5/.test(e.message),
      );
      const again = open({path: f.dir + "/ledger.mdb"});
      assert.deepEqual(again.openDB({name: "meta"}).get("network"), meta);
      assert.equal(again.openDB({name: "meta"}).get("layout"), undefined);
      await again.close();
    } finally {
      rmSync(f.dir, {recursive: true, force: true});
    }
  });

  it("opens a layout 3 folder by moving its account index to binary keys", async () => {
    const f = new StoreFixture({accounts: 5});
    for (let l = 0; l < 2; l++) await f.closeLedger(f.cyclePayments(l * 4, 4)).committed;
    const before = f.store.txs({limit: 100, order: "asc"}, {account: f.account(0)}).map((t) => t.hash);
    const ops = f.store.ops({limit: 100, order: "desc"}, {account: f.account(1), paymentsOnly: true}).map((o) => o.id);
    assert.ok(before.length > 0 && ops.length > 0);
    await f.store.close();
    // Rewrite the folder as layout 3 wrote it: [G…, ledger, txIndex, opIndex] → 1|0 under "accounts".
    const {open} = await import("lmdb");
    const root = open({path: f.dir + "/ledger.mdb"});
    const now = root.openDB<Buffer, Buffer>({name: "accountOps", keyEncoding: "binary", encoding: "binary"});
    const old = root.openDB<number, [string, number, number, number]>({name: "accounts"});
    const rows = [...now.getRange()].map(({key, value}) => ({key: Buffer.from(key), payment: value[0]}));
    const {accountIdFromRaw} = await import("../../../src/tx/keys.js");
    root.transactionSync(() => {
      for (const {key, payment} of rows) {
        const txop = key.readUInt32BE(36);
        void old.put([accountIdFromRaw(key.subarray(0, 32)), key.readUInt32BE(32), Math.floor(txop / 4096), txop % 4096], payment);
        void now.remove(key);
      }
      void root.openDB({name: "meta"}).put("layout", 3);
    });
    await root.close();
    const store = new LedgerStore({dir: f.dir});
    try {
      assert.deepEqual(store.txs({limit: 100, order: "asc"}, {account: f.account(0)}).map((t) => t.hash), before);
      assert.deepEqual(store.ops({limit: 100, order: "desc"}, {account: f.account(1), paymentsOnly: true}).map((o) => o.id), ops);
      assert.equal(store.history.accountOps.getCount(), rows.length);
    } finally {
      await store.close();
    }
    const again = open({path: f.dir + "/ledger.mdb", readOnly: true});
    try {
      assert.equal(again.openDB({name: "meta"}).get("layout"), 5);
      // A read-only open of a table that is not there gives nothing.
      assert.equal(again.openDB({name: "accounts"}) as unknown, undefined, "old table dropped");
    } finally {
      await again.close();
      rmSync(f.dir, {recursive: true, force: true});
    }
  });

  it("refuses a negative or fractional history retention", () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      assert.throws(
        () => new LedgerStore({dir: "/nonexistent/never-created", historyRetention: bad}),
        (e: unknown) => e instanceof StoreError && e.code === StoreErrorCode.BAD_OPTION,
      );
    }
  });
});

describe("LedgerStore reads during a commit", () => {
  it("every read path sees exactly the last closed ledger until the next commit resolves", async () => {
    const ATTEMPTS = 8;
    const PER = 30;
    const f = new StoreFixture({accounts: 10 + ATTEMPTS * PER});
    try {
      await f.closeLedger(f.cyclePayments(0, 3)).committed;
      let sawNextInLmdb = 0;
      // The window between LMDB's commit and the flush is short; a loaded box can miss it in one
      // ledger, so ledgers are closed until reads have run inside it (every read is checked).
      for (let attempt = 0; attempt < ATTEMPTS && sawNextInLmdb === 0; attempt++) {
        const lcl = f.store.latestHeader();
        const before = {
          txs: f.store.txs({limit: 200, order: "desc"}, {}).map((t) => t.hash),
          ops: f.store.ops({limit: 200, order: "desc"}, {account: f.account(4)}).map((o) => o.id),
          headers: f.store.headers({limit: 100, order: "desc"}).map((h) => h.seq),
        };
        // These accounts are paid in the next ledger and never read before: each read of one
        // misses the cache and goes to LMDB.
        const fresh = Array.from({length: PER}, (_, i) => 10 + attempt * PER + i);
        const next = f.closeLedger([{from: 3, to: 4}, ...fresh.map((to) => ({from: 4, to}))]);
        const newTxKey: [number, number] = [next.header.seq, 1];
        let resolved = false;
        void next.committed.then(() => (resolved = true));
        while (!resolved) {
          const inLmdb = f.store.history.txs.get(newTxKey) !== undefined;
          assert.equal(f.store.latestHeader().seq, lcl.seq);
          assert.equal(f.store.header(next.header.seq), undefined);
          assert.deepEqual(f.store.headers({limit: 100, order: "desc"}).map((h) => h.seq), before.headers);
          assert.equal(f.store.tx(next.frames[0].hashHex), undefined);
          assert.deepEqual(f.store.txs({limit: 200, order: "desc"}, {}).map((t) => t.hash), before.txs);
          assert.deepEqual(f.store.ops({limit: 200, order: "desc"}, {account: f.account(4)}).map((o) => o.id), before.ops);
          assert.equal(f.store.op(toidString(next.header.seq, 1, 1)), undefined);
          if (inLmdb && fresh.length > 0) {
            const acc = f.store.account(f.account(fresh.shift() as number)) as AccountEntry;
            assert.equal(acc.balance, 1_000_000_000n, "an account as of the last closed ledger");
            sawNextInLmdb++;
          }
          await new Promise((r) => setImmediate(r));
        }
        assert.equal(f.store.latestHeader().seq, next.header.seq);
        assert.equal(f.store.tx(next.frames[0].hashHex)?.ledger, next.header.seq);
        const last = 10 + attempt * PER + PER - 1;
        assert.equal((f.store.account(f.account(last)) as AccountEntry).balance, 1_000_000_000n + 10_000_000n);
      }
      assert.ok(sawNextInLmdb > 0, "some cache misses ran while LMDB already held the next ledger");
    } finally {
      await f.dispose();
    }
  });
});
