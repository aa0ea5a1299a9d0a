/**
 * Streams driven by the unchanged @stellar/stellar-sdk (`CallBuilder.stream()` over its
 * EventSource), as a wallet uses them: payments of an account from `cursor("now")`, ledgers and
 * an order book; a stream dropped mid-way and reopened from the last paging token received
 * gets every record once; and the SDK's own reconnection after Horizon's goodbye (at `limit`)
 * loses and repeats nothing.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder, type Horizon} from "@stellar/stellar-sdk";
import {startNode, sleep, waitFor, type RunningNode} from "../helpers/node.js";

interface PaymentMessage {
  id: string;
  paging_token: string;
  transaction_hash: string;
  amount: string;
  to: string;
}

describe("streams through @stellar/stellar-sdk", () => {
  let n: RunningNode;
  let passphrase: string;
  const alice = Keypair.random();
  const bob = Keypair.random();
  const issuer = Keypair.random();
  const USD = new Asset("USD", issuer.publicKey());
  const closers: (() => void)[] = [];

  async function submit(signer: Keypair, ...ops: ReturnType<typeof Operation.payment>[]): Promise<Horizon.HorizonApi.SubmitTransactionResponse> {
    const src = await n.server.loadAccount(signer.publicKey());
    const b = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase});
    for (const op of ops) b.addOperation(op);
    // No upper time bound: with 200 ms ledgers, close times run up to 60 s ahead of the clock.
    const tx = b.setTimeout(0).build();
    tx.sign(signer);
    try {
      return await n.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
    } catch (e) {
      const codes = (e as {response?: {data?: {extras?: {result_codes?: unknown}}}}).response?.data?.extras?.result_codes;
      throw new Error(`submission rejected: ${JSON.stringify(codes)}`);
    }
  }

  const pay = (amount: string) => submit(alice, Operation.payment({destination: bob.publicKey(), asset: Asset.native(), amount}));

  /** Bob's payments as GET lists them after `cursor`, in order. */
  async function listedAfter(cursor: string): Promise<string[]> {
    const page = await n.server.payments().forAccount(bob.publicKey()).cursor(cursor).limit(200).call();
    return page.records.map((r) => r.paging_token);
  }

  before(async () => {
    n = await startNode();
    passphrase = ((await (await fetch(n.url + "/")).json()) as {network_passphrase: string}).network_passphrase;
    for (const k of [alice, bob, issuer]) await n.server.friendbot(k.publicKey()).call();
    await submit(alice, Operation.changeTrust({asset: USD}));
    await submit(issuer, Operation.payment({destination: alice.publicKey(), asset: USD, amount: "1000"}));
  });
  after(async () => {
    for (const c of closers) c();
    await n.stop();
  });

  it("streams an account's payments from cursor now: a payment submitted meanwhile arrives", async () => {
    const got: PaymentMessage[] = [];
    const errors: unknown[] = [];
    const close = n.server
      .payments()
      .forAccount(bob.publicKey())
      .cursor("now")
      .stream({onmessage: (m) => got.push(m as unknown as PaymentMessage), onerror: (e) => errors.push(e)});
    closers.push(close);
    await sleep(300);
    const res = await pay("7.5");
    await waitFor(() => (got.length >= 1 ? true : undefined), 10_000, "the payment event");
    close();
    assert.equal(got.length, 1);
    assert.equal(got[0]!.transaction_hash, res.hash);
    assert.equal(got[0]!.amount, "7.5000000");
    assert.equal(got[0]!.to, bob.publicKey());
    assert.deepEqual(errors, []);
  });

  it("a stream dropped mid-way and reopened from the last id received gets every payment once", async () => {
    const start = (await n.server.payments().forAccount(bob.publicKey()).order("desc").limit(1).call()).records[0]!.paging_token;
    const got: string[] = [];
    const onmessage = (m: unknown) => got.push((m as PaymentMessage).paging_token);
    let close = n.server.payments().forAccount(bob.publicKey()).cursor(start).stream({onmessage});
    closers.push(close);
    await pay("1");
    await pay("2");
    await waitFor(() => (got.length >= 2 ? true : undefined), 10_000, "two payments");
    close();
    // Payments while nobody listens.
    await pay("3");
    await pay("4");
    close = n.server.payments().forAccount(bob.publicKey()).cursor(got[got.length - 1]!).stream({onmessage});
    closers.push(close);
    await pay("5");
    await waitFor(() => (got.length >= 5 ? true : undefined), 10_000, "five payments");
    await sleep(500);
    close();
    assert.deepEqual(got, await listedAfter(start));
    assert.equal(new Set(got).size, got.length);
  });

  it("the SDK's own reconnection after each goodbye (limit 2) loses and repeats nothing", async () => {
    const start = (await n.server.payments().forAccount(bob.publicKey()).order("desc").limit(1).call()).records[0]!.paging_token;
    const got: string[] = [];
    const close = n.server
      .payments()
      .forAccount(bob.publicKey())
      .cursor(start)
      .limit(2)
      .stream({onmessage: (m) => got.push((m as unknown as PaymentMessage).paging_token)});
    closers.push(close);
    for (const amount of ["1", "2", "3", "4", "5"]) await pay(amount);
    await waitFor(() => (got.length >= 5 ? true : undefined), 15_000, "five payments over three connections");
    await sleep(500);
    close();
    assert.deepEqual(got, await listedAfter(start));
    assert.equal(got.length, 5);
  });

  it("streams ledgers; reopened from the last id it continues with the next ledger", async () => {
    const seqs: number[] = [];
    const onmessage = (m: unknown) => seqs.push((m as {sequence: number}).sequence);
    let close = n.server.ledgers().cursor("now").stream({onmessage});
    closers.push(close);
    await waitFor(() => (seqs.length >= 3 ? true : undefined), 10_000, "three ledgers");
    close();
    const last = seqs[seqs.length - 1]!;
    const token = (await n.server.ledgers().ledger(last).call()) as unknown as {paging_token: string};
    await waitFor(async () => ((await n.server.ledgers().order("desc").limit(1).call()).records[0]!.sequence >= last + 3 ? true : undefined), 10_000, "ledgers closing while disconnected");
    close = n.server.ledgers().cursor(token.paging_token).stream({onmessage});
    closers.push(close);
    await waitFor(() => (seqs.length >= 9 ? true : undefined), 10_000, "six more ledgers");
    close();
    assert.deepEqual(seqs, seqs.map((_, i) => seqs[0]! + i), "consecutive, none lost or repeated");
  });

  it("streams an order book: the current book first, then the book again when an offer changes it", async () => {
    const books: Horizon.ServerApi.OrderbookRecord[] = [];
    const onmessage = (m: unknown) => books.push(m as Horizon.ServerApi.OrderbookRecord);
    let close = n.server.orderbook(USD, Asset.native()).stream({onmessage});
    closers.push(close);
    await waitFor(() => (books.length >= 1 ? true : undefined), 10_000, "the current book");
    assert.deepEqual(books[0]!.asks, []);
    await submit(alice, Operation.manageSellOffer({selling: USD, buying: Asset.native(), amount: "10", price: "3"}));
    await waitFor(() => (books.length >= 2 ? true : undefined), 10_000, "the book with the offer");
    assert.deepEqual(
      books[1]!.asks.map((a) => [a.price, a.amount]),
      [["3.0000000", "10.0000000"]],
    );
    // Payments elsewhere do not re-send the book.
    await pay("1");
    await sleep(600);
    assert.equal(books.length, 2);
    close();
    // A change while disconnected: the reopened stream starts from the book as it is now.
    await submit(alice, Operation.manageSellOffer({selling: USD, buying: Asset.native(), amount: "5", price: "4"}));
    close = n.server.orderbook(USD, Asset.native()).stream({onmessage});
    closers.push(close);
    await waitFor(() => (books.length >= 3 ? true : undefined), 10_000, "the book on reconnect");
    close();
    assert.deepEqual(
      books[2]!.asks.map((a) => [a.price, a.amount]),
      [
        ["3.0000000", "10.0000000"],
        ["4.0000000", "5.0000000"],
      ],
    );
    const now = await n.server.orderbook(USD, Asset.native()).call();
    assert.deepEqual(books[2]!.asks.map((a) => [a.price, a.amount]), now.asks.map((a) => [a.price, a.amount]));
  });
});
