/**
 * /order_book, /trades (and per account and offer) and /trade_aggregations answered by the path
 * worker pool over its own read snapshot, against the same routes answered in-thread over the
 * node's reader: the answers are identical, and with a pool the main thread's reader is never
 * asked for a book or a trade.
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {ApiServer} from "../../../src/api/server.js";
import type {ApiModules} from "../../../src/api/interface.js";
import type {BookAnswers, BookQuery} from "../../../src/api/queries/book-queries.js";
import {PathPool} from "../../../src/dex/paths-pool.js";
import type {PathFinder} from "../../../src/dex/paths-finder.js";
import type {LedgerReader} from "../../../src/store/types.js";
import {buildTx, Keypair, SdkAsset, SdkOperation, StoreLedger, readOnlyModules} from "./store-ledger.js";

const anchor = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 91));
const maker = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 92));
const taker = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 93));
const USD = new SdkAsset("USD", anchor.publicKey());
const DIAM = SdkAsset.native();
const LIMITS = {maxHops: 4, maxPathsPerAsset: 5, maxWork: 200_000};

/** The node's reader with the book and trade reads refused: what the main thread must not run. */
function readerWithoutBookReads(reader: LedgerReader): LedgerReader {
  return new Proxy(reader, {
    get(target, prop, receiver) {
      if (prop === "bookOffers" || prop === "trades") {
        return () => {
          throw new Error(`${String(prop)} read on the main thread`);
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe("order-book and trade queries in the path worker pool", () => {
  const ledger = StoreLedger.create();
  let pool: PathPool;
  const kinds: string[] = [];
  let inThread: ApiServer;
  let pooled: ApiServer;
  let inThreadBase = "";
  let pooledBase = "";

  before(async () => {
    const close = async (...txs: Parameters<typeof ledger.close>[0]) => {
      const r = await ledger.close(txs);
      for (const a of r.applied) assert.equal(a.successful, true, JSON.stringify(a.resultCodes));
    };
    await close(
      buildTx(ledger.root, ledger.source(ledger.root), [
        SdkOperation.createAccount({destination: anchor.publicKey(), startingBalance: "1000"}),
        SdkOperation.createAccount({destination: maker.publicKey(), startingBalance: "1000"}),
        SdkOperation.createAccount({destination: taker.publicKey(), startingBalance: "1000"}),
      ]),
    );
    await close(
      buildTx(maker, ledger.source(maker), [SdkOperation.changeTrust({asset: USD})]),
      buildTx(taker, ledger.source(taker), [SdkOperation.changeTrust({asset: USD})]),
    );
    await close(buildTx(anchor, ledger.source(anchor), [SdkOperation.payment({destination: taker.publicKey(), asset: USD, amount: "100"})]));
    await close(
      buildTx(maker, ledger.source(maker), [
        SdkOperation.manageSellOffer({selling: DIAM, buying: USD, amount: "30", price: {n: 1, d: 3}}),
        SdkOperation.manageSellOffer({selling: DIAM, buying: USD, amount: "50", price: {n: 2, d: 5}}),
        SdkOperation.manageSellOffer({selling: DIAM, buying: USD, amount: "20", price: {n: 1, d: 2}}),
      ]),
    );
    // Two crossings in two ledgers 5 s apart (one 1-minute bucket): the first takes the 1/3 offer
    // whole and 5 DIAM of the 2/5 one, the second 12.5 DIAM more of the 2/5 one.
    await close(buildTx(taker, ledger.source(taker), [SdkOperation.manageSellOffer({selling: USD, buying: DIAM, amount: "12", price: "2"})]));
    await close(buildTx(taker, ledger.source(taker), [SdkOperation.manageSellOffer({selling: USD, buying: DIAM, amount: "5", price: "2"})]));

    pool = new PathPool({dataDir: ledger.dir, limits: LIMITS}, {threads: 1, maxQueue: 16});
    const counting: PathFinder = {
      find: (r) => pool.find(r),
      bookQuery<Q extends BookQuery>(q: Q): Promise<BookAnswers[Q["kind"]]> {
        kinds.push(q.kind);
        return pool.bookQuery(q);
      },
      close: () => pool.close(),
    };
    inThread = new ApiServer({host: "127.0.0.1", port: 0}, readOnlyModules(ledger));
    const modules: ApiModules = {...readOnlyModules(ledger), reader: readerWithoutBookReads(ledger.store), paths: counting};
    pooled = new ApiServer({host: "127.0.0.1", port: 0}, modules);
    inThreadBase = `http://127.0.0.1:${await inThread.start()}`;
    pooledBase = `http://127.0.0.1:${await pooled.start()}`;
  });

  after(async () => {
    await inThread.stop();
    await pooled.stop();
    await pool.close();
    await ledger.dispose();
  });

  async function both(path: string): Promise<{status: number; body: unknown}> {
    const a = await fetch(inThreadBase + path);
    const b = await fetch(pooledBase + path);
    const textA = (await a.text()).replaceAll(inThreadBase, "BASE");
    const textB = (await b.text()).replaceAll(pooledBase, "BASE");
    assert.equal(b.status, a.status, path);
    assert.deepEqual(JSON.parse(textB), JSON.parse(textA), path);
    return {status: a.status, body: JSON.parse(textA)};
  }

  const usd = `asset_type=credit_alphanum4&asset_code=USD&asset_issuer=${anchor.publicKey()}`;

  it("answers /order_book from the pool exactly as in-thread", async () => {
    const before = kinds.length;
    const r = await both(`/order_book?selling_asset_type=native&buying_${usd.replaceAll("&asset", "&buying_asset")}&limit=5`);
    assert.equal(r.status, 200);
    const book = r.body as {bids: unknown[]; asks: unknown[]};
    // The 1/3 offer was taken whole, the 2/5 and 1/2 offers rest (the second crossing took from 2/5).
    assert.equal(book.asks.length, 2);
    assert.deepEqual(kinds.slice(before), ["order_book"]);
  });

  it("answers /trades, per account and per offer from the pool exactly as in-thread", async () => {
    const before = kinds.length;
    const all = await both("/trades?order=asc&limit=10");
    const records = (all.body as {_embedded: {records: {base_offer_id: string}[]}})._embedded.records;
    assert.equal(records.length, 3);
    await both(`/trades?base_asset_type=native&counter_${usd.replaceAll("&asset", "&counter_asset")}&order=desc`);
    await both(`/accounts/${taker.publicKey()}/trades?limit=2`);
    await both(`/offers/${records[0]!.base_offer_id}/trades`);
    assert.deepEqual(kinds.slice(before), ["trades", "trades", "trades", "trades"]);
  });

  it("answers /trade_aggregations from the pool exactly as in-thread", async () => {
    const before = kinds.length;
    const r = await both(`/trade_aggregations?base_asset_type=native&counter_${usd.replaceAll("&asset", "&counter_asset")}&resolution=60000`);
    const buckets = (r.body as {_embedded: {records: {trade_count: string | number}[]}})._embedded.records;
    assert.equal(buckets.length, 1);
    assert.equal(Number(buckets[0]!.trade_count), 3);
    assert.deepEqual(kinds.slice(before), ["trade_aggregations"]);
  });

  it("refuses a book read with 503 when every worker is busy, as path queries", async () => {
    const tiny = new PathPool({dataDir: ledger.dir, limits: LIMITS}, {threads: 1, maxQueue: 0});
    try {
      await tiny.warmed;
      const server = new ApiServer({host: "127.0.0.1", port: 0}, {...readOnlyModules(ledger), paths: tiny});
      const base = `http://127.0.0.1:${await server.start()}`;
      try {
        const res = await fetch(`${base}/trades`);
        assert.equal(res.status, 503);
        assert.equal(res.headers.get("retry-after"), "1");
      } finally {
        await server.stop();
      }
    } finally {
      await tiny.close();
    }
  });
});
