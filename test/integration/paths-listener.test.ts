/**
 * The dedicated path listener (--paths-port) answers /paths/* exactly as the API does: the same
 * status, JSON and problems for the same URL, over the same ledger. The book is written through
 * the store before the node starts (two anchors' assets bridged through DIAM by a market maker).
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {gunzipSync} from "node:zlib";
import {Keypair} from "@stellar/stellar-sdk";
import {initNetwork} from "../../src/node/node.js";
import {LedgerStore} from "../../src/store/ledger-store.js";
import {offerKey, trustLineKey, type Asset, type CreditAsset, type EntryKey, type LedgerEntry, type OfferEntry} from "../../src/ledger/types.js";
import {PathListener} from "../../src/dex/paths-listener.js";
import {PathError, PathErrorCode} from "../../src/dex/paths-errors.js";
import {startNode, tempDir, type RunningNode} from "../helpers/node.js";
import {request} from "node:http";

const usdAnchor = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 31));
const aedAnchor = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 32));
const maker = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 33));
const USD: CreditAsset = {type: "credit_alphanum4", code: "USD", issuer: usdAnchor.publicKey()};
const AED: CreditAsset = {type: "credit_alphanum4", code: "AED", issuer: aedAnchor.publicKey()};
const NATIVE: Asset = {type: "native"};
const U = 10_000_000n;

function offer(offerId: bigint, selling: Asset, buying: Asset, amount: bigint, n: number, d: number): OfferEntry {
  return {type: "offer", sellerId: maker.publicKey(), offerId, selling, buying, amount, price: {n, d}, flags: 0, lastModifiedLedger: 2};
}

/** Status, the headers both listeners set, and the body (gunzipped when gzipped), for one GET. */
function get(base: string, path: string, gzip = false): Promise<{status: number; type: string; encoding: string; ledger: string; body: string}> {
  return new Promise((resolve, reject) => {
    const req = request(base + path, {headers: gzip ? {"accept-encoding": "gzip"} : {}, timeout: 30_000}, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        const encoding = String(res.headers["content-encoding"] ?? "");
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers["content-type"] ?? ""),
          encoding,
          ledger: String(res.headers["latest-ledger"] ?? ""),
          body: (encoding === "gzip" ? gunzipSync(raw) : raw).toString(),
        });
      });
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`no answer from ${base}${path}`)));
    req.end();
  });
}

describe("dedicated path listener", () => {
  let node: RunningNode;
  let paths: string;
  const usd = `USD:${usdAnchor.publicKey()}`;
  const aed = `AED:${aedAnchor.publicKey()}`;
  const usdParams = (prefix: string) => `${prefix}asset_type=credit_alphanum4&${prefix}asset_code=USD&${prefix}asset_issuer=${usdAnchor.publicKey()}`;
  const aedParams = (prefix: string) => `${prefix}asset_type=credit_alphanum4&${prefix}asset_code=AED&${prefix}asset_issuer=${aedAnchor.publicKey()}`;

  before(async () => {
    const dataDir = tempDir();
    initNetwork(dataDir);
    const store = new LedgerStore({dir: dataDir});
    const prev = store.latestHeader();
    const entries: Array<[EntryKey, LedgerEntry]> = [
      [offerKey(1n), offer(1n, USD, NATIVE, 1_000n * U, 10, 1)],
      [offerKey(2n), offer(2n, NATIVE, AED, 100_000n * U, 3, 7)],
      [offerKey(3n), offer(3n, USD, AED, 10n * U, 5, 1)],
      [trustLineKey(maker.publicKey(), USD), {type: "trustline", accountId: maker.publicKey(), asset: USD, balance: 1_010n * U, limit: 10_000n * U, flags: 1, buyingLiabilities: 0n, sellingLiabilities: 1_010n * U, lastModifiedLedger: 2}],
    ];
    await store.commitLedger({header: {...prev, seq: prev.seq + 1, prevHash: prev.hash}, changes: new Map(entries), txs: [], participants: []}, []);
    await store.close();
    // A long close interval: both listeners read the same ledger during the comparisons.
    node = await startNode({dataDir, checkInvariants: false, pathThreads: 1, pathsPort: 0, closeIntervalMs: 60_000});
    assert.ok(node.node.pathsPort > 0);
    assert.notEqual(node.node.pathsPort, node.node.port);
    paths = `http://127.0.0.1:${node.node.pathsPort}`;
  });

  after(async () => {
    await node?.stop();
  });

  const urls = [
    () => `/paths/strict-receive?${usdParams("destination_")}&destination_amount=100&source_assets=${aed},native`,
    () => `/paths/strict-receive?${usdParams("destination_")}&destination_amount=1&source_assets=${aed}`,
    () => `/paths?${usdParams("destination_")}&destination_amount=2.5&source_assets=${aed}`,
    () => `/paths/strict-send?${aedParams("source_")}&source_amount=428.5714286&destination_assets=${usd},native`,
    () => `/paths/strict-send/?${aedParams("source_")}&source_amount=3&destination_account=${maker.publicKey()}`,
    () => `/paths/strict-receive?destination_asset_type=native&destination_amount=5&source_account=${Keypair.random().publicKey()}`,
    // Problems: a bad amount, both a list and an account, a bad asset, an unknown route.
    () => `/paths/strict-send?source_asset_type=native&source_amount=-1&destination_assets=native`,
    () => `/paths/strict-receive?destination_asset_type=native&destination_amount=1&source_assets=native&source_account=${maker.publicKey()}`,
    () => `/paths/strict-receive?destination_asset_type=credit_alphanum4&destination_asset_code=TOOLONG&destination_asset_issuer=${usdAnchor.publicKey()}&destination_amount=1&source_assets=native`,
    () => `/paths/nowhere`,
  ];

  it("answers every query and problem exactly as the API's own route", async () => {
    let found = 0;
    for (const url of urls) {
      for (const gzip of [false, true]) {
        const api = await get(node.url, url(), gzip);
        const own = await get(paths, url(), gzip);
        assert.equal(own.status, api.status, url());
        assert.equal(own.type, api.type, url());
        assert.equal(own.encoding, api.encoding, url());
        assert.deepEqual(JSON.parse(own.body), JSON.parse(api.body), url());
        if (api.status === 200) assert.equal(own.ledger, api.ledger, url());
        if (api.status === 200) found += (JSON.parse(own.body) as {_embedded: {records: unknown[]}})._embedded.records.length;
      }
    }
    // The comparisons are about real answers: the queries above find paths (both ways, via DIAM and direct);
    // 100 USD is more than the direct USD/AED book holds, so only the route through DIAM costs AED.
    assert.ok(found >= 8, `found ${found} paths`);
    const one = await get(paths, urls[0]!());
    const records = (JSON.parse(one.body) as {_embedded: {records: Array<{source_asset_code?: string; source_amount: string; path: unknown[]}>}})._embedded.records;
    assert.deepEqual(
      records.map((r) => [r.source_asset_code ?? "native", r.source_amount, r.path.length]),
      [
        ["AED", "428.5714286", 1],
        ["native", "1000.0000000", 0],
      ],
    );
  });

  it("refuses to start on a port already taken, with a coded error", async () => {
    const started = PathListener.start({dataDir: node.dataDir, limits: {maxHops: 4, maxPathsPerAsset: 5, maxWork: 200_000}, host: "127.0.0.1", port: node.node.pathsPort});
    // A listener that did start must not outlive the test (its thread would keep the process alive).
    await assert.rejects(
      started.then(async (l) => {
        await l.close();
        return l;
      }),
      (e: unknown) => e instanceof PathError && e.code === PathErrorCode.ListenFailed,
    );
  });
});
