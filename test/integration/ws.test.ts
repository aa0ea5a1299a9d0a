/**
 * /ws against a node closing ledgers: an account's payments and a book arrive in ledger order as
 * the GET routes list them; a subscription resumed from a paging token replays the history and
 * goes live with no gap and no duplicate; a consumer that stops reading is closed with 4008 and,
 * resubscribing from the last token it received, loses nothing.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import type {Socket} from "node:net";
import {Asset, Keypair, Operation, type xdr} from "@stellar/stellar-sdk";
import {startNode, type RunningNode} from "../helpers/node.js";
import {openMarket, type Market} from "../helpers/market.js";
import {TestWsClient, type WsFrame} from "../helpers/ws-client.js";

interface Rec {
  paging_token: string;
  [k: string]: unknown;
}

function ledgerOf(token: string): number {
  return Number(BigInt(token.split("-")[0]!) >> 32n);
}

/** Every record of a GET collection after `cursor`, paged to the end. */
async function all(n: RunningNode, path: string, cursor: string): Promise<Rec[]> {
  const out: Rec[] = [];
  for (;;) {
    const sep = path.includes("?") ? "&" : "?";
    const body = (await (await fetch(`${n.url}${path}${sep}cursor=${cursor}&limit=200&order=asc`)).json()) as {_embedded: {records: Rec[]}};
    out.push(...body._embedded.records);
    if (body._embedded.records.length < 200) return out;
    cursor = body._embedded.records[199]!.paging_token;
  }
}

/** Records of `records` frames for subscription channel `channel` until `until` holds. */
async function collect(c: TestWsClient, channel: string, until: (recs: Rec[]) => boolean, out: Rec[] = []): Promise<Rec[]> {
  while (!until(out)) {
    const f = await c.next((x) => x.type === "records" && x.channel === channel);
    out.push(...(f.records as Rec[]));
  }
  return out;
}

describe("/ws streams", () => {
  let n: RunningNode;
  let m: Market;

  before(async () => {
    // The slow consumer below stops reading for many seconds on a loaded box: no idle close meanwhile.
    n = await startNode({ws: {slowConsumerBytes: 64 * 1024, idleTimeoutSeconds: 240}});
    m = await openMarket(n, "WSUSD");
  });
  after(async () => {
    await n.stop();
  });

  it("an account's payments and a book arrive in ledger order, as the routes list them", async () => {
    const c = new TestWsClient(n.url);
    await c.opened;
    const alice = m.alice.publicKey();
    const book = {base: `WSUSD:${m.issuer.publicKey()}`, counter: "native"};
    c.send({op: "subscribe", id: "p", topic: "payments", account: alice});
    const subscribed = await c.next((f) => f.type === "subscribed" && f.id === "p");
    assert.equal(subscribed.channel, `payments:account:${alice}`);
    const from = subscribed.ledger as number;
    c.send({op: "subscribe", id: "b", topic: "order_book", ...book});
    const first = await c.next((f) => f.type === "order_book");
    assert.deepEqual((first.book as {asks: unknown[]}).asks, []);
    c.send({op: "subscribe", id: "t", topic: "trades", ...book});
    await c.next((f) => f.type === "subscribed" && f.id === "t");

    await m.submit(m.issuer, Operation.payment({destination: alice, asset: m.asset, amount: "5"}));
    await m.submit(m.bob, Operation.payment({destination: alice, asset: Asset.native(), amount: "3"}));
    await m.submit(m.alice, Operation.manageSellOffer({selling: m.asset, buying: Asset.native(), amount: "10", price: "2"}));
    const resting = await c.next((f) => f.type === "order_book" && (f.book as {asks: unknown[]}).asks.length === 1);
    assert.deepEqual((resting.book as {asks: {price: string; amount: string}[]}).asks.map((l) => [l.price, l.amount]), [["2.0000000", "10.0000000"]]);
    await m.submit(m.bob, Operation.manageBuyOffer({selling: Asset.native(), buying: m.asset, buyAmount: "10", price: "2"}));
    const emptied = await c.next((f) => f.type === "order_book" && (f.book as {asks: unknown[]}).asks.length === 0);
    assert.ok((emptied.ledger as number) > (resting.ledger as number));

    const trades = await collect(c, `trades:pair:${book.base}|native`, (r) => r.length >= 1);
    assert.equal(trades.length, 1);
    assert.equal(trades[0]!.base_amount, "10.0000000");
    assert.equal(trades[0]!.counter_amount, "20.0000000");
    assert.equal(trades[0]!.base_asset_code, "WSUSD");

    const got = await collect(c, `payments:account:${alice}`, (r) => r.length >= 2);
    const expected = (await all(n, `/accounts/${alice}/payments?include_failed=true`, "0")).filter((r) => ledgerOf(r.paging_token) > from);
    assert.deepEqual(got, expected, "the streamed records are the GET's records");
    assert.deepEqual(got.map((r) => r.type), ["payment", "payment"]);
    assert.ok(ledgerOf(got[0]!.paging_token) < ledgerOf(got[1]!.paging_token), "in ledger order");
    c.close();
  });

  it("resumes from a paging token: the history, then live, with no gap and no duplicate", async () => {
    const start = (await all(n, "/payments?include_failed=true", "0"))[2]!.paging_token;
    let loading = true;
    const load = (async () => {
      while (loading) await m.submit(m.alice, Operation.payment({destination: m.bob.publicKey(), asset: m.asset, amount: "0.1"}));
    })();
    try {
      await new Promise((r) => setTimeout(r, 600));
      const c = new TestWsClient(n.url);
      await c.opened;
      c.send({op: "subscribe", id: "r", topic: "payments", cursor: start});
      const got: Rec[] = [];
      // Replayed frames (no ledger), then caught_up, then live frames.
      for (;;) {
        const f: WsFrame = await c.next((x) => (x.type === "records" && x.channel === "payments") || x.type === "caught_up");
        if (f.type === "caught_up") break;
        assert.equal(f.ledger, null);
        got.push(...(f.records as Rec[]));
      }
      const replayed = got.length;
      assert.ok(replayed > 2);
      await collect(c, "payments", (r) => r.length >= replayed + 4, got);
      loading = false;
      await load;
      const last = ledgerOf(got[got.length - 1]!.paging_token);
      const expected = (await all(n, "/payments?include_failed=true", start)).filter((r) => ledgerOf(r.paging_token) <= last);
      assert.deepEqual(got.map((r) => r.paging_token), expected.map((r) => r.paging_token));
      assert.deepEqual(got, expected);
      c.close();
    } finally {
      loading = false;
      await load;
    }
  });

  it("resumes from a recent paging token out of the feed's kept ledgers, as the route lists the records", async () => {
    await m.submit(m.alice, Operation.payment({destination: m.bob.publicKey(), asset: m.asset, amount: "0.2"}));
    await m.submit(m.bob, Operation.payment({destination: m.alice.publicKey(), asset: m.asset, amount: "0.1"}));
    const newest = (await (await fetch(`${n.url}/payments?order=desc&limit=3&include_failed=true`)).json()) as {_embedded: {records: Rec[]}};
    const start = newest._embedded.records[2]!.paging_token;
    const before = n.node.ws.keptReplays;
    const c = new TestWsClient(n.url);
    await c.opened;
    c.send({op: "subscribe", id: "k", topic: "payments", cursor: start});
    const got: Rec[] = [];
    let caughtUp = 0;
    for (;;) {
      const f: WsFrame = await c.next((x) => (x.type === "records" && x.channel === "payments") || x.type === "caught_up");
      if (f.type === "caught_up") {
        caughtUp = f.ledger as number;
        break;
      }
      assert.equal(f.ledger, null);
      got.push(...(f.records as Rec[]));
    }
    assert.ok(n.node.ws.keptReplays > before, "replayed from the kept ledgers");
    const expected = (await all(n, "/payments?include_failed=true", start)).filter((r) => ledgerOf(r.paging_token) <= caughtUp);
    assert.ok(expected.length >= 2);
    assert.deepEqual(got, expected);
    c.close();
  });

  it("a consumer that stops reading is closed with 4008 and resumes from its last token without loss", async () => {
    const slow = new TestWsClient(n.url);
    await slow.opened;
    slow.send({op: "subscribe", id: "o", topic: "operations"});
    const from = (await slow.next((f) => f.type === "subscribed")).ledger as number;
    // More channels, more bytes: transaction records carry their envelope, result and meta.
    for (const topic of ["transactions", "effects", "payments"]) {
      slow.send({op: "subscribe", id: topic, topic});
      await slow.next((f) => f.type === "subscribed" && f.id === topic);
    }
    // Stop reading: the kernel buffers fill, then the node's send buffer for this socket grows.
    (slow.ws as unknown as {_socket: Socket})._socket.pause();

    // 2,000 account creations, 100 per transaction: ~10 MB of records, past what the kernel's
    // socket buffers hold (a few MB) and so far past the 64 KiB limit.
    const creates = (): xdr.Operation[] => Array.from({length: 100}, () => Operation.createAccount({destination: Keypair.random().publicKey(), startingBalance: "1"}));
    for (let round = 0; round < 10; round++) await Promise.all([m.alice, m.bob].map((p) => m.submit(p, ...creates())));
    (slow.ws as unknown as {_socket: Socket})._socket.resume();
    const received: Rec[] = [];
    for (;;) {
      let f: WsFrame;
      try {
        f = await slow.next((x) => x.type === "records" && x.channel === "operations");
      } catch {
        break;
      }
      received.push(...(f.records as Rec[]));
    }
    assert.equal(slow.closed?.code, 4008, `closed with ${JSON.stringify(slow.closed)}`);
    assert.ok(received.length > 0, "what was sent before the close arrives");
    const cursor = received[received.length - 1]!.paging_token;

    const again = new TestWsClient(n.url);
    await again.opened;
    again.send({op: "subscribe", id: "o", topic: "operations", cursor});
    const rest: Rec[] = [];
    for (;;) {
      const f = await again.next((x) => x.type === "records" || x.type === "caught_up");
      if (f.type === "caught_up") break;
      rest.push(...(f.records as Rec[]));
    }
    const got = [...received, ...rest];
    const last = ledgerOf(got[got.length - 1]!.paging_token);
    const expected = (await all(n, "/operations?include_failed=true", "0")).filter((r) => ledgerOf(r.paging_token) > from && ledgerOf(r.paging_token) <= last);
    assert.ok(expected.length >= 2000);
    assert.deepEqual(got.map((r) => r.paging_token), expected.map((r) => r.paging_token), "nothing lost, nothing repeated");
    const closes = /diamante_api_ws_slow_consumers_closed_total (\d+)/.exec(await (await fetch(n.url + "/metrics")).text());
    assert.ok(closes !== null && Number(closes[1]) >= 1);
    again.close();
  });
});
