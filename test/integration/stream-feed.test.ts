/**
 * The ledger event feed against a running node: every topic of every ledger holds exactly the
 * records the history routes answer for that ledger, byte for byte, and the per-account index
 * and the changed-state sets name what the per-account routes and object streams would show.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder, type Horizon} from "@stellar/stellar-sdk";
import {startNode, waitFor, type RunningNode} from "../helpers/node.js";
import type {LedgerEvent} from "../../src/api/stream/interface.js";
import {pairKey} from "../../src/api/stream/feed.js";
import {parseToid} from "../../src/store/toid.js";

interface Page {
  _embedded: {records: {paging_token: string}[]};
}

/** The ledger of a paging token ("toid" or "toid-order"). */
function ledgerOf(token: string): number {
  return parseToid(token.split("-")[0]!)!.ledger;
}

describe("ledger event feed", () => {
  let n: RunningNode;
  let passphrase: string;
  const events = new Map<number, LedgerEvent>();
  const issuer = Keypair.random();
  const maker = Keypair.random();
  const taker = Keypair.random();
  const USD = new Asset("USD", issuer.publicKey());
  let makerOfferId = "";
  let tradeLedger = 0;

  async function submit(signer: Keypair, ...ops: ReturnType<typeof Operation.payment>[]): Promise<Horizon.HorizonApi.SubmitTransactionResponse> {
    const src = await n.server.loadAccount(signer.publicKey());
    const b = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase});
    for (const op of ops) b.addOperation(op);
    const tx = b.setTimeout(60).build();
    tx.sign(signer);
    return n.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
  }

  async function getRecords(path: string): Promise<string[]> {
    const res = await fetch(n.url + path);
    assert.equal(res.status, 200, path);
    const page = (await res.json()) as Page;
    return page._embedded.records.map((r) => JSON.stringify(r));
  }

  before(async () => {
    n = await startNode();
    n.node.feed.subscribe((e) => {
      // As a live stream does: the payments topic is built while the event is handed out; every
      // other topic is first asked for after the feed released the ledger's tx and operation lists.
      void e.topicsFor(n.url).payments;
      events.set(e.ledger, e);
    });
    passphrase = ((await (await fetch(n.url + "/")).json()) as {network_passphrase: string}).network_passphrase;
    for (const k of [issuer, maker, taker]) await n.server.friendbot(k.publicKey()).call();
    await submit(maker, Operation.changeTrust({asset: USD}));
    await submit(taker, Operation.changeTrust({asset: USD}));
    await submit(issuer, Operation.payment({destination: maker.publicKey(), asset: USD, amount: "500"}));
    await submit(maker, Operation.manageSellOffer({selling: USD, buying: Asset.native(), amount: "100", price: "2"}));
    const offers = await n.server.offers().forAccount(maker.publicKey()).call();
    makerOfferId = String(offers.records[0]!.id);
    // Crosses part of the maker's offer: one trade, offers and balances of both change.
    const res = await submit(taker, Operation.manageBuyOffer({selling: Asset.native(), buying: USD, buyAmount: "10", price: "2"}));
    tradeLedger = res.ledger;
    await waitFor(() => (events.has(tradeLedger) ? true : undefined), 10_000, "the trade's ledger event");
  });
  after(async () => {
    await n.stop();
  });

  it("publishes one event per closed ledger, in order", () => {
    const seqs = [...events.keys()];
    assert.ok(seqs.length >= 7);
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1);
    for (const [seq, e] of events) assert.equal(e.header.seq, seq);
  });

  it("each topic of each ledger equals that ledger's records in the GET answers, byte for byte", async () => {
    let txs = 0;
    let effects = 0;
    for (const [seq, e] of events) {
      const t = e.topicsFor(n.url);
      if (t.transactions.length === 0 && seq % 3 !== 0) continue;
      assert.deepEqual(t.ledgers.map((r) => r.json), [JSON.stringify(await (await fetch(`${n.url}/ledgers/${seq}`)).json())]);
      assert.deepEqual(
        t.transactions.map((r) => r.json),
        await getRecords(`/ledgers/${seq}/transactions?limit=200&include_failed=true`),
      );
      assert.deepEqual(t.operations.map((r) => r.json), await getRecords(`/ledgers/${seq}/operations?limit=200&include_failed=true`));
      assert.deepEqual(t.payments.map((r) => r.json), await getRecords(`/ledgers/${seq}/payments?limit=200&include_failed=true`));
      assert.deepEqual(t.effects.map((r) => r.json), await getRecords(`/ledgers/${seq}/effects?limit=200`));
      assert.deepEqual(
        t.operations.map((r) => r.joinedJson()),
        await getRecords(`/ledgers/${seq}/operations?limit=200&include_failed=true&join=transactions`),
      );
      for (const r of t.transactions) assert.equal(r.token, JSON.parse(r.json).paging_token);
      txs += t.transactions.length;
      effects += t.effects.length;
    }
    assert.ok(txs >= 7, "the ledgers held the test's transactions");
    assert.ok(effects > txs, "and their effects");
  });

  it("the trades topic holds the ledger's trades, in both orientations", async () => {
    const t = events.get(tradeLedger)!.topicsFor(n.url);
    assert.equal(t.trades.length, 1);
    const all = (await getRecords(`/trades?limit=200`)).filter((r) => ledgerOf(JSON.parse(r).paging_token) === tradeLedger);
    assert.deepEqual(t.trades.map((r) => r.json), all);
    const usd = `USD:${issuer.publicKey()}`;
    const byUsd = await getRecords(`/trades?base_asset_type=credit_alphanum4&base_asset_code=USD&base_asset_issuer=${issuer.publicKey()}&counter_asset_type=native`);
    assert.deepEqual([t.trades[0]!.oriented(usd).json], byUsd.filter((r) => ledgerOf(JSON.parse(r).paging_token) === tradeLedger));
    const byNative = await getRecords(`/trades?base_asset_type=native&counter_asset_type=credit_alphanum4&counter_asset_code=USD&counter_asset_issuer=${issuer.publicKey()}`);
    assert.deepEqual([t.trades[0]!.oriented("native").json], byNative.filter((r) => ledgerOf(JSON.parse(r).paging_token) === tradeLedger));
    assert.ok(t.trades[0]!.accounts.has(maker.publicKey()) && t.trades[0]!.accounts.has(taker.publicKey()));
    assert.ok(t.trades[0]!.offerIds.has(makerOfferId));
    assert.equal(t.trades[0]!.pairKey, pairKey("native", usd));
  });

  it("forAccount lists what the per-account routes list for that ledger", async () => {
    for (const who of [maker, taker, issuer]) {
      const id = who.publicKey();
      const inLedger = async (path: string, seq: number) => (await getRecords(path)).filter((r) => ledgerOf(JSON.parse(r).paging_token) === seq);
      for (const [seq, e] of events) {
        const t = e.topicsFor(n.url);
        if (t.transactions.length === 0) continue;
        assert.deepEqual(
          t.forAccount("transactions", id).map((r) => r.json),
          await inLedger(`/accounts/${id}/transactions?limit=200&include_failed=true`, seq),
          `transactions of ${id} in ${seq}`,
        );
        assert.deepEqual(t.forAccount("operations", id).map((r) => r.json), await inLedger(`/accounts/${id}/operations?limit=200&include_failed=true`, seq));
        assert.deepEqual(t.forAccount("payments", id).map((r) => r.json), await inLedger(`/accounts/${id}/payments?limit=200&include_failed=true`, seq));
        assert.deepEqual(t.forAccount("effects", id).map((r) => r.json), await inLedger(`/accounts/${id}/effects?limit=200`, seq));
        assert.deepEqual(t.forAccount("trades", id).map((r) => r.json), await inLedger(`/accounts/${id}/trades?limit=200`, seq));
      }
    }
  });

  it("names the accounts, books and offers the ledger changed, and holds the changed offers as GET /offers/{id} answers", async () => {
    const e = events.get(tradeLedger)!;
    assert.ok(e.changed.accounts.has(maker.publicKey()));
    assert.ok(e.changed.accounts.has(taker.publicKey()));
    assert.ok(!e.changed.accounts.has(issuer.publicKey()));
    assert.ok(e.changed.books.has(pairKey("native", `USD:${issuer.publicKey()}`)));
    assert.ok(e.changed.offers.has(makerOfferId));
    const offers = e.topicsFor(n.url).offers;
    assert.deepEqual(offers.map((o) => o.token), [makerOfferId]);
    assert.equal(offers[0]!.json, JSON.stringify(await (await fetch(`${n.url}/offers/${makerOfferId}`)).json()));
    assert.equal(offers[0]!.created, false);
    const createdIn = [...events.values()].find((x) => x.topicsFor(n.url).offers.some((o) => o.token === makerOfferId && o.created));
    assert.ok(createdIn, "the ledger that created the offer marks it created");
    assert.ok(createdIn.ledger < tradeLedger);
  });

  it("an unsubscribed listener hears nothing more", async () => {
    const seen: number[] = [];
    const off = n.node.feed.subscribe((e) => seen.push(e.ledger));
    await waitFor(() => (seen.length > 0 ? true : undefined), 5000, "one event");
    off();
    const count = seen.length;
    const last = n.node.feed.last!.ledger;
    await waitFor(() => (n.node.feed.last!.ledger > last + 1 ? true : undefined), 5000, "two more ledgers");
    assert.equal(seen.length, count);
  });
});
