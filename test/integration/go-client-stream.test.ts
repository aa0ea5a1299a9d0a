/**
 * Streams read by the Go SDK's stream loop (test/helpers/go-stream.ts follows horizonclient's
 * `Client.stream`): `cursor=now` added to every streamed URL, object routes included; each
 * reconnection after Horizon's goodbye made at once with `?cursor=<last id>` and no
 * Last-Event-ID; heartbeat comments and the open/close events never reaching the handler.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder} from "@stellar/stellar-sdk";
import {startNode, sleep, waitFor, type RunningNode} from "../helpers/node.js";
import {decodeBlock, goStream, type GoStream} from "../helpers/go-stream.js";

describe("streams through the Go SDK's stream loop", () => {
  let n: RunningNode;
  let passphrase: string;
  const alice = Keypair.random();
  const bob = Keypair.random();
  const issuer = Keypair.random();
  const USD = new Asset("USD", issuer.publicKey());
  const streams: GoStream[] = [];

  async function submit(signer: Keypair, op: ReturnType<typeof Operation.payment>): Promise<string> {
    const src = await n.server.loadAccount(signer.publicKey());
    // No upper time bound: with 200 ms ledgers, close times run up to 60 s ahead of the clock.
    const tx = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase}).addOperation(op).setTimeout(0).build();
    tx.sign(signer);
    return (await n.server.submitTransaction(tx, {skipMemoRequiredCheck: true})).hash;
  }

  const pay = (amount: string) => submit(alice, Operation.payment({destination: bob.publicKey(), asset: Asset.native(), amount}));

  function open(path: string, handler: (data: string) => void): GoStream {
    const s = goStream(n.url + path, handler);
    streams.push(s);
    return s;
  }

  before(async () => {
    n = await startNode({sse: {heartbeatMs: 150}});
    passphrase = ((await (await fetch(n.url + "/")).json()) as {network_passphrase: string}).network_passphrase;
    for (const k of [alice, bob, issuer]) await n.server.friendbot(k.publicKey()).call();
    await submit(alice, Operation.changeTrust({asset: USD}));
    await submit(issuer, Operation.payment({destination: alice.publicKey(), asset: USD, amount: "1000"}));
  });
  after(async () => {
    for (const s of streams) await s.stop();
    await n.stop();
  });

  it("decodes blocks as the Go client's SSE decoder does", () => {
    assert.deepEqual(decodeBlock('id: 12\ndata: {"a":1}\n\n').event, {event: "message", id: "12", data: '{"a":1}'});
    assert.deepEqual(decodeBlock('retry: 10\nevent: close\ndata: "byebye"\n\n').event, {event: "close", id: "", data: '"byebye"'});
    assert.deepEqual(decodeBlock(":\n\n"), {comments: 1});
    assert.deepEqual(decodeBlock("data: a\ndata: b\n\n").event, {event: "message", id: "", data: "a\nb"});
  });

  it("an account's payments from cursor now, through goodbyes every 2 events: each payment once, in order, with ?cursor= reconnections", async () => {
    const before = (await n.server.payments().forAccount(bob.publicKey()).order("desc").limit(1).call()).records[0]!.paging_token;
    const got: {paging_token: string; transaction_hash: string}[] = [];
    const s = open(`/accounts/${bob.publicKey()}/payments?limit=2`, (data) => got.push(JSON.parse(data) as {paging_token: string; transaction_hash: string}));
    await waitFor(() => (s.requests.length >= 1 ? true : undefined), 5_000, "the first connection");
    await sleep(300);
    const hashes: string[] = [];
    for (const amount of ["1", "2", "3", "4", "5"]) hashes.push(await pay(amount));
    await waitFor(() => (got.length >= 5 ? true : undefined), 15_000, "five payments");
    await sleep(500);
    await s.stop();
    const listed = (await n.server.payments().forAccount(bob.publicKey()).cursor(before).limit(200).call()).records.map((r) => r.paging_token);
    assert.deepEqual(
      got.map((r) => r.paging_token),
      listed,
    );
    assert.deepEqual(
      got.map((r) => r.transaction_hash),
      hashes,
    );
    // The first connection from "now", then one after each goodbye from the last id received.
    assert.equal(new URL(s.requests[0]!).searchParams.get("cursor"), "now");
    assert.ok(s.requests.length >= 3, `${s.requests.length} connections`);
    const cursors = s.requests.slice(1).map((u) => new URL(u).searchParams.get("cursor"));
    for (const c of cursors.slice(0, 2)) assert.ok(listed.includes(c!), `reconnected from a received id (${c})`);
  });

  it("ledgers from cursor now: consecutive sequences", async () => {
    const seqs: number[] = [];
    const s = open("/ledgers", (data) => seqs.push((JSON.parse(data) as {sequence: number}).sequence));
    await waitFor(() => (seqs.length >= 4 ? true : undefined), 10_000, "four ledgers");
    await s.stop();
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => seqs[0]! + i),
    );
    assert.equal(new URL(s.requests[0]!).searchParams.get("cursor"), "now");
  });

  it("heartbeat comments on an idle stream are read and dispatch nothing", async () => {
    const got: string[] = [];
    const s = open(`/accounts/${bob.publicKey()}/effects?cursor=now`, (data) => got.push(data));
    await waitFor(() => (s.comments() >= 3 ? true : undefined), 5_000, "three heartbeats");
    await s.stop();
    assert.deepEqual(got, []);
  });

  it("an order book at the URL the Go client builds (cursor=now added): the book now, then again after an offer", async () => {
    const books: {bids: unknown[]; asks: {price: string; amount: string}[]}[] = [];
    const path =
      `/order_book?buying_asset_type=native&selling_asset_code=USD&selling_asset_issuer=${issuer.publicKey()}` +
      `&selling_asset_type=credit_alphanum4&limit=5`;
    const s = open(path, (data) => books.push(JSON.parse(data) as {bids: unknown[]; asks: {price: string; amount: string}[]}));
    await waitFor(() => (books.length >= 1 ? true : undefined), 10_000, "the current book");
    assert.deepEqual(books[0]!.asks, []);
    assert.equal(new URL(s.requests[0]!).searchParams.get("cursor"), "now");
    await submit(alice, Operation.manageSellOffer({selling: USD, buying: Asset.native(), amount: "10", price: "3"}));
    await waitFor(() => (books.length >= 2 ? true : undefined), 10_000, "the book with the offer");
    await s.stop();
    assert.deepEqual(
      books[1]!.asks.map((a) => [a.price, a.amount]),
      [["3.0000000", "10.0000000"]],
    );
  });
});
