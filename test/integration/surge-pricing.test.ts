/**
 * Surge pricing through the whole node: when more operations wait than a ledger holds, the
 * highest fee per operation goes first and everyone in that ledger pays the lowest included fee
 * per operation; the rest wait for the next ledger, which is not full and charges the base fee.
 */
import {describe, it, before, after} from "node:test";
import assert from "node:assert/strict";
import {Asset, Keypair, Operation, TransactionBuilder, type Horizon} from "@stellar/stellar-sdk";
import {startNode, type RunningNode} from "../helpers/node.js";

describe("surge pricing", () => {
  let n: RunningNode;
  const senders = Array.from({length: 5}, () => Keypair.random());
  const sink = Keypair.random();

  before(async () => {
    n = await startNode({
      closeIntervalMs: 700,
      genesis: {
        passphrase: "Surge Test Network ; 2026",
        totalCoins: 10n ** 17n,
        baseFee: 100,
        baseReserve: 5_000_000,
        maxTxSetSize: 3,
      },
    });
    for (const s of [...senders, sink]) await n.server.friendbot(s.publicKey()).call();
  });
  after(async () => {
    await n.stop();
  });

  it("includes the highest bids first and charges the lowest included bid", async () => {
    const passphrase = n.node.config.passphrase;
    const accounts = await Promise.all(senders.map((s) => n.server.loadAccount(s.publicKey())));
    const fees = [100, 200, 300, 400, 500];
    const envelopes = senders.map((s, i) => {
      const tx = new TransactionBuilder(accounts[i] as Horizon.AccountResponse, {fee: String(fees[i]), networkPassphrase: passphrase})
        .addOperation(Operation.payment({destination: sink.publicKey(), asset: Asset.native(), amount: "1"}))
        .setTimeout(0)
        .build();
      tx.sign(s);
      return {xdr: tx.toXDR(), hash: tx.hash().toString("hex"), fee: fees[i]};
    });
    // Submit all five right after a ledger closes, so they wait for the same next ledger.
    await new Promise<void>((resolve) => n.node.herder.onLedgerClosed(() => resolve()));
    const answers = await Promise.all(
      envelopes.map((e) =>
        fetch(n.url + "/transactions_async", {
          method: "POST",
          headers: {"content-type": "application/x-www-form-urlencoded"},
          body: "tx=" + encodeURIComponent(e.xdr),
        }),
      ),
    );
    for (const a of answers) assert.equal(a.status, 201);

    const records = await Promise.all(
      envelopes.map(async (e) => {
        for (let i = 0; i < 100; i++) {
          const r = await fetch(n.url + "/transactions/" + e.hash);
          if (r.status === 200) return {...e, rec: (await r.json()) as {ledger: number; fee_charged: string; successful: boolean}};
          await new Promise((res) => setTimeout(res, 50));
        }
        throw new Error("tx never reached a ledger: " + e.hash);
      }),
    );
    const first = Math.min(...records.map((r) => r.rec.ledger));
    const inFirst = records.filter((r) => r.rec.ledger === first).map((r) => r.fee).sort();
    const later = records.filter((r) => r.rec.ledger !== first);
    assert.deepEqual(inFirst, [300, 400, 500], "the three best bids fill the 3-operation ledger");
    for (const r of records.filter((x) => x.rec.ledger === first)) assert.equal(r.rec.fee_charged, "300");
    assert.deepEqual(later.map((r) => r.fee).sort(), [100, 200]);
    for (const r of later) {
      assert.equal(r.rec.fee_charged, "100", "a ledger with room charges the base fee");
      assert.ok(r.rec.ledger > first);
    }
    for (const r of records) assert.equal(r.rec.successful, true);

    // /fee_stats covers the last 5 ledgers, read right after the second ledger of bids closed: the
    // bids were 100..500, the surge ledger charged 300 per operation and the next one 100.
    const stats = (await (await fetch(n.url + "/fee_stats")).json()) as {
      last_ledger: string;
      last_ledger_base_fee: string;
      fee_charged: {min: string; max: string};
      max_fee: {min: string; max: string};
    };
    const lastBidLedger = Math.max(...records.map((r) => r.rec.ledger));
    assert.ok(Number(stats.last_ledger) >= lastBidLedger, `fee_stats at ledger ${stats.last_ledger}, bids in ${first}..${lastBidLedger}`);
    assert.ok(Number(stats.last_ledger) - first < 5, "the surge ledger is still inside the 5-ledger window");
    assert.equal(stats.last_ledger_base_fee, "100");
    assert.equal(stats.max_fee.max, "500");
    assert.equal(stats.max_fee.min, "100");
    assert.equal(stats.fee_charged.max, "300");
    assert.equal(stats.fee_charged.min, "100");

    // The node's own counters saw the same ledgers: 6 friendbot creations and the 5 payments
    // succeeded, none failed, and the sequence gauge is at least the last bid ledger.
    const text = await (await fetch(n.url + "/metrics")).text();
    const value = (line: RegExp): number => Number(line.exec(text)?.[1]);
    assert.equal(value(/^diamante_ledger_txs_applied_total\{result="success"\} (\d+)$/m), 11);
    assert.equal(value(/^diamante_ledger_txs_applied_total\{result="failed"\} (\d+)$/m), 0);
    assert.ok(value(/^diamante_ledger_sequence (\d+)$/m) >= lastBidLedger);
  });
});
