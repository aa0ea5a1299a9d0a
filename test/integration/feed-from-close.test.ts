/**
 * The feed builds a new ledger's tx records from the close result instead of reading them back
 * from the store: for ledgers with payments, path payments, offers and trades, fee-bumps, failed
 * txs and multi-operation txs, those records equal the store read of the same ledger (deep-equal)
 * and every topic formats to the same JSON as a feed that reads the store. The operations a
 * stream of payments asks for first are made straight from the close's frames (no tx records):
 * their fields, JSON, payment flag and accounts equal the store read's and the record formatter's.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Account, Asset, Keypair, MuxedAccount, Operation, TransactionBuilder, type Transaction, type FeeBumpTransaction, type Horizon} from "@stellar/stellar-sdk";
import {startNode, waitFor, type RunningNode} from "../helpers/node.js";
import {LedgerFeed} from "../../src/api/stream/feed.js";
import type {LedgerEvent} from "../../src/api/stream/interface.js";
import {storedTxsOfClose} from "../../src/store/records.js";
import {isPaymentOp, storedOp} from "../../src/store/ledger-store.js";
import {operationRecord} from "../../src/api/format/operation.js";
import type {LedgerCloseResult} from "../../src/tx/interface.js";

describe("feed records built from the close", () => {
  let n: RunningNode;
  let passphrase: string;
  const closes = new Map<number, LedgerCloseResult>();
  const fromClose = new Map<number, LedgerEvent>();
  const fromStore = new Map<number, LedgerEvent>();
  const issuer = Keypair.random();
  const maker = Keypair.random();
  const taker = Keypair.random();
  const sponsor = Keypair.random();
  const USD = new Asset("USD", issuer.publicKey());
  const EUR = new Asset("EUR", issuer.publicKey());
  const ledgers = new Set<number>();

  async function build(signer: Keypair, ops: ReturnType<typeof Operation.payment>[]): Promise<Transaction> {
    const src = await n.server.loadAccount(signer.publicKey());
    const b = new TransactionBuilder(src, {fee: "100", networkPassphrase: passphrase});
    for (const op of ops) b.addOperation(op);
    const tx = b.setTimeout(60).build();
    tx.sign(signer);
    return tx;
  }

  /** Submits; a tx that fails at apply answers 400 with its ledger in the extras' result (kept as a ledger to compare). */
  async function submit(tx: Transaction | FeeBumpTransaction): Promise<Horizon.HorizonApi.SubmitTransactionResponse | undefined> {
    try {
      const res = await n.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
      ledgers.add(res.ledger);
      return res;
    } catch {
      return undefined;
    }
  }

  before(async () => {
    n = await startNode();
    const storeFeed = new LedgerFeed({txsFrom: "store"}, {reader: n.node.store});
    n.node.feed.subscribe((e) => fromClose.set(e.ledger, e));
    storeFeed.subscribe((e) => fromStore.set(e.ledger, e));
    n.node.herder.onLedgerClosed((c) => {
      closes.set(c.header.seq, c.result);
      storeFeed.publish(c);
    });
    passphrase = ((await (await fetch(n.url + "/")).json()) as {network_passphrase: string}).network_passphrase;
    for (const k of [issuer, maker, taker, sponsor]) await n.server.friendbot(k.publicKey()).call();
    // Multi-op txs: two trustlines each.
    await submit(await build(maker, [Operation.changeTrust({asset: USD}), Operation.changeTrust({asset: EUR})]));
    await submit(await build(taker, [Operation.changeTrust({asset: USD}), Operation.changeTrust({asset: EUR})]));
    // Payments, two in one tx.
    await submit(
      await build(issuer, [
        Operation.payment({destination: maker.publicKey(), asset: USD, amount: "500"}),
        Operation.payment({destination: maker.publicKey(), asset: EUR, amount: "500"}),
      ]),
    );
    // Offers: USD for XLM and EUR for USD.
    await submit(
      await build(maker, [
        Operation.manageSellOffer({selling: USD, buying: Asset.native(), amount: "100", price: "2"}),
        Operation.manageSellOffer({selling: EUR, buying: USD, amount: "100", price: "1"}),
      ]),
    );
    // A path payment crossing both books (XLM → USD → EUR): trades.
    await submit(
      await build(taker, [
        Operation.pathPaymentStrictSend({sendAsset: Asset.native(), sendAmount: "20", destination: taker.publicKey(), destAsset: EUR, destMin: "1", path: [USD]}),
      ]),
    );
    // A crossing offer.
    await submit(await build(taker, [Operation.manageBuyOffer({selling: Asset.native(), buying: USD, buyAmount: "5", price: "2"})]));
    // A fee-bump of a payment.
    const inner = await build(taker, [Operation.payment({destination: issuer.publicKey(), asset: Asset.native(), amount: "1"})]);
    const fb = TransactionBuilder.buildFeeBumpTransaction(sponsor, "200", inner, passphrase);
    fb.sign(sponsor);
    await submit(fb);
    // Payments naming muxed accounts: to a muxed destination, and from a muxed operation source.
    const muxedMaker = new MuxedAccount(new Account(maker.publicKey(), "0"), "42").accountId();
    const muxedIssuer = new MuxedAccount(new Account(issuer.publicKey(), "0"), "7").accountId();
    await submit(
      await build(issuer, [
        Operation.payment({destination: muxedMaker, asset: USD, amount: "2"}),
        Operation.payment({destination: taker.publicKey(), asset: Asset.native(), amount: "3", source: muxedIssuer}),
      ]),
    );
    // Failed at apply: a payment of an asset the destination does not trust, and a second op that would pass.
    await submit(
      await build(issuer, [
        Operation.payment({destination: sponsor.publicKey(), asset: USD, amount: "1"}),
        Operation.payment({destination: maker.publicKey(), asset: USD, amount: "1"}),
      ]),
    );
    const last = Math.max(...closes.keys());
    await waitFor(() => (fromClose.has(last) && fromStore.has(last) ? true : undefined), 30_000, "the last ledger's events");
  });
  after(async () => {
    await n.stop();
  });

  it("storedTxsOfClose equals the store read of each ledger, field for field", () => {
    let txs = 0;
    let failed = 0;
    let feeBumps = 0;
    for (const [seq, result] of closes) {
      const built = storedTxsOfClose(result);
      const read = n.node.store.txs({limit: 200, order: "asc"}, {ledger: seq});
      assert.deepStrictEqual(built, read, `ledger ${seq}`);
      txs += built.length;
      failed += built.filter((t) => !t.successful).length;
      feeBumps += built.filter((t) => t.feeBump !== undefined).length;
    }
    assert.ok(txs >= 12, `txs compared: ${txs}`);
    assert.ok(failed >= 1, "a failed tx was compared");
    assert.ok(feeBumps >= 1, "a fee-bump was compared");
  });

  it("every topic of every ledger formats to the same records and JSON as the store-read feed", () => {
    const counts = {transactions: 0, operations: 0, payments: 0, effects: 0, trades: 0};
    assert.deepEqual([...fromClose.keys()].filter((s) => closes.has(s)).sort(), [...fromStore.keys()].sort());
    for (const [seq, s] of fromStore) {
      const c = fromClose.get(seq);
      assert.ok(c !== undefined, `ledger ${seq} published by the node's feed`);
      for (const topic of ["transactions", "operations", "payments", "effects", "trades"] as const) {
        const a = c.topicsFor(n.url)[topic] as readonly {json: string; record: unknown; token: string}[];
        const b = s.topicsFor(n.url)[topic] as readonly {json: string; record: unknown; token: string}[];
        assert.deepStrictEqual(
          a.map((r) => r.json),
          b.map((r) => r.json),
          `ledger ${seq} ${topic}`,
        );
        assert.deepStrictEqual(
          a.map((r) => r.record),
          b.map((r) => r.record),
          `ledger ${seq} ${topic} records`,
        );
        counts[topic] += a.length;
      }
      const joined = (e: LedgerEvent): string[] => e.topicsFor(n.url).operations.map((o) => o.joinedJson());
      assert.deepStrictEqual(joined(c), joined(s), `ledger ${seq} operations joined with their tx`);
    }
    for (const [topic, k] of Object.entries(counts)) assert.ok(k > 0, `${topic} compared`);
    assert.ok(ledgers.size >= 6, `ledgers with submitted txs: ${ledgers.size}`);
  });

  it("operations made from the close, before any tx record, equal the store read's and the formatter's", () => {
    let ops = 0;
    let payments = 0;
    let muxed = 0;
    for (const [seq, result] of closes) {
      const feed = new LedgerFeed({txsFrom: "close"}, {reader: n.node.store});
      let event: LedgerEvent | undefined;
      feed.subscribe((e) => (event = e));
      feed.publish({header: result.header, result});
      // The topics asked for first: no tx record of the ledger is made before them.
      const topics = event!.topicsFor(n.url);
      const built = topics.operations;
      const paymentList = topics.payments;
      const stored = n.node.store.txs({limit: 200, order: "asc"}, {ledger: seq}).flatMap((tx) => tx.operations.map((_, k) => storedOp(tx, k + 1)!));
      const s = fromStore.get(seq)!.topicsFor(n.url).operations;
      assert.equal(built.length, stored.length, `ledger ${seq} operation count`);
      for (let i = 0; i < stored.length; i++) {
        const b = built[i]!;
        const oracle = JSON.stringify(operationRecord(stored[i]!, n.url));
        assert.equal(b.json, oracle, `ledger ${seq} operation ${stored[i]!.id}`);
        assert.equal(b.token, stored[i]!.id);
        assert.equal(b.txHash, stored[i]!.txHash);
        assert.equal(b.payment, isPaymentOp(stored[i]!));
        assert.deepStrictEqual([...b.accounts], [...s[i]!.accounts], `ledger ${seq} operation ${b.opId} accounts`);
        for (const a of s[i]!.accounts) assert.ok(b.accounts.has(a));
        if (oracle.includes('_muxed"')) muxed++;
      }
      assert.deepStrictEqual(
        paymentList.map((p) => p.json),
        built.filter((o) => o.payment).map((o) => o.json),
      );
      for (const account of [issuer, maker, taker, sponsor].map((k) => k.publicKey())) {
        assert.deepStrictEqual(
          topics.forAccount("payments", account).map((p) => p.json),
          fromStore.get(seq)!.topicsFor(n.url).forAccount("payments", account).map((p) => p.json),
          `ledger ${seq} payments of ${account}`,
        );
      }
      ops += built.length;
      payments += paymentList.length;
    }
    assert.ok(ops >= 14, `operations compared: ${ops}`);
    assert.ok(payments >= 6, `payments compared: ${payments}`);
    assert.ok(muxed >= 2, `operations with muxed fields compared: ${muxed}`);
  });

  it("rejects an unknown record source", () => {
    assert.throws(() => new LedgerFeed({txsFrom: "disk" as "store"}, {reader: n.node.store}), RangeError);
  });
});
