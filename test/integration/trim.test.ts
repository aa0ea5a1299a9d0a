/**
 * Queued txs checked again when each ledger's set is built, through a running node with one
 * operation per ledger: what became invalid while waiting is dropped, never charged, and its
 * waiting submitter is answered.
 */
import {test} from "node:test";
import assert from "node:assert/strict";
import {Account, Keypair, Operation, TransactionBuilder, Asset, type Horizon} from "@stellar/stellar-sdk";
import {startNode} from "../helpers/node.js";

interface HorizonFailure {
  response?: {status?: number; data?: {extras?: {result_codes?: {transaction: string}}}};
}

const stroops = (s: string) => BigInt(s.replace(".", ""));
const native = (a: Horizon.AccountResponse) => a.balances.find((b) => b.asset_type === "native")!.balance;

test("a queued tx whose fee the account can no longer pay, or whose maxTime passed, is dropped uncharged", {timeout: 60_000}, async () => {
  const n = await startNode({closeIntervalMs: 1000, genesis: {maxTxSetSize: 1} as never});
  try {
    const root = (await (await fetch(n.url + "/")).json()) as {network_passphrase: string};
    const passphrase = root.network_passphrase;
    const alice = Keypair.random();
    const carol = Keypair.random();
    const sink = Keypair.random();
    for (const k of [alice, carol, sink]) await n.server.friendbot(k.publicKey()).call();
    const reserve = 2n * BigInt(n.node.config.baseReserve);

    const submit = async (tx: ReturnType<TransactionBuilder["build"]>) => {
      try {
        const r = await n.server.submitTransaction(tx, {skipMemoRequiredCheck: true});
        return {status: 200, code: r.successful ? "tx_success" : "?"};
      } catch (e) {
        const r = (e as HorizonFailure).response;
        return {status: r?.status, code: r?.data?.extras?.result_codes?.transaction};
      }
    };

    // alice: tx1 spends all but 50 stroops of her spare balance; tx2 (admitted at the same time,
    // when both fees were covered) can then no longer pay its fee.
    const a = await n.server.loadAccount(alice.publicKey());
    const spare = stroops(native(a)) - reserve;
    const seq = BigInt(a.sequence);
    const tx1 = new TransactionBuilder(new Account(alice.publicKey(), seq.toString()), {fee: "100", networkPassphrase: passphrase})
      .addOperation(Operation.payment({destination: sink.publicKey(), asset: Asset.native(), amount: (Number(spare - 150n) / 1e7).toFixed(7)}))
      .setTimeout(0)
      .build();
    tx1.sign(alice);
    const tx2 = new TransactionBuilder(new Account(alice.publicKey(), (seq + 1n).toString()), {fee: "100", networkPassphrase: passphrase})
      .addOperation(Operation.bumpSequence({bumpTo: "0"}))
      .setTimeout(0)
      .build();
    tx2.sign(alice);

    // The queue holds 4 ledgers' worth of operations: alice's pair, then carol's chain.
    assert.deepEqual(await Promise.all([submit(tx1), submit(tx2)]), [
      {status: 200, code: "tx_success"},
      {status: 400, code: "tx_insufficient_balance"},
    ]);
    // carol: c0 and c1 take a ledger each (one op per ledger), so c2 closes at least two seconds
    // after now: past its maxTime.
    const c = await n.server.loadAccount(carol.publicKey());
    const cseq = BigInt(c.sequence);
    const nowS = Math.floor(Date.now() / 1000);
    const bumpOf = (s: bigint) => {
      const t = new TransactionBuilder(new Account(carol.publicKey(), s.toString()), {fee: "100", networkPassphrase: passphrase})
        .addOperation(Operation.bumpSequence({bumpTo: "0"}))
        .setTimeout(0)
        .build();
      t.sign(carol);
      return t;
    };
    const c0 = bumpOf(cseq);
    const c1 = bumpOf(cseq + 1n);
    const c2 = new TransactionBuilder(new Account(carol.publicKey(), (cseq + 2n).toString()), {
      fee: "100",
      networkPassphrase: passphrase,
      timebounds: {minTime: 0, maxTime: nowS + 1},
    })
      .addOperation(Operation.bumpSequence({bumpTo: "0"}))
      .build();
    c2.sign(carol);

    assert.deepEqual(await Promise.all([submit(c0), submit(c1), submit(c2)]), [
      {status: 200, code: "tx_success"},
      {status: 200, code: "tx_success"},
      {status: 400, code: "tx_too_late"},
    ]);

    const after = await n.server.loadAccount(alice.publicKey());
    assert.equal(stroops(native(after)) - reserve, 50n, "tx2 was never charged: alice keeps her reserve");
    assert.equal(BigInt(after.sequence), seq + 1n);
    const carolAfter = await n.server.loadAccount(carol.publicKey());
    assert.equal(stroops(native(carolAfter)), stroops(native(c)) - 200n, "c2 was never charged");
    for (const t of [tx2, c2]) {
      const r = await fetch(n.url + "/transactions/" + t.hash().toString("hex"));
      assert.equal(r.status, 404, "a dropped tx is in no ledger");
    }
    const dropped = await n.node.metrics.queueDropped.get();
    const count = (reason: string) => dropped.values.find((v) => v.labels.reason === reason)?.value ?? 0;
    assert.ok(count("tx_insufficient_balance") >= 1);
    assert.ok(count("tx_too_late") >= 1);
  } finally {
    await n.stop();
  }
});
