/**
 * The dedicated path listener brings its book to a new ledger when told one closed, between
 * requests: a query after the close then decodes no book (its Server-Timing says so) and still
 * answers from the new ledger. Without the notice the first query after a change pays for it.
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {request} from "node:http";
import {Keypair} from "@stellar/stellar-sdk";
import {initNetwork} from "../../src/node/node.js";
import {LedgerStore} from "../../src/store/ledger-store.js";
import {offerKey, type Asset, type CreditAsset, type EntryKey, type LedgerEntry, type OfferEntry} from "../../src/ledger/types.js";
import {PathListener} from "../../src/dex/paths-listener.js";
import {parseServerTiming} from "../../src/dex/paths-timing.js";
import {tempDir} from "../helpers/node.js";

const anchor = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 41));
const maker = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 42));
const USD: CreditAsset = {type: "credit_alphanum4", code: "USD", issuer: anchor.publicKey()};
const NATIVE: Asset = {type: "native"};
const U = 10_000_000n;

function offer(offerId: bigint, amount: bigint, n: number, d: number): OfferEntry {
  return {type: "offer", sellerId: maker.publicKey(), offerId, selling: USD, buying: NATIVE, amount, price: {n, d}, flags: 0, lastModifiedLedger: 2};
}

interface Answer {
  ledger: number;
  decodeBooks: number;
  timing: Map<string, number>;
  sourceAmounts: string[];
}

function get(base: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(base + path, {timeout: 30_000}, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        try {
          assert.equal(res.statusCode, 200, Buffer.concat(chunks).toString());
          const header = String(res.headers["server-timing"] ?? "");
          const books = /decode;dur=[0-9.]+;desc="(\d+) books"/.exec(header);
          assert.ok(books !== null, `Server-Timing: ${header}`);
          const body = JSON.parse(Buffer.concat(chunks).toString()) as {_embedded: {records: Array<{source_amount: string}>}};
          resolve({
            ledger: Number(res.headers["latest-ledger"]),
            decodeBooks: Number(books[1]),
            timing: parseServerTiming(header),
            sourceAmounts: body._embedded.records.map((r) => r.source_amount),
          });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`no answer from ${base}${path}`)));
    req.end();
  });
}

describe("path listener book refresh", () => {
  let store: LedgerStore;
  let listener: PathListener;
  let base: string;
  const query = `/paths/strict-receive?destination_asset_type=credit_alphanum4&destination_asset_code=USD&destination_asset_issuer=${anchor.publicKey()}&destination_amount=10&source_assets=native`;

  async function commit(entries: Array<[EntryKey, LedgerEntry]>): Promise<number> {
    const prev = store.latestHeader();
    await store.commitLedger({header: {...prev, seq: prev.seq + 1, prevHash: prev.hash}, changes: new Map(entries), txs: [], participants: []}, []);
    return prev.seq + 1;
  }

  before(async () => {
    const dataDir = tempDir();
    initNetwork(dataDir);
    store = new LedgerStore({dir: dataDir});
    await commit([[offerKey(1n), offer(1n, 1_000n * U, 3, 1)]]);
    listener = await PathListener.start({dataDir, limits: {maxHops: 4, maxPathsPerAsset: 5, maxWork: 200_000}, host: "127.0.0.1", port: 0});
    base = `http://127.0.0.1:${listener.port}`;
  });

  after(async () => {
    await listener?.close();
    await store?.close();
  });

  it("reports its parts in Server-Timing and decodes nothing once warm", async () => {
    const a = await get(base, query);
    assert.deepEqual(a.sourceAmounts, ["30.0000000"]);
    assert.equal(a.decodeBooks, 0);
    for (const name of ["sync", "decode", "search", "total"]) assert.ok((a.timing.get(name) ?? -1) >= 0, name);
    assert.ok((a.timing.get("total") ?? 0) >= (a.timing.get("search") ?? Infinity));
  });

  it("without a notice, the first query after a change decodes the changed book", async () => {
    const seq = await commit([[offerKey(1n), offer(1n, 1_000n * U, 2, 1)]]);
    const a = await get(base, query);
    assert.equal(a.ledger, seq);
    assert.deepEqual(a.sourceAmounts, ["20.0000000"]);
    assert.equal(a.decodeBooks, 1);
  });

  it("after ledgerClosed the book is refreshed before the next query, which decodes nothing", async () => {
    const seq = await commit([[offerKey(1n), offer(1n, 1_000n * U, 5, 4)]]);
    listener.ledgerClosed();
    for (let i = 0; i < 600 && listener.lastRefresh?.ledger !== seq; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(listener.lastRefresh?.ledger, seq);
    assert.equal(listener.lastRefresh?.books, 1);
    const a = await get(base, query);
    assert.equal(a.ledger, seq);
    assert.deepEqual(a.sourceAmounts, ["12.5000000"]);
    assert.equal(a.decodeBooks, 0);
  });
});
