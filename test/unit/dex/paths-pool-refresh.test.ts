/**
 * After a ledger close the path pool's worker decodes the books the ledger changed (a warm task),
 * so the next query finds them decoded and still answers from the new ledger; a pool asked nothing
 * lately skips it (the next query decodes what it needs).
 */
import {after, before, it} from "node:test";
import assert from "node:assert/strict";
import {rmSync} from "node:fs";
import {assetKey, offerKey, type Asset, type CreditAsset, type EntryKey, type LedgerEntry, type OfferEntry} from "../../../src/ledger/types.js";
import {PathPool} from "../../../src/dex/paths-pool.js";
import type {PathRequest} from "../../../src/dex/paths-finder.js";
import {StoreFixture} from "../store/fixtures.js";

const U = 10_000_000n;
const NATIVE: Asset = {type: "native"};
let f: StoreFixture;
let pool: PathPool;
let usd: CreditAsset;

function offer(amount: bigint, n: number, d: number): OfferEntry {
  return {type: "offer", sellerId: f.account(0), offerId: 1n, selling: usd, buying: NATIVE, amount, price: {n, d}, flags: 0, lastModifiedLedger: 2};
}

async function commit(entries: Array<[EntryKey, LedgerEntry]>): Promise<number> {
  const prev = f.store.latestHeader();
  await f.store.commitLedger({header: {...prev, seq: prev.seq + 1, prevHash: prev.hash}, changes: new Map(entries), txs: [], participants: []}, []);
  return prev.seq + 1;
}

before(async () => {
  f = new StoreFixture({accounts: 1});
  usd = {type: "credit_alphanum4", code: "USD", issuer: f.account(0)};
  await commit([[offerKey(1n), offer(1_000n * U, 3, 1)]]);
  pool = new PathPool({dataDir: f.dir, limits: {maxHops: 4, maxPathsPerAsset: 5, maxWork: 200_000}}, {threads: 1, maxQueue: 8});
  assert.equal(await pool.warmed, 1);
});

after(async () => {
  await pool.close();
  await f.store.close();
  rmSync(f.dir, {recursive: true, force: true});
});

function query(): PathRequest {
  return {kind: "strict_receive", destinationAsset: assetKey(usd), destinationAmount: 10n * U, sourceAssets: ["native"]};
}

it("decodes a changed book after a close, and only that one; the next query answers from the new ledger", async () => {
  // A query marks the pool as in use: closes warm it from now on.
  await pool.find(query());
  const seq = await commit([[offerKey(1n), offer(1_000n * U, 2, 1)]]);
  assert.equal(await pool.ledgerClosed(), 1);
  // Nothing changed since: the next refresh decodes nothing.
  assert.equal(await pool.ledgerClosed(), 0);
  const answer = await pool.find({kind: "strict_receive", destinationAsset: assetKey(usd), destinationAmount: 10n * U, sourceAssets: ["native"]});
  assert.equal(answer.ledger, seq);
  assert.deepEqual(
    answer.paths.map((p) => p.sourceAmount),
    [20n * U],
  );
});

it("a pool asked nothing within its warm window decodes nothing at a close; the next query still answers from the new ledger", async () => {
  const idle = new PathPool({dataDir: f.dir, limits: {maxHops: 4, maxPathsPerAsset: 5, maxWork: 200_000}}, {threads: 1, maxQueue: 8, warmWindowMs: 0});
  try {
    await idle.warmed;
    const seq = await commit([[offerKey(1n), offer(1_000n * U, 4, 1)]]);
    assert.equal(await idle.ledgerClosed(), 0);
    const answer = await idle.find(query());
    assert.equal(answer.ledger, seq);
    assert.deepEqual(
      answer.paths.map((p) => p.sourceAmount),
      [40n * U],
    );
  } finally {
    await idle.close();
  }
});
