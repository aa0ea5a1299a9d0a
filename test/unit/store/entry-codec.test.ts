import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {rmSync} from "node:fs";
import {Keypair} from "@stellar/stellar-base";
import {decodeEntry, encodeEntry} from "../../../src/store/entry-codec.js";
import {StoreError, StoreErrorCode} from "../../../src/store/errors.js";
import {newAccountEntry} from "../../../src/ledger/entries.js";
import {accountKey, type AccountEntry, type TrustLineEntry} from "../../../src/ledger/types.js";
import {LedgerStore} from "../../../src/store/ledger-store.js";
import {StoreFixture} from "./fixtures.js";

const id = (i: number): string => Keypair.fromRawEd25519Seed(Buffer.alloc(32, i)).publicKey();

function roundTrip(e: AccountEntry): AccountEntry {
  const key = accountKey(e.accountId);
  // Through msgpack as LMDB stores it would add nothing: the record is a version and a Buffer.
  return decodeEntry(key, encodeEntry(key, e)) as AccountEntry;
}

describe("entries codec", () => {
  it("stores a plain account in version 2, in under 40 bytes, and reads it back equal", () => {
    const a = newAccountEntry(id(1), 10_000_000n, 150_323_855_360n, 35);
    const rec = encodeEntry(accountKey(a.accountId), a);
    assert.equal(rec[0], 2);
    assert.ok(Buffer.isBuffer(rec[1]));
    assert.ok((rec[1] as Buffer).length < 40, `${(rec[1] as Buffer).length} bytes`);
    assert.deepEqual(roundTrip(a), a);
  });

  it("keeps every optional part: signers, inflation destination, home domain, liabilities, CAP-21 fields, sponsoring", () => {
    const a: AccountEntry = {
      ...newAccountEntry(id(2), 2n ** 63n - 1n, 2n ** 62n + 12345n, 7),
      numSubEntries: 4_000_000_000,
      inflationDest: id(3),
      flags: 0xf,
      homeDomain: "día.example.com",
      thresholds: {master: 0, low: 1, med: 2, high: 255},
      signers: [
        {key: id(4), weight: 1},
        {key: "XBU2RRGLXH3E5CQHTD3ODLDF2BWDCYUSSBLLZ5GSIVFVGDEU47ZR4ODE", weight: 255},
      ],
      buyingLiabilities: 123n,
      sellingLiabilities: 2n ** 63n - 2n,
      seqLedger: 4_294_967_295,
      seqTime: 2n ** 64n - 1n,
      numSponsoring: 0,
    };
    const back = roundTrip(a);
    assert.deepEqual(back, a);
    assert.equal(back.numSponsoring, 0, "a present 0 stays present");
    const noSponsoring = {...a};
    delete noSponsoring.numSponsoring;
    assert.equal("numSponsoring" in roundTrip(noSponsoring), false, "an absent field stays absent");
    assert.equal(typeof back.seqTime, "bigint");
    assert.equal(typeof back.balance, "bigint");
  });

  it("keeps version 1 for what version 2 can not hold exactly, and for other entry types", () => {
    const a = newAccountEntry(id(5), 1n, 1n, 1);
    const extra = {...a, futureField: 1} as AccountEntry;
    assert.equal(encodeEntry(accountKey(a.accountId), extra)[0], 1);
    assert.equal(encodeEntry(accountKey(a.accountId), {...a, balance: 2n ** 63n})[0], 1, "out of int64");
    assert.equal(encodeEntry("a:other", a)[0], 1, "key and id disagree");
    const line: TrustLineEntry = {
      type: "trustline",
      accountId: id(5),
      asset: {type: "credit_alphanum4", code: "USD", issuer: id(6)},
      balance: 5n,
      limit: 10n,
      flags: 1,
      buyingLiabilities: 0n,
      sellingLiabilities: 0n,
      lastModifiedLedger: 3,
    };
    const rec = encodeEntry("t:x", line);
    assert.deepEqual(rec, [1, line]);
    assert.deepEqual(decodeEntry("t:x", rec), line);
    assert.deepEqual(decodeEntry(accountKey(a.accountId), [1, a]), a, "version 1 records, as older builds wrote them, still read");
  });

  it("refuses damaged version 2 bytes with a clear error", () => {
    const a = newAccountEntry(id(7), 1n, 1n, 1);
    const key = accountKey(a.accountId);
    const bytes = encodeEntry(key, {...a, homeDomain: "x.org"})[1] as Buffer;
    const corruptAt = (k: string) => (e: unknown): boolean => e instanceof StoreError && e.code === StoreErrorCode.CORRUPT_RECORD && e.message.includes(k);
    const isCorrupt = corruptAt(key);
    assert.throws(() => decodeEntry(key, [2, bytes.subarray(0, bytes.length - 1)]), isCorrupt);
    assert.throws(() => decodeEntry(key, [2, Buffer.concat([bytes, Buffer.from([0])])]), isCorrupt);
    assert.throws(() => decodeEntry(key, [2, bytes.subarray(0, 10)]), isCorrupt);
    assert.throws(() => decodeEntry(key, [2, "not bytes"]), isCorrupt);
    assert.throws(() => decodeEntry("t:x", [2, bytes]), corruptAt("t:x"));
  });

  it("a store whose accounts were written as version 1 reads them and rewrites them as version 2 when they change", async () => {
    const f = new StoreFixture({accounts: 3});
    try {
      // As a build before version 2 wrote them.
      for (const [key, e] of f.entries) f.store.entries.db.putSync(key, [1, e]);
      const dir = f.dir;
      await f.store.close();
      const store = new LedgerStore({dir});
      try {
        for (const [key, e] of f.entries) assert.deepEqual(store.getEntry(key), e);
        const key = accountKey(f.account(0));
        assert.equal((store.entries.db.get(key) as unknown[])[0], 1);
        const changed = {...(f.entries.get(key) as AccountEntry), balance: 77n, lastModifiedLedger: 2};
        const prev = store.latestHeader();
        await store.commitLedger({header: {...prev, seq: prev.seq + 1}, changes: new Map([[key, changed]]), txs: [], participants: []}, []);
        assert.equal((store.entries.db.get(key) as unknown[])[0], 2);
        assert.deepEqual(store.entries.get(key), changed);
        assert.deepEqual(store.account(f.account(0)), changed);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(f.dir, {recursive: true, force: true});
    }
  });
});
