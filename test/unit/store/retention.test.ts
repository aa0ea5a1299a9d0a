import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {statSync} from "node:fs";
import {join} from "node:path";
import {accountKey, type AccountEntry} from "../../../src/ledger/types.js";
import {StoreFixture} from "./fixtures.js";
import type {PrunedHistory} from "../../../src/store/options.js";

describe("history retention", () => {
  it("prunes transactions, operations and index rows older than the last R ledgers; keeps state and headers", async () => {
    const R = 4;
    const reports: PrunedHistory[] = [];
    const f = new StoreFixture({accounts: 6, historyRetention: R, onPruned: (p) => reports.push(p)});
    try {
      const hashesByLedger = new Map<number, string[]>();
      const envelopesByLedger = new Map<number, string[]>();
      for (let l = 0; l < 10; l++) {
        const {committed, frames, header} = f.closeLedger(f.cyclePayments(l * 3, 3));
        await committed;
        hashesByLedger.set(header.seq, frames.map((fr) => fr.hashHex));
        envelopesByLedger.set(header.seq, frames.map((fr) => fr.envelopeXdr.toString("hex")));
      }
      await f.store.prunedUpToDate();
      const latest = f.store.latestHeader().seq;
      const keepFrom = latest - R + 1;
      assert.equal(f.store.oldestHistoryLedger(), keepFrom);
      // Each chunk told what it removed: together, every tx of the ledgers below keepFrom.
      const prunedLedgers = [...hashesByLedger.keys()].filter((seq) => seq < keepFrom);
      assert.equal(reports.reduce((n, p) => n + p.txs, 0), prunedLedgers.length * 3);
      assert.equal(Math.min(...reports.map((p) => p.fromLedger)), Math.min(...prunedLedgers));
      assert.equal(Math.max(...reports.map((p) => p.toLedger)), Math.max(...prunedLedgers));
      assert.ok(reports.every((p) => p.fromLedger <= p.toLedger && p.toLedger < p.keepFrom));
      for (const [seq, hashes] of hashesByLedger) {
        for (const h of hashes) {
          if (seq < keepFrom) assert.equal(f.store.tx(h), undefined, `tx of ledger ${seq} pruned`);
          else assert.equal(f.store.tx(h)?.ledger, seq, `tx of ledger ${seq} kept`);
        }
        assert.equal(f.store.header(seq)?.seq, seq, "headers stay");
        // A ledger's tx set goes with its history; a kept one reads back from it, byte for byte.
        const set = f.store.txSetAt(seq);
        if (seq < keepFrom) assert.equal(set, undefined, `tx set of ledger ${seq} pruned`);
        else assert.deepEqual(set?.envelopes.map((e) => e.toString("hex")), envelopesByLedger.get(seq), `tx set of ledger ${seq} kept`);
      }
      assert.equal(f.store.txSets.db.getCount(), R);
      assert.equal(f.store.txSets.parts.getCount(), 0, "every set refers to its ledger's history");
      // Nothing of the pruned ledgers is left in any index.
      for (const {key} of f.store.history.accountOps.getRange()) assert.ok(key.readUInt32BE(32) >= keepFrom);
      assert.equal(f.store.history.hashes.getCount(), R * 3);
      assert.equal(f.store.history.txs.getCount(), R * 3);

      // Paging over what is kept: all of it, in order, page by page, both ways.
      const kept = [...hashesByLedger].filter(([seq]) => seq >= keepFrom).flatMap(([, h]) => h);
      const pages: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = f.store.txs({limit: 5, order: "asc", cursor}, {});
        if (page.length === 0) break;
        pages.push(...page.map((t) => t.hash));
        cursor = page[page.length - 1].id;
      }
      assert.deepEqual(pages, kept);
      assert.deepEqual(f.store.ops({limit: 100, order: "desc"}, {}).map((o) => o.txHash), [...kept].reverse());
      const acct = f.store.ops({limit: 100, order: "asc"}, {account: f.account(0), paymentsOnly: true});
      assert.ok(acct.length > 0);
      assert.ok(acct.every((o) => o.ledger >= keepFrom));
      // State is untouched by pruning: account 0 paid and was paid in every cycle.
      const e = f.store.getEntry(accountKey(f.account(0))) as AccountEntry;
      assert.equal(e.balance, (f.entries.get(accountKey(f.account(0))) as AccountEntry).balance);
    } finally {
      await f.dispose();
    }
  });

  it("prunes a ledger larger than one chunk completely", async () => {
    const f = new StoreFixture({accounts: 40, historyRetention: 1});
    try {
      const big = f.closeLedger(f.cyclePayments(0, 620));
      await big.committed;
      await f.closeLedger(f.cyclePayments(620, 2)).committed;
      await f.store.prunedUpToDate();
      assert.equal(f.store.oldestHistoryLedger(), big.header.seq + 1);
      assert.equal(f.store.tx(big.frames[0].hashHex), undefined);
      assert.equal(f.store.tx(big.frames[619].hashHex), undefined);
      assert.equal(f.store.history.txs.getCount(), 2);
      assert.equal(f.store.history.accountOps.getCount(), 4);
    } finally {
      await f.dispose();
    }
  });

  it("the file stops growing under a steady load", async () => {
    const f = new StoreFixture({accounts: 50, historyRetention: 3});
    try {
      // Headers are kept for every ledger, so the file grows by them alone: measured without them.
      const sizes: number[] = [];
      const headerBytes: number[] = [];
      for (let l = 0; l < 36; l++) {
        await f.closeLedger(f.cyclePayments(l * 100, 100)).committed;
        await f.store.prunedUpToDate();
        if (l % 12 === 11) {
          const s = f.store.stats();
          const headers = s.tables.find((t) => t.name === "headers");
          assert.ok(headers);
          sizes.push(statSync(join(f.dir, "ledger.mdb")).size);
          headerBytes.push(headers.bytes);
        }
      }
      // 12 more ledgers of 100 payments are 1,200 more txs (over 600 KB kept without pruning);
      // with pruning the pages the pruned ledgers freed take them.
      const growth = sizes[2] - sizes[1];
      const headerGrowth = headerBytes[2] - headerBytes[1];
      assert.ok(growth <= headerGrowth + 2 * 4096, `file ${sizes.join(" → ")} bytes, headers ${headerBytes.join(" → ")} bytes`);
    } finally {
      await f.dispose();
    }
  });
});
