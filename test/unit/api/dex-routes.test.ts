/**
 * /offers, /order_book, /claimable_balances and account balances over a real LMDB store whose
 * entries are written directly (as a ledger close writes them), read through the SDK and fetch.
 */
import {after, before, describe, it} from "node:test";
import assert from "node:assert/strict";
import {Asset as SdkAsset, Horizon} from "@stellar/stellar-sdk";
import {ApiServer} from "../../../src/api/server.js";
import {entryKey, type Asset, type ClaimableBalanceEntry, type LedgerEntry, type OfferEntry, type TrustLineEntry} from "../../../src/ledger/types.js";
import {buildTx, Keypair, SdkOperation, StoreLedger, readOnlyModules} from "./store-ledger.js";

interface Loose {
  readonly [key: string]: Loose;
}

const anchor = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 51));
const maker = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 52));
const taker = Keypair.fromRawEd25519Seed(Buffer.alloc(32, 53));
const USD: Asset = {type: "credit_alphanum4", code: "USD", issuer: anchor.publicKey()};
const NATIVE: Asset = {type: "native"};
const sdkUSD = new SdkAsset("USD", anchor.publicKey());

function offer(id: bigint, seller: Keypair, selling: Asset, buying: Asset, amount: bigint, n: number, d: number, ledger: number): OfferEntry {
  return {type: "offer", sellerId: seller.publicKey(), offerId: id, selling, buying, amount, price: {n, d}, flags: 0, lastModifiedLedger: ledger};
}

function balance(idByte: number, amount: bigint, claimants: string[], ledger: number, asset: Asset = USD, sponsor = anchor.publicKey()): ClaimableBalanceEntry {
  return {
    type: "claimable_balance",
    balanceId: idByte.toString(16).padStart(2, "0").repeat(32),
    claimants: claimants.map((destination, i) => ({
      destination,
      predicate: i === 0 ? {type: "unconditional"} : {type: "not", predicate: {type: "before_absolute_time", time: 1_700_000_100n}},
    })),
    asset,
    amount,
    flags: idByte === 2 ? 1 : 0,
    sponsor,
    lastModifiedLedger: ledger,
  };
}

describe("DEX and escrow routes over a real store", () => {
  const ledger = StoreLedger.create();
  let server: ApiServer;
  let base = "";
  let sdk: Horizon.Server;
  let entriesLedger = 0;

  async function writeEntries(entries: LedgerEntry[], removed: string[] = []): Promise<number> {
    const prev = ledger.store.latestHeader();
    const seq = prev.seq + 1;
    const changes = new Map<string, LedgerEntry | null>();
    for (const e of entries) changes.set(entryKey(e), {...e, lastModifiedLedger: e.lastModifiedLedger || seq});
    for (const k of removed) changes.set(k, null);
    await ledger.store.commitLedger({header: {...prev, seq, prevHash: prev.hash, closeTime: prev.closeTime + 5}, changes, txs: [], participants: []}, []);
    return seq;
  }

  async function get(path: string): Promise<{status: number; body: Loose}> {
    const res = await fetch(base + path);
    return {status: res.status, body: (await res.json()) as Loose};
  }

  before(async () => {
    await ledger.close([
      buildTx(ledger.root, ledger.source(ledger.root), [
        SdkOperation.createAccount({destination: anchor.publicKey(), startingBalance: "100"}),
        SdkOperation.createAccount({destination: maker.publicKey(), startingBalance: "100"}),
        SdkOperation.createAccount({destination: taker.publicKey(), startingBalance: "100"}),
      ]),
    ]);
    const seq = ledger.store.latestHeader().seq + 1;
    entriesLedger = seq;
    const line: TrustLineEntry = {
      type: "trustline",
      accountId: maker.publicKey(),
      asset: USD,
      balance: 500_000_000n,
      limit: 1_000_000_000n,
      flags: 1,
      buyingLiabilities: 0n,
      sellingLiabilities: 150_000_000n,
      lastModifiedLedger: seq,
    };
    const eur: TrustLineEntry = {...line, accountId: taker.publicKey(), asset: {type: "credit_alphanum4", code: "EUR", issuer: anchor.publicKey()}, flags: 0, balance: 7n};
    const usdMaintained: TrustLineEntry = {...line, accountId: taker.publicKey(), flags: 2, balance: 30_000_000n};
    await writeEntries([
      line,
      eur,
      usdMaintained,
      // Asks of USD/native: two at 2/1 (one written as 4/2), one at 7/3; ids out of price order.
      offer(5n, maker, USD, NATIVE, 10_000_000n, 4, 2, seq),
      offer(3n, maker, USD, NATIVE, 20_000_000n, 2, 1, seq),
      offer(9n, taker, USD, NATIVE, 30_000_000n, 7, 3, seq),
      // Bids: offers selling native for USD at 1/3 (buying USD at 3 DIAM each) and 1/2.
      offer(7n, taker, NATIVE, USD, 60_000_000n, 1, 3, seq),
      offer(4n, taker, NATIVE, USD, 10_000_000n, 1, 2, seq),
      offer(12n, maker, NATIVE, USD, 5_000_000n, 1, 2, seq),
      balance(1, 25_000_000n, [taker.publicKey(), maker.publicKey()], seq),
      balance(2, 5n, [maker.publicKey()], seq, NATIVE, maker.publicKey()),
    ]);
    await writeEntries([balance(3, 7n, [taker.publicKey()], 0)]);

    const modules = readOnlyModules(ledger);
    server = new ApiServer({host: "127.0.0.1", port: 0}, modules);
    const port = await server.start();
    base = `http://127.0.0.1:${port}`;
    sdk = new Horizon.Server(base, {allowHttp: true});
  });

  after(async () => {
    await server.stop();
    await ledger.dispose();
  });

  it("/offers/{id} has Horizon's offer shape", async () => {
    const {status, body} = await get("/offers/5");
    assert.equal(status, 200);
    const closeTime = ledger.store.header(entriesLedger)!.closeTime;
    assert.deepEqual(body, {
      _links: {self: {href: `${base}/offers/5`}, offer_maker: {href: `${base}/accounts/${maker.publicKey()}`}},
      id: "5",
      paging_token: "5",
      seller: maker.publicKey(),
      selling: {asset_type: "credit_alphanum4", asset_code: "USD", asset_issuer: anchor.publicKey()},
      buying: {asset_type: "native"},
      amount: "1.0000000",
      price_r: {n: 4, d: 2},
      price: "2.0000000",
      last_modified_ledger: entriesLedger,
      last_modified_time: new Date(closeTime * 1000).toISOString().replace(".000Z", "Z"),
    } as unknown as Loose);
    assert.equal((await get("/offers/6")).status, 404);
    assert.equal((await get("/offers/abc")).status, 400);
    assert.equal((await get("/offers/0")).status, 400);
  });

  it("/offers pages by id with seller, selling and buying filters (SDK)", async () => {
    const all = await sdk.offers().limit(4).call();
    assert.deepEqual(all.records.map((o) => o.id), ["3", "4", "5", "7"]);
    const next = await all.next();
    assert.deepEqual(next.records.map((o) => o.id), ["9", "12"]);
    const desc = await sdk.offers().order("desc").limit(2).call();
    assert.deepEqual(desc.records.map((o) => o.id), ["12", "9"]);
    const bySeller = await sdk.offers().seller(maker.publicKey()).call();
    assert.deepEqual(bySeller.records.map((o) => o.id), ["3", "5", "12"]);
    const sellingUsd = await sdk.offers().selling(sdkUSD).call();
    assert.deepEqual(sellingUsd.records.map((o) => o.id), ["3", "5", "9"]);
    const buyingUsd = await sdk.offers().buying(sdkUSD).call();
    assert.deepEqual(buyingUsd.records.map((o) => o.id), ["4", "7", "12"]);
    const both = await sdk.offers().selling(SdkAsset.native()).buying(sdkUSD).seller(taker.publicKey()).call();
    assert.deepEqual(both.records.map((o) => o.id), ["4", "7"]);
    const forAccount = await sdk.offers().forAccount(taker.publicKey()).cursor("4").call();
    assert.deepEqual(forAccount.records.map((o) => o.id), ["7", "9"]);
    const canonical = await get(`/offers?selling=USD:${anchor.publicKey()}&buying=native`);
    assert.deepEqual((canonical.body._embedded!.records as unknown as {id: string}[]).map((o) => o.id), ["3", "5", "9"]);
    assert.equal((await get("/offers?selling=USD")).status, 400);
    assert.equal((await get("/offers?seller=GABC")).status, 400);
    assert.equal((await get("/offers?cursor=x")).status, 400);
  });

  it("/order_book aggregates by price, bids inverted, best first, with limit (SDK)", async () => {
    const book = await sdk.orderbook(sdkUSD, SdkAsset.native()).call();
    assert.deepEqual(book.base, {asset_type: "credit_alphanum4", asset_code: "USD", asset_issuer: anchor.publicKey()});
    assert.deepEqual(book.counter, {asset_type: "native"});
    assert.deepEqual(book.asks, [
      {price_r: {n: 2, d: 1}, price: "2.0000000", amount: "3.0000000"},
      {price_r: {n: 7, d: 3}, price: "2.3333333", amount: "3.0000000"},
    ]);
    // Bids: offers selling DIAM for USD, best (lowest DIAM-per-USD… inverted: highest bid) first.
    assert.deepEqual(book.bids, [
      {price_r: {n: 3, d: 1}, price: "3.0000000", amount: "6.0000000"},
      {price_r: {n: 2, d: 1}, price: "2.0000000", amount: "1.5000000"},
    ]);
    const one = await get(`/order_book?selling_asset_type=credit_alphanum4&selling_asset_code=USD&selling_asset_issuer=${anchor.publicKey()}&buying_asset_type=native&limit=1`);
    assert.equal(one.status, 200);
    assert.equal((one.body.asks as unknown as unknown[]).length, 1);
    assert.equal((one.body.bids as unknown as unknown[]).length, 1);
    const empty = await get(`/order_book?selling_asset_type=native&buying_asset_type=credit_alphanum4&buying_asset_code=EUR&buying_asset_issuer=${anchor.publicKey()}`);
    assert.deepEqual([empty.body.bids, empty.body.asks], [[], []]);
    for (const bad of ["/order_book?selling_asset_type=native", "/order_book?selling_asset_type=native&buying_asset_type=credit_alphanum4&buying_asset_code=USD", "/order_book?selling_asset_type=foo&buying_asset_type=native", `/order_book?selling_asset_type=native&buying_asset_type=credit_alphanum4&buying_asset_code=USD&buying_asset_issuer=${anchor.publicKey()}&limit=201`]) {
      const r = await get(bad);
      assert.equal(r.status, 400, bad);
      assert.equal(r.body.type as unknown as string, "https://stellar.org/horizon-errors/invalid_order_book", bad);
    }
  });

  it("/claimable_balances pages by (ledger, id) with claimant, sponsor and asset filters (SDK)", async () => {
    const all = await sdk.claimableBalances().call();
    const id = (b: number) => "00000000" + b.toString(16).padStart(2, "0").repeat(32);
    assert.deepEqual(all.records.map((b) => b.id), [id(1), id(2), id(3)]);
    const first = all.records[0]!;
    assert.equal(first.paging_token, `${entriesLedger}-${id(1)}`);
    assert.equal(first.asset, `USD:${anchor.publicKey()}`);
    assert.equal(first.amount, "2.5000000");
    assert.equal(first.sponsor, anchor.publicKey());
    assert.deepEqual(first.claimants, [
      {destination: taker.publicKey(), predicate: {unconditional: true}},
      {destination: maker.publicKey(), predicate: {not: {abs_before: "2023-11-14T22:15:00Z", abs_before_epoch: "1700000100"}}},
    ] as never);
    assert.deepEqual((first as unknown as Loose).flags, {clawback_enabled: false});
    assert.deepEqual((all.records[1] as unknown as Loose).flags, {clawback_enabled: true});
    const byClaimant = await sdk.claimableBalances().claimant(taker.publicKey()).call();
    assert.deepEqual(byClaimant.records.map((b) => b.id), [id(1), id(3)]);
    const bySponsor = await sdk.claimableBalances().sponsor(maker.publicKey()).call();
    assert.deepEqual(bySponsor.records.map((b) => b.id), [id(2)]);
    const byAsset = await sdk.claimableBalances().asset(SdkAsset.native()).call();
    assert.deepEqual(byAsset.records.map((b) => b.id), [id(2)]);
    const paged = await sdk.claimableBalances().limit(2).call();
    assert.deepEqual((await paged.next()).records.map((b) => b.id), [id(3)]);
    const desc = await sdk.claimableBalances().order("desc").cursor(`${entriesLedger + 1}-${id(3)}`).call();
    assert.deepEqual(desc.records.map((b) => b.id), [id(2), id(1)]);
    const one = await sdk.claimableBalances().claimableBalance(id(2)).call();
    assert.equal(one.amount, "0.0000005");
    assert.equal((await get(`/claimable_balances/${id(9)}`)).status, 404);
    assert.equal((await get(`/claimable_balances/${"ab".repeat(32)}`)).status, 400);
    assert.equal((await get(`/claimable_balances?cursor=0-${id(1)}`)).status, 400);
    assert.equal((await get(`/claimable_balances?claimant=nope`)).status, 400);
  });

  it("/assets counts holders and amounts by authorization state, with claimable balances (SDK)", async () => {
    const all = await sdk.assets().call();
    assert.deepEqual(all.records.map((a) => a.asset_code), ["EUR", "USD"]);
    const raw = await get("/assets");
    const usd = (raw.body._embedded!.records as unknown as Loose[])[1];
    assert.deepEqual(usd, {
      _links: {toml: {href: ""}},
      asset_type: "credit_alphanum4",
      asset_code: "USD",
      asset_issuer: anchor.publicKey(),
      paging_token: `USD_${anchor.publicKey()}_credit_alphanum4`,
      num_claimable_balances: 2,
      num_liquidity_pools: 0,
      num_contracts: 0,
      accounts: {authorized: 1, authorized_to_maintain_liabilities: 1, unauthorized: 0},
      claimable_balances_amount: "2.5000007",
      liquidity_pools_amount: "0.0000000",
      contracts_amount: "0.0000000",
      balances: {authorized: "50.0000000", authorized_to_maintain_liabilities: "3.0000000", unauthorized: "0.0000000"},
      flags: {auth_required: false, auth_revocable: false, auth_immutable: false, auth_clawback_enabled: false},
    } as never);
    assert.deepEqual(all.records[0]!.accounts, {authorized: 0, authorized_to_maintain_liabilities: 0, unauthorized: 1});
    assert.deepEqual((await sdk.assets().forCode("USD").call()).records.map((a) => a.asset_code), ["USD"]);
    assert.deepEqual((await sdk.assets().forIssuer(maker.publicKey()).call()).records, []);
    const firstPage = await get("/assets?limit=1");
    const nextHref = (firstPage.body._links!.next as unknown as {href: string}).href;
    const nextRaw = await fetch(nextHref);
    assert.equal(nextRaw.status, 200, nextHref + " " + (await nextRaw.clone().text()));
    const next = await (await sdk.assets().limit(1).call()).next();
    assert.deepEqual(next.records.map((a) => a.asset_code), ["USD"]);
    const desc = await sdk.assets().order("desc").cursor(`USD_${anchor.publicKey()}_credit_alphanum4`).call();
    assert.deepEqual(desc.records.map((a) => a.asset_code), ["EUR"]);
    for (const bad of ["/assets?asset_code=US$", "/assets?asset_issuer=G", "/assets?cursor=USD"]) assert.equal((await get(bad)).status, 400, bad);
  });

  it("/accounts?asset= lists the holders of a trustline in the asset (SDK)", async () => {
    const holders = await sdk.accounts().forAsset(sdkUSD).call();
    assert.deepEqual(holders.records.map((a) => a.id), [maker.publicKey(), taker.publicKey()].sort());
    const eurHolders = await sdk.accounts().forAsset(new SdkAsset("EUR", anchor.publicKey())).call();
    assert.deepEqual(eurHolders.records.map((a) => a.id), [taker.publicKey()]);
    const after = await sdk.accounts().forAsset(sdkUSD).cursor(holders.records[0]!.id).call();
    assert.deepEqual(after.records.map((a) => a.id), [holders.records[1]!.id]);
  });

  it("/accounts/{id} lists the trustline with limit, liabilities and flags (SDK)", async () => {
    const acc = await sdk.loadAccount(maker.publicKey());
    const usd = acc.balances.find((b) => b.asset_type === "credit_alphanum4")!;
    assert.deepEqual(usd, {
      balance: "50.0000000",
      limit: "100.0000000",
      buying_liabilities: "0.0000000",
      selling_liabilities: "15.0000000",
      last_modified_ledger: entriesLedger,
      is_authorized: true,
      is_authorized_to_maintain_liabilities: true,
      is_clawback_enabled: false,
      asset_type: "credit_alphanum4",
      asset_code: "USD",
      asset_issuer: anchor.publicKey(),
    } as never);
    assert.equal(acc.balances[acc.balances.length - 1]!.asset_type, "native");
  });
});
