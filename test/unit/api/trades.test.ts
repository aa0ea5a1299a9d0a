/**
 * /trades, /accounts/{id}/trades, /offers/{id}/trades and /trade_aggregations over a real store:
 * ledgers committed with manage offer and path payment transactions whose results and meta are
 * shaped as stellar-core writes them, so the trades table is filled by the commit itself.
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {Asset as SdkAsset, Horizon, xdr} from "@stellar/stellar-sdk";
import {ApiServer} from "../../../src/api/server.js";
import type {EntryDelta} from "../../../src/ledger/meta.js";
import type {Asset, OfferEntry} from "../../../src/ledger/types.js";
import type {CommittedTx} from "../../../src/store/history-repo.js";
import {toidString} from "../../../src/store/toid.js";
import {buildTx, Keypair, SdkOperation, StoreLedger, readOnlyModules, claimAtom as atom} from "./store-ledger.js";

interface Loose {
  readonly [key: string]: Loose;
}

const anchor = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 71));
const maker = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 72));
const taker = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 73));
const USD: Asset = {type: "credit_alphanum4", code: "USD", issuer: anchor.publicKey()};
const sdkUSD = new SdkAsset("USD", anchor.publicKey());
const NATIVE: Asset = {type: "native"};

function offer(id: bigint, seller: Keypair, selling: Asset, buying: Asset, amount: bigint, n: number, d: number): OfferEntry {
  return {type: "offer", sellerId: seller.publicKey(), offerId: id, selling, buying, amount, price: {n, d}, flags: 0, lastModifiedLedger: 2};
}

function successResult(opResults: xdr.OperationResult[]): Buffer {
  return new xdr.TransactionResult({feeCharged: new xdr.Int64(100), result: xdr.TransactionResultResult.txSuccess(opResults), ext: new xdr.TransactionResultExt(0)}).toXDR();
}

function sellResult(atoms: xdr.ClaimAtom[], resting?: OfferEntry): xdr.OperationResult {
  const offer = resting === undefined
    ? xdr.ManageOfferSuccessResultOffer.manageOfferDeleted()
    : xdr.ManageOfferSuccessResultOffer.manageOfferCreated(
        new xdr.OfferEntry({
          sellerId: xdr.PublicKey.publicKeyTypeEd25519(taker.rawPublicKey()),
          offerId: new xdr.Int64(Number(resting.offerId)),
          selling: sdkUSD.toXDRObject(),
          buying: SdkAsset.native().toXDRObject(),
          amount: new xdr.Int64(Number(resting.amount)),
          price: new xdr.Price({n: resting.price.n, d: resting.price.d}),
          flags: 0,
          ext: new xdr.OfferEntryExt(0),
        }),
      );
  return xdr.OperationResult.opInner(xdr.OperationResultTr.manageSellOffer(xdr.ManageSellOfferResult.manageSellOfferSuccess(new xdr.ManageOfferSuccessResult({offersClaimed: atoms, offer}))));
}

describe("trades over a real store", () => {
  const ledger = StoreLedger.create();
  let server: ApiServer;
  let base = "";
  let sdk: Horizon.Server;
  let tradeLedger = 0;
  let closeTime = 0;
  let pathLedger = 0;

  /** Commits one ledger holding `tx` (signed, built by the SDK) with the given result and per-op meta. */
  async function commitTx(source: Keypair, ops: xdr.Operation[], result: Buffer, opDeltas: EntryDelta[][]): Promise<number> {
    const tx = buildTx(source, ledger.source(source), ops);
    const prev = ledger.store.latestHeader();
    const seq = prev.seq + 1;
    const committed: CommittedTx = {
      ledger: seq,
      index: 1,
      closedAt: prev.closeTime + 60,
      feeCharged: 100n,
      successful: true,
      resultCodes: {transaction: "tx_success", operations: ops.map(() => "op_success")},
      envelope: tx.toEnvelope().toXDR(),
      result,
      hash: tx.hash(),
      meta: {fee: [], before: [], operations: opDeltas},
    };
    await ledger.store.commitLedger({header: {...prev, seq, prevHash: prev.hash, closeTime: prev.closeTime + 60}, changes: new Map(), txs: [committed], participants: []}, []);
    return seq;
  }

  before(async () => {
    await ledger.close([
      buildTx(ledger.root, ledger.source(ledger.root), [
        SdkOperation.createAccount({destination: anchor.publicKey(), startingBalance: "100"}),
        SdkOperation.createAccount({destination: maker.publicKey(), startingBalance: "100"}),
        SdkOperation.createAccount({destination: taker.publicKey(), startingBalance: "100"}),
      ]),
    ]);
    // The taker sells 4 USD for DIAM: it takes maker's offer 5 (DIAM at 1/3 USD each: 3 DIAM per
    // USD, i.e. the maker sells DIAM at price 1/3) for 1 USD, then offer 6 for 2 USD, and its
    // remaining 1 USD rests as offer 10.
    const m5 = offer(5n, maker, NATIVE, USD, 30_000_000n, 1, 3);
    const m6 = offer(6n, maker, NATIVE, USD, 60_000_000n, 2, 5);
    const resting = offer(10n, taker, USD, NATIVE, 10_000_000n, 3, 1);
    tradeLedger = await commitTx(
      taker,
      [SdkOperation.manageSellOffer({selling: sdkUSD, buying: SdkAsset.native(), amount: "4", price: "3"})],
      successResult([sellResult([atom(maker, 5, SdkAsset.native(), 30_000_000, sdkUSD, 10_000_000), atom(maker, 6, SdkAsset.native(), 50_000_000, sdkUSD, 20_000_000)], resting)]),
      [[{before: m5, after: null}, {before: m6, after: {...m6, amount: 10_000_000n}}, {before: null, after: resting}]],
    );
    closeTime = ledger.store.header(tradeLedger)!.closeTime;
    // A strict-send path payment by the maker through offer 10 (the taker's resting USD offer).
    pathLedger = await commitTx(
      maker,
      [SdkOperation.pathPaymentStrictSend({sendAsset: SdkAsset.native(), sendAmount: "3", destination: anchor.publicKey(), destAsset: sdkUSD, destMin: "1", path: []})],
      successResult([
        xdr.OperationResult.opInner(
          xdr.OperationResultTr.pathPaymentStrictSend(
            xdr.PathPaymentStrictSendResult.pathPaymentStrictSendSuccess(
              new xdr.PathPaymentStrictSendResultSuccess({
                offers: [atom(taker, 10, sdkUSD, 10_000_000, SdkAsset.native(), 30_000_000)],
                last: new xdr.SimplePaymentResult({destination: xdr.PublicKey.publicKeyTypeEd25519(anchor.rawPublicKey()), asset: sdkUSD.toXDRObject(), amount: new xdr.Int64(10_000_000)}),
              }),
            ),
          ),
        ),
      ]),
      [[{before: resting, after: null}]],
    );
    const modules = readOnlyModules(ledger);
    server = new ApiServer({host: "127.0.0.1", port: 0}, modules);
    base = `http://127.0.0.1:${await server.start()}`;
    sdk = new Horizon.Server(base, {allowHttp: true});
  });

  after(async () => {
    await server.stop();
    await ledger.dispose();
  });

  it("/trades lists every fill with Horizon's shape, native as base", async () => {
    const page = await sdk.trades().call();
    const opId = toidString(tradeLedger, 1, 1);
    assert.deepEqual(page.records.map((t) => t.id), [`${opId}-0`, `${opId}-1`, `${toidString(pathLedger, 1, 1)}-0`]);
    const res = await fetch(`${base}/trades?limit=1`);
    const body = (await res.json()) as {_embedded: {records: Loose[]}};
    assert.deepEqual(body._embedded.records[0], {
      _links: {self: {href: ""}, base: {href: `${base}/accounts/${maker.publicKey()}`}, counter: {href: `${base}/accounts/${taker.publicKey()}`}, operation: {href: `${base}/operations/${opId}`}},
      id: `${opId}-0`,
      paging_token: `${opId}-0`,
      ledger_close_time: new Date(closeTime * 1000).toISOString().replace(".000Z", "Z"),
      trade_type: "orderbook",
      base_offer_id: "5",
      base_account: maker.publicKey(),
      base_amount: "3.0000000",
      base_asset_type: "native",
      // The taker's remainder rests as offer 10, so that is its offer id.
      counter_offer_id: "10",
      counter_account: taker.publicKey(),
      counter_amount: "1.0000000",
      counter_asset_type: "credit_alphanum4",
      counter_asset_code: "USD",
      counter_asset_issuer: anchor.publicKey(),
      base_is_seller: true,
      price: {n: "1", d: "3"},
    } as unknown as Loose);
    // The path payment's trade: the maker (taker of that op) bought USD; its base is DIAM, the
    // payer's side, which never rested: a synthetic offer id (its operation's TOID, bit 62 set).
    const pathTrade = page.records[2]! as unknown as Record<string, unknown>;
    assert.equal(pathTrade.base_account, maker.publicKey());
    assert.equal(pathTrade.base_is_seller, false);
    assert.equal(pathTrade.base_offer_id, ((1n << 62n) | BigInt(toidString(pathLedger, 1, 1))).toString());
    assert.equal(pathTrade.counter_offer_id, "10");
    assert.deepEqual(pathTrade.price, {n: "1", d: "3"});
    const next = await sdk.trades().limit(2).call();
    assert.deepEqual((await next.next()).records.map((t) => t.id), [`${toidString(pathLedger, 1, 1)}-0`]);
    const desc = await sdk.trades().order("desc").limit(1).call();
    assert.equal(desc.records[0]!.id, `${toidString(pathLedger, 1, 1)}-0`);
  });

  it("filters by account, offer and pair; the pair filter orients base and counter as asked", async () => {
    const opId = toidString(tradeLedger, 1, 1);
    assert.deepEqual((await sdk.trades().forAccount(anchor.publicKey()).call()).records, []);
    assert.equal((await sdk.trades().forAccount(taker.publicKey()).call()).records.length, 3);
    assert.deepEqual((await sdk.trades().forOffer("6").call()).records.map((t) => t.id), [`${opId}-1`]);
    assert.deepEqual((await sdk.trades().forOffer("10").call()).records.map((t) => t.id), [`${opId}-0`, `${opId}-1`, `${toidString(pathLedger, 1, 1)}-0`]);
    const usdBase = await sdk.trades().forAssetPair(sdkUSD, SdkAsset.native()).call();
    assert.equal(usdBase.records.length, 3);
    const first = usdBase.records[0]!;
    assert.equal(first.base_asset_code, "USD");
    assert.equal(first.base_amount, "1.0000000");
    assert.equal(first.counter_amount, "3.0000000");
    assert.equal(first.base_account, taker.publicKey());
    assert.equal(first.base_is_seller, false);
    assert.deepEqual(first.price, {n: "3", d: "1"});
    const other = await fetch(`${base}/trades?base_asset_type=native&counter_asset_type=credit_alphanum4&counter_asset_code=EUR&counter_asset_issuer=${anchor.publicKey()}`);
    assert.deepEqual(((await other.json()) as {_embedded: {records: unknown[]}})._embedded.records, []);
    const lp = await fetch(`${base}/trades?trade_type=liquidity_pools`);
    assert.deepEqual(((await lp.json()) as {_embedded: {records: unknown[]}})._embedded.records, []);
    for (const bad of ["/trades?base_asset_type=native", "/trades?trade_type=pools", "/trades?cursor=x", "/trades?offer_id=5&base_asset_type=native&counter_asset_type=credit_alphanum4&counter_asset_code=USD&counter_asset_issuer=" + anchor.publicKey()]) {
      assert.equal((await fetch(base + bad)).status, 400, bad);
    }
  });

  it("/trade_aggregations buckets volumes and prices by resolution (SDK)", async () => {
    const start = 0;
    const end = (closeTime + 3600) * 1000;
    const agg = await sdk.tradeAggregation(SdkAsset.native(), sdkUSD, start, end, 3_600_000, 0).call();
    const bucket = Math.floor((closeTime * 1000) / 3_600_000) * 3_600_000;
    const pathClose = ledger.store.header(pathLedger)!.closeTime * 1000;
    const rows = agg.records.map((r) => [r.timestamp, r.trade_count, r.base_volume, r.counter_volume]);
    // The two ledgers are 60 s apart: one bucket unless an hour boundary falls between them.
    if (Math.floor(pathClose / 3_600_000) * 3_600_000 === bucket) {
      assert.deepEqual(rows, [[String(bucket), "3", "11.0000000", "4.0000000"]]);
      const r = agg.records[0]! as unknown as Record<string, unknown>;
      assert.equal(r.avg, (4 / 11).toFixed(7));
      assert.deepEqual([r.open, r.open_r], ["0.3333333", {n: "1", d: "3"}]);
      assert.deepEqual([r.high, r.high_r], ["0.4000000", {n: "2", d: "5"}]);
      assert.deepEqual([r.low, r.low_r], ["0.3333333", {n: "1", d: "3"}]);
      assert.deepEqual([r.close, r.close_r], ["0.3333333", {n: "1", d: "3"}]);
    } else {
      assert.equal(rows.length, 2);
    }
    for (const bad of [
      `/trade_aggregations?base_asset_type=native&counter_asset_type=credit_alphanum4&counter_asset_code=USD&counter_asset_issuer=${anchor.publicKey()}&resolution=1000`,
      `/trade_aggregations?base_asset_type=native&counter_asset_type=credit_alphanum4&counter_asset_code=USD&counter_asset_issuer=${anchor.publicKey()}&resolution=60000&offset=3600000`,
      `/trade_aggregations?base_asset_type=native&counter_asset_type=credit_alphanum4&counter_asset_code=USD&counter_asset_issuer=${anchor.publicKey()}&resolution=86400000&offset=1800000`,
      `/trade_aggregations?counter_asset_type=native&resolution=60000`,
    ]) {
      assert.equal((await fetch(base + bad)).status, 400, bad);
    }
  });

  it("/trade_aggregations pages by time with Horizon's next links and refuses an end before the offset or the start", async () => {
    const pair = `base_asset_type=native&counter_asset_type=credit_alphanum4&counter_asset_code=USD&counter_asset_issuer=${anchor.publicKey()}`;
    const first = Math.floor((closeTime * 1000) / 60_000) * 60_000;
    const second = Math.floor((ledger.store.header(pathLedger)!.closeTime * 1000) / 60_000) * 60_000;
    assert.equal(second, first + 60_000, "the two trade ledgers are a minute apart");
    const end = first + 600_000;
    type Page = {_links: {self: {href: string}; next: {href: string}; prev: {href: string}}; _embedded: {records: Array<{timestamp: string; trade_count: string}>}};
    const get = async (href: string): Promise<Page> => {
      const res = await fetch(href);
      assert.equal(res.status, 200, href);
      return (await res.json()) as Page;
    };
    // Ascending: start_time moves past the last bucket; the query is re-encoded with its keys sorted (Go's url.Values).
    const p1 = await get(`${base}/trade_aggregations?${pair}&resolution=60000&start_time=${first - 30_000}&end_time=${end}&limit=1`);
    assert.deepEqual(p1._embedded.records.map((r) => [r.timestamp, r.trade_count]), [[String(first), "2"]]);
    const sorted = (params: Record<string, string>): string =>
      Object.keys(params)
        .sort()
        .map((k) => `${k}=${encodeURIComponent(params[k]!)}`)
        .join("&");
    const common = {base_asset_type: "native", counter_asset_type: "credit_alphanum4", counter_asset_code: "USD", counter_asset_issuer: anchor.publicKey(), resolution: "60000", limit: "1"};
    assert.equal(p1._links.next.href, `${base}/trade_aggregations?${sorted({...common, start_time: String(first + 60_000), end_time: String(end)})}`);
    assert.deepEqual(p1._links.prev, {href: ""});
    const p2 = await get(p1._links.next.href);
    assert.deepEqual(p2._embedded.records.map((r) => [r.timestamp, r.trade_count]), [[String(second), "1"]]);
    const p3 = await get(p2._links.next.href);
    assert.deepEqual(p3._embedded.records, []);
    assert.equal(p3._links.next.href, p3._links.self.href, "an empty page's next link is itself");
    // Descending: end_time moves to the last bucket.
    const d1 = await get(`${base}/trade_aggregations?${pair}&resolution=60000&start_time=${first}&end_time=${end}&limit=1&order=desc`);
    assert.deepEqual(d1._embedded.records.map((r) => r.timestamp), [String(second)]);
    assert.equal(d1._links.next.href, `${base}/trade_aggregations?${sorted({...common, start_time: String(first), end_time: String(second), order: "desc"})}`);
    const d2 = await get(d1._links.next.href);
    assert.deepEqual(d2._embedded.records.map((r) => r.timestamp), [String(first)]);
    // Without end_time Horizon caps the next start_time at the absent end, 0.
    const open = await get(`${base}/trade_aggregations?${pair}&resolution=60000&limit=1`);
    assert.equal(new URL(open._links.next.href).searchParams.get("start_time"), "0");
    for (const bad of [`resolution=3600000&offset=3600000&end_time=1000`, `resolution=60000&start_time=${first + 60_000}&end_time=${first}`]) {
      const res = await fetch(`${base}/trade_aggregations?${pair}&${bad}`);
      assert.equal(res.status, 400, bad);
      assert.equal(((await res.json()) as {extras: {invalid_field: string}}).extras.invalid_field, "end_time");
    }
  });

  it("the manage offer's effects and operation record read the same result", async () => {
    const opId = toidString(tradeLedger, 1, 1);
    const effects = await sdk.effects().forOperation(opId).call();
    assert.deepEqual(effects.records.map((e) => [e.type, e.account]), [
      ["trade", taker.publicKey()],
      ["trade", maker.publicKey()],
      ["trade", taker.publicKey()],
      ["trade", maker.publicKey()],
    ]);
    const op = await sdk.operations().operation(toidString(pathLedger, 1, 1)).call();
    assert.equal((op as unknown as {amount: string}).amount, "1.0000000");
  });
});
